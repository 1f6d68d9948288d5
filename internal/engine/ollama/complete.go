package ollama

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/servesweep/servesweep/internal/engine"
)

// CompleteBody is the /api/generate body of a greedy completion: the
// benchmark's body (raw prompt, temperature 0, seed 0, the configuration's
// num_thread/num_batch/num_gpu and context size, so the loaded model is not
// reloaded) with top_k 1, so the sampler takes the argmax whatever else it does.
func CompleteBody(model, prompt string, maxTokens, numCtx int, o Options) map[string]any {
	b := GenerateBody(model, prompt, maxTokens, numCtx, o)
	b["options"].(map[string]any)["top_k"] = 1
	return b
}

// Complete implements engine.Completer: one streamed /api/generate request;
// each update's "response" is one token's text (a piece), kept as streamed.
func (c *Client) Complete(ctx context.Context, req engine.CompleteRequest) (engine.Completion, error) {
	if c.err != nil {
		return engine.Completion{}, c.err
	}
	ctx, cancel := context.WithTimeout(ctx, req.CompleteTimeout())
	defer cancel()
	body, _ := json.Marshal(CompleteBody(c.model, req.Prompt, req.MaxTokens, c.numCtx(len(req.Prompt), req.MaxTokens), c.opts))
	hreq, _ := http.NewRequestWithContext(ctx, "POST", c.Base+"/api/generate", bytes.NewReader(body))
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(hreq)
	if err != nil {
		return engine.Completion{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return engine.Completion{}, fmt.Errorf("/api/generate answered %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return ReadCompletion(resp.Body, req.MaxTokens)
}

// ReadCompletion reads an /api/generate stream into a completion. A stream
// that ends without done: true (Ollama stops silently after 30 identical
// tokens) keeps what came, with finish "incomplete"; an error line fails.
func ReadCompletion(r io.Reader, maxTokens int) (engine.Completion, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var c engine.Completion
	var text strings.Builder
	for {
		raw, err := readLine(br)
		if errors.Is(err, errLineTooLong) {
			return c, fmt.Errorf("a stream line is longer than %d MiB", maxLine>>20)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			var l line
			if e := json.Unmarshal(raw, &l); e != nil {
				return c, fmt.Errorf("line is not JSON (%v): %.120q", e, raw)
			}
			if l.Error != "" {
				return c, errors.New("ollama: " + l.Error)
			}
			if l.Response != "" {
				c.Pieces = append(c.Pieces, l.Response)
				text.WriteString(l.Response)
				if len(c.Pieces) > engine.OutputCap(maxTokens) {
					return c, fmt.Errorf("streamed more than %d pieces when %d tokens were asked (the server ignores num_predict)", engine.OutputCap(maxTokens), maxTokens)
				}
			}
			if l.Done {
				c.Finish = l.DoneReason
				break
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return c, fmt.Errorf("stream broke: %v", err)
			}
			c.Finish = "incomplete"
			break
		}
	}
	c.Text = text.String()
	return c, nil
}
