package sweep

import (
	"errors"
	"path/filepath"

	"github.com/servesweep/servesweep/internal/workload"
	"go.yaml.in/yaml/v3"
)

// readWorkload reads the `workload:` section (package workload), keeping its
// errors' file:line:column.
func readWorkload(p *parser, f *File, v *yaml.Node) error {
	s, err := workload.FromNode(p.file, v, filepath.Dir(p.file))
	var we *workload.Error
	if errors.As(err, &we) {
		return &Error{File: we.File, Line: we.Line, Column: we.Column, Msg: we.Msg}
	}
	f.Workload = s
	return err
}

// checkWorkload runs once every key is read: a workload needs load profiles
// to draw from it, except a trace, which without `load:` is replayed once
// per configuration at its own pace times its speed.
func (p *parser) checkWorkload(f *File) error {
	s := f.Workload
	if s == nil || len(f.Load) > 0 {
		return nil
	}
	if s.Type != workload.Trace {
		return p.errAt(p.nodes["workload"], "workload describes the requests of load profiles, and there is no load: section; add one, e.g. load: [{concurrency: 8, requests: 64}]")
	}
	f.Load = []LoadProfile{{Rate: s.ReplayRate(), Arrival: workload.Trace, Requests: s.Requests()}}
	return nil
}
