// Command servesweep finds the best way to serve a large language model: it
// plans a sweep of server configurations, runs each under supervision,
// measures batch-1 latency and throughput, and reports the configuration to use.
package main

import (
	"os"

	"github.com/servesweep/servesweep/internal/cli"
)

func main() {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	os.Exit(cli.Main(os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Self: self}))
}
