package cli

import (
	"github.com/servesweep/servesweep/internal/plan"
	"github.com/servesweep/servesweep/internal/redact"
)

// registerSecrets registers the secret values a sweep file put into its
// configurations (env: {HF_TOKEN: ...}, extra_args: [--api-key, ...],
// server_params over a secret flag), so that they are masked in everything
// servesweep writes or prints; they stay in the servers' processes only.
func registerSecrets(cfgs []plan.Config) {
	for _, c := range cfgs {
		redact.Register(redact.Secrets(c.Env, c.Command)...)
		for k, v := range c.Params {
			if redact.IsSecretName(k) {
				redact.Register(v)
			}
		}
	}
}
