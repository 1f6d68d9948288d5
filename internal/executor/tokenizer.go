package executor

import (
	"context"
	"os"

	"github.com/servesweep/servesweep/internal/modelinfo"
)

// TokenizerFinder finds a model's tokenizer.json where its config.json would
// be: a local model folder, dirs (<org>--<name>/tokenizer.json), or the
// Hugging Face cache ($HF_HOME, ~/.cache/huggingface) — by then the engine or
// the prefetcher has downloaded the model. The Hub is not asked.
func TokenizerFinder(dirs []string) func(ctx context.Context, model string) (string, error) {
	return func(ctx context.Context, model string) (string, error) {
		loc := modelinfo.Locator{ConfigDirs: dirs, HFHome: os.Getenv("HF_HOME"), Home: os.Getenv("HOME"), Offline: true}
		_, path, err := loc.FindFile(ctx, model, "tokenizer.json")
		return path, err
	}
}
