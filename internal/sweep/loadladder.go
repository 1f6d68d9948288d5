package sweep

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// MaxLadderRungs bounds the rungs of one load ladder.
const MaxLadderRungs = 64

// loadKeys are the keys of one load profile or ladder.
var loadKeys = []string{"concurrency", "rate", "arrival", "requests", "duration", "stop_at_saturation"}

// load reads the load: key: a list of profiles, each a single load
// ({concurrency: 8} or {rate: 4}) or a ladder ({concurrency: [1, 2, 4]} or
// {rate: [1, 2, 4]}), or one mapping, a single profile or ladder by itself
// (load: {concurrency: [1, 2, 4, 8]}). A ladder becomes one profile per rung,
// in the order given, all with the same Ladder number.
func (p *parser) load(n *yaml.Node) ([]LoadProfile, error) {
	items := n.Content
	if n.Kind == yaml.MappingNode {
		items = []*yaml.Node{n}
	} else if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errAt(n, "load must be a ladder such as {concurrency: [1, 2, 4, 8]} or {rate: [1, 2, 4]}, or a list of profiles such as {concurrency: 8, requests: 64} or {rate: 4, arrival: poisson, duration: 30s}")
	}
	var out []LoadProfile
	for i, item := range items {
		rungs, err := p.loadItem(item, i+1)
		if err != nil {
			return nil, err
		}
		out = append(out, rungs...)
	}
	return out, nil
}

// loadItem reads one profile or ladder; ladder is the number a ladder's rungs get.
func (p *parser) loadItem(item *yaml.Node, ladder int) ([]LoadProfile, error) {
	var base LoadProfile
	var concs []int
	var rates []float64
	var concNode, rateNode, stopNode *yaml.Node
	keepClimbing := false
	err := p.fields(item, "load profile", loadKeys, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "concurrency":
			concNode = v
			concs, err = p.ladderInts(v, key)
		case "rate":
			rateNode = v
			rates, err = p.ladderFloats(v, key)
		case "arrival":
			if base.Arrival, err = p.str(v, key); err == nil && base.Arrival != "poisson" && base.Arrival != "constant" {
				err = p.errAt(v, "arrival must be poisson or constant, got %q", base.Arrival)
			}
		case "requests":
			base.Requests, err = p.positiveInt(v, key)
		case "duration":
			base.Duration, err = p.duration(v, key)
		case "stop_at_saturation":
			stopNode = v
			var stop bool
			stop, err = p.bool(v, key)
			keepClimbing = !stop
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if (concNode != nil) == (rateNode != nil) {
		return nil, p.errAt(item, "a load profile needs exactly one of concurrency (closed loop) or rate (open loop)")
	}
	if base.Arrival != "" && rateNode == nil {
		return nil, p.errAt(item, "arrival applies to rate profiles only")
	}
	isLadder := (concNode != nil && concNode.Kind == yaml.SequenceNode) || (rateNode != nil && rateNode.Kind == yaml.SequenceNode)
	if stopNode != nil && !isLadder {
		return nil, p.errAt(stopNode, "stop_at_saturation applies to ladders only (a list of concurrency or rate values)")
	}
	var out []LoadProfile
	for _, c := range concs {
		lp := base
		lp.Concurrency = c
		out = append(out, lp)
	}
	for _, r := range rates {
		lp := base
		lp.Rate = r
		out = append(out, lp)
	}
	for i := range out {
		out[i].defaults()
		if isLadder {
			out[i].Ladder, out[i].KeepClimbing = ladder, keepClimbing
		}
	}
	return out, nil
}

// defaults fills what a profile left out: Poisson arrivals for a rate, and
// 4 × concurrency requests (closed loop) or 10 s (open loop).
func (lp *LoadProfile) defaults() {
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
}

// ladderInts reads one positive integer or a ladder of increasing ones.
func (p *parser) ladderInts(n *yaml.Node, key string) ([]int, error) {
	if n.Kind != yaml.SequenceNode {
		v, err := p.positiveInt(n, key)
		return []int{v}, err
	}
	if err := p.ladderLen(n, key); err != nil {
		return nil, err
	}
	var out []int
	for i, c := range n.Content {
		v, err := p.positiveInt(c, key)
		if err != nil {
			return nil, err
		}
		if i > 0 && v <= out[i-1] {
			return nil, p.errAt(c, "a %s ladder climbs: each value must be larger than the one before (%d after %d)", key, v, out[i-1])
		}
		out = append(out, v)
	}
	return out, nil
}

// ladderFloats reads one positive rate or a ladder of increasing ones.
func (p *parser) ladderFloats(n *yaml.Node, key string) ([]float64, error) {
	one := func(c *yaml.Node) (float64, error) {
		v, err := p.float(c, key)
		if err == nil && v <= 0 {
			err = p.errAt(c, "rate must be positive (requests per second)")
		}
		return v, err
	}
	if n.Kind != yaml.SequenceNode {
		v, err := one(n)
		return []float64{v}, err
	}
	if err := p.ladderLen(n, key); err != nil {
		return nil, err
	}
	var out []float64
	for i, c := range n.Content {
		v, err := one(c)
		if err != nil {
			return nil, err
		}
		if i > 0 && v <= out[i-1] {
			return nil, p.errAt(c, "a %s ladder climbs: each value must be larger than the one before (%g after %g)", key, v, out[i-1])
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *parser) ladderLen(n *yaml.Node, key string) error {
	if len(n.Content) == 0 {
		return p.errAt(n, "the %s ladder is empty; give its rungs, e.g. [1, 2, 4, 8]", key)
	}
	if len(n.Content) > MaxLadderRungs {
		return p.errAt(n, "the %s ladder has %d rungs, more than %d", key, len(n.Content), MaxLadderRungs)
	}
	return nil
}

// frontier reads the frontier: section.
func (p *parser) frontier(n *yaml.Node) (*Frontier, error) {
	fr := &Frontier{}
	err := p.fields(n, "frontier", []string{"target_tokens_per_s_per_user"}, func(key string, k, v *yaml.Node) error {
		var err error
		if fr.TargetTokensPerSPerUser, err = p.float(v, key); err == nil && (fr.TargetTokensPerSPerUser <= 0 || fr.TargetTokensPerSPerUser > 1e6) {
			err = p.errAt(v, "%s must be a positive number of output tokens per second per user (at most 1e6), got %v", key, fr.TargetTokensPerSPerUser)
		}
		return err
	})
	return fr, err
}
