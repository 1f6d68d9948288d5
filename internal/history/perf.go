package history

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/servesweep/servesweep/internal/perfmodel"
	"github.com/servesweep/servesweep/internal/rundir"
)

// perfSchema holds each recorded configuration's performance model (its
// device, parallel layout and model figures: what calibration needs to turn
// a measured case into a data point) and the calibrations fitted from them.
const perfSchema = `
CREATE TABLE IF NOT EXISTS perf_configs (
  run_id TEXT, config_id TEXT, gpu TEXT, family TEXT, model TEXT, tp INTEGER, ep INTEGER, dp INTEGER, model_json TEXT,
  PRIMARY KEY (run_id, config_id)
);
CREATE TABLE IF NOT EXISTS calibrations (
  engine TEXT, engine_version TEXT, gpu TEXT, family TEXT, fitted_at TEXT, calibration TEXT,
  PRIMARY KEY (engine, engine_version, gpu, family)
);
`

// recordPerf stores the performance model of each configuration of the run.
func recordPerf(tx *sql.Tx, meta *rundir.Meta) error {
	if _, err := tx.Exec(`DELETE FROM perf_configs WHERE run_id = ?`, meta.RunID); err != nil {
		return err
	}
	for _, c := range meta.Configs {
		if c.Perf == nil {
			continue
		}
		b, err := json.Marshal(c.Perf)
		if err != nil {
			return err
		}
		s := c.Perf.Setup
		if _, err := tx.Exec(`INSERT OR REPLACE INTO perf_configs VALUES (?,?,?,?,?,?,?,?,?)`, meta.RunID, c.ID, s.Device.Name, s.Family, s.Model,
			s.Parallel.TP, s.Parallel.EP, s.Parallel.DP, string(b)); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	return nil
}

// PointFilter selects the measurements calibration uses.
type PointFilter struct {
	Engine string // "" all
	GPU    string // "" all; compared case-insensitively with the device name
	// Simulated includes dry runs and the sim engine (whose timings come from
	// the model itself): for tests and demonstrations only.
	Simulated bool
}

// PerfPoints returns every passed case of the real runs (not dry runs, not
// the sim engine) whose configuration has a recorded performance model, and
// how many passed real cases lack one (recorded before servesweep kept the
// model's figures, or hardware or model config unknown at the time).
func (d *DB) PerfPoints(f PointFilter) ([]perfmodel.Point, int, error) {
	rows, err := d.db.Query(`SELECT x.run_id, x.config_id, x.engine, x.engine_version, x.batch_size, x.input_len, x.output_len,
	  x.itl_ms, x.ttft_s, x.output_throughput, p.model_json
	  FROM results x JOIN runs r ON r.run_id = x.run_id LEFT JOIN perf_configs p ON p.run_id = x.run_id AND p.config_id = x.config_id
	  WHERE x.status = 'ok' AND (? OR (r.dry_run = 0 AND x.engine <> 'sim')) AND (? = '' OR x.engine = ?)
	  ORDER BY x.run_id, x.config_id, x.batch_size, x.input_len, x.output_len, x.repeat`, f.Simulated, f.Engine, f.Engine)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var pts []perfmodel.Point
	missing := 0
	for rows.Next() {
		var run, cfg, eng, ver string
		var bs, in, out int
		var itl, ttft, otp sql.NullFloat64
		var model sql.NullString
		if err := rows.Scan(&run, &cfg, &eng, &ver, &bs, &in, &out, &itl, &ttft, &otp, &model); err != nil {
			return nil, 0, err
		}
		var m perfmodel.Model
		if !model.Valid || json.Unmarshal([]byte(model.String), &m) != nil {
			missing++
			continue
		}
		s := m.Setup
		if f.GPU != "" && !strings.EqualFold(f.GPU, s.Device.Name) {
			continue
		}
		pts = append(pts, perfmodel.Point{Key: perfmodel.Key{Engine: eng, EngineVersion: ver, GPU: s.Device.Name, Family: s.Family},
			Run: run, Group: run + "/" + cfg, Setup: s, Shape: perfmodel.Shape{Batch: bs, InputLen: in, OutputLen: out},
			ITLMs: itl.Float64, TTFTS: ttft.Float64, OutputThroughput: otp.Float64})
	}
	return pts, missing, rows.Err()
}

// SaveCalibration stores a calibration, replacing an earlier fit of its key.
func (d *DB) SaveCalibration(c perfmodel.Calibration) error {
	if c.FittedAt == "" {
		c.FittedAt = time.Now().UTC().Format(time.RFC3339)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = d.db.Exec(`INSERT OR REPLACE INTO calibrations VALUES (?,?,?,?,?,?)`, c.Engine, c.EngineVersion, c.GPU, c.Family, c.FittedAt, string(b))
	return err
}

// Calibration finds the calibration for an engine version on a device for a
// model family: that exact version, else the newest fit of the engine on that
// device and family (any version). false when none (or the database predates
// calibrations).
func (d *DB) Calibration(engine, version, gpu, family string) (*perfmodel.Calibration, bool) {
	var raw string
	err := d.db.QueryRow(`SELECT calibration FROM calibrations WHERE engine = ? AND gpu = ? COLLATE NOCASE AND family = ?
	  ORDER BY engine_version = ? DESC, fitted_at DESC LIMIT 1`, engine, gpu, family, version).Scan(&raw)
	if err != nil {
		return nil, false
	}
	var c perfmodel.Calibration
	if json.Unmarshal([]byte(raw), &c) != nil {
		return nil, false
	}
	return &c, true
}
