#!/usr/bin/env bash
# Benchmark: a trust of SCHOOLS schools (default 50) of HOSTS machines (default 300) each, forwarding
# every night of a year (NIGHTS, default 365) into one PostgreSQL (Debian's package, started by the
# lab on 127.0.0.1, TLS only). A year of nightly runs is made once, through the store's own API,
# from the sample school's real night (about 2,570 findings a night); every school forwards its own
# copy of it, one night at a time, all schools at once as their caretakers would at 02:00, each
# over its own connection. Printed: the ingest time of a night (median, p95, max), the database's
# size, and the trust's summary (every school's picture read and judged, as the console's trust
# screen and `caretaker trust show` load it, over trust::READERS connections), the trustees' report
# of the last 90 days (two pictures of every school, compared, written as HTML), beside the rival,
# psql running one hand-written query of each school's failing findings in its latest run. Each
# forwarding is checked to have sent one run, each summary to hold every school with its findings,
# and each report every school. Target: summary and report <= 1 s each. KEEP_DB=1 keeps the
# database running and prints how to time the summary and report again over it.
# Not a test: run it by hand (apt-get install postgresql time). About an hour for the defaults;
# needs about 12 GB of disk. KEEP=1 keeps the folder.
#
#   bench/trust.sh [SCHOOLS] [NIGHTS] [HOSTS]
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS="${1:-50}"
NIGHTS="${2:-365}"
HOSTS="${3:-300}"
[ "$SCHOOLS" -le 100 ] && [ "$NIGHTS" -le 400 ] && [ "$HOSTS" -le 2000 ] || { echo "at most 100 schools, 400 nights, 2000 machines" >&2; exit 1; }

cargo build --release -q -p caretaker --example bench_console --example bench_trust
. bench/lib.sh
bench_store trust
# Bounded: at most 15 minutes to fill the year.
timeout 900 target/release/examples/bench_console fill "$d/caretaker.toml" "$NIGHTS" "$HOSTS"
# Bounded: bench_trust stops itself after a minute a night (three hours at most).
target/release/examples/bench_trust "$d/caretaker.db" "$SCHOOLS" "$NIGHTS" "$d/trust"
