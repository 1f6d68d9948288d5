package publish

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// tokenPolicy decides whether o.Token may be handed to git for o.Remote: only
// over https, and only to o.TokenHost, the host the token belongs to (a
// GitHub token to github.com). Never over plain http, where git would send it
// in cleartext (Basic auth); ssh remotes and paths need no token. Credentials
// written into a plain-http URL are refused outright.
func tokenPolicy(o Options) (send bool, note string, err error) {
	u, isURL := parseURL(o.Remote)
	if !isURL {
		return false, "", nil // a path or an scp-style ssh remote: no token
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		if u.User != nil {
			return false, "", fmt.Errorf("refusing to publish to %s: credentials in a plain-http URL would cross the network in cleartext; use an https remote", Redact(o.Remote))
		}
		if o.Token != "" {
			note = "the token is not sent to a plain-http remote (it would cross the network in cleartext); use https"
		}
		return false, note, nil
	case "https":
		if o.Token == "" {
			return false, "", nil
		}
		if sameHost(u.Host, o.TokenHost) {
			return true, "", nil
		}
		return false, fmt.Sprintf("the token belongs to %s, not %s: it is not sent (set SERVESWEEP_GIT_TOKEN_HOST to the remote's host to send SERVESWEEP_GIT_TOKEN there)", o.TokenHost, u.Host), nil
	}
	return false, "", nil
}

// parseURL parses a remote written as a URL (scheme://...).
func parseURL(remote string) (*url.URL, bool) {
	if !strings.Contains(remote, "://") {
		return nil, false
	}
	u, err := url.Parse(remote)
	if err != nil {
		return nil, false
	}
	return u, true
}

// sameHost compares hosts without regard to case or https's default port.
func sameHost(a, b string) bool {
	norm := func(h string) string { return strings.TrimSuffix(strings.ToLower(h), ":443") }
	return b != "" && norm(a) == norm(b)
}

// scpLike is git's scp-style remote: [user[:password]@]host:path.
var scpLike = regexp.MustCompile(`^([^@/]+)@([^:/]+:.*)$`)

// Redact removes credentials from a remote for messages: the user info of a
// URL, and that of an scp-style remote unless it is a plain user name (git@).
func Redact(s string) string {
	if u, isURL := parseURL(s); isURL {
		if u.User != nil {
			u.User = url.User("***")
			return u.String()
		}
		return s
	}
	if m := scpLike.FindStringSubmatch(s); m != nil {
		if strings.Contains(m[1], ":") || tokenLike.MatchString(m[1]) || len(m[1]) > 32 {
			return "***@" + m[2]
		}
	}
	if i := strings.Index(s, "://"); i >= 0 { // a URL url.Parse refused: hide what could be user info
		if j := strings.LastIndex(s, "@"); j > i {
			return s[:i+3] + "***" + s[j:]
		}
	}
	return s
}

// remoteSecrets are the credentials written into a remote, to mask in git's output.
func remoteSecrets(remote string) []string {
	if u, isURL := parseURL(remote); isURL && u.User != nil {
		p, _ := u.User.Password()
		return []string{u.User.Username(), p, u.User.String()}
	}
	if m := scpLike.FindStringSubmatch(remote); m != nil {
		user, pass, _ := strings.Cut(m[1], ":")
		if pass != "" || tokenLike.MatchString(user) {
			return []string{m[1], pass}
		}
	}
	return nil
}

// askpass answers git's prompts with the token, and only for the https URL of
// the host it belongs to (git names the URL in its prompt: "Password for
// 'https://user@host': "), so a redirect elsewhere gets nothing.
const askpass = `#!/bin/sh
case "$1" in
*"'https://$SERVESWEEP_GIT_HOST'"*|*"'https://"*"@$SERVESWEEP_GIT_HOST'"*) ;;
*) exit 1 ;;
esac
case "$1" in
Username*) printf '%s' x-access-token ;;
*) printf '%s' "$SERVESWEEP_GIT_TOKEN" ;;
esac
`
