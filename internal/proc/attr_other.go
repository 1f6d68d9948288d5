//go:build !linux

package proc

import "syscall"

// sysProcAttr puts the child in a new process group (no cgroups, no
// parent-death signal outside Linux).
func sysProcAttr(int) *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
