#!/bin/sh
# bench.sh: per-run cost of StdProcessRunner against the C floor.
#
# Builds testdata/spawnloop.c (posix_spawn + pipes + wait4, nothing else)
# and the package's test binary, then runs ROUNDS rounds of
#
#     spawnloop N /bin/true
#     adapters.test -test.run '^$' -test.bench 'RunTrue|OSExecTrue' -test.count 1
#
# interleaved, so that both see the same machine load, and prints the raw
# results, benchstat's summary when benchstat can be run, and the ratio of
# each Go benchmark's median ns/op to the C median. The Go half is the same
# as `go test -run '^$' -bench 'RunTrue|OSExecTrue' -count $ROUNDS .`.
#
# Environment: ROUNDS (10), N (2000, iterations per C round), BENCH (Go
# benchmark regexp), BENCHTIME (Go -test.benchtime, 1s), CC (cc),
# TRUE (path of true(1)), BENCHSTAT (a benchstat command; default: the
# benchstat in PATH, else `go run golang.org/x/perf/cmd/benchstat@...`,
# else none). Results are also kept in $OUT when it is set.
set -eu

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-10}
N=${N:-2000}
BENCH=${BENCH:-RunTrue|OSExecTrue}
BENCHTIME=${BENCHTIME:-1s}
CC=${CC:-cc}
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da

if [ -z "${TRUE:-}" ]; then
	for t in /bin/true /usr/bin/true; do
		if [ -x "$t" ]; then TRUE=$t; break; fi
	done
fi
: "${TRUE:?no true(1) found; set TRUE}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/perfgate-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

"$CC" -O2 -o "$tmp/spawnloop" testdata/spawnloop.c
go test -c -o "$tmp/adapters.test" .

echo "# $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs, $(go version)"
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
echo "# C: spawnloop $N $TRUE, $ROUNDS rounds"
echo "# Go: go test -run '^\$' -bench '$BENCH' -benchtime $BENCHTIME -count $ROUNDS . (interleaved with C, one count per round)"

: > "$tmp/c.txt"
: > "$tmp/go.txt"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	i=$((i + 1))
	"$tmp/spawnloop" "$N" "$TRUE" >> "$tmp/c.txt"
	# Keep the header lines of the first round only, as -count would.
	"$tmp/adapters.test" -test.run '^$' -test.bench "$BENCH" \
		-test.benchtime "$BENCHTIME" -test.count 1 > "$tmp/round.txt"
	if [ "$i" -eq 1 ]; then
		grep -v -e '^PASS$' -e '^ok ' "$tmp/round.txt" >> "$tmp/go.txt"
	else
		grep '^Benchmark' "$tmp/round.txt" >> "$tmp/go.txt"
	fi
	printf '.' >&2
done
echo >&2

echo
echo "## C (testdata/spawnloop.c)"
cat "$tmp/c.txt"
echo
echo "## Go"
cat "$tmp/go.txt"

if [ -n "${OUT:-}" ]; then
	mkdir -p "$OUT"
	cp "$tmp/c.txt" "$tmp/go.txt" "$OUT/"
fi

# benchstat, when it can be had; the summary below does not need it.
if [ -z "${BENCHSTAT:-}" ]; then
	if command -v benchstat >/dev/null 2>&1; then
		BENCHSTAT=benchstat
	elif go run "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION" -h >/dev/null 2>&1; then
		BENCHSTAT="go run golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
	fi
fi
if [ -n "${BENCHSTAT:-}" ]; then
	echo
	echo "## benchstat"
	# One table: the C line joins the Go file, so that every benchmark
	# gets its median and confidence interval.
	cat "$tmp/go.txt" "$tmp/c.txt" > "$tmp/all.txt"
	$BENCHSTAT "$tmp/all.txt" || echo "(benchstat failed)"
fi

echo
echo "## Median and minimum ns/op, and their ratio to C"
cat "$tmp/c.txt" "$tmp/go.txt" | awk '
	/^Benchmark/ {
		for (f = 3; f < NF; f++) {
			if ($(f + 1) == "ns/op") {
				name = $1
				sub(/-[0-9]+$/, "", name) # GOMAXPROCS suffix
				n[name]++
				v[name, n[name]] = $f
				if (!(name in seen)) { seen[name] = 1; order[++names] = name }
			}
		}
	}
	# sorted copies the values of name into a[1..k], ascending; returns k.
	function sorted(name, a,    k, i, j, t) {
		k = n[name]
		for (i = 1; i <= k; i++) a[i] = v[name, i] + 0
		for (i = 2; i <= k; i++) { # insertion sort, k is small
			t = a[i]
			for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
			a[j + 1] = t
		}
		return k
	}
	function median(name,    a, k) {
		k = sorted(name, a)
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	function minimum(name,    a) { sorted(name, a); return a[1] }
	END {
		if (!("BenchmarkCSpawnTrue" in seen)) { print "no C result"; exit 1 }
		cmed = median("BenchmarkCSpawnTrue")
		cmin = minimum("BenchmarkCSpawnTrue")
		printf "%-32s %10s %7s %10s %7s %5s\n", "benchmark", "median", "vs C", "min", "vs C", "runs"
		for (i = 1; i <= names; i++) {
			name = order[i]
			med = median(name)
			lo = minimum(name)
			printf "%-32s %10.0f %6.2fx %10.0f %6.2fx %5d\n", name, med, med / cmed, lo, lo / cmin, n[name]
		}
	}'
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
