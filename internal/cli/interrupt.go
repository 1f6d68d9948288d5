package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/servesweep/servesweep/internal/proc"
)

// interruptContext is cancelled by the first SIGINT, SIGTERM or SIGHUP. None of the
// later ones goes unanswered: while a server waits out its stop's grace period
// it is announced ("stopping <id>, SIGKILL in Ns; press Ctrl-C again to kill
// now"), the second signal kills the servers being stopped at once (SIGKILL
// to their process groups, and no grace for later stops), and any further one
// says what servesweep is waiting for.
func interruptContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 8)
	// SIGHUP (the terminal or SSH session closed) stops the run like Ctrl-C:
	// left to Go's default it would end servesweep at once, servers running.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	quit := make(chan struct{})
	go watchInterrupts(sigs, quit, cancel, stderr)
	return ctx, func() {
		signal.Stop(sigs)
		close(quit)
		cancel()
	}
}

func watchInterrupts(sigs <-chan os.Signal, quit <-chan struct{}, cancel func(), w io.Writer) {
	n := 0
	seen := map[int]bool{}
	var tick <-chan time.Time // polls for stops to announce once interrupted
	for {
		select {
		case <-quit:
			return
		case <-sigs:
			n++
			switch n {
			case 1:
				cancel()
				t := time.NewTicker(100 * time.Millisecond)
				defer t.Stop()
				tick = t.C
				announceStops(w, seen)
			case 2:
				var names []string
				for _, s := range proc.KillNow() {
					names = append(names, s.Name)
				}
				if len(names) > 0 {
					fmt.Fprintf(w, "servesweep: killing %s now (SIGKILL)\n", strings.Join(names, ", "))
				} else {
					fmt.Fprintln(w, "servesweep: interrupted again: servers are killed without a grace period as they stop")
				}
			default:
				fmt.Fprintln(w, "servesweep: still stopping: waiting for the server processes to exit (everything measured is kept)")
			}
		case <-tick:
			if n == 1 {
				announceStops(w, seen)
			}
		}
	}
}

// announceStops names each stop in its grace period once.
func announceStops(w io.Writer, seen map[int]bool) {
	for _, s := range proc.InGrace() {
		left := time.Until(s.KillAt)
		if seen[s.PID] || left < 500*time.Millisecond {
			continue
		}
		seen[s.PID] = true
		fmt.Fprintf(w, "servesweep: stopping %s, SIGKILL in %.0fs; press Ctrl-C again to kill now\n", s.Name, math.Ceil(left.Seconds()))
	}
}
