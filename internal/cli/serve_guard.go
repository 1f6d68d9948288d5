package cli

import (
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// runFiles serves the regular files inside dir and nothing else: the request
// path is resolved, symbolic links included, and must stay inside dir (a link
// to / or to a file elsewhere answers 404, as do folders: no listings).
func runFiles(dir string) (http.Handler, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil || (real != root && !strings.HasPrefix(real, root+string(filepath.Separator))) {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(real)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, st.Name(), st.ModTime(), f)
	}), nil
}

// hostGuard answers 403 to a request whose Host header is not the address the
// server is bound to: a page of another site that rebinds its name to
// 127.0.0.1 (DNS rebinding) sends its own name, and gets nothing. Accepted:
// the bound port with an IP address, localhost, or a name given in allow.
func hostGuard(bound net.Addr, allow []string, h http.Handler) http.Handler {
	_, port, _ := net.SplitHostPort(bound.String())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, p, err := net.SplitHostPort(r.Host)
		if err != nil {
			host, p = r.Host, "80"
		}
		host = strings.ToLower(strings.Trim(host, "[]"))
		named := host == "localhost" || net.ParseIP(host) != nil || slices.Contains(allow, host)
		if p != port || !named {
			http.Error(w, "servesweep serve answers only requests addressed to "+bound.String()+" (or localhost; see --allow-host)", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}
