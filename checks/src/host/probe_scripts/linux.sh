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

# j STRING -> JSON string literal (printable ASCII only; quotes and backslashes escaped).
j() {
  printf '"%s"' "$(printf '%s' "$1" | head -c 4096 | tr -cd '\040-\176' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}
# jn STRING -> JSON string literal, or null when empty.
jn() { if [ -n "$1" ]; then j "$1"; else printf 'null'; fi; }
# num STRING -> the number, or null when not all digits.
num() { case "$1" in ''|*[!0-9]*|???????????????????*) printf 'null' ;; *) printf '%s' "$1" ;; esac; }
problem() { PROBLEMS="${PROBLEMS}${PROBLEMS:+,}$(j "$1")"; }
have() { command -v "$1" >/dev/null 2>&1; }
mtime() { stat -c %Y "$1" 2>/dev/null; }
svc() { if have systemctl; then systemctl is-active "$1" 2>/dev/null | head -n 1; fi; }
# lines CMD... -> JSON array of (at most 64) output lines of CMD.
lines() {
  first=1
  printf '['
  "$@" 2>/dev/null | head -n 64 | while IFS= read -r l; do
    if [ "$first" = 1 ]; then first=0; else printf ','; fi
    j "$l"
  done
  printf ']'
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

# --- Updates ---
USRC=""; UT=""
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
if [ -z "$UT" ] && [ -r "$R/var/log/dpkg.log" ]; then
  UT=$(mtime "$R/var/log/dpkg.log"); USRC="mtime of /var/log/dpkg.log"
fi
if [ -z "$UT" ]; then problem "no package-install log found (apt history, dnf.rpm.log, dpkg.log)"; fi
STAMP=$(mtime "$R/var/lib/apt/periodic/update-success-stamp")
PEND=""
if have apt-get && [ -z "$R" ]; then
  PEND=$(apt-get -s -o Debug::NoLocking=1 upgrade 2>/dev/null | grep -c '^Inst ')
fi
printf ',"updates":{"last_install_epoch":%s,"source":%s,"apt_update_success_epoch":%s,"pending":%s}' \
  "$(num "$UT")" "$(jn "$USRC")" "$(num "$STAMP")" "$(num "$PEND")"

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

# --- Screen lock: GNOME dconf system databases ---
printf ',"screen_lock":{"dconf_settings":'
dconf_keys() {
  grep -sHE '^[[:space:]]*(idle-delay|lock-enabled|lock-delay)[[:space:]]*=' "$R"/etc/dconf/db/*.d/* | sed "s#^$R##"
}
lines dconf_keys
printf ',"dconf_locks":'
lines grep -shE '(idle-delay|lock-enabled|lock-delay)' "$R"/etc/dconf/db/*.d/locks/*
GUI=false
for g in "$R/usr/bin/gnome-shell" "$R/usr/sbin/gdm3" "$R/usr/sbin/lightdm" "$R/usr/sbin/sddm" "$R/usr/bin/Xorg"; do
  if [ -e "$g" ]; then GUI=true; break; fi
done
# Automatic login (GDM, LightDM, SDDM): the matching lines only.
autologin() {
  grep -shE '^[[:space:]]*(AutomaticLoginEnable|TimedLoginEnable|autologin-user|User)[[:space:]]*=' \
    "$R/etc/gdm3/daemon.conf" "$R/etc/gdm3/custom.conf" "$R/etc/gdm/custom.conf" \
    "$R/etc/lightdm/lightdm.conf" "$R"/etc/lightdm/lightdm.conf.d/*.conf "$R/etc/sddm.conf" "$R"/etc/sddm.conf.d/*.conf
}
printf ',"graphical":%s,"autologin":' "$GUI"
lines autologin
printf '}'

# --- Installed software (capped at 4000) ---
MGR=""; TOTAL=""
printf ',"software":{"packages":['
if have dpkg-query && [ -r "$R/var/lib/dpkg/status" ]; then
  MGR=dpkg
  TOTAL=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${db:Status-Abbrev}\n' 2>/dev/null | grep -c '^ii')
  dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\n' 2>/dev/null | grep '^ii' | head -n 4000 |
    awk -F '\t' 'BEGIN{n=0} {gsub(/[^ -~]/,"",$2); gsub(/[^ -~]/,"",$3); gsub(/[\\"]/,"",$2); gsub(/[\\"]/,"",$3); printf "%s[\"%s\",\"%s\"]", (n++?",":""), $2, $3}'
elif have rpm && [ -z "$R" ]; then
  MGR=rpm
  TOTAL=$(rpm -qa 2>/dev/null | wc -l | tr -d ' ')
  rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\n' 2>/dev/null | head -n 4000 |
    awk -F '\t' 'BEGIN{n=0} {gsub(/[^ -~]/,"",$1); gsub(/[^ -~]/,"",$2); gsub(/[\\"]/,"",$1); gsub(/[\\"]/,"",$2); printf "%s[\"%s\",\"%s\"]", (n++?",":""), $1, $2}'
else
  problem "no package manager found (dpkg-query, rpm)"
fi
printf '],"manager":%s,"total":%s,"cap":4000}' "$(jn "$MGR")" "$(num "$TOTAL")"

printf ',"problems":[%s]}\n' "$PROBLEMS"
