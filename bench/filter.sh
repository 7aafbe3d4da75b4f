#!/usr/bin/env bash
# Benchmark: the web-filter tests of N URLs (default 100) from 3 vantage points against
# `xargs -P` running curl on the same URLs with the same concurrency, through the same proxies.
# The filter is the sample school's (squid, dnsmasq, nginx on a lab network inside this machine:
# nothing leaves it); the vantage points are this machine through the pupil, staff and office
# proxies. caretaker fetches the connectivity control first from each, as it always does; the
# xargs side fetches it too. Prints the median wall time of RUNS runs, caretaker's peak memory,
# and the ratio. Not a test: run it by hand, as root, after `apt-get install curl time` and the
# packages of scripts/install-deps.
#
#   bench/filter.sh [N] [RUNS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
RUNS="${2:-3}"
C="${3:-8}"
command -v curl >/dev/null || { echo "needs curl: apt-get install curl" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }

cargo build --release -q --workspace --bins
d=$(mktemp -d /tmp/caretaker-filter-bench-XXXXXX)
trap 'target/release/caretaker-lab down --dir "$d/lab" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT
config=$(target/release/caretaker-lab up --dir "$d/lab" --no-ad --no-openldap --no-hosts | tail -n 1)
lab=$(dirname "$config")
ca="$lab/tls/ca.pem"
office=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$config" | head -n 1)
pupil=$(grep -o 'http://10\.[0-9]*\.1\.1:3128' "$config" | head -n 1)
staff=$(grep -o 'http://10\.[0-9]*\.2\.1:3128' "$config" | head -n 1)
control="http://detectportal.firefox.com/success.txt"

# N URLs over the lab's sites (every path of a site serves its page).
sites=("https://www.gov.uk|GOV.UK" "https://en.wikipedia.org|Wikipedia" "https://www.bbc.co.uk|Bitesize"
       "https://www.nspcc.org.uk|NSPCC" "https://www.childline.org.uk|Childline" "http://iwf.testfiltering.com|TestFiltering"
       "https://swearing.testfiltering.com|TestFiltering")
: > "$d/urls"
{
  sed -n '1,/^\[filter\]/p' "$config" | sed '$d'
  cat <<CFG
[filter]
timeout_secs = 15
connect_timeout_secs = 5
concurrency = $C
ca_file = "$ca"
default_tests = false
block_hosts = ["block.stexample.lab"]

[[filter.block_page]]
name = "St. Example's web filter"
text = "This page has been blocked by the St. Example's web filter."
CFG
  for i in $(seq 1 "$N"); do
    s=${sites[$(( i % ${#sites[@]} ))]}
    url="${s%%|*}/bench/$i"
    echo "$url" >> "$d/urls"
    printf '\n[[filter.test]]\nurl = "%s"\ncategory = "bench"\nexpect = "load"\ntoken = "%s"\n' "$url" "${s##*|}"
  done
  for v in "office|$office" "pupil|$pupil" "staff|$staff"; do
    printf '\n[[filter.vantage]]\nname = "%s"\ngroup = "%s"\nproxy = "%s"\n' "${v%%|*}-bench" "${v%%|*}" "${v##*|}"
  done
} > "$lab/bench.toml"
sed -i "s|^path = \"caretaker.db\"|path = \"$d/bench.db\"|" "$lab/bench.toml"

xargs_run() {
  for p in "$office" "$pupil" "$staff"; do
    (
      curl -s -o /dev/null --cacert "$ca" -x "$p" --max-time 15 "$control"
      xargs -P "$C" -n 1 curl -s -o /dev/null --cacert "$ca" -x "$p" --max-time 15 --connect-timeout 5 \
        -w '%{http_code}\n' < "$d/urls" > "$d/xargs-$(echo "$p" | tr -c 'a-z0-9' _).out"
    ) &
  done
  wait
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for r in $(seq 1 "$RUNS"); do
  s=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$d/rss.$r" target/release/caretaker audit --only filter --quiet --config "$lab/bench.toml" >/dev/null 2>"$d/err.$r" || true
  e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}' >> "$d/caretaker.times"
  tail -n 1 "$d/rss.$r" >> "$d/caretaker.rss"
  s=$(date +%s.%N)
  xargs_run
  e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}' >> "$d/xargs.times"
done
ct=$(median < "$d/caretaker.times")
xt=$(median < "$d/xargs.times")
rss=$(sort -n "$d/caretaker.rss" | tail -n 1)
found=$(target/release/caretaker show --config "$lab/bench.toml" --format json | grep -o '"status": *"[a-z]*"' | sort | uniq -c | tr '\n' ' ')
echo "URLs: $N × 3 vantage points (+ control), concurrency $C per vantage point, $RUNS runs"
echo "caretaker audit --only filter: median ${ct} s, peak memory ${rss} KB; statuses of the last run: $found"
echo "xargs -P $C curl (3 proxies at once): median ${xt} s"
echo "ratio caretaker / xargs: $(awk -v a="$ct" -v b="$xt" 'BEGIN {printf "%.2f", a / b}')"
