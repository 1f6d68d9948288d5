#!/usr/bin/env bash
# fuzz-all.sh — runs every fuzz target of the module (every `func FuzzXxx` in a
# _test.go file) for FUZZTIME each (default 30s), one after another. Seed
# corpora live in each package's testdata/fuzz/FuzzXxx/ and also run, as plain
# tests, in `make test`.
#
#   scripts/fuzz-all.sh                 # all targets, 30 s each
#   FUZZTIME=5s scripts/fuzz-all.sh sse # targets of packages whose path contains "sse"
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
filter="${1:-}"
fail=0
while IFS=: read -r file name; do
  pkg="./$(dirname "$file")"
  [[ -z "$filter" || "$pkg" == *"$filter"* ]] || continue
  echo "== $pkg $name"
  "$GO" test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "${FUZZTIME:-30s}" || fail=1
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal cmd | sed 's/:func /:/' | sort -u)
exit "$fail"
