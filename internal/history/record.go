package history

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"time"

	"github.com/servesweep/servesweep/internal/results"
	"github.com/servesweep/servesweep/internal/rundir"
)

// Record stores the run in dir (replacing an earlier record of the same run).
func (d *DB) Record(dir string) (string, error) {
	recs, err := rundir.Read(dir) // past torn lines: the report names them
	if err != nil {
		return "", err
	}
	meta, rs := recs.Meta, results.Latest(recs.Results)
	abs, _ := filepath.Abs(dir)
	hardware := meta.GPULabel
	version, ok, failed := "", 0, 0
	for _, r := range rs {
		if r.EngineVersion != "" {
			version = r.EngineVersion
		}
		if r.Status == results.StatusOK {
			ok++
		} else {
			failed++
		}
	}
	tx, err := d.db.Begin()
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`DELETE FROM results WHERE run_id = ?`, meta.RunID); err != nil {
		return "", err
	}
	if _, err := tx.Exec(`INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?)`, meta.RunID, meta.Name, meta.Engine, version, hardware,
		meta.StartedAt.Format(time.RFC3339), abs, meta.SweepFile, meta.DryRun, ok, failed); err != nil {
		return "", err
	}
	st, err := tx.Prepare(`INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return "", err
	}
	defer st.Close()
	for _, r := range rs {
		if _, err := st.Exec(meta.RunID, r.ConfigID, r.Model, r.ModelKey, r.Variant, r.Engine, r.EngineVersion, hardware, r.GPUs,
			r.BatchSize, r.InputLen, r.OutputLen, r.Repeat, r.Status, r.FailureKind, nf(r.LatencyS), nf(r.TTFTS), nf(r.InputThroughput),
			nf(r.OutputThroughput), nf(r.ITLMs), nf(r.InputCostPer1M), nf(r.OutputCostPer1M), r.StartedAt.Format(time.RFC3339Nano),
			r.EndedAt.Sub(r.StartedAt).Seconds()); err != nil {
			return "", fmt.Errorf("history: %w", err)
		}
	}
	if err := recordPerf(tx, meta); err != nil {
		return "", err
	}
	return meta.RunID, tx.Commit()
}

func nf(p *float64) sql.NullFloat64 {
	if p == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *p, Valid: true}
}

// Run is one recorded run.
type Run struct {
	RunID         string `json:"run_id"`
	Name          string `json:"name"`
	Engine        string `json:"engine"`
	EngineVersion string `json:"engine_version"`
	Hardware      string `json:"hardware"`
	StartedAt     string `json:"started_at"`
	Dir           string `json:"dir"`
	DryRun        bool   `json:"dry_run"`
	CasesOK       int    `json:"cases_ok"`
	CasesFailed   int    `json:"cases_failed"`
	Models        string `json:"models"`
}

// Runs lists recorded runs, newest first; model filters by model path or key substring.
func (d *DB) Runs(model string) ([]Run, error) {
	q := `SELECT r.run_id, r.name, r.engine, r.engine_version, r.hardware, r.started_at, r.dir, r.dry_run, r.cases_ok, r.cases_failed,
	  COALESCE((SELECT group_concat(DISTINCT model_key) FROM results x WHERE x.run_id = r.run_id), '')
	  FROM runs r WHERE ? = '' OR EXISTS (SELECT 1 FROM results x WHERE x.run_id = r.run_id AND (x.model LIKE '%' || ? || '%' OR x.model_key LIKE '%' || ? || '%'))
	  ORDER BY r.started_at DESC, r.run_id DESC`
	rows, err := d.db.Query(q, model, model, model)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		if err := rows.Scan(&r.RunID, &r.Name, &r.Engine, &r.EngineVersion, &r.Hardware, &r.StartedAt, &r.Dir, &r.DryRun, &r.CasesOK, &r.CasesFailed, &r.Models); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CaseSeconds is the mean wall time of one passed case of a configuration in
// earlier real (not simulated) runs, to refine schedule estimates.
func (d *DB) CaseSeconds(configID string) (float64, bool) {
	var v sql.NullFloat64
	d.db.QueryRow(`SELECT avg(x.case_seconds) FROM results x JOIN runs r ON r.run_id = x.run_id
	  WHERE x.config_id = ? AND x.status = 'ok' AND r.dry_run = 0 AND x.case_seconds > 0`, configID).Scan(&v)
	return v.Float64, v.Valid
}
