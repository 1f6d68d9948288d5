// Package simserver is servesweep's simulated inference server: a real HTTP
// server process that speaks SGLang's protocol (/health, /generate SSE with
// meta_info, /server_info, /flush_cache, /start_profile writing trace files with
// SGLang's names and valid Chrome-trace JSON). Its speed comes from a simple
// model of TP size and MoE backend, and it can rehearse failures.
package simserver

import (
	"fmt"
	"os"

	"github.com/servesweep/servesweep/internal/perfmodel"
	"strconv"
	"strings"
)

// Faults the sim can rehearse.
var Faults = []string{"none", "crash-at-start", "oom-at-start", "never-ready", "die-mid-stream", "bad-stream", "hang-on-stop", "hang-flush", "hang-server-info"}

// Options configure a sim server. Unknown flags (any SGLang flag) are accepted
// and echoed back by /server_info, as a tolerant stand-in should.
type Options struct {
	ModelPath      string
	Host           string
	Port           int
	TP             int
	EP             int
	MoEBackend     string
	TTFTPerTokenUs float64 // prefill time per input token; 0 = from the model
	ITLMs          float64 // decode time per step; 0 = from the model
	Jitter         float64 // relative standard deviation of each step's time
	TimeScale      float64 // sleep scale: 0.05 runs 20× faster than modelled time
	StartupMs      float64 // modelled time until /health answers 200
	Fault          string
	FaultAfter     int // the fault fires from this generate request on (1-based)
	Seed           uint64
	Slowdown       float64 // multiplies latencies (SERVESWEEP_SIM_SLOWDOWN)
	SpecAcceptLen  float64 // >0 reports a speculative accept length
	Dense          bool    // a model without experts: its MLP time is dense GEMM
	Extra          map[string]string
	// Effective overrides what /server_info reports (--sim-effective KEY=VALUE):
	// a rehearsed fallback. LogLines are printed at startup (--sim-log-line).
	Effective map[string]string
	LogLines  []string
	// Refuse makes the server fail at startup the way the real engine would
	// for a configuration pre-flight skips (--sim-refuse REASON, repeatable).
	Refuse []string
	// Perf is the configuration's performance model (--sim-perf JSON): when
	// set, prefill and decode times are its predictions (unless --sim-itl-ms
	// or --sim-ttft-per-token-us fix them).
	Perf *perfmodel.Model
	// Protocol, when set (--sim-protocol), is the engine whose routes the sim
	// serves instead of SGLang's and vLLM's (see protocols).
	Protocol string
	// FlagEffects let other flags' values shape the speed (--sim-flag-effect).
	FlagEffects []FlagEffect
}

// ParseArgs parses sim-server arguments. It takes SGLang's flag spellings for the
// ones it models and keeps every other --flag [value] in Extra.
func ParseArgs(args []string, getenv func(string) string) (Options, error) {
	o := Options{Host: "127.0.0.1", Port: 30000, TP: 1, EP: 1, Jitter: 0.02, TimeScale: 1, StartupMs: 300, Fault: "none", FaultAfter: 2, Slowdown: 1,
		Extra: map[string]string{}, Effective: map[string]string{}}
	for i := 0; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			return o, fmt.Errorf("unexpected argument %q", args[i])
		}
		name, val, hasEq := strings.Cut(args[i], "=")
		f := &flagReader{name: name, val: val, hasEq: hasEq, args: args, i: &i}
		handled, err := o.setModelled(f)
		if err == nil && !handled {
			handled, err = o.setSim(f)
		}
		if err != nil {
			return o, err
		}
		if !handled {
			// A tolerant stand-in for any engine flag: bare flag or flag with value.
			if !hasEq && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				val = args[i]
			} else if !hasEq {
				val = "true"
			}
			o.Extra[strings.TrimLeft(name, "-")] = val
		}
	}
	return o, o.validate(getenv)
}

// flagReader reads the value of the flag at args[*i].
type flagReader struct {
	name, val string
	hasEq     bool
	args      []string
	i         *int
}

func (f *flagReader) next() (string, error) {
	if f.hasEq {
		return f.val, nil
	}
	if *f.i+1 >= len(f.args) {
		return "", fmt.Errorf("%s needs a value", f.name)
	}
	*f.i++
	return f.args[*f.i], nil
}

func (f *flagReader) num(dst *float64) error {
	v, err := f.next()
	if err != nil {
		return err
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("%s: %q is not a number", f.name, v)
	}
	*dst = x
	return nil
}

func (f *flagReader) integer(dst *int) error {
	v, err := f.next()
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("%s: %q is not an integer", f.name, v)
	}
	*dst = n
	return nil
}

// setModelled sets the engine flags the sim models; false when f is not one.
func (o *Options) setModelled(f *flagReader) (bool, error) {
	var err error
	switch f.name {
	case "--model-path", "--model":
		o.ModelPath, err = f.next()
	case "--host":
		o.Host, err = f.next()
	case "--port":
		err = f.integer(&o.Port)
	case "--tp-size", "--tensor-parallel-size", "--tp":
		err = f.integer(&o.TP)
	case "--ep-size", "--expert-parallel-size", "--ep":
		err = f.integer(&o.EP)
	case "--moe-runner-backend":
		o.MoEBackend, err = f.next()
	default:
		return false, nil
	}
	return true, err
}

// setSim sets the --sim-* flags; false when f is not one.
func (o *Options) setSim(f *flagReader) (bool, error) {
	var err error
	switch f.name {
	case "--sim-ttft-per-token-us":
		err = f.num(&o.TTFTPerTokenUs)
	case "--sim-itl-ms":
		err = f.num(&o.ITLMs)
	case "--sim-jitter":
		err = f.num(&o.Jitter)
	case "--sim-time-scale":
		err = f.num(&o.TimeScale)
	case "--sim-startup-ms":
		err = f.num(&o.StartupMs)
	case "--sim-spec-accept-length":
		err = f.num(&o.SpecAcceptLen)
	case "--sim-fault":
		o.Fault, err = f.next()
	case "--sim-protocol":
		o.Protocol, err = f.next()
	case "--sim-fault-after":
		err = f.integer(&o.FaultAfter)
	case "--sim-dense":
		o.Dense = true
	case "--sim-seed":
		var s int
		err = f.integer(&s)
		o.Seed = uint64(s)
	case "--sim-effective", "--sim-log-line":
		err = o.setRehearsal(f)
	case "--sim-perf":
		err = o.setPerf(f)
	case "--sim-flag-effect":
		err = o.setFlagEffect(f)
	case "--sim-refuse":
		var r string
		if r, err = f.next(); err == nil {
			o.Refuse = append(o.Refuse, r)
		}
	default:
		return false, nil
	}
	return true, err
}

// validate checks the parsed options and applies SERVESWEEP_SIM_SLOWDOWN.
func (o *Options) validate(getenv func(string) string) error {
	if o.ModelPath == "" {
		return fmt.Errorf("--model-path is required")
	}
	if o.TP < 1 || o.EP < 1 || o.TimeScale <= 0 || o.Jitter < 0 || o.Port < 0 || o.Port > 65535 {
		return fmt.Errorf("--tp-size and --ep-size must be ≥ 1, --sim-time-scale > 0, --sim-jitter ≥ 0, --port in 0..65535")
	}
	if _, known := protocols[o.Protocol]; !known {
		return fmt.Errorf("--sim-protocol %q is not one the sim speaks", o.Protocol)
	}
	ok := false
	for _, f := range Faults {
		ok = ok || f == o.Fault
	}
	if !ok {
		return fmt.Errorf("--sim-fault %q is not one of %s", o.Fault, strings.Join(Faults, ", "))
	}
	if _, err := specOf(*o); err != nil { // speculative.go
		return err
	}
	if s := getenv("SERVESWEEP_SIM_SLOWDOWN"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("SERVESWEEP_SIM_SLOWDOWN=%q is not a positive number", s)
		}
		if m := getenv("SERVESWEEP_SIM_SLOWDOWN_MATCH"); m == "" || strings.Contains(o.ModelPath, m) {
			o.Slowdown = f
		}
	}
	return o.applyFlagEffects()
}

// Getenv is os.Getenv, for callers that pass the real environment.
var Getenv = os.Getenv
