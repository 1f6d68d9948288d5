package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// hangingServer answers /big with more than MaxControlBody and never answers anything else.
func hangingServer(t *testing.T) string {
	quit := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			chunk := make([]byte, 1<<20)
			for i := 0; i <= MaxControlBody>>20; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			return
		}
		select {
		case <-r.Context().Done():
		case <-quit:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(quit) })
	return srv.URL
}

func TestCallTimesOutWithClearError(t *testing.T) {
	base := hangingServer(t)
	ctx := WithControlCap(context.Background(), 200*time.Millisecond)
	t0 := time.Now()
	_, _, err := Call(ctx, http.DefaultClient, "POST", base, "/flush_cache", nil, FlushTimeout)
	var te *TimeoutError
	if !errors.As(err, &te) || err.Error() != "/flush_cache did not answer within 200ms" {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
	if (&TimeoutError{What: "/start_profile", After: ProfileTimeout}).Error() != "/start_profile did not answer within 60s" {
		t.Fatal("message")
	}
	if Bound(context.Background(), FlushTimeout) != 30*time.Second || Bound(ctx, InfoTimeout) != 200*time.Millisecond {
		t.Fatal("bounds")
	}
}

func TestCallIsCancelledByTheCaller(t *testing.T) {
	base := hangingServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	t0 := time.Now()
	_, _, err := Call(ctx, http.DefaultClient, "GET", base, "/server_info", nil, InfoTimeout)
	var te *TimeoutError
	if err == nil || errors.As(err, &te) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled call must say so, not time out: %v", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("Ctrl-C took %s to end the call", d)
	}
}

func TestCallCapsTheAnswer(t *testing.T) {
	_, b, err := Call(context.Background(), http.DefaultClient, "GET", hangingServer(t), "/big", nil, InfoTimeout)
	if err == nil || !strings.Contains(err.Error(), "answered more than 16 MiB") || len(b) > MaxControlBody {
		t.Fatalf("err %v, %d bytes kept", err, len(b))
	}
}

func TestCheckOutput(t *testing.T) {
	if CheckOutput(0, OutputCap(8), 8) != nil || OutputCap(8) != 72 || OutputCap(4096) != 4608 {
		t.Fatal("cap")
	}
	err := CheckOutput(3, 73, 8)
	var re *RequestError
	if !errors.As(err, &re) || re.Kind != "overrun" || !strings.Contains(err.Error(), "request 3 streamed more than 72 tokens when 8 were asked") {
		t.Fatalf("%v", err)
	}
}

// stalling is a client whose generation requests never end by themselves.
type stalling struct{ Client }

func (stalling) Generate(ctx context.Context, _ GenerateRequest) (*Stream, error) {
	<-ctx.Done()
	return nil, &RequestError{Kind: "connection", Msg: ctx.Err().Error()}
}

func TestGenerateWithin(t *testing.T) {
	_, err := Bounded{Client: stalling{}, RequestTimeout: 50 * time.Millisecond}.Generate(context.Background(), GenerateRequest{})
	if err == nil || !strings.HasPrefix(err.Error(), "request timed out after 50ms (request_timeout): ") {
		t.Fatalf("%v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = GenerateWithin(ctx, stalling{}, GenerateRequest{}, time.Hour)
	if err == nil || strings.Contains(err.Error(), "timed out") {
		t.Fatalf("a cancelled request is not a timeout: %v", err)
	}
}
