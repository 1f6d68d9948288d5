package cli

import (
	"context"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// ControlTimeoutEnv caps every control call (readiness poll, cache flush,
// /server_info, profiler start and stop) below its bound (engine.FlushTimeout
// and the others): rehearsals and tests of a stuck server need not wait 30s.
const ControlTimeoutEnv = "SERVESWEEP_CONTROL_TIMEOUT"

// withControlCap applies ControlTimeoutEnv to ctx.
func withControlCap(ctx context.Context, getenv func(string) string) (context.Context, error) {
	v := ""
	if getenv != nil {
		v = getenv(ControlTimeoutEnv)
	}
	if v == "" {
		return ctx, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return ctx, usagef("%s=%q is not a positive duration like 5s; unset it or fix it", ControlTimeoutEnv, v)
	}
	return engine.WithControlCap(ctx, d), nil
}

// requestTimeoutFlag checks bench's --request-timeout.
func requestTimeoutFlag(d time.Duration) error {
	if d <= 0 {
		return usagef("--request-timeout must be positive, like 30m or 90s (got %s)", d)
	}
	return nil
}
