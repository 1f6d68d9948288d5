package proc

import (
	"io"
	"os"

	"github.com/servesweep/servesweep/internal/redact"
)

// logSink returns what a child writes its output to: the log file itself, or,
// while secrets are registered (a sweep file's HF_TOKEN or --api-key), a pipe
// whose other end masks them on their way into the log (SGLang prints its
// server_args, api_key included, at launch). started(true) is called once the
// child runs (the parent's copy of the pipe's write end is closed, and the
// copy into the log file goes on until every holder of it has exited, then
// drained is closed); started(false) when the start failed. drained is nil
// when the child writes to the file itself.
func logSink(log *os.File) (out *os.File, started func(ok bool), drained <-chan struct{}, err error) {
	if !redact.Active() {
		return log, func(ok bool) {
			if !ok {
				log.Close()
			}
		}, nil, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, err
	}
	done := make(chan struct{})
	return pw, func(ok bool) {
		pw.Close()
		go func() {
			defer close(done)
			s := redact.NewStream(log)
			io.Copy(s, pr)
			s.Close()
			pr.Close()
			log.Close()
		}()
	}, done, nil
}
