package proc

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// CgroupEnv chooses where servers' cgroups are made: unset, under this
// process's own cgroup v2; "off", nowhere (processes are tracked through
// /proc alone); an absolute path, under that cgroup v2 directory (a delegated
// subtree).
const CgroupEnv = "SERVESWEEP_CGROUP"

// cgroup is one server's cgroup v2 directory: every process the server starts
// stays in it, whatever it does with sessions and process groups
// (Documentation/admin-guide/cgroup-v2.rst, "Processes").
type cgroup struct{ dir string }

// cgroupName is the name of the cgroup of the launch with this id.
func cgroupName(launchID string) string { return "servesweep-" + launchID }

// newCgroup makes the launch's cgroup; nil when no writable cgroup v2 is found.
func newCgroup(launchID string) *cgroup {
	parent := os.Getenv(CgroupEnv)
	switch {
	case parent == "off":
		return nil
	case parent == "":
		self, err1 := os.ReadFile("/proc/self/cgroup")
		mounts, err2 := os.ReadFile("/proc/self/mountinfo")
		if err1 != nil || err2 != nil {
			return nil
		}
		var ok bool
		if parent, ok = cgroupDir(string(self), string(mounts)); !ok {
			return nil
		}
	case !filepath.IsAbs(parent):
		return nil
	}
	if _, err := os.Stat(filepath.Join(parent, "cgroup.procs")); err != nil {
		return nil
	}
	dir := filepath.Join(parent, cgroupName(launchID))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil
	}
	return &cgroup{dir: dir}
}

// cgroupDir finds this process's cgroup v2 directory from /proc/self/cgroup
// (the "0::PATH" line) and /proc/self/mountinfo (a cgroup2 mount; its root
// field is the part of PATH the mount point stands for). See proc(5).
func cgroupDir(selfCgroup, mountinfo string) (string, bool) {
	path := ""
	for _, l := range strings.Split(selfCgroup, "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			path = strings.TrimSpace(p)
		}
	}
	if !strings.HasPrefix(path, "/") || strings.Contains(path, "/..") {
		return "", false
	}
	for _, l := range strings.Split(mountinfo, "\n") {
		pre, post, ok := strings.Cut(l, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 1 || g[0] != "cgroup2" {
			continue
		}
		root, mnt := unescapeMount(f[3]), unescapeMount(f[4])
		rel, ok := strings.CutPrefix(path, root)
		if root == "/" {
			rel, ok = path, true
		}
		if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) || !strings.HasPrefix(mnt, "/") {
			continue
		}
		return filepath.Join(mnt, rel), true
	}
	return "", false
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// openCgroup is the cgroup of a launch record, when dir is that launch's
// cgroup and still exists; nil otherwise.
func openCgroup(dir, launchID string) *cgroup {
	if dir == "" || !filepath.IsAbs(dir) || filepath.Base(dir) != cgroupName(launchID) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err != nil {
		return nil
	}
	return &cgroup{dir: filepath.Clean(dir)}
}

// Dir is the cgroup's directory ("" for none).
func (c *cgroup) Dir() string {
	if c == nil {
		return ""
	}
	return c.dir
}

// procs lists the processes in the cgroup and in cgroups below it.
func (c *cgroup) procs() []int {
	if c == nil {
		return nil
	}
	var out []int
	filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				out = append(out, pid)
			}
		}
		return nil
	})
	return out
}

// kill sends SIGKILL to every process of the cgroup and below at once
// (cgroup.kill, Linux 5.14); false where the kernel has no cgroup.kill.
func (c *cgroup) kill() bool {
	if c == nil {
		return false
	}
	return os.WriteFile(filepath.Join(c.dir, "cgroup.kill"), []byte("1"), 0) == nil
}

// remove removes the cgroup (and cgroups made below it), deepest first; it
// fails while processes are in them.
func (c *cgroup) remove() error {
	if c == nil {
		return nil
	}
	var dirs []string
	filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	sort.Slice(dirs, func(a, b int) bool { return len(dirs[a]) > len(dirs[b]) })
	var first error
	for _, d := range dirs {
		if err := os.Remove(d); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}
