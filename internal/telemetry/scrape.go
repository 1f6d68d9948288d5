package telemetry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/engine"
)

// maxScrapeBytes bounds one scrape's body (SGLang's is a few tens of KB).
const maxScrapeBytes = 16 << 20

// Scraper reads one server's Prometheus endpoint.
type Scraper struct {
	URL     string // base URL + the spec's path
	Spec    engine.MetricsSpec
	Client  *http.Client
	Timeout time.Duration // per scrape (default 2s)
}

// NewScraper returns a scraper of baseURL's endpoint as spec declares it.
func NewScraper(baseURL string, spec engine.MetricsSpec) *Scraper {
	return &Scraper{URL: strings.TrimRight(baseURL, "/") + spec.Path, Spec: spec, Client: http.DefaultClient, Timeout: 2 * time.Second}
}

// Scrape reads the endpoint once.
func (s *Scraper) Scrape(ctx context.Context) (Scrape, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return Scrape{}, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.Client.Do(req)
	if err != nil {
		return Scrape{}, fmt.Errorf("GET %s: %w", s.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		hint := ""
		if resp.StatusCode == http.StatusNotFound && s.Spec.EnableFlag != "" {
			hint = " (launched without " + s.Spec.EnableFlag + "?)"
		}
		return Scrape{}, fmt.Errorf("GET %s: HTTP %d%s", s.URL, resp.StatusCode, hint)
	}
	sc, err := Parse(io.LimitReader(resp.Body, maxScrapeBytes), s.Spec)
	if err != nil {
		return Scrape{}, fmt.Errorf("GET %s: %w", s.URL, err)
	}
	return sc, nil
}
