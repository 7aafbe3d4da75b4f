#!/usr/bin/env bash
# Benchmark: the leadership report for the last term (--last 90d) of a school with HOSTS machines
# (default 300) and a year of nightly history (RUNS, default 365 runs, one a night at 02:00, made
# from the sample school's real night; about 2,570 findings a run), filled through the store's own API. Times, REPEAT times each (default 5),
# in fresh processes, with their peak memory (/usr/bin/time): `caretaker report` as HTML, and as
# PDF from caretaker's own engine; beside it, the rival way to a PDF, Chromium printing that HTML
# (Debian's chromium, headless). Every run's output is checked: the HTML has its sections, each
# PDF's text has the section headings (pdftotext). Targets for caretaker: <= 1 s and <= 100 MB.
# Not a test: run it by hand (apt-get install time chromium poppler-utils). KEEP=1 keeps the store.
#
#   bench/report.sh [RUNS] [HOSTS] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-365}"
HOSTS="${2:-300}"
REPEAT="${3:-5}"
for t in /usr/bin/time /usr/bin/chromium /usr/bin/pdftotext; do
  [ -x "$t" ] || { echo "needs $t: apt-get install time chromium poppler-utils" >&2; exit 1; }
done
[ "$RUNS" -le 1000 ] && [ "$HOSTS" -le 2000 ] && [ "$REPEAT" -le 20 ] || { echo "at most 1000 runs of 2000 machines, 20 repeats" >&2; exit 1; }

cargo build --release -q -p caretaker --bin caretaker --example bench_console
bin=target/release/caretaker
. bench/lib.sh
bench_store report
# Bounded: at most 10 minutes to fill.
timeout 600 target/release/examples/bench_console fill "$d/caretaker.toml" "$RUNS" "$HOSTS"
echo "store: $(du -h "$d/caretaker.db" | cut -f1)"
sync

headings=("Summary: are we meeting our policy?" "Trends over the period" "The filter check record" "Filter changes and who agreed them" "Exceptions: what is waived or attested" "The yearly review of filtering and monitoring" "Appendix: the evidence")

check_html() {
  for id in summary trends filter-record filter-changes exceptions review appendix; do
    grep -q "<section id=\"$id\"" "$1" || { echo "no section $id in $1" >&2; exit 1; }
  done
}
check_pdf() {
  local text
  text=$(pdftotext "$1" - | tr -s ' \n' ' ')
  for h in "${headings[@]}"; do
    [[ "$text" == *"$h"* ]] || { echo "no heading \"$h\" in $1" >&2; exit 1; }
  done
}

# One timed run: "seconds peak-kB".
timed() { /usr/bin/time -f "%e %M" -o "$d/time" "$@" >/dev/null 2>"$d/err" || { cat "$d/err" >&2; exit 1; }; cat "$d/time"; }

summary() { # label, then "s kB" lines on stdin
  sort -n | awk -v label="$1" '{ s[NR] = $1; if ($2 > m) m = $2 } END { printf "%-34s median %.2f s (min %.2f, max %.2f), peak %.1f MB\n", label, s[int((NR + 1) / 2)], s[1], s[NR], m / 1024 }'
}

for i in $(seq "$REPEAT"); do
  timed "$bin" report --last 90d --config "$d/caretaker.toml" -o "$d/report.html"
  check_html "$d/report.html"
done | summary "caretaker report (HTML)"
for i in $(seq "$REPEAT"); do
  timed "$bin" report --last 90d --format pdf --config "$d/caretaker.toml" -o "$d/report.pdf"
  check_pdf "$d/report.pdf"
done | summary "caretaker report (PDF, own engine)"
echo "  PDF: $(pdfinfo "$d/report.pdf" | awk '/^Pages:/ {print $2}') pages, $(du -h "$d/report.pdf" | cut -f1)"
mkdir -p "$d/chromium"
for i in $(seq "$REPEAT"); do
  rm -f "$d/printed.pdf"
  timed /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$d/chromium" --no-pdf-header-footer \
    --print-to-pdf="$d/printed.pdf" "file://$d/report.html"
  check_pdf "$d/printed.pdf"
done | summary "rival: Chromium printing the HTML"
echo "  PDF: $(pdfinfo "$d/printed.pdf" | awk '/^Pages:/ {print $2}') pages, $(du -h "$d/printed.pdf" | cut -f1)"
