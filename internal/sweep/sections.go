package sweep

import (
	"time"

	"go.yaml.in/yaml/v3"
)

func (p *parser) load(n *yaml.Node) ([]LoadProfile, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errAt(n, "load must be a list of profiles such as {concurrency: 8, requests: 64} or {rate: 4, arrival: poisson, duration: 30s}")
	}
	var out []LoadProfile
	for _, item := range n.Content {
		var lp LoadProfile
		err := p.fields(item, "load profile", []string{"concurrency", "rate", "arrival", "requests", "duration"}, func(key string, k, v *yaml.Node) error {
			var err error
			switch key {
			case "concurrency":
				lp.Concurrency, err = p.positiveInt(v, key)
			case "rate":
				if lp.Rate, err = p.float(v, key); err == nil && lp.Rate <= 0 {
					err = p.errAt(v, "rate must be positive (requests per second)")
				}
			case "arrival":
				if lp.Arrival, err = p.str(v, key); err == nil && lp.Arrival != "poisson" && lp.Arrival != "constant" {
					err = p.errAt(v, "arrival must be poisson or constant, got %q", lp.Arrival)
				}
			case "requests":
				lp.Requests, err = p.positiveInt(v, key)
			case "duration":
				lp.Duration, err = p.duration(v, key)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if (lp.Concurrency > 0) == (lp.Rate > 0) {
			return nil, p.errAt(item, "a load profile needs exactly one of concurrency (closed loop) or rate (open loop)")
		}
		if lp.Arrival != "" && lp.Rate == 0 {
			return nil, p.errAt(item, "arrival applies to rate profiles only")
		}
		if lp.Rate > 0 && lp.Arrival == "" {
			lp.Arrival = "poisson"
		}
		if lp.Requests == 0 && lp.Duration == 0 {
			if lp.Concurrency > 0 {
				lp.Requests = 4 * lp.Concurrency
			} else {
				lp.Duration = 10 * time.Second
			}
		}
		out = append(out, lp)
	}
	return out, nil
}

func (p *parser) slo(n *yaml.Node) (*SLO, error) {
	s := &SLO{}
	err := p.fields(n, "slo", []string{"ttft_ms", "itl_ms", "tpot_ms"}, func(key string, k, v *yaml.Node) error {
		var err error
		var f float64
		if f, err = p.float(v, key); err == nil && f <= 0 {
			err = p.errAt(v, "%s must be positive", key)
		}
		switch key {
		case "ttft_ms":
			s.TTFTMs = f
		case "itl_ms":
			s.ITLMs = f
		default:
			s.TPOTMs = f
		}
		return err
	})
	return s, err
}

func (p *parser) slurm(n *yaml.Node) (*SlurmOptions, error) {
	o := &SlurmOptions{GRES: true, MaxJobs: 64}
	err := p.fields(n, "slurm", []string{"partition", "account", "time_limit", "gres", "max_jobs", "servesweep"}, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "partition":
			o.Partition, err = p.str(v, key)
		case "account":
			o.Account, err = p.str(v, key)
		case "time_limit":
			o.TimeLimit, err = p.str(v, key)
		case "gres":
			o.GRES, err = p.bool(v, key)
		case "max_jobs":
			o.MaxJobs, err = p.positiveInt(v, key)
		case "servesweep":
			o.Self, err = p.str(v, key)
		}
		return err
	})
	return o, err
}
