// Package history records every run in a SQLite database (modernc.org/sqlite,
// pure Go) keyed by model, engine version, configuration and hardware, lists
// runs, and compares two runs configuration by configuration with the
// significance of each change — for nightly regression gates.
package history

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// DB is an open history database.
type DB struct{ db *sql.DB }

const schema = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, name TEXT, engine TEXT, engine_version TEXT, hardware TEXT,
  started_at TEXT, dir TEXT, sweep_file TEXT, dry_run INTEGER, cases_ok INTEGER, cases_failed INTEGER
);
CREATE TABLE IF NOT EXISTS results (
  run_id TEXT, config_id TEXT, model TEXT, model_key TEXT, variant TEXT, engine TEXT, engine_version TEXT,
  hardware TEXT, gpus INTEGER, batch_size INTEGER, input_len INTEGER, output_len INTEGER, repeat INTEGER,
  status TEXT, failure_kind TEXT, latency_s REAL, ttft_s REAL, input_throughput REAL, output_throughput REAL,
  itl_ms REAL, input_cost_per_1m REAL, output_cost_per_1m REAL, started_at TEXT, case_seconds REAL,
  PRIMARY KEY (run_id, config_id, batch_size, input_len, output_len, repeat)
);
CREATE INDEX IF NOT EXISTS results_model ON results (model, engine_version, config_id, hardware);
`

// Open opens (creating) the database at path.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("history database: %w", err)
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(schema + perfSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("history database %s: %w", path, err)
	}
	return &DB{db: db}, nil
}

// OpenReadOnly opens an existing database for reading only: it creates no
// file, and works where the database's folder is read-only (a read-only
// mount, another user's data directory). A missing database is an error
// wrapping fs.ErrNotExist.
func OpenReadOnly(path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("history database: %w", err)
	}
	uri := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_pragma=busy_timeout(5000)"
	var err error
	// A WAL database in a read-only folder cannot be read in mode=ro (SQLite
	// needs to create its -shm file there): read the file as immutable then.
	for _, dsn := range []string{uri, uri + "&immutable=1"} {
		var db *sql.DB
		if db, err = sql.Open("sqlite", dsn); err != nil {
			continue
		}
		var n int
		if err = db.QueryRow(`SELECT count(*) FROM runs`).Scan(&n); err == nil {
			return &DB{db: db}, nil
		}
		db.Close()
	}
	return nil, fmt.Errorf("history database %s: %w", path, err)
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// DefaultPath is the database under the user's data directory.
func DefaultPath(getenv func(string) string) string {
	if x := getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "servesweep", "history.db")
	}
	return filepath.Join(getenv("HOME"), ".local", "share", "servesweep", "history.db")
}
