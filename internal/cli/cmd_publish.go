package cli

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/servesweep/servesweep/internal/publish"
	"github.com/servesweep/servesweep/internal/report"
	"github.com/servesweep/servesweep/internal/rundir"
	"github.com/spf13/cobra"
)

type publishOptions struct {
	Git, Branch, Prefix, BaseURL string
}

func newPublishCmd(env Env) *cobra.Command {
	var o publishOptions
	cmd := &cobra.Command{
		Use:   "publish DIR --git REMOTE [--branch B] [--prefix traces/<run>]",
		Short: "Push a run's traces and report to a git repository and rewrite the report's trace links",
		Long: `publish commits the run's traces, reports and raw results under --prefix in a
git repository and pushes them (the branch is created when missing). The
published report.md links each trace at --base-url/<prefix>/<path> (through
PERFETTO_RELAY_URL when set), or by a relative path when --base-url is not
given; DIR/report.published.md gets the same links.

For https remotes a token is read from SERVESWEEP_GIT_TOKEN (for the host in
SERVESWEEP_GIT_TOKEN_HOST, default github.com), else GITHUB_TOKEN (for the host
of GITHUB_SERVER_URL, default github.com), and handed to git through
GIT_ASKPASS, only for that host: never to another host, never over plain http
(credentials in an http:// URL are refused). It never appears in logs, errors
or the report; neither do credentials written into the remote.`,
		Example: `  servesweep publish runs/nightly --git https://github.com/org/trace-data.git --branch main \
      --base-url https://raw.githubusercontent.com/org/trace-data/main
  servesweep publish runs/nightly --git /srv/git/traces.git`,
		Args: exactArgs(1, "a run directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if o.Git == "" {
				return usagef("publish needs --git REMOTE")
			}
			meta, err := rundir.ReadMeta(dir)
			if err != nil {
				return usagef("%s is not a servesweep run directory: %v", dir, err)
			}
			prefix := o.Prefix
			if prefix == "" {
				prefix = "traces/" + meta.RunID
			}
			prefix = strings.Trim(prefix, "/")
			links := report.LinkOptions{PerfettoRelayURL: env.Getenv("PERFETTO_RELAY_URL")}
			if o.BaseURL != "" {
				links.TraceBaseURL = strings.TrimRight(o.BaseURL, "/") + "/" + prefix
			}
			rep, err := report.Load(dir, links)
			if err != nil {
				return err
			}
			var md bytes.Buffer
			rep.Markdown(&md)
			files, err := publish.Files(dir)
			if err != nil {
				return err
			}
			token, host := gitToken(env)
			rev, err := publish.Publish(cmd.Context(), dir, files, map[string][]byte{"report.md": md.Bytes()},
				publish.Options{Remote: o.Git, Branch: o.Branch, Prefix: prefix, Token: token, TokenHost: host, Log: env.Stderr})
			if err != nil {
				return err
			}
			if err := writeFileString(path.Join(dir, "report.published.md"), md.String()); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "servesweep: published %d files to %s (%s, %s) at %s\n", len(files)+1, publish.Redact(o.Git), o.Branch, prefix, rev[:min(12, len(rev))])
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Git, "git", "", "git repository to push to (URL or path)")
	cmd.Flags().StringVar(&o.Branch, "branch", "main", "branch to push (created when missing)")
	cmd.Flags().StringVar(&o.Prefix, "prefix", "", "folder in the repository (default traces/<run id>)")
	cmd.Flags().StringVar(&o.BaseURL, "base-url", "", "URL the repository's files are served at (raw file URL of the branch)")
	return cmd
}

// gitToken is the token publish may use and the host it belongs to.
func gitToken(env Env) (token, host string) {
	if t := env.Getenv("SERVESWEEP_GIT_TOKEN"); t != "" {
		host = env.Getenv("SERVESWEEP_GIT_TOKEN_HOST") // a host, or a URL such as ${{ github.server_url }}
		if u, err := url.Parse(host); err == nil && u.Host != "" {
			host = u.Host
		}
		if host == "" {
			host = "github.com"
		}
		return t, host
	}
	host = "github.com"
	if u, err := url.Parse(env.Getenv("GITHUB_SERVER_URL")); err == nil && u.Host != "" {
		host = u.Host
	}
	return env.Getenv("GITHUB_TOKEN"), host
}
