package runner

import (
	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/telemetry"
)

// openTelemetry opens telemetry.jsonl when the sweep records telemetry.
func (s *sweepRun) openTelemetry(app func(string) *results.Appender) *results.Appender {
	if s.o.File.Telemetry.SamplePeriod() <= 0 {
		return nil
	}
	return app(telemetry.File)
}

// telemetry is what each job needs to record telemetry. A sample that cannot
// be written turns telemetry off for that configuration (the recorder says
// so); it does not stop the sweep, as a lost result would.
func (s *sweepRun) telemetry() telemetry.Settings {
	if s.tel == nil {
		return telemetry.Settings{}
	}
	app := s.tel
	return telemetry.Settings{Period: s.o.File.Telemetry.SamplePeriod(), Emit: func(x telemetry.Sample) error { return app.Append(x) }}
}
