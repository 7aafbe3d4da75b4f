#!/usr/bin/env bash
# Benchmark: `caretaker audit --only directory` over N extra accounts in a real slapd (default
# 50,000, on top of the sample school), against `ldapsearch -E pr=500/noprompt` making the same
# searches with the same attributes over LDAPS. Prints the median wall time of RUNS runs, the peak
# memory of each, the ratio, and whether the targets hold (wall <= 1.3 x ldapsearch, caretaker's
# peak RSS <= 30 MiB). Traffic stays on 127.0.0.1. Not a test: run it by hand.
#
#   bench/directory.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-50000}"
RUNS="${2:-5}"
command -v ldapsearch >/dev/null || { echo "needs ldapsearch: apt-get install ldap-utils" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }

cargo build --release -q -p caretaker --bin caretaker
cargo build --release -q -p caretaker-lab --bin caretaker-lab
cargo build --release -q -p caretaker-checks --example directory_searches
state=$(mktemp -d /tmp/caretaker-bench-XXXXXX)
trap 'target/release/caretaker-lab down --dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
config=$(target/release/caretaker-lab up --no-ad --bulk-pupils "$N" --dir "$state" 2>/dev/null | tail -n 1)

field() { sed -n "s/^$1 = \"\(.*\)\"/\1/p" "$config" | head -n 1; }
export URL=$(field url) BIND=$(field bind_dn) BASE=$(field base_dn) STATE="$state"
export LDAPTLS_CACERT="$state/tls/ca.pem"
target/release/examples/directory_searches openldap > "$state/searches.tsv"

# Every search the probe makes, by ldapsearch, one after another (the probe overlaps some).
cat > "$state/ldapsearch-all.sh" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
while IFS=$'\t' read -r base scope paged limit filter attrs; do
  case "$base" in
    base_dn) b="$BASE" ;;
    "root DSE") b="" ;;
    *) b="$base" ;;
  esac
  args=(-LLL -o ldif-wrap=no -H "$URL" -D "$BIND" -y "$STATE/secrets/ldap.pass" -s "$scope" -b "$b")
  [ "$paged" = true ] && args+=(-E pr=500/noprompt)
  [ "$limit" != 0 ] && args+=(-z "$limit")
  # shellcheck disable=SC2086
  ldapsearch "${args[@]}" "$filter" $attrs >/dev/null || true
done < "$STATE/searches.tsv"
SH
chmod +x "$state/ldapsearch-all.sh"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # label command...
  local label=$1; shift
  local times=() mems=() out
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$STATE/time.out" -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -n 1 "$STATE/time.out")
    times+=("${out% *}"); mems+=("${out#* }")
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(printf '%s\n' "${mems[@]}" | sort -n | tail -n 1)
  printf '%-34s wall %6.2f s (median of %s)   peak RSS %7d KiB\n' "$label" "$t" "$RUNS" "$m" >&2
  echo "$t $m"
}

accounts=$(grep -c '^dn: uid=' "$state/ldap/school.ldif")
echo "directory benchmark: $accounts accounts in slapd at $URL, $(nproc) cores" >&2
read -r ct cm < <(measure "caretaker audit --only directory" target/release/caretaker audit --only directory --config "$config" --format json)
read -r lt _ < <(measure "ldapsearch, same searches" "$state/ldapsearch-all.sh")
# Where caretaker's peak is: memory of its own (anonymous) and pages mapped from files (its binary
# and libraries), read from /proc every 10 ms and kept when the high-water mark rises.
target/release/caretaker audit --only directory --config "$config" --format json >/dev/null 2>&1 &
pid=$!
peak=0 anon=0 file=0
while kill -0 "$pid" 2>/dev/null; do
  read -r h a f < <(awk '/^VmHWM/ {h=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print h+0, a+0, f+0}' "/proc/$pid/status" 2>/dev/null || echo "0 0 0")
  if [ "$h" -gt "$peak" ]; then peak=$h anon=$a file=$f; fi
  sleep 0.01
done
wait "$pid" || true
printf 'caretaker at its high-water mark (sampled): %d KiB = %d KiB of its own + %d KiB mapped from files\n' "$peak" "$anon" "$file" >&2
awk -v c="$ct" -v l="$lt" -v m="$cm" 'BEGIN {
  r = c / l
  printf "ratio caretaker / ldapsearch: %.2f (target <= 1.3): %s\n", r, (r <= 1.3 ? "holds" : "DOES NOT HOLD")
  printf "caretaker peak RSS: %.1f MiB (target <= 30 MiB): %s\n", m / 1024, (m <= 30 * 1024 ? "holds" : "DOES NOT HOLD")
}'
