package sweep

import (
	"go.yaml.in/yaml/v3"
)

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
