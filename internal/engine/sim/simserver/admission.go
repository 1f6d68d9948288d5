package simserver

import (
	"fmt"
	"net/http"
	"strconv"
)

// admission bounds the generate requests that run at once, as SGLang's
// --max-running-requests and vLLM's --max-num-seqs do: the others wait in a
// queue (their wait counts in their TTFT), so the sim saturates past that
// many concurrent requests. nil admits everything.
type admission chan struct{}

// admissionFlags are the engine flags (kept in Options.Extra) that bound it.
var admissionFlags = []string{"max-running-requests", "max-num-seqs"}

// newAdmission reads the bound from the server's flags.
func newAdmission(o Options) (admission, error) {
	for _, f := range admissionFlags {
		v, ok := o.Extra[f]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1<<20 {
			return nil, fmt.Errorf("--%s must be a positive integer, got %q", f, v)
		}
		return make(admission, n), nil
	}
	return nil, nil
}

// wrap makes h wait for a free slot; a request whose client leaves while it
// waits is dropped.
func (a admission) wrap(h http.HandlerFunc) http.HandlerFunc {
	if a == nil {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case a <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-a }()
		h(w, r)
	}
}
