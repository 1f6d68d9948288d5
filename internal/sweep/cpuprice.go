package sweep

import "fmt"

// DefaultCPUHourPrice is the hourly price of a configuration that uses no GPU
// on a machine with none, when cpu_hour_price is not set: about what a
// 16-vCPU cloud machine costs (USD per hour).
const DefaultCPUHourPrice = 0.5

// CPUPrice is the hourly price of a configuration that uses no GPU, and where
// it comes from: cpu_hour_price when set; else the machine's price, which on
// a machine of hostGPUs GPUs is gpu_hour_price × hostGPUs (a CPU-only server
// still occupies the whole machine); else DefaultCPUHourPrice. Never a
// phantom GPU: a CPU-only configuration is not charged as one GPU.
func (f *File) CPUPrice(hostGPUs int) (float64, string) {
	switch {
	case f.CPUHourPrice >= 0:
		return f.CPUHourPrice, "cpu_hour_price"
	case hostGPUs > 0:
		return f.GPUHourPrice * float64(hostGPUs), fmt.Sprintf("the machine's price: %d GPU(s) × $%.2f (set cpu_hour_price to override)", hostGPUs, f.GPUHourPrice)
	default:
		return DefaultCPUHourPrice, "default for a machine with no GPU (set cpu_hour_price to override)"
	}
}
