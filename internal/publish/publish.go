// Package publish pushes a run's traces and report to a git repository, as
// the seed's CI pushed traces to its trace-data repository, and rewrites the
// report's trace links to the published location. Credentials come only from
// the environment (a token handed to git through GIT_ASKPASS) and never reach
// logs, errors or the report.
package publish

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Options say where to publish.
type Options struct {
	Remote string // git URL or path of the repository
	Branch string // created when missing
	Prefix string // folder in the repository, e.g. traces/<run id>
	Token  string // for https remotes; from the environment only
	// TokenHost is the host Token belongs to (github.com for a GitHub token):
	// it is sent to no other, and never over plain http.
	TokenHost string
	Message   string
	Log       io.Writer
}

// Files lists what is published from a run directory: traces, reports, raw results.
func Files(dir string) ([]string, error) {
	var out []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		base := filepath.Base(rel)
		switch {
		case strings.Contains(rel, string(filepath.Separator)+"traces"+string(filepath.Separator)):
			out = append(out, rel)
		case base == "report.md" || base == "report.html" || base == "report.json" || base == "results.jsonl" || base == "servers.jsonl" || base == "run.json":
			if !strings.Contains(rel, string(filepath.Separator)) {
				out = append(out, rel)
			}
		}
		return nil
	})
	return out, err
}

var tokenLike = regexp.MustCompile(`(gh[pousr]_[A-Za-z0-9]{10,}|x-access-token:[^@\s]+)`)

// Publish copies files (relative to dir) plus the extra files (name → content)
// under Prefix in the repository, commits and pushes. It returns the commit.
func Publish(ctx context.Context, dir string, files []string, extra map[string][]byte, o Options) (string, error) {
	send, note, err := tokenPolicy(o)
	if err != nil {
		return "", err
	}
	if note != "" && o.Log != nil {
		fmt.Fprintln(o.Log, "servesweep: "+note)
	}
	if !send {
		o.Token = ""
	}
	hidden := append(remoteSecrets(o.Remote), o.Token)
	work, err := os.MkdirTemp("", "servesweep-publish-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	work0 := work
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_AUTHOR_NAME=servesweep", "GIT_AUTHOR_EMAIL=servesweep@localhost",
			"GIT_COMMITTER_NAME=servesweep", "GIT_COMMITTER_EMAIL=servesweep@localhost")
		if o.Token != "" {
			u, _ := parseURL(o.Remote)
			script := filepath.Join(work0, ".askpass")
			os.WriteFile(script, []byte(askpass), 0o700)
			cmd.Env = append(cmd.Env, "GIT_ASKPASS="+script, "SERVESWEEP_GIT_TOKEN="+o.Token, "SERVESWEEP_GIT_HOST="+u.Host)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		msg := strings.TrimSpace(out.String())
		for _, h := range hidden {
			if len(h) >= 4 {
				msg = strings.ReplaceAll(msg, h, "***")
			}
		}
		msg = tokenLike.ReplaceAllString(msg, "***")
		if err != nil {
			return msg, fmt.Errorf("git %s: %v: %s", args[0], err, lastLine(msg))
		}
		return msg, nil
	}
	repo := filepath.Join(work, "repo")
	if _, err := git("clone", "--quiet", "--depth", "1", "--branch", o.Branch, o.Remote, repo); err != nil {
		// The branch may not exist yet: clone the default branch (or an empty repository) and create it.
		os.RemoveAll(repo)
		if _, err2 := git("clone", "--quiet", "--depth", "1", o.Remote, repo); err2 != nil {
			return "", fmt.Errorf("cannot clone %s: %v", Redact(o.Remote), err2)
		}
		work = repo
		if _, err := git("checkout", "--quiet", "--orphan", o.Branch); err != nil {
			return "", err
		}
		git("rm", "-rq", "--cached", ".")
	}
	work = repo
	if err := copyInto(filepath.Join(repo, filepath.FromSlash(o.Prefix)), dir, files, extra); err != nil {
		return "", err
	}
	if _, err := git("add", "--", filepath.FromSlash(o.Prefix)); err != nil {
		return "", err
	}
	msg := o.Message
	if msg == "" {
		msg = "servesweep: publish " + o.Prefix
	}
	if _, err := git("commit", "--quiet", "-m", msg); err != nil {
		return "", err
	}
	if _, err := git("push", "--quiet", "origin", "HEAD:refs/heads/"+o.Branch); err != nil {
		return "", fmt.Errorf("cannot push to %s: %v", Redact(o.Remote), err)
	}
	rev, err := git("rev-parse", "HEAD")
	return strings.TrimSpace(rev), err
}

// copyInto writes files (relative to dir) and the extra files under dest.
func copyInto(dest, dir string, files []string, extra map[string][]byte) error {
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dest, f), b); err != nil {
			return err
		}
	}
	for name, b := range extra {
		if err := writeFile(filepath.Join(dest, name), b); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
