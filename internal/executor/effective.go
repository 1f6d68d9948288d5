package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/results"
)

// EffectiveTimeout bounds each read of a server's effective configuration.
const EffectiveTimeout = 10 * time.Second

// effectiveWatch follows what a server really runs: the configuration it
// reports and the known lines of its log (fallbacks, resolved backends).
type effectiveWatch struct {
	reader   engine.EffectiveReader // nil when the client cannot report one
	patterns []engine.LogPattern
	asked    map[string]string
	logPath  string
	off      int64 // the log is scanned up to here
	seen     map[string]bool
	server   map[string]any // reported by the server
	fromLog  map[string]any // revealed by the log; wins over server
	logWarn  []string
	readErr  string
}

func newEffectiveWatch(eng engine.Engine, cfg plan.Config, logPath string) *effectiveWatch {
	w := &effectiveWatch{logPath: logPath, seen: map[string]bool{}, server: map[string]any{}, fromLog: map[string]any{}}
	if s, ok := eng.(engine.LogScanner); ok {
		w.patterns = s.LogPatterns()
	}
	for _, line := range cfg.ExpectLog { // what pre-flight predicts the engine will print
		if line = strings.TrimSuffix(strings.TrimSpace(line), "."); line != "" {
			w.patterns = append(w.patterns, engine.LogPattern{Re: regexp.MustCompile(`(?i)` + regexp.QuoteMeta(line) + `.*`), Warn: true})
		}
	}
	if a, ok := eng.(engine.Asker); ok {
		w.asked = a.Asked(engine.LaunchSpec{ModelPath: cfg.Model, TP: cfg.TP, MoEBackend: cfg.MoEBackend, Args: cfg.Args})
	}
	return w
}

// read asks the server for its effective configuration, within
// EffectiveTimeout; a failure is kept as a warning, never a failed case.
func (w *effectiveWatch) read(ctx context.Context) {
	if w.reader == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, EffectiveTimeout)
	defer cancel()
	eff, err := w.reader.Effective(ctx)
	if err != nil {
		if len(w.server) == 0 {
			w.readErr = "could not read the effective configuration: " + err.Error()
		}
		return
	}
	w.readErr = ""
	for k, v := range eff {
		w.server[k] = v
	}
}

// scan reads the log from where the last scan stopped. Before the server is
// stopped only complete lines are read (a line being written waits for the
// next scan); final reads to the end.
func (w *effectiveWatch) scan(final bool) {
	if len(w.patterns) == 0 {
		return
	}
	f, err := os.Open(w.logPath)
	if err != nil {
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return
	}
	end := st.Size()
	if !final {
		end = lineEnd(f, w.off, end)
	}
	if end <= w.off {
		return
	}
	for _, fd := range engine.ScanLog(io.NewSectionReader(f, w.off, end-w.off), w.patterns, w.seen) {
		for k, v := range fd.Settings {
			w.fromLog[k] = v
			if a, ok := w.asked[k]; ok && len(engine.Compare(map[string]string{k: a}, map[string]any{k: v})) > 0 {
				fd.Warn = true // the line shows the engine running something other than asked
			}
		}
		if fd.Warn {
			w.logWarn = append(w.logWarn, engine.LogWarningPrefix+`"`+fd.Text+`"`)
		}
	}
	w.off = end
}

// lineEnd is the offset just after the last newline in [from, to), or from.
func lineEnd(f io.ReaderAt, from, to int64) int64 {
	buf := make([]byte, 64<<10)
	for hi := to; hi > from; {
		lo := max(from, hi-int64(len(buf)))
		n, _ := f.ReadAt(buf[:hi-lo], lo)
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return lo + int64(i) + 1
		}
		hi = lo
	}
	return from
}

// effective is the server's report with what its log revealed on top.
func (w *effectiveWatch) effective() map[string]any {
	out := map[string]any{}
	for _, m := range []map[string]any{w.server, w.fromLog} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// record stores the effective configuration and its warnings in rec:
// settings that differ from the asked ones first, then the log's fallback
// lines, then a failed read.
func (w *effectiveWatch) record(rec *results.Server) {
	eff := w.effective()
	var warns []string
	for _, m := range engine.Compare(w.asked, eff) {
		warns = append(warns, m.Warning())
	}
	warns = append(warns, w.logWarn...)
	if w.readErr != "" {
		warns = append(warns, w.readErr)
	}
	if len(eff) > 0 {
		rec.Effective = eff
	}
	rec.EffectiveWarnings = warns
}

// rehearsal is what a simulated server is told to rehearse: the effective
// settings and log lines pre-flight expects of the real engine.
func rehearsal(cfg plan.Config) []string {
	keys := make([]string, 0, len(cfg.ExpectEffective))
	for k := range cfg.ExpectEffective {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var args []string
	if cfg.Verdict == plan.VerdictSkip {
		for _, c := range cfg.Checks {
			if c.Outcome == "skip" {
				args = append(args, "--sim-refuse", strings.ReplaceAll(c.Detail, "\n", " "))
			}
		}
	}
	for _, k := range keys {
		args = append(args, "--sim-effective", k+"="+cfg.ExpectEffective[k])
	}
	if cfg.Perf != nil { // the dry run's times are the performance model's prediction
		if b, err := json.Marshal(cfg.Perf); err == nil {
			args = append(args, "--sim-perf", string(b))
		}
	}
	for _, text := range cfg.ExpectLog {
		for _, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
			if strings.TrimSpace(line) != "" {
				args = append(args, "--sim-log-line", line)
			}
		}
	}
	return args
}
