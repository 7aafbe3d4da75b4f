#!/usr/bin/env bash
# Measure: the daemon's idle cost. Starts `caretaker daemon` (release build) on a school with
# nothing to reach and the default schedule (the full audit daily at 02:00, put back up to 300 s),
# then samples its resident memory (VmRSS) and CPU time (utime + stime, /proc/PID/stat) every
# INTERVAL seconds (default 60) for DURATION seconds (default 3600, at most 7200). Prints each
# sample and a summary: RSS at start, at most and at the end; CPU seconds used and the average
# CPU share over the period. Not a test: run it by hand. Traffic: none (the daemon only looks at
# its own store every 5 s).
#
#   bench/daemon-idle.sh [DURATION] [INTERVAL]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-3600}"
INTERVAL="${2:-60}"
[ "$DURATION" -le 7200 ] && [ "$INTERVAL" -ge 1 ] || { echo "at most 7200 s, samples at least 1 s apart" >&2; exit 1; }

cargo build --release -q --bin caretaker
bin=target/release/caretaker
d=$(mktemp -d /tmp/caretaker-idle-XXXXXX)
printf 'version = 1\n[school]\nname = "Idle Academy"\n[store]\npath = "caretaker.db"\n' > "$d/caretaker.toml"
"$bin" daemon --config "$d/caretaker.toml" 2>"$d/daemon.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$d"' EXIT
tick=$(getconf CLK_TCK)
sample() {
  local rss cpu
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  # Fields 14 and 15 of /proc/PID/stat (after the command name in parentheses).
  cpu=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
  echo "$rss $cpu"
}
sleep 2
read -r rss0 cpu0 < <(sample)
max=$rss0
echo "t=0s rss=${rss0}kB cpu=$(awk "BEGIN {print $cpu0 / $tick}")s"
elapsed=0
while [ "$elapsed" -lt "$DURATION" ]; do
  sleep "$INTERVAL"
  elapsed=$((elapsed + INTERVAL))
  kill -0 "$pid" 2>/dev/null || { echo "the daemon stopped; its log:" >&2; cat "$d/daemon.log" >&2; exit 1; }
  read -r rss cpu < <(sample)
  [ "$rss" -gt "$max" ] && max=$rss
  echo "t=${elapsed}s rss=${rss}kB cpu=$(awk "BEGIN {print $cpu / $tick}")s"
done
used=$(awk "BEGIN {printf \"%.2f\", ($cpu - $cpu0) / $tick}")
share=$(awk "BEGIN {printf \"%.4f\", 100 * ($cpu - $cpu0) / $tick / $elapsed}")
echo "summary: ${elapsed} s idle; RSS ${rss0} kB at start, ${max} kB at most, ${rss} kB at the end; CPU ${used} s (${share}% of one core)"
