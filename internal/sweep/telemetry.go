package sweep

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// DefaultTelemetryPeriod is the sampling period of `telemetry:` when unset.
const DefaultTelemetryPeriod = time.Second

// minTelemetryPeriod keeps the sampling from loading the server it measures.
const minTelemetryPeriod = 50 * time.Millisecond

// maxPowerPrice caps power_price (USD per kWh).
const maxPowerPrice = 1000.0

// Telemetry is the `telemetry:` key: false turns it off; a mapping sets the period.
type Telemetry struct {
	Off    bool
	Period time.Duration // 0: DefaultTelemetryPeriod
}

// SamplePeriod is the period between samples (0 when telemetry is off).
func (t Telemetry) SamplePeriod() time.Duration {
	switch {
	case t.Off:
		return 0
	case t.Period <= 0:
		return DefaultTelemetryPeriod
	}
	return t.Period
}

func readTelemetry(p *parser, f *File, v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
		on, err := p.bool(v, "telemetry")
		f.Telemetry.Off = !on
		return err
	}
	return p.fields(v, "telemetry", []string{"period"}, func(key string, k, val *yaml.Node) error {
		d, err := p.duration(val, "telemetry period")
		if err == nil && d < minTelemetryPeriod {
			err = p.errAt(val, "telemetry period must be at least %s (sampling faster loads the server it measures), got %s", minTelemetryPeriod, d)
		}
		f.Telemetry.Period = d
		return err
	})
}

func readPowerPrice(p *parser, f *File, v *yaml.Node) (err error) {
	if f.PowerPrice, err = p.float(v, "power_price"); err == nil && (f.PowerPrice < 0 || f.PowerPrice > maxPowerPrice) {
		err = p.errAt(v, "power_price must be between 0 and %g USD per kWh, got %v", maxPowerPrice, f.PowerPrice)
	}
	return err
}
