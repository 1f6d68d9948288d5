package report

import (
	"net/url"
	"path/filepath"
	"strings"
)

// LinkOptions say how trace links are built, as the seed's harness did: with a
// Perfetto relay page, <relay>?src=<url-encoded TRACE_BASE_URL/path>; with only a
// base URL, the raw URL; with neither, the local path.
type LinkOptions struct {
	TraceBaseURL     string // TRACE_BASE_URL
	PerfettoRelayURL string // PERFETTO_RELAY_URL
	RunDir           string // for local paths
}

// TraceLink builds the link for a trace path relative to the run directory.
func (o LinkOptions) TraceLink(rel string) string {
	rel = filepath.ToSlash(rel)
	if o.TraceBaseURL == "" {
		if o.RunDir != "" {
			return filepath.ToSlash(filepath.Join(o.RunDir, rel))
		}
		return rel
	}
	raw := strings.TrimRight(o.TraceBaseURL, "/") + "/" + escapePath(rel)
	if o.PerfettoRelayURL == "" {
		return raw
	}
	sep := "?"
	if strings.Contains(o.PerfettoRelayURL, "?") {
		sep = "&"
	}
	return o.PerfettoRelayURL + sep + "src=" + url.QueryEscape(raw)
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
