package proc

import "syscall"

// sysProcAttr puts the child in a new process group, into the cgroup whose
// directory cgroupFD is open on (when >= 0; clone3 CLONE_INTO_CGROUP, Go's
// SysProcAttr.UseCgroupFD), and asks for SIGTERM when this process dies
// (prctl PR_SET_PDEATHSIG): a SIGKILLed servesweep does not leave the server
// running on. SIGTERM, not SIGKILL, so that an engine's launcher stops its
// workers. The signal comes when the thread that forked the child ends
// (golang/go#27505); the Go runtime only ends threads that a goroutine left
// locked, which servesweep never does.
func sysProcAttr(cgroupFD int) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if cgroupFD >= 0 {
		a.UseCgroupFD, a.CgroupFD = true, cgroupFD
	}
	return a
}
