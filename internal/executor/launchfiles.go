package executor

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// writeLaunchFiles writes a configuration's launch files (engine.LaunchFiles,
// carried in plan.Config.Files) into its work directory, where the command
// names them through {work_dir}. A name must be a plain file name.
func writeLaunchFiles(workDir string, files map[string]string) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
			return fmt.Errorf("launch file %q is not a plain file name", name)
		}
		if err := os.WriteFile(filepath.Join(workDir, name), []byte(files[name]), 0o644); err != nil {
			return fmt.Errorf("cannot write launch file: %v", err)
		}
	}
	return nil
}
