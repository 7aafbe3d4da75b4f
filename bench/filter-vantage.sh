#!/usr/bin/env bash
# Benchmark: the web-filter tests of N URLs (default 100) on 3 vantage machines OVER SSH, curl
# running on the vantage machines, against `xargs -P C curl` run on the same machines through the
# same ssh, for the same URLs through the same proxies. The machines are the lab's (network
# namespaces with their own sshd, resolver and proxy: pupil-pc through the pupil proxy, staff-pc
# through the staff proxy, guest-pc with none); nothing leaves this machine.
#
# Measured for each side: the wall time of the whole run (3 machines at once) and the CPU used ON
# the vantage machines: user + system time of everything their sshd ran for the run (sessions,
# shells, curl, awk, …), read from the sshd's reaped-children times in /proc/PID/stat before and
# after. Every run is checked: caretaker's audit must hold a finding for each URL and vantage
# machine with the page's token seen ("loads"), and each xargs run must print every page's token.
#
#   bench/filter-vantage.sh [N] [RUNS] [CONCURRENCY]
#
# CARETAKER=path uses that caretaker binary (e.g. one built from an older commit) instead of
# building this tree's; PROFILE=debug uses target/debug. Run it by hand, as root, after
# scripts/install-deps. Not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
RUNS="${2:-3}"
C="${3:-8}"
[ "$N" -ge 1 ] && [ "$N" -le 1000 ] || { echo "N: 1 to 1000" >&2; exit 1; }
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || { echo "RUNS: 1 to 20" >&2; exit 1; }
[ "$C" -ge 1 ] && [ "$C" -le 32 ] || { echo "CONCURRENCY: 1 to 32" >&2; exit 1; }
command -v ssh >/dev/null || { echo "needs ssh: apt-get install openssh-client" >&2; exit 1; }
PROFILE="${PROFILE:-release}"
build=(-p caretaker-lab)
[ -n "${CARETAKER:-}" ] || build+=(-p caretaker)
if [ "$PROFILE" = release ]; then cargo build --release -q "${build[@]}" --bins
else cargo build -q "${build[@]}" --bins; fi
LAB="target/$PROFILE/caretaker-lab"
CT="${CARETAKER:-target/$PROFILE/caretaker}"
[ -x "$CT" ] || { echo "no caretaker binary at $CT" >&2; exit 1; }
d=$(mktemp -d /tmp/caretaker-filter-vantage-XXXXXX)
trap '"$LAB" down --dir "$d/lab" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT
config=$("$LAB" up --dir "$d/lab" --no-ad --no-openldap --no-hosts --no-mail | tail -n 1)
lab=$(dirname "$config")

# The three machines: name, address, port, proxy ("-" for none), group, from the lab's configuration.
machines=$(python3 - "$config" <<'PY'
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
hosts = {h["name"]: h for h in c.get("host", [])}
want = {"pupil": None, "staff": None, "guest": None}
for v in c["filter"]["vantage"]:
    if v.get("group") in want and "host" in v and want[v["group"]] is None:
        h = hosts[v["host"]]
        want[v["group"]] = f'{v["name"]} {h["address"]} {h.get("port", 22)} {v.get("proxy", "-")} {v["group"]}'
missing = [g for g, m in want.items() if m is None]
if missing:
    sys.exit(f"the lab has no vantage machine for {missing}")
print("\n".join(want.values()))
PY
)
key="$lab/secrets/host_key"
known="$lab/known_hosts"
control="http://detectportal.firefox.com/success.txt"

# N URLs over the lab's sites that every network loads (every path of a site serves its page).
sites=("https://www.gov.uk|GOV.UK" "https://en.wikipedia.org|Wikipedia" "https://www.bbc.co.uk|Bitesize"
       "https://www.nspcc.org.uk|NSPCC" "https://www.childline.org.uk|Childline")
: > "$d/urls"
{
  sed -n '1,/^\[filter\]/p' "$config" | sed '$d'
  cat <<CFG
[filter]
timeout_secs = 15
connect_timeout_secs = 5
max_body_bytes = 65536
concurrency = $C
ca_file = "tls/ca.pem"
default_tests = false
CFG
  for i in $(seq 1 "$N"); do
    s=${sites[$(( i % ${#sites[@]} ))]}
    url="${s%%|*}/bench/$i"
    echo "$url" >> "$d/urls"
    printf '\n[[filter.test]]\nurl = "%s"\ncategory = "bench"\nexpect = "load"\ntoken = "%s"\n' "$url" "${s##*|}"
  done
  while read -r name addr port proxy group; do
    printf '\n[[filter.vantage]]\nname = "%s"\ngroup = "%s"\nsite = "main"\nhost = "%s"\n' "$name" "$group" "$name"
    [ "$proxy" = - ] || printf 'proxy = "%s"\n' "$proxy"
  done <<< "$machines"
  while read -r name addr port proxy group; do
    printf '\n[[host]]\nname = "%s"\naddress = "%s"\nport = %s\nos = "linux"\nroles = ["filter-vantage"]\naudit = false\n' \
      "$name" "$addr" "$port"
  done <<< "$machines"
} > "$lab/bench.toml"
sed -i "s|^path = \"caretaker.db\"|path = \"$d/bench.db\"|" "$lab/bench.toml"

# The listening sshd of each machine (its command line names its sshd_config).
sshd_pids=""
while read -r name addr port proxy _; do
  pid=""
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null || true)
    case "$cmd" in *sshd*-f*"$lab"/filter/*/sshd_config*) ;; *) continue ;; esac
    # The one that listens on this machine's address: its namespace's sshd_config names it.
    cfg=$(echo "$cmd" | grep -o "$lab/filter/[^ ]*/sshd_config")
    grep -q "^ListenAddress $addr:" "$cfg" && pid=${p#/proc/}
  done
  [ -n "$pid" ] || { echo "no sshd found for $name ($addr)" >&2; exit 1; }
  sshd_pids="$sshd_pids $pid"
done <<< "$machines"
# vantage_cpu: user + system seconds of everything the machines' sshds ran and reaped so far.
vantage_cpu() {
  local t=0 p
  for p in $sshd_pids; do
    t=$(awk -v t="$t" '{ sub(/^.*\) /, ""); print t + $12 + $13 + $14 + $15 }' "/proc/$p/stat")
  done
  awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", t / hz }'
}

ssh_to() { # ADDR PORT COMMAND
  ssh -i "$key" -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o "UserKnownHostsFile=$known" -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=5 \
    -p "$2" "root@$1" "$3"
}

check_caretaker() { # the audit's JSON on stdin: every URL loads from every machine, no error
  python3 -c '
import json, sys
doc = json.load(sys.stdin)
n = int(sys.argv[1])
fs = [f for f in doc["findings"] if f["check"].startswith("filter.")]
errors = [f["summary"] for f in doc["findings"] if f["status"] == "error"]
text = json.dumps(fs)
loads = sum(text.count("/bench/%d\"" % i) > 0 for i in range(1, n + 1))
if errors or loads != n:
    sys.exit(f"caretaker: {loads} of {n} URLs in the findings, errors: {errors[:3]}")
' "$N"
}

# xargs_run: on each machine at once, the control URL then the N URLs with xargs -P C curl,
# every page to standard output; each machine's output must hold every page's token.
xargs_run() {
  local name addr port proxy px
  while read -r name addr port proxy _; do
    px=""
    [ "$proxy" = - ] || px="-x $proxy"
    ssh_to "$addr" "$port" "curl -s $px --max-time 15 $control; xargs -P $C -n 1 curl -s -S $px --max-time 15 --connect-timeout 5" \
      < "$d/urls" > "$d/xargs-$name.out" 2> "$d/xargs-$name.err" &
  done <<< "$machines"
  wait
  while read -r name addr port proxy _; do
    local want got
    want=$N
    got=$(grep -o -E 'GOV\.UK|Wikipedia|Bitesize|NSPCC|Childline' "$d/xargs-$name.out" | wc -l)
    [ "$got" -ge "$want" ] || { echo "xargs on $name: $got of $want pages' tokens" >&2; return 1; }
  done <<< "$machines"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for r in $(seq 1 "$RUNS"); do
  rm -f "$d/bench.db"*
  c0=$(vantage_cpu); s=$(date +%s.%N)
  timeout 600 "$CT" audit --only filter --format json --config "$lab/bench.toml" > "$d/ct.json" 2> "$d/ct.err" || true
  e=$(date +%s.%N); sleep 0.5; c1=$(vantage_cpu)
  check_caretaker < "$d/ct.json" || { tail -5 "$d/ct.err" >&2; KEEP=1; exit 1; }
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}' >> "$d/ct.wall"
  awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.3f\n", b - a}' >> "$d/ct.cpu"
  c0=$(vantage_cpu); s=$(date +%s.%N)
  xargs_run || { KEEP=1; exit 1; }
  e=$(date +%s.%N); sleep 0.5; c1=$(vantage_cpu)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}' >> "$d/xa.wall"
  awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.3f\n", b - a}' >> "$d/xa.cpu"
done
cw=$(median < "$d/ct.wall"); cc=$(median < "$d/ct.cpu")
xw=$(median < "$d/xa.wall"); xc=$(median < "$d/xa.cpu")
echo "filter over SSH: $N URLs × 3 vantage machines (+ control), concurrency $C, $RUNS runs, medians; $(nproc) cores"
printf '%-40s %10s %22s\n' "" "wall (s)" "vantage CPU (s, 3 pcs)"
printf '%-40s %10.2f %22.2f\n' "caretaker audit --only filter" "$cw" "$cc"
printf '%-40s %10.2f %22.2f\n' "ssh + xargs -P $C curl" "$xw" "$xc"
printf '%-40s %10.2f %22.2f\n' "ratio caretaker / xargs" "$(awk -v a="$cw" -v b="$xw" 'BEGIN {print a / b}')" \
  "$(awk -v a="$cc" -v b="$xc" 'BEGIN {print (b > 0 ? a / b : 0)}')"
