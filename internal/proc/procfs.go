package proc

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// stat is what servesweep reads of one process in /proc/PID/stat (proc(5)).
type stat struct {
	pid, ppid, pgid, sid int
	state                byte
	// start is the process's start time in clock ticks after boot (field 22):
	// with the pid it names one process of one boot, whatever reuses the pid later.
	start uint64
}

// parseStat parses the content of /proc/PID/stat. The command name (field 2)
// is in parentheses and may hold spaces and parentheses, so the fields are
// counted from the last ')'.
func parseStat(b []byte) (stat, bool) {
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open <= 0 || close < open {
		return stat{}, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil || pid <= 0 {
		return stat{}, false
	}
	f := strings.Fields(s[close+1:])
	// f[0] state (field 3), f[1] ppid (4), f[2] pgrp (5), f[3] session (6), f[19] starttime (22).
	if len(f) < 20 || len(f[0]) != 1 {
		return stat{}, false
	}
	st := stat{pid: pid, state: f[0][0]}
	var e1, e2, e3, e4 error
	st.ppid, e1 = strconv.Atoi(f[1])
	st.pgid, e2 = strconv.Atoi(f[2])
	st.sid, e3 = strconv.Atoi(f[3])
	st.start, e4 = strconv.ParseUint(f[19], 10, 64)
	if e1 != nil || e2 != nil || e3 != nil || e4 != nil {
		return stat{}, false
	}
	return st, true
}

// live reports whether the process runs (is not a zombie or dead).
func (s stat) live() bool { return s.state != 'Z' && s.state != 'X' && s.state != 'x' }

// readStat reads one process's stat; false when it is gone.
func readStat(pid int) (stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, false
	}
	return parseStat(b)
}

// snapshot reads every live process in /proc; false when /proc cannot be read.
func snapshot() ([]stat, bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, false
	}
	out := make([]stat, 0, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, ok := readStat(pid); ok && s.live() {
			out = append(out, s)
		}
	}
	return out, true
}

// hasEnv reports whether the process's initial environment (/proc/PID/environ)
// holds the entry kv exactly. A process of another user cannot be read: false.
func hasEnv(pid int, kv string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	for _, e := range bytes.Split(b, []byte{0}) {
		if string(e) == kv {
			return true
		}
	}
	return false
}

// bootID identifies this boot of this machine ("" when unknown): a pid and a
// start time recorded under another boot id name no process here.
func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// GroupMembers lists live (non-zombie) processes whose process group is pgid,
// read from /proc.
func GroupMembers(pgid int) []int {
	all, ok := snapshot()
	if !ok {
		// No /proc: fall back to signal 0 to the group.
		if pgid > 0 && killGroup(pgid, 0) == nil {
			return []int{-pgid}
		}
		return nil
	}
	var out []int
	for _, s := range all {
		if s.pgid == pgid {
			out = append(out, s.pid)
		}
	}
	return out
}
