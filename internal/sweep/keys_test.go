package sweep

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEListsEveryKey: the README's key table is the Keys table's.
func TestREADMEListsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "| `") {
			rows = append(rows, l)
		}
	}
	table := strings.Join(rows, "\n")
	for _, k := range Keys {
		if !strings.Contains(table, "`"+k.Name+"`") && !strings.Contains(table, "`"+k.Name+".") {
			t.Errorf("README's sweep-file table lacks `%s` (%s)", k.Name, k.Doc)
		}
		if k.Doc == "" || k.read == nil {
			t.Errorf("key %s has no doc or reader", k.Name)
		}
	}
}
