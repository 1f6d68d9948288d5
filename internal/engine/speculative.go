package engine

// Speculator is implemented by engines whose flags turn on speculative
// decoding (SGLang's --speculative-algorithm, vLLM's --speculative-config).
// The report pairs each speculative configuration with its non-speculative
// twin — the same flags but the speculative ones — to say at which load
// speculation stops paying.
type Speculator interface {
	// Speculation names the speculative method args turn on ("EAGLE",
	// "eagle3", ...); "" when they turn none on.
	Speculation(args []string) string
	// SpeculativeFlag reports whether flag (a server_params key such as
	// "--speculative-num-steps") is a speculative-decoding setting.
	SpeculativeFlag(flag string) bool
}
