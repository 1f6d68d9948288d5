package simserver

import (
	"fmt"
	"io"
	"log"
	"math"
	"strconv"
	"strings"
	"time"
)

// setRehearsal reads --sim-effective KEY=VALUE and --sim-log-line TEXT: the
// sim reports KEY as VALUE in /server_info (and, for moe_runner_backend, runs
// and traces that backend), and prints TEXT to its log at startup the way
// SGLang would. Together they rehearse an engine's silent fallback.
func (o *Options) setRehearsal(f *flagReader) error {
	v, err := f.next()
	if err != nil {
		return err
	}
	if f.name == "--sim-log-line" {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("--sim-log-line takes one line of text")
		}
		o.LogLines = append(o.LogLines, v)
		return nil
	}
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return fmt.Errorf("--sim-effective %q: write KEY=VALUE, e.g. moe_runner_backend=triton", v)
	}
	o.Effective[k] = val
	return nil
}

// ran is o as the server really runs it: a rehearsed moe_runner_backend
// replaces the asked one for speed and traces.
func (o Options) ran() Options {
	if b, ok := o.Effective["moe_runner_backend"]; ok {
		o.MoEBackend = b
	}
	return o
}

// effectiveInfo is the resolved configuration /server_info reports, as SGLang
// names it (ServerArgs fields): the modelled flags, every other engine flag
// with dashes as underscores, then the rehearsed overrides.
func (o Options) effectiveInfo() map[string]any {
	info := map[string]any{
		"model_path": o.ModelPath, "tp_size": o.TP, "ep_size": o.EP, "dp_size": 1, "pp_size": 1,
		"moe_runner_backend": orAuto(o.MoEBackend),
	}
	for k, v := range o.Extra {
		info[strings.ReplaceAll(k, "-", "_")] = typed(v)
	}
	for k, v := range o.Effective {
		info[k] = typed(v)
	}
	return info
}

// typed turns a flag's text into the JSON type SGLang would report.
func typed(v string) any {
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f
	}
	if b, err := strconv.ParseBool(v); err == nil {
		return b
	}
	return v
}

// printLogLines writes the rehearsed log lines once per TP rank, in SGLang's
// format ("[%(asctime)s TP0] %(message)s", datefmt %Y-%m-%d %H:%M:%S).
func printLogLines(w io.Writer, o Options) {
	now := time.Now().Format("2006-01-02 15:04:05")
	for _, line := range o.LogLines {
		for r := 0; r < o.TP; r++ {
			fmt.Fprintf(w, "[%s TP%d] %s\n", now, r, line)
		}
	}
}

func orAuto(s string) string {
	if s == "" {
		return "auto"
	}
	return s
}

// refuse fails the start like the real engine would for a configuration that
// pre-flight skips: the dry run is honest about what would happen on the
// target hardware even with --force.
func refuse(lg *log.Logger, logw io.Writer, o Options) error {
	lg.Printf("Loading model %s, tp_size=%d", o.ModelPath, o.TP)
	for _, r := range o.Refuse {
		fmt.Fprintf(logw, "RuntimeError: %s (rehearsed by the sim: pre-flight predicts the engine fails here)\n", r)
	}
	return fmt.Errorf("the engine would not start: %s", o.Refuse[0])
}
