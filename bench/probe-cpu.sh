#!/usr/bin/env bash
# Measure: the CPU time of the Linux host probe. Runs the probe exactly as caretaker sends it to a
# machine configured as `os = "linux"` (checks/src/host/probe_scripts/linux.sh fed to
# `/bin/sh -s`) RUNS times (default 5) on this machine, then RUNS times against a temporary root
# copied from this machine's apt lists and dpkg database with apt's binary cache built for it
# (what `apt update` leaves behind), so a Debian machine with this machine's updates waiting.
# Prints user+sys CPU seconds per run and the median, and checks every run printed the probe's
# JSON with a count of the updates waiting (or says why not). Not a test: run it by hand, as
# root or not, after `apt-get install time`. Writes only in the temporary root it makes.
#
#   bench/probe-cpu.sh [RUNS] [PROBE]      PROBE: another copy of linux.sh, to compare
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-5}"
PROBE="${2:-checks/src/host/probe_scripts/linux.sh}"
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 50 ] || { echo "between 1 and 50 runs" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }
command -v apt-cache >/dev/null || { echo "needs apt (a Debian or Ubuntu machine)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3 (to read the probe's JSON)" >&2; exit 1; }
d=$(mktemp -d /tmp/caretaker-probe-cpu-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT

# run LABEL ROOT: RUNS runs of the probe, CPU seconds each and the median.
run() {
  local label="$1" root="$2" cpu=() i
  for i in $(seq "$RUNS"); do
    CARETAKER_ROOT="$root" /usr/bin/time -o "$d/time" -f '%U %S' /bin/sh -s < "$PROBE" > "$d/out.json" 2>/dev/null
    local c
    c=$(awk '{ printf "%.2f", $1 + $2 }' "$d/time")
    local facts
    facts=$(python3 - "$d/out.json" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    print("NOT the probe's JSON: %s" % e); sys.exit(1)
if d.get("probe") != "caretaker-linux/1":
    print("NOT the probe's JSON"); sys.exit(1)
u = d.get("updates", {})
if u.get("pending") is None and u.get("notifier") is None:
    print("no count of updates waiting: %s" % u.get("pending_note")); sys.exit(1)
print("pending=%s security=%s source=%s%s" % (u.get("pending"), u.get("pending_security"),
      u.get("pending_source", "(not said)"),
      "; " + u["pending_note"] if u.get("pending_note") else ""))
PY
    ) || { echo "$label run $i: $facts" >&2; exit 1; }
    printf '%-12s run %d: %s CPU-s  %s\n' "$label" "$i" "$c" "$facts"
    cpu+=("$c")
  done
  printf '%-12s median of %d: %s CPU-s\n' "$label" "$RUNS" \
    "$(printf '%s\n' "${cpu[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
}

run "this machine" ""

# A root with this machine's packages and lists, and apt's cache built after them.
r="$d/root"
mkdir -p "$r/etc/apt/apt.conf.d" "$r/etc/apt/preferences.d" "$r/etc/apt/sources.list.d" \
  "$r/var/lib/apt/lists/partial" "$r/var/lib/dpkg" "$r/var/cache/apt/archives/partial"
cp /etc/os-release "$r/etc/os-release"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$r/etc/apt/"
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && cp "$f" "$r/etc/apt/sources.list.d/"; done
for f in /var/lib/apt/lists/*_*; do [ -f "$f" ] && cp "$f" "$r/var/lib/apt/lists/"; done
cp /var/lib/dpkg/status "$r/var/lib/dpkg/status"
[ -f /var/lib/apt/extended_states ] && cp /var/lib/apt/extended_states "$r/var/lib/apt/"
apt-cache -o "Dir=$r" -o "Dir::State::status=$r/var/lib/dpkg/status" -o "Dir::Etc::Parts=$r/etc/apt/apt.conf.d" \
  -o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=srcpkgcache.bin stats > /dev/null
touch -d '+1 minute' "$r/var/cache/apt/pkgcache.bin"
run "temp root" "$r"
