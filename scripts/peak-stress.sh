#!/bin/sh
# peak-stress.sh: the long version of TestPeakRSSStress (issue 12).
#
# Builds the package's test binary and runs
#
#     PERFGATE_PEAK_STRESS_RUNS=$RUNS adapters.test -test.run '^TestPeakRSSStress$' -test.v
#
# that is RUNS runs of /bin/true and of a child of known size (every
# EVERY-th run) per spawn mode (direct, spawner) and caller behaviour
# (idle, churn, grown), then prints a table of counts per combination:
# runs, figures reported, figures withheld (of which without a
# max_rss_at_most_kb bound), wrong figures, and the worst wrong figure with
# its child and that child's real peak (KiB). A figure is wrong when it is
# not within max(10 %, 768 KiB) of the child's real peak. The wrong runs
# are listed first (at most 20), with the spawning process's memory right
# after each. Exits with the test's status: non-zero when any figure was
# wrong.
#
# Environment: RUNS (3000), EVERY (the test's default when unset), RACE=1
# (build with -race), OUT (a file to keep the whole test log in).
set -eu

cd "$(dirname "$0")/.."

RUNS=${RUNS:-3000}
race=
if [ "${RACE:-}" = 1 ]; then race=-race; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/perfgate-peak-stress.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

go test $race -c -o "$tmp/adapters.test" .

status=0
PERFGATE_PEAK_STRESS_RUNS=$RUNS ${EVERY:+PERFGATE_PEAK_STRESS_EVERY=$EVERY} \
	"$tmp/adapters.test" -test.run '^TestPeakRSSStress$' -test.v -test.count 1 -test.timeout 0 \
	>"$tmp/log" 2>&1 || status=$?
if [ -n "${OUT:-}" ]; then cp "$tmp/log" "$OUT"; fi

grep -E "real peak \(GNU time|^(--- )?(FAIL|SKIP|PASS|ok)|--- (FAIL|SKIP)" "$tmp/log" | grep -v -- '--- PASS' || true
wrong=$(grep -c 'wrong: run' "$tmp/log" || true)
if [ "$wrong" -gt 0 ]; then
	echo "wrong runs ($wrong; at most 20 shown):"
	grep 'wrong: run' "$tmp/log" | sed 's/^ *[^ ]*: /  /' | head -n 20
fi
echo
# The combinations run side by side and log in the order they end: the
# table puts them back in the test's order.
grep 'peak-stress:' "$tmp/log" | sed 's/.*peak-stress: //' | awk '
	function row(k) { split(rows[k], f, SUBSEP); printf "%-8s %-6s %6s %8s %9s %10s %6s  %s\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8] }
	{
		delete v
		for (i = 1; i <= NF; i++) { k = substr($i, 1, index($i, "=") - 1); v[k] = substr($i, length(k) + 2) }
		key = v["mode"] "/" v["behaviour"]
		rows[key] = v["mode"] SUBSEP v["behaviour"] SUBSEP v["runs"] SUBSEP v["figures"] SUBSEP v["withheld"] SUBSEP v["unbounded"] SUBSEP v["wrong"] SUBSEP v["worst"]
	}
	END {
		printf "%-8s %-6s %6s %8s %9s %10s %6s  %s\n", "mode", "caller", "runs", "figures", "withheld", "unbounded", "wrong", "worst"
		n = split("direct/idle direct/churn direct/grown spawner/idle spawner/churn spawner/grown", order, " ")
		for (i = 1; i <= n; i++) if (order[i] in rows) { row(order[i]); delete rows[order[i]] }
		for (k in rows) row(k)
	}'
exit "$status"
