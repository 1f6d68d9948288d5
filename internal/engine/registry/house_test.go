package registry

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// allowed are the places outside internal/engine that may still name an
// engine, each with its reason.
var allowed = map[string]string{}

// TestNoEngineNamesOutsideEngineFolders enforces the house rule: engine
// specifics live in internal/engine/<name>; everything else asks the registry
// and the engine's traits, never tests a name.
func TestNoEngineNamesOutsideEngineFolders(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	names := append(Names(), "trtllm")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "internal/engine" || strings.HasPrefix(rel, ".") && rel != "." || rel == "testdata" || strings.HasSuffix(rel, "/testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if _, ok := allowed[filepath.ToSlash(filepath.Dir(rel))]; ok {
			return nil
		}
		if _, ok := allowed[rel]; ok {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if v, err := strconv.Unquote(lit.Value); err == nil && slices.Contains(names, v) {
					t.Errorf("%s: names engine %q: ask the registry or the engine's traits instead", fset.Position(lit.Pos()), v)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestImportsPointDownwards: no engine folder imports the planner, and the
// report and history read the run directory, not the runner or executors.
func TestImportsPointDownwards(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	forbidden := map[string][]string{
		"internal/engine/": {"internal/plan", "internal/sweep", "internal/runner", "internal/executor", "internal/report"},
		"internal/report":  {"internal/runner", "internal/executor"},
		"internal/history": {"internal/runner", "internal/executor"},
	}
	fset := token.NewFileSet()
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return nil
		}
		for prefix, bad := range forbidden {
			if !strings.HasPrefix(rel, prefix) {
				continue
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				for _, b := range bad {
					if strings.HasSuffix(p, "/"+b) {
						t.Errorf("%s imports %s: imports must point downwards", rel, p)
					}
				}
			}
		}
		return nil
	})
}
