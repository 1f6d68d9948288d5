package bench

// Hourly is the hourly price of a configuration that uses gpus GPUs:
// GPUHourPrice × gpus, or CPUHourPrice for a CPU-only configuration (never a
// phantom GPU).
func (s Settings) Hourly(gpus int) float64 {
	if gpus <= 0 {
		return s.CPUHourPrice
	}
	return s.GPUHourPrice * float64(gpus)
}
