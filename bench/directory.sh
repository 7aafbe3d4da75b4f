#!/usr/bin/env bash
# Benchmark: `caretaker audit --only directory` over N accounts in a real slapd (default 50,000),
# against `ldapsearch -E pr=500/noprompt` fetching the same entries and attributes over the same
# LDAPS connection settings. Reports wall time (median of RUNS) and peak memory of each, and the
# ratio. Traffic stays on 127.0.0.1. Not a test: run it by hand (as any user; no AD needed).
#
#   bench/directory.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-50000}"
RUNS="${2:-5}"
command -v ldapsearch >/dev/null || { echo "needs ldapsearch: apt-get install ldap-utils" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }

cargo build --release --bins -q
state=$(mktemp -d /tmp/caretaker-bench-XXXXXX)
trap 'target/release/caretaker-lab down --dir "$state" >/dev/null 2>&1; rm -rf "$state"' EXIT
config=$(target/release/caretaker-lab up --no-ad --bulk-pupils "$N" --dir "$state" 2>/dev/null | tail -n 1)

url=$(sed -n 's/^url = "\(.*\)"/\1/p' "$config" | head -n 1)
bind=$(sed -n 's/^bind_dn = "\(.*\)"/\1/p' "$config" | head -n 1)
base=$(sed -n 's/^base_dn = "\(.*\)"/\1/p' "$config" | head -n 1)
export LDAPTLS_CACERT="$state/tls/ca.pem"

# The searches caretaker makes, as printed by the probe (filter and attributes per search).
mapfile -t searches < <(target/release/caretaker-bench-searches openldap 2>/dev/null || true)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

measure() { # label, command...
  local label=$1; shift
  local times=() mems=()
  for _ in $(seq "$RUNS"); do
    local out
    out=$( { /usr/bin/time -f '%e %M' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -n 1)
    times+=("${out% *}"); mems+=("${out#* }")
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(printf '%s\n' "${mems[@]}" | sort -n | tail -n 1)
  printf '%-28s wall %6.2f s (median of %s)   peak RSS %7d KiB\n' "$label" "$t" "$RUNS" "$m" >&2
  echo "$t"
}

echo "directory benchmark: $N bulk pupils + the sample school in slapd at $url" >&2
ct=$(measure "caretaker audit" target/release/caretaker audit --only directory --config "$config" --format json)

ldapsearch_all() {
  for s in "${searches[@]}"; do
    filter=${s%%|*}; attrs=${s#*|}
    # shellcheck disable=SC2086
    ldapsearch -LLL -H "$url" -D "$bind" -y "$state/secrets/ldap.pass" -b "$base" -E pr=500/noprompt "$filter" $attrs >/dev/null
  done
}
export -f ldapsearch_all; export url bind base state
lt=$(measure "ldapsearch -E pr=500" bash -c "$(declare -p searches); ldapsearch_all")
awk -v c="$ct" -v l="$lt" 'BEGIN { printf "ratio caretaker / ldapsearch: %.2f (target <= 1.5)\n", c / l }'
