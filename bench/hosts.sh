#!/usr/bin/env bash
# Benchmark: the host audit of N machines (default 64) against `parallel-ssh` (Debian package pssh)
# and Ansible (`ansible -m raw`, Debian package ansible), all three with the same concurrency.
# The machines are N loopback addresses (127.0.50.1 …) served by real sshds (16 addresses each:
# sshd's own limit). Two probes, each measured on its own:
#
#   real  the Linux probe (checks/src/host/probe_scripts/linux.sh) really runs on each machine;
#   free  a probe that costs nothing: a second set of sshds answers every session with one real
#         output of that probe, recorded here first (sshd's ForceCommand), so that what is measured
#         is each tool's own cost (SSH, concurrency, reading the answers).
#
# Every run of every tool is checked: its outputs are emptied before it starts, the probe is fed
# to it afresh (on standard input for parallel-ssh, as the command for Ansible, as caretaker
# sends it), and each machine's output must be the probe's JSON (for caretaker: its audit must
# hold every machine's findings and no error). A run that fails the check stops the benchmark.
# Prints, for each tool and probe, the median wall time of RUNS runs, the controller's CPU time
# (user + system, its children included) per machine, and the peak memory.
# Not a test: run it by hand, as root (sshd), after
# `apt-get install pssh ansible openssh-server time`.
#
#   bench/hosts.sh [N] [RUNS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-64}"
RUNS="${2:-3}"
C="${3:-32}"
command -v parallel-ssh >/dev/null || { echo "needs parallel-ssh: apt-get install pssh" >&2; exit 1; }
command -v ansible >/dev/null || { echo "needs ansible: apt-get install ansible" >&2; exit 1; }
[ -x /usr/sbin/sshd ] || { echo "needs sshd: apt-get install openssh-server" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }
[ "$N" -le 250 ] || { echo "at most 250 machines (one /24 of loopback addresses)" >&2; exit 1; }
[ "$RUNS" -ge 1 ] && [ "$RUNS" -le 20 ] || { echo "RUNS: 1 to 20" >&2; exit 1; }

cargo build --release -q --workspace --bins
d=$(mktemp -d /tmp/caretaker-hosts-bench-XXXXXX)
trap 'for p in "$d"/sshd*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$d/client"
cp "$d/client.pub" "$d/authorized_keys"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cp checks/src/host/probe_scripts/linux.sh "$d/probe.sh"
# The free probe's answer: one real output of the probe on this machine.
sh -s < "$d/probe.sh" > "$d/recorded.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/recorded.json" \
  || { echo "the probe's own output here is not JSON" >&2; exit 1; }

# start_sshds KIND PORT [FORCECOMMAND]: sshds for every address on PORT.
start_sshds() {
  local kind=$1 port=$2 force=${3:-}
  for g in $(seq 0 $(( (N - 1) / 16 ))); do
    {
      echo "Port $port"
      for i in $(seq $(( g * 16 + 1 )) $(( g * 16 + 16 > N ? N : g * 16 + 16 ))); do echo "ListenAddress 127.0.50.$i"; done
      cat <<CFG
HostKey $d/hostkey
PidFile $d/sshd-$kind-$g.pid
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
      if [ -n "$force" ]; then echo "ForceCommand $force"; fi
    } > "$d/sshd-$kind-$g.config"
    /usr/sbin/sshd -f "$d/sshd-$kind-$g.config" -E "$d/sshd-$kind-$g.log"
  done
}

key=$(cut -d' ' -f1,2 "$d/hostkey.pub")
# setup KIND PORT: caretaker.toml, known_hosts, parallel-ssh's host list and Ansible's inventory.
setup() {
  local kind=$1 port=$2 k="$d/$1"
  mkdir -p "$k"
  : > "$k/known_hosts"; : > "$k/hosts.txt"
  printf '[machines]\n' > "$k/inventory.ini"
  {
    printf 'version = 1\n[store]\npath = "caretaker.db"\n[audit]\ntimeout_secs = 600\n'
    printf '[hosts]\nknown_hosts = "known_hosts"\nuser = "%s"\nkey_file = "%s"\nconcurrency = %s\n' "$(id -un)" "$d/client" "$C"
    printf 'connect_timeout_secs = 30\ncommand_timeout_secs = 120\n'
    for i in $(seq "$N"); do
      printf '[[host]]\nname = "pc%03d"\naddress = "127.0.50.%s"\nport = %s\nos = "linux"\n' "$i" "$i" "$port"
      echo "[127.0.50.$i]:$port $key" >> "$k/known_hosts"
      echo "$(id -un)@127.0.50.$i:$port" >> "$k/hosts.txt"
      printf 'pc%03d ansible_host=127.0.50.%s ansible_port=%s\n' "$i" "$i" "$port" >> "$k/inventory.ini"
    done
  } > "$k/caretaker.toml"
}

real_port=$(free_port); start_sshds real "$real_port"; setup real "$real_port"
free_port_=$(free_port)
# Reads what it is sent (the probe caretaker or parallel-ssh feeds; Ansible's raw module sends
# nothing, on a terminal), then answers with the recorded output.
start_sshds free "$free_port_" "/bin/sh -c '[ -t 0 ] || cat >/dev/null; cat $d/recorded.json'"
setup free "$free_port_"

# Checks of one run's outputs: each must be the probe's JSON, one per machine.
check_dir() { # DIR: parallel-ssh's -o folder
  python3 - "$1" "$N" <<'PY'
import json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
files = os.listdir(d)
ok = 0
for f in files:
    with open(os.path.join(d, f)) as fh:
        doc = json.load(fh)
    ok += isinstance(doc, dict) and "probe" in doc
sys.exit(0 if ok == n == len(files) else f"{ok} of {n} outputs are the probe's JSON ({len(files)} files)")
PY
}
check_ansible() { # FILE: Ansible's json callback output
  python3 - "$1" "$N" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
ok = 0
for play in doc.get("plays", []):
    for task in play.get("tasks", []):
        for host, res in task.get("hosts", {}).items():
            try:
                out = json.loads(res.get("stdout", ""))
                ok += isinstance(out, dict) and "probe" in out
            except ValueError:
                pass
sys.exit(0 if ok == n else f"{ok} of {n} Ansible outputs are the probe's JSON")
PY
}
check_caretaker() { # FILE: caretaker's audit JSON
  python3 - "$1" "$N" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
hosts = {f["target"]["name"] for f in doc["findings"] if f["check"].startswith("host.")}
errors = [f["summary"] for f in doc["findings"] if f["status"] == "error"]
if len(hosts) != n or errors:
    sys.exit(f"caretaker: {len(hosts)} of {n} machines, {len(errors)} errors: {errors[:3]}")
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# measure LABEL PREPARE CHECK COMMAND...: RUNS runs of COMMAND, each after PREPARE and checked by
# CHECK; prints a line and echoes "WALL CPU_PER_HOST_MS".
measure() {
  local label=$1 prepare=$2 check=$3; shift 3
  local walls=() cpus=() mems=() out
  for _ in $(seq "$RUNS"); do
    $prepare
    /usr/bin/time -o "$d/time.out" -f '%e %M %U %S' timeout 900 "$@" > "$d/stdout" 2> "$d/stderr" || true
    $check || { echo "$label: the run's output does not hold up; rerun with KEEP=1 to keep $d" >&2; tail -5 "$d/stderr" >&2; KEEP=1; exit 1; }
    read -r wall mem user sys < <(tail -n 1 "$d/time.out")
    walls+=("$wall"); mems+=("$mem")
    cpus+=("$(awk -v u="$user" -v s="$sys" -v n="$N" 'BEGIN { printf "%.2f", (u + s) * 1000 / n }')")
  done
  local w c m
  w=$(printf '%s\n' "${walls[@]}" | median)
  c=$(printf '%s\n' "${cpus[@]}" | median)
  m=$(printf '%s\n' "${mems[@]}" | sort -n | tail -n 1)
  printf '%-44s wall %7.2f s   controller CPU %7.2f ms/machine   peak RSS %7d KiB\n' "$label" "$w" "$c" "$m" >&2
  echo "$w $c"
}

export ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_LOAD_CALLBACK_PLUGINS=1 ANSIBLE_STDOUT_CALLBACK=json
# No connection kept open between runs (Ansible's default ControlPersist would reuse them).
export ANSIBLE_SSH_ARGS="-o ControlMaster=no" ANSIBLE_LOCAL_TEMP="$d/ansible-tmp" ANSIBLE_NOCOLOR=1
# Ansible splits a raw command's words itself (and reads {{ }} in it): the probe goes as base64,
# decoded on the machine into sh's standard input.
probe_cmd="echo $(base64 -w0 "$d/probe.sh") | base64 -d | sh -s"

echo "host benchmark: $N machines ($(( (N + 15) / 16 )) sshd per probe), concurrency $C, $(nproc) cores, $RUNS runs each" >&2
for kind in free real; do
  k="$d/$kind"
  echo "-- probe: $kind" >&2
  prep_ct() { rm -f "$k/caretaker.db"*; }
  chk_ct() { check_caretaker "$d/stdout"; }
  ct=$(measure "caretaker audit --only host" prep_ct chk_ct \
    target/release/caretaker audit --only host --config "$k/caretaker.toml" --format json)
  prep_ps() { rm -rf "$k/pssh-out"; }
  chk_ps() { check_dir "$k/pssh-out"; }
  ps=$(measure "parallel-ssh -p $C (probe on stdin)" prep_ps chk_ps \
    sh -c 'exec parallel-ssh -h "$1" -p "$2" -t 120 -x "-i $3 -o UserKnownHostsFile=$4 -o StrictHostKeyChecking=yes -o BatchMode=yes" -I -o "$5" sh -s < "$6"' \
    _ "$k/hosts.txt" "$C" "$d/client" "$k/known_hosts" "$k/pssh-out" "$d/probe.sh")
  prep_an() { :; }
  chk_an() { check_ansible "$d/stdout"; }
  an=$(measure "ansible -m raw -f $C (probe in the command)" prep_an chk_an \
    ansible all -i "$k/inventory.ini" -f "$C" -m raw -a "$probe_cmd" \
    -u "$(id -un)" --private-key "$d/client" \
    "--ssh-common-args=-o UserKnownHostsFile=$k/known_hosts -o StrictHostKeyChecking=yes")
  awk -v c="$ct" -v p="$ps" -v a="$an" 'BEGIN {
    split(c, C, " "); split(p, P, " "); split(a, A, " ");
    printf "  wall: caretaker / parallel-ssh %.2f, caretaker / ansible %.2f\n", C[1] / P[1], C[1] / A[1];
    printf "  controller CPU per machine: caretaker / parallel-ssh %.2f, caretaker / ansible %.3f\n", C[2] / P[2], C[2] / A[2];
  }' >&2
done
