#!/bin/sh
# caretaker-linux/1: read-only facts for policy 7.4, printed as ONE JSON document on stdout.
# Judges nothing, writes nothing, needs only POSIX sh + coreutils (no jq, no python).
# Every list is capped. CARETAKER_ROOT (default empty) prefixes file paths, for tests only.
R="${CARETAKER_ROOT:-}"
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
LC_ALL=C
export LC_ALL
PROBLEMS=""

# j STRING -> JSON string literal (printable ASCII only; quotes and backslashes escaped). Plain
# printable text without quotes or backslashes is printed as it is, without starting a process.
j() {
  case "$1" in
    *[!\ -~]*|*\"*|*\\*) ;;
    *) if [ "${#1}" -le 4096 ]; then printf '"%s"' "$1"; return; fi ;;
  esac
  printf '"%s"' "$(printf '%s' "$1" | head -c 4096 | tr -cd '\040-\176' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}
# jn STRING -> JSON string literal, or null when empty.
jn() { if [ -n "$1" ]; then j "$1"; else printf 'null'; fi; }
# num STRING -> the number, or null when not all digits.
num() { case "$1" in ''|*[!0-9]*|???????????????????*) printf 'null' ;; *) printf '%s' "$1" ;; esac; }
# tool NAME -> the command to run: under CARETAKER_ROOT only $R/usr/bin/NAME (a test stand-in),
# otherwise NAME from PATH. Empty when there is none.
tool() {
  if [ -n "$R" ]; then
    if [ -x "$R/usr/bin/$1" ]; then printf '%s' "$R/usr/bin/$1"; fi
  elif command -v "$1" >/dev/null 2>&1; then printf '%s' "$1"; fi
}
# ini KEYS FILE... -> one line per setting, "file|[section]|key=value", for keys matching the
# extended regular expression KEYS; comments skipped, paths without the CARETAKER_ROOT prefix.
ini() {
  re="$1"; shift
  for f in "$@"; do
    [ -f "$f" ] && [ -r "$f" ] || continue
    awk -v f="${f#"$R"}" -v re="^($re)$" '
      /^[[:space:]]*[#;]/ { next }
      /^[[:space:]]*\[/ { s = $0; gsub(/^[[:space:]]+|[[:space:]]+$/, "", s); next }
      /=/ { k = $0; sub(/=.*/, "", k); gsub(/^[[:space:]]+|[[:space:]]+$/, "", k)
            kk = k; sub(/\[.*$/, "", kk)
            if (kk ~ re) { v = $0; sub(/^[^=]*=/, "", v); gsub(/^[[:space:]]+|[[:space:]]+$/, "", v)
                           print f "|" s "|" k "=" v } }' "$f" 2>/dev/null | head -n 200
  done
}
problem() { PROBLEMS="${PROBLEMS}${PROBLEMS:+,}$(j "$1")"; }
have() { command -v "$1" >/dev/null 2>&1; }
mtime() { stat -c %Y "$1" 2>/dev/null; }
svc() { if have systemctl; then systemctl is-active "$1" 2>/dev/null | head -n 1; fi; }
# lines CMD... -> JSON array of (at most 64) output lines of CMD; linesn N CMD... at most N.
lines() { linesn 64 "$@"; }
linesn() {
  cap="$1"; shift
  "$@" 2>/dev/null | awk -v cap="$cap" '
    BEGIN { printf "[" }
    NR == cap + 1 { exit }
    { s = substr($0, 1, 4096); gsub(/[^ -~]/, "", s); o = ""
      while (match(s, /["\\]/)) { o = o substr(s, 1, RSTART - 1) "\\" substr(s, RSTART, 1); s = substr(s, RSTART + 1) }
      printf "%s\"%s\"", (NR == 1 ? "" : ","), o s }
    END { printf "]" }'
}

printf '{"probe":"caretaker-linux/1"'
printf ',"collected_at":%s' "$(num "$(date +%s)")"
printf ',"hostname":%s' "$(jn "$(hostname 2>/dev/null || cat "$R/etc/hostname" 2>/dev/null)")"
OSN=""; OSV=""
if [ -r "$R/etc/os-release" ]; then
  OSN=$(sed -n 's/^NAME=//p' "$R/etc/os-release" | head -n 1 | tr -d '"')
  OSV=$(sed -n 's/^VERSION_ID=//p' "$R/etc/os-release" | head -n 1 | tr -d '"')
else
  problem "cannot read /etc/os-release"
fi
printf ',"os_name":%s,"os_version":%s' "$(jn "$OSN")" "$(jn "$OSV")"

# --- Antivirus: ClamAV daily database header (first 512 bytes are ASCII) ---
DB=""
for f in "$R/var/lib/clamav/daily.cld" "$R/var/lib/clamav/daily.cvd"; do
  if [ -r "$f" ]; then DB="$f"; break; fi
done
HDR=""
if [ -n "$DB" ]; then
  HDR=$(head -c 512 "$DB" | tr -cd '\040-\176' | sed 's/ *$//')
elif [ -d "$R/var/lib/clamav" ]; then
  problem "no readable daily.cld or daily.cvd in /var/lib/clamav"
fi
printf ',"clamav":{"daily_file":%s,"daily_header":%s,"daily_mtime":%s,"freshclam":%s,"clamd":%s,"clamscan":%s}' \
  "$(jn "${DB#"$R"}")" "$(jn "$HDR")" "$(num "$( [ -n "$DB" ] && mtime "$DB")")" \
  "$(jn "$(svc clamav-freshclam)")" "$(jn "$(svc clamav-daemon)")" \
  "$(if have clamscan; then printf true; else printf false; fi)"

# --- Other anti-virus products: each only when installed. ---
# Microsoft Defender for Endpoint: `mdatp health` (key : value lines, its own status words).
# ESET (Endpoint Antivirus eea, Server Security efs): service state and the newest detection
# module under /var/opt/eset/PRODUCT/lib. Sophos Protection for Linux (/opt/sophos-spl),
# Trellix/McAfee Endpoint Security (/opt/McAfee/ens), CrowdStrike Falcon (/opt/CrowdStrike):
# service state; Sophos' and Trellix' definition dates stay in their consoles.
printf ',"av_products":['
AVN=0
av_item() { # NAME DIR SERVICE DEFS_EPOCH HEALTH_JSON
  if [ "$AVN" -gt 0 ]; then printf ','; fi
  AVN=$((AVN + 1))
  printf '{"product":%s,"dir":%s,"service":%s,"definitions_mtime":%s,"health":%s}' \
    "$(j "$1")" "$(jn "$2")" "$(jn "$3")" "$(num "$4")" "${5:-null}"
}
MDATP=$(tool mdatp)
if [ -n "$MDATP" ] || [ -d "$R/opt/microsoft/mdatp" ]; then
  H='null'
  if [ -n "$MDATP" ]; then H=$(lines "$MDATP" health); fi
  av_item "Microsoft Defender for Endpoint" "/opt/microsoft/mdatp" "$(svc mdatp)" "" "$H"
fi
for e in eea efs ees; do
  if [ -d "$R/opt/eset/$e" ]; then
    NEWEST=""
    if [ -d "$R/var/opt/eset/$e/lib" ]; then
      NEWEST=$(find "$R/var/opt/eset/$e/lib" -maxdepth 1 -type f -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1 | cut -d. -f1)
    fi
    av_item "ESET ($e)" "/opt/eset/$e" "$(svc "$e")" "$NEWEST" ""
  fi
done
if [ -d "$R/opt/sophos-spl" ]; then av_item "Sophos Protection for Linux" "/opt/sophos-spl" "$(svc sophos-spl)" "" ""; fi
if [ -d "$R/opt/McAfee/ens" ]; then av_item "Trellix Endpoint Security" "/opt/McAfee/ens" "$(svc mfetpd)" "" ""; fi
if [ -d "$R/opt/CrowdStrike" ]; then av_item "CrowdStrike Falcon" "/opt/CrowdStrike" "$(svc falcon-sensor)" "" ""; fi
printf ']'

# --- Updates ---
# The last real upgrade (an apt history entry with an Upgrade: line, or a dpkg.log "upgrade"
# line) in each log, rotated ones included, as "epoch|file|what was read".
upgrades() {
  for f in "$R"/var/log/apt/history.log "$R"/var/log/apt/history.log.[0-9]*; do
    [ -r "$f" ] || continue
    case "$f" in *.gz) c="zcat" ;; *) c="cat" ;; esac
    SD=$($c "$f" 2>/dev/null | awk '/^Start-Date:/ { d = $0; u = 0 } /^Upgrade:/ { u = 1 } /^End-Date:/ { if (u) last = d } END { print last }' | sed 's/^Start-Date: *//')
    [ -n "$SD" ] || continue
    E=$(date -d "$(printf '%s' "$SD" | sed 's/  */ /g')" +%s 2>/dev/null)
    printf '%s|%s|Start-Date: %s (an entry with Upgrade:)\n' "$E" "${f#"$R"}" "$SD"
  done | head -n 24
  for f in "$R"/var/log/dpkg.log "$R"/var/log/dpkg.log.[0-9]*; do
    [ -r "$f" ] || continue
    case "$f" in *.gz) c="zcat" ;; *) c="cat" ;; esac
    L=$($c "$f" 2>/dev/null | grep -E '^[0-9-]+ [0-9:]+ upgrade ' | tail -n 1)
    [ -n "$L" ] || continue
    E=$(date -d "$(printf '%s' "$L" | cut -d' ' -f1,2)" +%s 2>/dev/null)
    printf '%s|%s|%s\n' "$E" "${f#"$R"}" "$L"
  done | head -n 24
}
UT=""; USRC=""
if [ -r "$R/var/log/apt/history.log" ]; then
  SD=$(grep '^Start-Date:' "$R/var/log/apt/history.log" 2>/dev/null | tail -n 1 | sed 's/^Start-Date: *//')
  if [ -n "$SD" ]; then
    UT=$(date -d "$(printf '%s' "$SD" | sed 's/  */ /g')" +%s 2>/dev/null)
    USRC="/var/log/apt/history.log Start-Date: $SD"
  fi
fi
if [ -z "$UT" ] && [ -r "$R/var/log/dnf.rpm.log" ]; then
  UT=$(mtime "$R/var/log/dnf.rpm.log"); USRC="mtime of /var/log/dnf.rpm.log"
fi
STAMP=$(mtime "$R/var/lib/apt/periodic/update-success-stamp")
# Updates waiting and programs from no archive, from the cheapest source that is current.
# Nothing is fetched or written.
# - update-notifier's summary (Ubuntu), rewritten after `apt update` and after dpkg runs: its
#   lines are sent as they are (they are translated; caretaker reads the numbers). Older than
#   the package database or apt's lists, it is stale and not used.
# - `apt-cache policy` of every installed package: installed and candidate versions, and where
#   each comes from. apt reads its binary cache (pkgcache.bin) when the cache is newer than
#   everything it is built from; a stale cache apt would rebuild, and as root write, so then
#   the cache is turned off and apt reads the lists itself, at the lowest CPU and disk priority
#   with a time limit. (apt-get's simulated upgrade costs several times more than either.)
PEND=""; PSEC=""; PSECN=""; PSRC=""; PNOTE=""; NOTIFIER="null"; POL=""; PRC=""
# apt's time limit in seconds; CARETAKER_APT_SECONDS shortens it, for tests only.
ALIMIT=60
case "${CARETAKER_APT_SECONDS:-}" in ''|*[!0-9]*) ;; *) ALIMIT="$CARETAKER_APT_SECONDS" ;; esac
APTO=""; APTC="-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache="
if [ -n "$R" ]; then
  # The machine's own apt.conf.d is not read under a test root: apt's default cache file.
  APTO="-o Dir=$R -o Dir::State::status=$R/var/lib/dpkg/status -o Dir::Etc::Parts=$R/etc/apt/apt.conf.d -o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=srcpkgcache.bin"
fi
# changed_since FILE PATH... -> the first PATH (or a file up to two folders below it) changed
# after FILE; apt's lock files and downloads in progress aside.
changed_since() {
  f="$1"; shift
  find "$@" -maxdepth 2 ! -name lock ! -path '*/partial' ! -path '*/partial/*' -newer "$f" -print 2>/dev/null | head -n 1
}
# low CMD... -> CMD at nice 19, idle I/O class, stopped after ALIMIT seconds (each when present).
low() {
  if have timeout; then set -- timeout -k 5 "$ALIMIT" "$@"; fi
  if have ionice; then set -- ionice -c3 -t "$@"; fi
  if have nice; then set -- nice -n 19 "$@"; fi
  "$@"
}
# policy: "P name 1|0" per update waiting (1: from a security archive), "L name" per package
# with none waiting whose installed version no archive offers (what `apt list` calls "local"),
# then "rc STATUS" of apt-cache (124: stopped).
policy() {
  dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${db:Status-Abbrev} ${Package}:${Architecture}\n' 2>/dev/null |
    awk '$1 == "ii" { print $2 }' | head -n 4000 | {
      # shellcheck disable=SC2086
      low xargs -r apt-cache $APTO -o Debug::NoLocking=1 $APTC policy 2>/dev/null
      echo "rc $?"
    } | awk '
      function flush() {
        if (name != "" && inst != "" && inst != "(none)") {
          if (cand != "" && cand != "(none)" && cand != inst) print "P " name " " sec
          else if (!dl) print "L " name
        }
        name = ""
      }
      /^rc [0-9]+$/ { flush(); print; next }
      /^[^ ].*:$/ { flush(); name = $0; sub(/:.*/, "", name); inst = ""; cand = ""; v = ""; star = 0; sec = 0; dl = 0; next }
      /^  Installed: / { inst = $2; next }
      /^  Candidate: / { cand = $2; next }
      /^        / { if (v == cand && tolower($0) ~ /security/) sec = 1
                    if (star && $0 !~ /\/var\/lib\/dpkg\/status$/) dl = 1
                    next }
      /^ \*\*\* / { star = 1; v = $2; next }
      /^     [^ ]/ { star = 0; v = $1; next }
      END { flush() }'
}
HAVEAPT=""
if have apt-cache && have dpkg-query && [ -r "$R/var/lib/dpkg/status" ] && { [ -z "$R" ] || [ -d "$R/etc/apt" ]; }; then
  HAVEAPT=1
fi
CACHENOTE=""
if [ -n "$HAVEAPT" ]; then
  PCACHE="/var/cache/apt/pkgcache.bin"
  if [ -z "$R" ]; then
    PCACHE=$(apt-config shell C Dir::Cache::pkgcache/f 2>/dev/null | sed -n "s/^C='\(.*\)'$/\1/p")
  fi
  if [ -n "$PCACHE" ] && [ -f "$R$PCACHE" ] && [ -r "$R$PCACHE" ]; then
    NEWER=$(changed_since "$R$PCACHE" "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/arch" "$R/var/lib/apt/lists" "$R/etc/apt")
    if [ -z "$NEWER" ]; then APTC=""; else CACHENOTE="apt's cache is older than ${NEWER#"$R"}"; fi
  else
    CACHENOTE="apt keeps no cache file"
  fi
  POL=$(policy)
  PRC=$(printf '%s\n' "$POL" | sed -n 's/^rc //p' | tail -n 1)
  if [ "$PRC" = 124 ] || [ "$PRC" = 137 ]; then
    problem "apt-cache policy took longer than $ALIMIT seconds and was stopped"
  elif [ "$PRC" != 0 ]; then
    problem "apt-cache policy failed (exit status ${PRC:-unknown})"
  fi
fi
UN="$R/var/lib/update-notifier/updates-available"
if [ -r "$UN" ]; then
  NEWER=$(changed_since "$UN" "$R/var/lib/dpkg/status" "$R/var/lib/apt/lists")
  if [ -n "$NEWER" ]; then
    PNOTE="update-notifier's summary is older than ${NEWER#"$R"}"
  elif grep -q '[0-9]' "$UN" 2>/dev/null; then
    PSRC="update-notifier"
    NOTIFIER=$(linesn 32 cat "$UN")
  else
    PNOTE="update-notifier's summary has no numbers"
  fi
fi
if [ -z "$PSRC" ] && [ -n "$HAVEAPT" ]; then
  if [ -z "$APTC" ]; then PSRC="apt-pkgcache"; else PSRC="apt-lists"; PNOTE="${PNOTE:+$PNOTE; }$CACHENOTE"; fi
  if [ "$PRC" = 0 ]; then
    PEND=$(printf '%s\n' "$POL" | grep -c '^P ')
    PSEC=$(printf '%s\n' "$POL" | grep -c '^P .* 1$')
    PSECN=$(printf '%s\n' "$POL" | grep '^P .* 1$' | cut -d' ' -f2 | head -n 20 | tr '\n' ' ')
  elif [ "$PRC" = 124 ] || [ "$PRC" = 137 ]; then
    PNOTE="${PNOTE:+$PNOTE; }apt-cache took longer than $ALIMIT seconds and was stopped"
  else
    PNOTE="${PNOTE:+$PNOTE; }apt-cache failed (exit status ${PRC:-unknown})"
  fi
fi
printf ',"updates":{"last_install_epoch":%s,"source":%s,"apt_update_success_epoch":%s,"pending":%s,"pending_security":%s,"pending_security_names":%s,"pending_source":%s,"pending_note":%s,"notifier":%s,"upgrades":' \
  "$(num "$UT")" "$(jn "$USRC")" "$(num "$STAMP")" "$(num "$PEND")" "$(num "$PSEC")" "$(jn "$PSECN")" \
  "$(jn "$PSRC")" "$(jn "$PNOTE")" "$NOTIFIER"
linesn 48 upgrades
printf '}'

# --- Encryption of the root filesystem ---
ROOTDEV=""
if have findmnt; then ROOTDEV=$(findmnt -no SOURCE / 2>/dev/null | head -n 1); fi
CHAIN=""
if [ -n "$ROOTDEV" ] && have lsblk; then
  CHAIN=$(lsblk -no TYPE,NAME -s "$ROOTDEV" 2>/dev/null | head -n 16 | tr -cd '\040-\176\n' | awk '{printf "%s%s:%s", (NR==1?"":" "), $1, $2}')
fi
CRYPTDM=0
for u in "$R"/sys/block/dm-*/dm/uuid; do
  [ -r "$u" ] || continue
  case "$(head -c 128 "$u")" in CRYPT-*) CRYPTDM=$((CRYPTDM + 1)) ;; esac
done
if [ -z "$ROOTDEV" ]; then problem "cannot find the root filesystem device (findmnt)"; fi
printf ',"encryption":{"root_source":%s,"lsblk_chain":%s,"crypt_dm_devices":%s}' \
  "$(jn "$ROOTDEV")" "$(jn "$CHAIN")" "$CRYPTDM"

# --- Removable storage ---
printf ',"removable":{"modprobe_rules":'
lines grep -shE '^[[:space:]]*(install|blacklist)[[:space:]]+usb[-_]storage' "$R"/etc/modprobe.d/*.conf "$R"/lib/modprobe.d/*.conf "$R"/usr/lib/modprobe.d/*.conf
printf ',"usbguard":%s,"usb_storage_loaded":%s}' "$(jn "$(svc usbguard)")" \
  "$(if [ -d "$R/sys/module/usb_storage" ]; then printf true; else printf false; fi)"

# --- Screen lock and automatic login: what the desktop session will apply ---
printf ',"screen_lock":{"present":'
# Desktops, display managers and lockers installed (their programs).
present() {
  for p in usr/bin/gnome-shell usr/bin/cinnamon usr/bin/mate-session usr/bin/plasmashell \
           usr/bin/startplasma-x11 usr/bin/xfce4-session usr/bin/lxsession usr/bin/lxqt-session \
           usr/sbin/gdm3 usr/sbin/gdm usr/sbin/lightdm usr/bin/sddm \
           usr/bin/light-locker usr/bin/xscreensaver usr/bin/xfce4-screensaver usr/bin/Xorg; do
    if [ -e "$R/$p" ]; then printf '%s\n' "${p##*/}"; fi
  done
}
lines present
printf ',"sessions":'
sessions() { for f in "$R"/usr/share/xsessions/*.desktop "$R"/usr/share/wayland-sessions/*.desktop; do [ -e "$f" ] && printf '%s\n' "${f#"$R"}"; done; }
lines sessions
# dconf: the profile naming the system databases, the keyfiles' settings and locks, and whether
# each database was compiled (`dconf update`) after its keyfiles last changed.
printf ',"dconf_profile":'
lines grep -sv '^[[:space:]]*#' "$R/etc/dconf/profile/user"
DKEYS='idle-delay|lock-enabled|lock-delay|idle-activation-enabled|lock-after-screensaver|late-locking'
printf ',"dconf_keys":'
dconf_keys() { ini "$DKEYS" "$R"/etc/dconf/db/*.d/*; }
linesn 200 dconf_keys
printf ',"dconf_locks":'
dconf_locks() { grep -sHE "($DKEYS)" "$R"/etc/dconf/db/*.d/locks/* | sed "s#^$R##"; }
linesn 200 dconf_locks
printf ',"dconf_dbs":'
dconf_dbs() {
  for d in "$R"/etc/dconf/db/*.d; do
    [ -d "$d" ] || continue
    b="${d%.d}"
    SRC=$(find "$d" -type f -printf '%T@\n' 2>/dev/null | sort -n | tail -n 1 | cut -d. -f1)
    printf '%s|%s|%s\n' "${b##*/}" "$(mtime "$b")" "$SRC"
  done
}
lines dconf_dbs
# KDE Plasma's screen locker, system-wide and for new users.
printf ',"kscreenlocker":'
kde() { ini 'Autolock|Timeout|LockOnResume|LockGrace' "$R/etc/xdg/kscreenlockerrc" "$R/etc/skel/.config/kscreenlockerrc"; }
lines kde
# X screen saver and power saving turned off in what a session runs at start.
printf ',"xset":'
xset_lines() {
  grep -sHE '(^|[^[:alnum:]])(xset|xserver-command)([^[:alnum:]]|$)' \
    "$R"/etc/xdg/autostart/*.desktop "$R"/etc/X11/Xsession.d/* "$R/etc/X11/xinit/xinitrc" \
    "$R/etc/skel/.xprofile" "$R/etc/skel/.xsessionrc" "$R/etc/skel/.xinitrc" "$R"/etc/xdg/lxsession/*/autostart \
    "$R/etc/xdg/openbox/autostart" "$R/etc/lightdm/lightdm.conf" "$R"/etc/lightdm/lightdm.conf.d/*.conf |
    grep -v ':[[:space:]]*#' | sed "s#^$R##"
}
lines xset_lines
# Session autostart entries of screen lockers and anything that runs xset.
printf ',"autostart":'
autostart() { ini 'Exec|Hidden|X-GNOME-Autostart-enabled|OnlyShowIn|NotShowIn' "$R"/etc/xdg/autostart/*.desktop | grep -E 'light-locker|xscreensaver|xfce4-screensaver|xset' ; }
lines autostart
# xscreensaver's system defaults and new users' own file.
printf ',"xscreensaver":'
xss() {
  grep -sHE '^[*]?(timeout|lock|lockTimeout|mode):' "$R/etc/X11/app-defaults/XScreenSaver" "$R/etc/skel/.xscreensaver" | sed "s#^$R##"
}
lines xss
# Automatic login: GDM, LightDM (packaged defaults first, then the local files) and SDDM.
printf ',"autologin":'
autologin() {
  ini 'AutomaticLoginEnable|AutomaticLogin|TimedLoginEnable|TimedLogin|autologin-user|autologin-session|user-session|User|Session' \
    "$R/etc/gdm3/daemon.conf" "$R/etc/gdm3/custom.conf" "$R/etc/gdm/custom.conf" \
    "$R"/usr/share/lightdm/lightdm.conf.d/*.conf "$R"/etc/lightdm/lightdm.conf.d/*.conf "$R/etc/lightdm/lightdm.conf" \
    "$R"/usr/lib/sddm/sddm.conf.d/*.conf "$R"/etc/sddm.conf.d/*.conf "$R/etc/sddm.conf"
}
linesn 200 autologin
GUI=false
if [ -n "$(present)" ]; then GUI=true; fi
printf ',"graphical":%s}' "$GUI"

# --- Installed software (capped at 4000) ---
# Each dpkg package as [name, version, "auto" or "manual" (apt's extended_states, as
# `apt-mark showmanual`), priority, section]; then what did not come from any archive apt knows
# (apt-cache policy, read with the updates above: dpkg -i, a vendor's .deb), snaps that were not seeded
# with the OS, system-wide flatpaks and folders in /opt that no package owns.
MGR=""; TOTAL=""
printf ',"software":{"packages":['
if have dpkg-query && [ -r "$R/var/lib/dpkg/status" ]; then
  MGR=dpkg
  TOTAL=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${db:Status-Abbrev}\n' 2>/dev/null | grep -c '^ii')
  dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${Priority}\t${Section}\n' 2>/dev/null | grep '^ii' | head -n 4000 |
    awk -F '\t' -v ext="$R/var/lib/apt/extended_states" '
      BEGIN { while ((getline l < ext) == 1) {
                if (l ~ /^Package:/) { p = l; sub(/^Package: */, "", p); a = "" }
                else if (l ~ /^Architecture:/) { a = l; sub(/^Architecture: */, "", a) }
                else if (l ~ /^Auto-Installed: *1/) { auto[p ":" a] = 1; auto[p] = 1 } }
              n = 0 }
      { for (i = 2; i <= 6; i++) { gsub(/[^ -~]/, "", $i); gsub(/[\\"]/, "", $i) }
        m = ((($2 ":" $4) in auto) || ($4 == "all" && ($2 in auto))) ? "auto" : "manual"
        printf "%s[\"%s\",\"%s\",\"%s\",\"%s\",\"%s\"]", (n++ ? "," : ""), $2, $3, m, $5, $6 }'
elif have rpm && [ -z "$R" ]; then
  MGR=rpm
  TOTAL=$(rpm -qa 2>/dev/null | wc -l | tr -d ' ')
  rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\n' 2>/dev/null | head -n 4000 |
    awk -F '\t' 'BEGIN{n=0} {gsub(/[^ -~]/,"",$1); gsub(/[^ -~]/,"",$2); gsub(/[\\"]/,"",$1); gsub(/[\\"]/,"",$2); printf "%s[\"%s\",\"%s\"]", (n++?",":""), $1, $2}'
else
  problem "no package manager found (dpkg-query, rpm)"
fi
printf '],"manager":%s,"total":%s,"cap":4000' "$(jn "$MGR")" "$(num "$TOTAL")"
LISTS=0
for f in "$R"/var/lib/apt/lists/*_Packages*; do [ -e "$f" ] && LISTS=$((LISTS + 1)); done
printf ',"apt_lists":%s,"extended_states":%s,"local":' "$LISTS" \
  "$(if [ -r "$R/var/lib/apt/extended_states" ]; then printf true; else printf false; fi)"
local_pkgs() { printf '%s\n' "$POL" | sed -n 's/^L //p'; }
if [ "$LISTS" -eq 0 ]; then printf '[]'; elif [ "$PRC" != 0 ]; then printf 'null'; else linesn 500 local_pkgs; fi
printf ',"snaps":'
snaps() {
  for s in "$R"/var/lib/snapd/snaps/*.snap; do
    [ -e "$s" ] || continue
    n="${s##*/}"; n="${n%_*}"
    if ls "$R"/var/lib/snapd/seed/snaps/"${n}"_*.snap >/dev/null 2>&1; then continue; fi
    printf '%s\n' "$n"
  done | sort -u
}
linesn 200 snaps
printf ',"flatpaks":'
flatpaks() { for d in "$R"/var/lib/flatpak/app/*; do [ -d "$d" ] && printf '%s\n' "${d##*/}"; done; }
linesn 200 flatpaks
printf ',"opt":'
opt_dirs() {
  for d in "$R"/opt/*; do
    [ -d "$d" ] || continue
    if [ "$MGR" = dpkg ] && dpkg-query --admindir="$R/var/lib/dpkg" -S "${d#"$R"}" >/dev/null 2>&1; then continue; fi
    printf '%s\n' "${d#"$R"}"
  done
}
linesn 64 opt_dirs
printf '}'

printf ',"problems":[%s]}\n' "$PROBLEMS"
