package report

// tableModel names a configuration's model in its table heading: the sweep
// file's name: when it has one, else its path.
func tableModel(c ConfigReport) string {
	if c.ModelName != "" {
		return c.ModelName
	}
	return c.Model
}

// tableLabel is the hardware in a table heading: "CPU" for a configuration
// that uses no GPU, else the sweep's gpu_label.
func (r *Report) tableLabel(c ConfigReport) string {
	if c.GPUs == 0 && !r.Summary.Simulated {
		return "CPU"
	}
	return r.Meta.GPULabel
}
