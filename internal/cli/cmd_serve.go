package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/servesweep/servesweep/internal/report"
	"github.com/spf13/cobra"
)

type serveOptions struct {
	Addr        string
	PerfettoURL string
	AllowHosts  []string
}

func newServeCmd(env Env) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve DIR",
		Short: "Serve a run's report locally, with an \"Open in Perfetto\" button per trace",
		Long: `serve starts a web server (loopback by default) showing the run's HTML report.
Each trace has an "Open in Perfetto" button: it opens the Perfetto UI, waits for
its PONG, fetches the trace bytes from this server and posts them with
Perfetto's postMessage protocol (localhost and 127.0.0.1 are trusted origins,
so no dialog). The run directory's regular files are served under /run/
(nothing outside it, symbolic links included; no folder listings, no CORS),
and only to requests addressed to the bound address or localhost, which
keeps other web sites out (DNS rebinding).`,
		Example: `  servesweep serve runs/nightly
  servesweep serve runs/nightly --addr 127.0.0.1:9000`,
		Args: exactArgs(1, "a run directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), env, o, args[0])
		},
	}
	cmd.Flags().StringVar(&o.Addr, "addr", "127.0.0.1:8411", "address to listen on (loopback by default; port 0 picks a free one)")
	cmd.Flags().StringVar(&o.PerfettoURL, "perfetto-url", "https://ui.perfetto.dev", "Perfetto UI to open traces in")
	cmd.Flags().StringSliceVar(&o.AllowHosts, "allow-host", nil, "host `NAME` requests may be addressed to besides IP addresses and localhost (when serving beyond loopback)")
	return cmd
}

// ServeHandler serves dir's HTML report at / and its files under /run/.
func ServeHandler(env Env, dir, perfettoURL string) (http.Handler, error) {
	if _, err := report.Load(dir, report.LinkOptions{RunDir: dir}); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		rep, err := report.Load(dir, report.LinkOptions{RunDir: dir})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		rep.HTML(w, report.HTMLOptions{Serve: true, PerfettoURL: perfettoURL})
	})
	// No CORS header: the report page fetches traces from its own origin and
	// hands them to Perfetto by postMessage, so no other site needs to read them.
	files, err := runFiles(dir)
	if err != nil {
		return nil, err
	}
	mux.Handle("/run/", http.StripPrefix("/run", files))
	return mux, nil
}

func runServe(ctx context.Context, env Env, o serveOptions, dir string) error {
	h, err := ServeHandler(env, dir, o.PerfettoURL)
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return usagef("cannot listen on %s: %v (choose another --addr)", o.Addr, err)
	}
	fmt.Fprintf(env.Stderr, "servesweep: serving %s at http://%s/ (Ctrl-C to stop)\n", dir, ln.Addr())
	srv := &http.Server{Handler: hostGuard(ln.Addr(), o.AllowHosts, h), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
