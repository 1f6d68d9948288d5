package engine

import (
	"net/http"
	"time"
)

// MaxStreamsPerHost is how many idle connections a client keeps to its
// server: as many as a concurrency ladder runs streams, so a load level
// reuses its connections instead of dialling one per request.
const MaxStreamsPerHost = 4096

// NewHTTPClient is the HTTP client of the engine adapters. Streams are read
// through a 64 KiB buffer (a read takes every chunk the server has sent, not
// 4 KiB of them: at saturation one read brings hundreds of events), bodies are
// not compressed, and idle connections are kept per MaxStreamsPerHost.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DisableCompression:  true,
		MaxIdleConnsPerHost: MaxStreamsPerHost,
		MaxIdleConns:        MaxStreamsPerHost,
		IdleConnTimeout:     90 * time.Second,
		ReadBufferSize:      64 << 10,
	}}
}
