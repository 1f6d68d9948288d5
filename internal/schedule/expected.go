package schedule

// CaseShape is what an estimate needs of a benchmark case.
type CaseShape struct{ BatchSize, InputLen, OutputLen int }

// Expected estimates one configuration's wall time: launch, warmup, every
// case (prefill at ~20k tok/s, decode at ~20 ms per step, doubled when
// profiling), and repeats. launch is the engine's typical launch time;
// caseSeconds > 0 replaces the per-case model (history); timeScale > 0 scales
// a simulated run.
func Expected(launch float64, cases []CaseShape, profile, warmup bool, repeats int, timeScale, caseSeconds float64) float64 {
	return ExpectedWith(launch, cases, profile, warmup, repeats, timeScale, func(CaseShape) (float64, bool) { return caseSeconds, caseSeconds > 0 })
}

// ExpectedWith is Expected with a per-case estimate: where caseSeconds gives
// one (the performance model's TTFT + output × ITL, or history), it replaces
// the default model of that case.
func ExpectedWith(launch float64, cases []CaseShape, profile, warmup bool, repeats int, timeScale float64, caseSeconds func(CaseShape) (float64, bool)) float64 {
	t := launch
	if warmup {
		t += 10
	}
	for _, c := range cases {
		one := float64(c.BatchSize*c.InputLen)/20000 + float64(c.OutputLen)*0.02
		if v, ok := caseSeconds(c); ok {
			one = v
		}
		n := float64(max(1, repeats))
		if profile {
			n++
		}
		t += one * n
	}
	if timeScale > 0 {
		t *= timeScale
	}
	return t + 5 // stop and GPU release
}
