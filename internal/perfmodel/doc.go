// Package perfmodel predicts what a configuration will measure — batch-1 and
// batched decode ITL, TTFT and output throughput, each with an interval —
// from physics first: a decode step cannot be faster than reading one GPU's
// share of the active weights (and the batch's KV cache) from memory at the
// device's bandwidth, and a prefill cannot beat its FLOPs at the device's
// dense peak. Tensor parallelism adds two all-reduces per layer (a latency
// term plus bytes over the link).
//
// Efficiency factors on top of the bounds (Params) have documented,
// uncalibrated defaults with a range; Calibrate fits them to measured runs
// (least squares on log time) per engine version, device and model family,
// and reports the fit's error on held-out runs. A prediction says which
// calibration it used, or that it is uncalibrated.
//
// The package is pure: figures in (a modelinfo.Info, a hardware catalog
// entry or the CPU), numbers out. The sim server, plan --predict, plan
// --estimate, the runner's itl_bound_ms and the report's "% of bound" all
// use it.
package perfmodel
