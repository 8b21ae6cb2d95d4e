#!/bin/sh
# bench-compare.sh BASE: per-run cost of this tree against the revision
# BASE, as paired benchmarks that load cannot bias: the test binaries of
# both are built, then run in turn ROUNDS times, and benchstat compares.
#
#     scripts/bench-compare.sh b770257
#
# Environment: ROUNDS (10), PKG (the package, default the root; e.g.
# ./cmd/perfgate-measure with BENCH='^Benchmark(RunTrue|CLITrueJSON|CLITrueText)$'
# for the CLI's cost per run), BENCH (the Go benchmark regexp, default the
# per-run cost benchmarks), BENCHTIME (500x), BENCHSTAT (a benchstat
# command; default: benchstat in PATH, else go run of the pinned version).
set -eu
cd "$(dirname "$0")/.."
base=${1:?usage: scripts/bench-compare.sh BASE-REVISION}
ROUNDS=${ROUNDS:-10}
BENCH=${BENCH:-'^Benchmark(RunTrue|RunTrueDirect|RunTrueWithTimeout|RunTrueTree|OSExecTrue)$'}
BENCHTIME=${BENCHTIME:-500x}
PKG=${PKG:-.}
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da

tmp=$(mktemp -d "${TMPDIR:-/tmp}/perfgate-compare.XXXXXX")
trap 'git worktree remove --force "$tmp/base" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
git worktree add -q --detach "$tmp/base" "$base"
(cd "$tmp/base" && go test -c -o "$tmp/base.test" "$PKG")
go test -c -o "$tmp/head.test" "$PKG"

for i in $(seq "$ROUNDS"); do
	for side in base head; do
		"$tmp/$side.test" -test.run '^$' -test.bench "$BENCH" -test.benchtime "$BENCHTIME" \
			-test.benchmem -test.count 1 >>"$tmp/$side.txt"
	done
	echo "round $i/$ROUNDS" >&2
done

if [ -n "${BENCHSTAT:-}" ]; then
	$BENCHSTAT "$tmp/base.txt" "$tmp/head.txt"
elif command -v benchstat >/dev/null; then
	benchstat "$tmp/base.txt" "$tmp/head.txt"
else
	go run "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION" "$tmp/base.txt" "$tmp/head.txt"
fi
