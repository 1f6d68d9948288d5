package traces

// Analysis is the JSON contract of `servesweep trace analyze --json`.
type Analysis struct {
	Ranks     []RankAnalysis     `json:"ranks"`
	Imbalance map[string]float64 `json:"imbalance_pct,omitempty"` // per stage: (max busy / mean busy − 1) × 100
}

// RankAnalysis is one rank's stages (one file per stage, or one file split by its step ranges).
type RankAnalysis struct {
	Rank int `json:"rank"`
	// Label is the rank as the file name gives it ("TP-1-DP-0-PP-1"): ranks of
	// different DP replicas or PP stages share a TP rank.
	Label  string          `json:"label,omitempty"`
	File   string          `json:"file"`
	Files  []string        `json:"files,omitempty"`
	Stages []StageAnalysis `json:"stages"`
}

// StageAnalysis is where one stage's GPU time goes.
type StageAnalysis struct {
	Stage         string             `json:"stage"` // extend | decode
	Steps         int                `json:"steps"`
	StepsFrom     string             `json:"steps_from"` // "annotations" or "gpu activity"
	BusyMs        float64            `json:"busy_ms"`
	StepMs        float64            `json:"step_ms"` // median
	Categories    map[string]float64 `json:"categories"`
	ExposedCommMs float64            `json:"exposed_communication_ms"`
	TopKernels    []Kernel           `json:"top_kernels"`
	Events        int                `json:"gpu_events"`
}

// Kernel is one kernel name's total.
type Kernel struct {
	Name  string  `json:"name"`
	Ms    float64 `json:"ms"`
	Count int     `json:"count"`
}

// interval is a GPU event in nanoseconds, compact to keep memory bounded by the
// number of GPU events, not the file size.
type interval struct {
	start, end int64
	cat        uint8
	name       uint32
}

type window struct {
	start, end int64
	stage      string
}

// fileScan is what one streaming pass over a trace file collects.
type fileScan struct {
	rank      int
	intervals []interval
	names     []string
	steps     []window
}
