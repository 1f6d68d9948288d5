package simserver

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FlagEffect makes the value of another flag of the command line shape the
// sim's speed (--sim-flag-effect SPEC, repeatable), so that a sweep over
// server flags has a known landscape (the search benchmark's). SPEC is
//
//	NAME=VALUE*FACTOR   latencies × FACTOR when --NAME is VALUE
//	NAME~CENTER*K       latencies × (1 + K·ln(v/CENTER)²) for --NAME v > 0:
//	                    a bowl, fastest at CENTER
//
// NAME is a flag the sim does not model itself (so not --tp-size); a flag
// absent from the command line has no effect.
type FlagEffect struct {
	Flag   string
	Value  string  // NAME=VALUE form
	Factor float64 // NAME=VALUE form
	Center float64 // NAME~CENTER form
	K      float64 // NAME~CENTER form
	Bowl   bool
}

// ParseFlagEffect parses one --sim-flag-effect SPEC.
func ParseFlagEffect(spec string) (FlagEffect, error) {
	bad := func(why string) (FlagEffect, error) {
		return FlagEffect{}, fmt.Errorf("--sim-flag-effect %q: %s; write NAME=VALUE*FACTOR or NAME~CENTER*K (e.g. attention-backend=triton*1.1, cuda-graph-max-bs~64*0.1)", spec, why)
	}
	head, num, ok := strings.Cut(spec, "*")
	if !ok {
		return bad("no *")
	}
	x, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return bad(fmt.Sprintf("%q is not a number", num))
	}
	e := FlagEffect{}
	if name, c, isBowl := strings.Cut(head, "~"); isBowl {
		e.Flag, e.Bowl, e.K = strings.TrimLeft(name, "-"), true, x
		if e.Center, err = strconv.ParseFloat(c, 64); err != nil || !(e.Center > 0) || math.IsInf(e.Center, 0) {
			return bad(fmt.Sprintf("the centre %q is not a positive number", c))
		}
		if x < 0 {
			return bad("K must be ≥ 0")
		}
	} else {
		name, v, ok := strings.Cut(head, "=")
		if !ok {
			return bad("no = or ~")
		}
		e.Flag, e.Value, e.Factor = strings.TrimLeft(name, "-"), v, x
		if !(x > 0) {
			return bad("FACTOR must be > 0")
		}
	}
	if e.Flag == "" {
		return bad("no flag name")
	}
	return e, nil
}

// Multiplier is the effect's factor on latencies given the sim's other flags.
func (e FlagEffect) Multiplier(extra map[string]string) (float64, error) {
	v, ok := extra[e.Flag]
	switch {
	case !ok:
		return 1, nil
	case !e.Bowl && v == e.Value:
		return e.Factor, nil
	case !e.Bowl:
		return 1, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || !(x > 0) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("--sim-flag-effect %s~%g: --%s %q is not a positive number", e.Flag, e.Center, e.Flag, v)
	}
	l := math.Log(x / e.Center)
	m := 1 + e.K*l*l
	if math.IsInf(m, 0) || math.IsNaN(m) {
		return 0, fmt.Errorf("--sim-flag-effect %s~%g*%g: --%s %s gives no finite factor", e.Flag, e.Center, e.K, e.Flag, v)
	}
	return m, nil
}

// setFlagEffect reads a --sim-flag-effect SPEC.
func (o *Options) setFlagEffect(f *flagReader) error {
	spec, err := f.next()
	if err != nil {
		return err
	}
	e, err := ParseFlagEffect(spec)
	if err == nil {
		o.FlagEffects = append(o.FlagEffects, e)
	}
	return err
}

// applyFlagEffects multiplies Slowdown by every flag effect's factor.
func (o *Options) applyFlagEffects() error {
	for _, e := range o.FlagEffects {
		m, err := e.Multiplier(o.Extra)
		if err != nil {
			return err
		}
		o.Slowdown *= m
	}
	return nil
}
