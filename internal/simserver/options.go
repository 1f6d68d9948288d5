// Package simserver is servesweep's simulated inference server: a real HTTP
// server process that speaks SGLang's protocol (/health, /generate SSE with
// meta_info, /server_info, /flush_cache, /start_profile writing trace files with
// SGLang's names and valid Chrome-trace JSON). Its speed comes from a simple
// model of TP size and MoE backend, and it can rehearse failures.
package simserver

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Faults the sim can rehearse.
var Faults = []string{"none", "crash-at-start", "oom-at-start", "never-ready", "die-mid-stream", "bad-stream", "hang-on-stop"}

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
}

// ParseArgs parses sim-server arguments. It takes SGLang's flag spellings for the
// ones it models and keeps every other --flag [value] in Extra.
func ParseArgs(args []string, getenv func(string) string) (Options, error) {
	o := Options{Host: "127.0.0.1", Port: 30000, TP: 1, EP: 1, Jitter: 0.02, TimeScale: 1, StartupMs: 300, Fault: "none", FaultAfter: 2, Slowdown: 1, Extra: map[string]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return o, fmt.Errorf("unexpected argument %q", a)
		}
		name, val, hasEq := strings.Cut(a, "=")
		next := func() (string, error) {
			if hasEq {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", name)
			}
			i++
			return args[i], nil
		}
		num := func(dst *float64) error {
			v, err := next()
			if err != nil {
				return err
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%s: %q is not a number", name, v)
			}
			*dst = f
			return nil
		}
		integer := func(dst *int) error {
			v, err := next()
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s: %q is not an integer", name, v)
			}
			*dst = n
			return nil
		}
		var err error
		switch name {
		case "--model-path", "--model":
			o.ModelPath, err = next()
		case "--host":
			o.Host, err = next()
		case "--port":
			err = integer(&o.Port)
		case "--tp-size", "--tensor-parallel-size", "--tp":
			err = integer(&o.TP)
		case "--ep-size", "--expert-parallel-size", "--ep":
			err = integer(&o.EP)
		case "--moe-runner-backend":
			o.MoEBackend, err = next()
		case "--sim-ttft-per-token-us":
			err = num(&o.TTFTPerTokenUs)
		case "--sim-itl-ms":
			err = num(&o.ITLMs)
		case "--sim-jitter":
			err = num(&o.Jitter)
		case "--sim-time-scale":
			err = num(&o.TimeScale)
		case "--sim-startup-ms":
			err = num(&o.StartupMs)
		case "--sim-spec-accept-length":
			err = num(&o.SpecAcceptLen)
		case "--sim-fault":
			o.Fault, err = next()
		case "--sim-fault-after":
			err = integer(&o.FaultAfter)
		case "--sim-dense":
			o.Dense = true
		case "--sim-seed":
			var s int
			err = integer(&s)
			o.Seed = uint64(s)
		default:
			// A tolerant stand-in for any engine flag: bare flag or flag with value.
			if !hasEq && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				val = args[i]
			} else if !hasEq {
				val = "true"
			}
			o.Extra[strings.TrimLeft(name, "-")] = val
		}
		if err != nil {
			return o, err
		}
	}
	if o.ModelPath == "" {
		return o, fmt.Errorf("--model-path is required")
	}
	if o.TP < 1 || o.EP < 1 || o.TimeScale <= 0 || o.Jitter < 0 || o.Port < 0 || o.Port > 65535 {
		return o, fmt.Errorf("--tp-size and --ep-size must be ≥ 1, --sim-time-scale > 0, --sim-jitter ≥ 0, --port in 0..65535")
	}
	ok := false
	for _, f := range Faults {
		ok = ok || f == o.Fault
	}
	if !ok {
		return o, fmt.Errorf("--sim-fault %q is not one of %s", o.Fault, strings.Join(Faults, ", "))
	}
	if s := getenv("SERVESWEEP_SIM_SLOWDOWN"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 {
			return o, fmt.Errorf("SERVESWEEP_SIM_SLOWDOWN=%q is not a positive number", s)
		}
		if m := getenv("SERVESWEEP_SIM_SLOWDOWN_MATCH"); m == "" || strings.Contains(o.ModelPath, m) {
			o.Slowdown = f
		}
	}
	return o, nil
}

// Getenv is os.Getenv, for callers that pass the real environment.
var Getenv = os.Getenv
