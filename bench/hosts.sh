#!/usr/bin/env bash
# Benchmark: the host audit of N machines (default 200) against `parallel-ssh` (Debian package
# pssh) running the same Linux probe with the same concurrency. The machines are N loopback
# addresses (127.0.50.1 …) served by real sshds (16 addresses each: sshd's own limit); each probe
# really runs here. Prints the median
# wall time of RUNS runs, the peak memory of each, and the ratio. Not a test: run it by hand, as
# root (sshd), after `apt-get install pssh openssh-server time`.
#
#   bench/hosts.sh [N] [RUNS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200}"
RUNS="${2:-3}"
C="${3:-32}"
command -v parallel-ssh >/dev/null || { echo "needs parallel-ssh: apt-get install pssh" >&2; exit 1; }
[ -x /usr/sbin/sshd ] || { echo "needs sshd: apt-get install openssh-server" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }
[ "$N" -le 250 ] || { echo "at most 250 machines (one /24 of loopback addresses)" >&2; exit 1; }

cargo build --release -q --workspace --bins
d=$(mktemp -d /tmp/caretaker-hosts-bench-XXXXXX)
trap 'for p in "$d"/sshd*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$d/client"
cp "$d/client.pub" "$d/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for g in $(seq 0 $(( (N - 1) / 16 ))); do
  {
    echo "Port $port"
    for i in $(seq $(( g * 16 + 1 )) $(( g * 16 + 16 > N ? N : g * 16 + 16 ))); do echo "ListenAddress 127.0.50.$i"; done
    cat <<CFG
HostKey $d/hostkey
PidFile $d/sshd$g.pid
AuthorizedKeysFile $d/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 400:30:600
MaxSessions 100
LogLevel ERROR
CFG
  } > "$d/sshd$g.config"
  /usr/sbin/sshd -f "$d/sshd$g.config" -E "$d/sshd$g.log"
done

key=$(cut -d' ' -f1,2 "$d/hostkey.pub")
: > "$d/known_hosts"; : > "$d/hosts.txt"
{
  printf 'version = 1\n[store]\npath = "caretaker.db"\n[audit]\ntimeout_secs = 600\n'
  printf '[hosts]\nknown_hosts = "known_hosts"\nuser = "%s"\nkey_file = "client"\nconcurrency = %s\n' "$(id -un)" "$C"
  printf 'connect_timeout_secs = 30\ncommand_timeout_secs = 120\n'
  for i in $(seq "$N"); do
    printf '[[host]]\nname = "pc%03d"\naddress = "127.0.50.%s"\nport = %s\nos = "linux"\n' "$i" "$i" "$port"
    echo "[127.0.50.$i]:$port $key" >> "$d/known_hosts"
    echo "$(id -un)@127.0.50.$i:$port" >> "$d/hosts.txt"
  done
} > "$d/caretaker.toml"
cp checks/src/host/probe_scripts/linux.sh "$d/probe.sh"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # label command...
  local label=$1; shift
  local times=() mems=() out
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$d/time.out" -f '%e %M' "$@" >/dev/null 2>"$d/last.err" || true
    out=$(tail -n 1 "$d/time.out")
    times+=("${out% *}"); mems+=("${out#* }")
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | median)
  m=$(printf '%s\n' "${mems[@]}" | sort -n | tail -n 1)
  printf '%-36s wall %7.2f s (median of %s)   peak RSS %7d KiB\n' "$label" "$t" "$RUNS" "$m" >&2
  echo "$t"
}

echo "host benchmark: $N machines ($N loopback addresses, $(( (N + 15) / 16 )) sshd), concurrency $C, $(nproc) cores" >&2
ct=$(measure "caretaker audit --only host" target/release/caretaker audit --only host --config "$d/caretaker.toml" --format json)
errors=$(target/release/caretaker show --config "$d/caretaker.toml" --format json | grep -c '"status": "error"' || true)
echo "  caretaker's last run: $errors error findings (0 expected)" >&2
pt=$(measure "parallel-ssh -p $C, same probe" parallel-ssh -h "$d/hosts.txt" -p "$C" -t 120 \
  -x "-i $d/client -o UserKnownHostsFile=$d/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes" \
  -I -o "$d/pssh-out" sh -s < "$d/probe.sh")
ok=$(grep -c '\[SUCCESS\]' "$d/last.err" 2>/dev/null || true)
echo "  parallel-ssh's last run: $(ls "$d/pssh-out" | wc -l) outputs" >&2
awk -v c="$ct" -v p="$pt" 'BEGIN { printf "ratio caretaker / parallel-ssh: %.2f (target <= 1.2)\n", c / p }'
