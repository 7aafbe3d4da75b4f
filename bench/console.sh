#!/usr/bin/env bash
# Benchmark: the console over a year of nightly runs of a large school. Fills a store through the
# store's own API with RUNS runs (default 365) of HOSTS machines (default 300), each night made
# from the sample school's real night (tests/store-6/run-2.json: its machines' findings given to
# HOSTS machines, its directory, filter and mail; about 2,570 findings a run), then
# starts the console's loading and drawing over it, REPEAT times (default 5), each in a fresh
# process: time to the first frame (the latest audit read, the compliance picture built and drawn
# into an 80×24 TestBackend), then to the year of runs loaded and drawn, and the peak memory of
# the process (/usr/bin/time -f %M); then the Runs screen alone (the runs loaded, checked to be
# newest first with every run's counts, and drawn) and one filter cell's history (Enter on the
# Filter screen: loaded, checked to be that page's results newest first, and drawn).
# Targets: first frame <= 200 ms, peak <= 100 MB, Runs screen <= 50 ms, a cell's history <= 50 ms.
# Not a test: run it by hand (apt-get install time). KEEP=1 keeps the store.
#
#   bench/console.sh [RUNS] [HOSTS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-365}"
HOSTS="${2:-300}"
REPEAT="${3:-5}"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }
[ "$RUNS" -le 1000 ] && [ "$HOSTS" -le 2000 ] || { echo "at most 1000 runs of 2000 machines" >&2; exit 1; }

cargo build --release -q -p caretaker --example bench_console
bin=target/release/examples/bench_console
. bench/lib.sh
bench_store console

# Bounded: at most 10 minutes to fill.
timeout 600 "$bin" fill "$d/caretaker.toml" "$RUNS" "$HOSTS"
echo "store: $(du -h "$d/caretaker.db" | cut -f1)"
sync

for i in $(seq "$REPEAT"); do
  /usr/bin/time -f "peak %M KB" -o "$d/time.$i" timeout 60 "$bin" first-frame "$d/caretaker.toml"
  cat "$d/time.$i"
done
