#!/usr/bin/env bash
# Benchmark: the store's size for a school of HOSTS machines (default 300) after RUNS nightly runs
# (default 365: a year), filled through the store's own API by bench_console, each night made from
# the sample school's real night (tests/store-6/run-2.json: its findings and their evidence, given
# to HOSTS machines, with what moves on a real network moving: virus databases' dates every night,
# updates once a week, "N days" a day a night, a few checks failing and mending, the filter's
# timings). Prints the file's size (WAL checkpointed), what each table and index takes (with the
# sqlite3 shell's dbstat), and the ten-year size it extrapolates to (the rows grow with the nights;
# the texts mostly in the first weeks). Targets: a year <= 60 MB, ten years <= 600 MB. RUNS=3650
# measures ten years directly (about 10 million findings; bounded to 30 minutes).
# Not a test: run it by hand (apt-get install sqlite3). KEEP=1 keeps the store.
#
#   bench/store.sh [RUNS] [HOSTS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-365}"
HOSTS="${2:-300}"
command -v sqlite3 >/dev/null || { echo "needs sqlite3: apt-get install sqlite3" >&2; exit 1; }
[ "$RUNS" -le 3650 ] && [ "$HOSTS" -le 2000 ] || { echo "at most 3650 runs of 2000 machines" >&2; exit 1; }

cargo build --release -q -p caretaker --example bench_console
bin=target/release/examples/bench_console
. bench/lib.sh
bench_store store
half=$(( RUNS / 2 ))
timeout 1800 "$bin" fill "$d/caretaker.toml" "$half" "$HOSTS" 0 "$RUNS"
sqlite3 "$d/caretaker.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
at_half=$(stat -c %s "$d/caretaker.db")
timeout 1800 "$bin" fill "$d/caretaker.toml" "$(( RUNS - half ))" "$HOSTS" "$half" "$RUNS"
sqlite3 "$d/caretaker.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
size=$(stat -c %s "$d/caretaker.db")
findings=$(sqlite3 "$d/caretaker.db" 'SELECT COUNT(*) FROM results;')
[ "$findings" -gt 0 ] || { echo "the store holds no findings" >&2; exit 1; }
sqlite3 "$d/caretaker.db" 'SELECT COUNT(*) FROM subjects; SELECT COUNT(*) FROM texts;' | paste -sd' ' |
  awk -v f="$findings" '{ printf "%d findings: %d subjects, %d texts\n", f, $1, $2 }'
sqlite3 -separator ' ' "$d/caretaker.db" \
  "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC;" 2>/dev/null |
  awk '{ printf "  %-28s %8.1f MB\n", $1, $2 / 1e6 }' || true
awk -v s="$size" -v h="$at_half" -v r="$RUNS" -v half="$half" -v f="$findings" 'BEGIN {
  per = (s - h) / (r - half)
  ten = s + per * (3650 - r)
  printf "store after %d nights: %.1f MB (at the end %.0f bytes a finding, %.2f MB a night)\n", r, s / 1e6, per / (f / r), per / 1e6
  if (r < 3650) printf "ten years (3650 nights), extrapolated from the second half: %.0f MB\n", ten / 1e6
  if (r >= 365) printf "a year: %s (target <= 60 MB); ten years: %s (target <= 600 MB)\n",
    ((r == 365 ? s : s * 365 / r) <= 60e6 ? "meets" : "MISSES"), (ten <= 600e6 ? "meets" : "MISSES")
}'
