package ollama

import (
	"strings"
	"testing"

	"github.com/servesweep/servesweep/internal/engine"
)

// TestKVCacheFallbackLines: llm/server.go's lines for a quantized KV cache it
// does not apply are fallbacks that say the cache stays f16.
func TestKVCacheFallbackLines(t *testing.T) {
	lines := strings.Join([]string{
		`time=2026-12-02T10:00:01.000Z level=WARN source=server.go:258 msg="quantized kv cache requested but flash attention disabled" type=q8_0`,
		`time=2026-12-02T10:00:02.000Z level=WARN source=server.go:255 msg="kv cache type not supported by model" type=q4_0`,
		`time=2026-12-02T10:00:03.000Z level=INFO source=server.go:247 msg="enabling flash attention"`,
	}, "\n")
	got := engine.ScanLog(strings.NewReader(lines), LogPatterns, nil)
	if len(got) != 3 {
		t.Fatalf("%+v", got)
	}
	if got[0].Text != "quantized kv cache requested but flash attention disabled" || !got[0].Warn ||
		got[0].Settings["kv_cache_type"] != "f16" || got[0].Settings["ignored:OLLAMA_KV_CACHE_TYPE"] != "q8_0" {
		t.Fatalf("%+v", got[0])
	}
	if got[1].Settings["ignored:OLLAMA_KV_CACHE_TYPE"] != "q4_0" || !got[1].Warn {
		t.Fatalf("%+v", got[1])
	}
	if got[2].Settings["flash_attention"] != true || got[2].Warn {
		t.Fatalf("%+v", got[2])
	}
}
