#!/usr/bin/env bash
# Benchmark: a trust of SCHOOLS schools (default 50) of HOSTS machines (default 300) each, forwarding
# every night of a year (NIGHTS, default 365) into one PostgreSQL (Debian's package, started by the
# lab on 127.0.0.1, TLS only). A year of nightly runs is made once, through the store's own API,
# from the sample school's real night (about 2,570 findings a night); every school forwards its own
# copy of it, one night at a time, all schools at once as their caretakers would at 02:00, each
# over its own connection. Printed: the ingest time of a night (median, p95, max), the database's
# size (and how much of it is each run's findings kept whole), the trust's summary as the console's
# trust screens load it (every school's picture read over trust::READERS connections and judged),
# the same summary read from the rows alone (and checked to be the same, finding by finding), and
# the tool itself as processes, start to exit: `caretaker trust show` and `caretaker report --trust
# --last 90 --format html` (two pictures of every school, compared, written as HTML), beside the
# rival, psql running one hand-written query of each school's failing findings in its latest run.
# Each forwarding is checked to have sent one run, each summary to hold every school with its
# findings, each `trust show` and report to name every school. Target: summary and report <= 1 s
# each. KEEP_DB=1 keeps the database running and prints how to time the reads again over it.
# Not a test: run it by hand (apt-get install postgresql time). About 35 minutes for the defaults;
# needs about 15 GB of disk. KEEP=1 keeps the folder.
#
#   bench/trust.sh [SCHOOLS] [NIGHTS] [HOSTS]
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS="${1:-50}"
NIGHTS="${2:-365}"
HOSTS="${3:-300}"
[ "$SCHOOLS" -le 100 ] && [ "$NIGHTS" -le 400 ] && [ "$HOSTS" -le 2000 ] || { echo "at most 100 schools, 400 nights, 2000 machines" >&2; exit 1; }

cargo build --release -q -p caretaker --bin caretaker --example bench_console --example bench_trust
. bench/lib.sh
bench_store trust
# Bounded: at most 15 minutes to fill the year.
timeout 900 target/release/examples/bench_console fill "$d/caretaker.toml" "$NIGHTS" "$HOSTS"
# Bounded: bench_trust stops itself after a minute a night (three hours at most).
target/release/examples/bench_trust "$d/caretaker.db" "$SCHOOLS" "$NIGHTS" "$d/trust"
