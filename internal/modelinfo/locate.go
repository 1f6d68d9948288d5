package modelinfo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Locator finds a model's config.json. Only main fills it from the environment.
type Locator struct {
	// ConfigDirs hold configs as <org>--<name>/config.json (the layout of
	// shared/data/hf-configs) or <org>/<name>/config.json.
	ConfigDirs []string
	// HFHome is $HF_HOME (its hub/ folder is the cache); "" means ~/.cache/huggingface.
	HFHome string
	Home   string
	// Endpoint is the Hub (HF_ENDPOINT, default https://huggingface.co); Offline disables it (HF_HUB_OFFLINE=1).
	Endpoint string
	Offline  bool
	// Token is HF_TOKEN; it is sent to the Hub and never printed.
	Token string
	HTTP  *http.Client
}

// ErrNotFound is returned when no config.json could be found.
var ErrNotFound = errors.New("config.json not found")

// Load finds and parses model's config.json: a local directory or file, a
// configured config directory, the local Hugging Face cache, or the Hub.
func (l Locator) Load(ctx context.Context, model string) (*Info, error) {
	data, src, err := l.Find(ctx, model)
	if err != nil {
		return nil, err
	}
	info, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", src, err)
	}
	info.Source = src
	return info, nil
}

// Find returns the bytes of model's config.json and where they came from.
func (l Locator) Find(ctx context.Context, model string) ([]byte, string, error) {
	return l.FindFile(ctx, model, "config.json")
}

// FindFile finds another file that sits next to a model's config.json
// (tokenizer.json, ...), in the same places and order as Find.
func (l Locator) FindFile(ctx context.Context, model, name string) ([]byte, string, error) {
	var tried []string
	try := func(p string) ([]byte, string, bool) {
		tried = append(tried, p)
		b, err := os.ReadFile(p)
		return b, p, err == nil
	}
	if st, err := os.Stat(model); err == nil {
		switch {
		case st.IsDir():
			if b, p, ok := try(filepath.Join(model, name)); ok {
				return b, p, nil
			}
		case strings.HasSuffix(model, ".json"): // a config file itself; other files sit beside it
			p := model
			if name != "config.json" {
				p = filepath.Join(filepath.Dir(model), name)
			}
			if b, p, ok := try(p); ok {
				return b, p, nil
			}
		default: // a GGUF or other single file: its sibling config.json
			if b, p, ok := try(filepath.Join(filepath.Dir(model), name)); ok {
				return b, p, nil
			}
		}
	}
	for _, d := range l.ConfigDirs {
		for _, p := range []string{filepath.Join(d, strings.ReplaceAll(model, "/", "--"), name), filepath.Join(d, model, name)} {
			if b, p, ok := try(p); ok {
				return b, p, nil
			}
		}
	}
	if strings.Count(model, "/") == 1 && !strings.HasPrefix(model, "/") && !strings.HasPrefix(model, ".") {
		if b, p, ok := l.fromCache(model, name, try); ok {
			return b, p, nil
		}
		if !l.Offline {
			b, src, err := l.fromHub(ctx, model, name)
			if err == nil {
				return b, src, nil
			}
			tried = append(tried, err.Error())
		} else {
			tried = append(tried, "the Hub (HF_HUB_OFFLINE=1)")
		}
	}
	if name != "config.json" {
		return nil, "", fmt.Errorf("%s not found for %s (looked in: %s)", name, model, strings.Join(tried, "; "))
	}
	return nil, "", fmt.Errorf("%w for %s (looked in: %s); add the model to the Hugging Face cache, pass --model-configs DIR, or set models.<key>.path to a local directory", ErrNotFound, model, strings.Join(tried, "; "))
}

func (l Locator) fromCache(model, name string, try func(string) ([]byte, string, bool)) ([]byte, string, bool) {
	home := l.HFHome
	if home == "" && l.Home != "" {
		home = filepath.Join(l.Home, ".cache", "huggingface")
	}
	if home == "" {
		return nil, "", false
	}
	repo := filepath.Join(home, "hub", "models--"+strings.ReplaceAll(model, "/", "--"))
	if ref, err := os.ReadFile(filepath.Join(repo, "refs", "main")); err == nil {
		if b, p, ok := try(filepath.Join(repo, "snapshots", strings.TrimSpace(string(ref)), name)); ok {
			return b, p, true
		}
	}
	snaps, _ := filepath.Glob(filepath.Join(repo, "snapshots", "*", name))
	for _, s := range snaps {
		if b, p, ok := try(s); ok {
			return b, p, true
		}
	}
	tried := filepath.Join(repo, "snapshots")
	try(tried)
	return nil, "", false
}

func (l Locator) fromHub(ctx context.Context, model, name string) ([]byte, string, error) {
	ep := strings.TrimRight(l.Endpoint, "/")
	if ep == "" {
		ep = "https://huggingface.co"
	}
	url := ep + "/" + model + "/resolve/main/" + name
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if l.Token != "" {
		req.Header.Set("Authorization", "Bearer "+l.Token)
	}
	hc := l.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("the Hub (%s): unreachable", ep)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		hint := ""
		if resp.StatusCode == 401 || resp.StatusCode == 403 {
			hint = map[bool]string{true: " (HF_TOKEN is set but not accepted for this model)", false: " (gated model: set HF_TOKEN)"}[l.Token != ""]
		}
		return nil, "", fmt.Errorf("the Hub (%s) answered %d%s", url, resp.StatusCode, hint)
	}
	limit := int64(4 << 20)
	if name != "config.json" {
		limit = 64 << 20 // tokenizer.json files run to ~10 MB
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	return b, url, err
}
