#!/bin/sh
# caretaker-macos/1: read-only facts for policy 7.4, printed as ONE JSON document on stdout.
# Judges nothing, writes nothing; uses only tools shipped with macOS. Every list is capped.
PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH
LC_ALL=C
export LC_ALL
PROBLEMS=""
j() { printf '"%s"' "$(printf '%s' "$1" | head -c 4096 | tr -cd '\040-\176' | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
jn() { if [ -n "$1" ]; then j "$1"; else printf 'null'; fi; }
num() { case "$1" in ''|*[!0-9]*|???????????????????*) printf 'null' ;; *) printf '%s' "$1" ;; esac; }
problem() { PROBLEMS="${PROBLEMS}${PROBLEMS:+,}$(j "$1")"; }
plist() { defaults read "$1" "$2" 2>/dev/null | head -n 1; }

printf '{"probe":"caretaker-macos/1","collected_at":%s' "$(num "$(date +%s)")"
printf ',"hostname":%s' "$(jn "$(scutil --get ComputerName 2>/dev/null || hostname)")"
printf ',"os_name":%s,"os_version":%s' "$(jn "$(sw_vers -productName 2>/dev/null)")" "$(jn "$(sw_vers -productVersion 2>/dev/null)")"

XP=/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist
XV=""; XM=""
if [ -r "$XP" ]; then
  XV=$(plist "${XP%.plist}" CFBundleShortVersionString); XM=$(stat -f %m "$XP" 2>/dev/null)
else
  problem "cannot read $XP"
fi
printf ',"xprotect":{"version":%s,"mtime":%s}' "$(jn "$XV")" "$(num "$XM")"

# Rows of the install history with a date like "11/20/2026, 09:15:02" (capped; caretaker picks the newest).
printf ',"softwareupdate_history":['
softwareupdate --history 2>/dev/null | head -n 400 | grep -E '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}' | head -n 64 |
  { first=1; while IFS= read -r l; do [ "$first" = 1 ] || printf ','; first=0; j "$l"; done; }
printf ']'

FV=$(fdesetup status 2>/dev/null | head -n 2 | tr '\n' ' ')
[ -n "$FV" ] || problem "fdesetup status gave no answer"
printf ',"filevault":%s' "$(jn "$FV")"

MP="/Library/Managed Preferences/com.apple.screensaver"
printf ',"screen_lock":{"idle_time":%s,"ask_for_password":%s,"ask_for_password_delay":%s}' \
  "$(num "$(plist "$MP" idleTime)")" "$(num "$(plist "$MP" askForPassword)")" "$(num "$(plist "$MP" askForPasswordDelay)")"
# Removable media: the managed mount-controls restriction (text, capped), if any profile sets it.
MC=$(defaults read "/Library/Managed Preferences/com.apple.systemuiserver" mount-controls 2>/dev/null | head -n 40 | tr '\n' ' ')
printf ',"mount_controls":%s' "$(jn "$MC")"
printf ',"auto_login_user":%s' "$(jn "$(plist /Library/Preferences/com.apple.loginwindow autoLoginUser)")"

printf ',"software":{"packages":['
n=0
for app in /Applications/*.app; do
  [ -d "$app" ] || continue
  n=$((n + 1))
  [ "$n" -le 2000 ] || break
  [ "$n" -gt 1 ] && printf ','
  name=$(basename "$app" .app)
  printf '[%s,%s]' "$(j "$name")" "$(j "$(plist "$app/Contents/Info" CFBundleShortVersionString)")"
done
printf '],"manager":"applications-folder","cap":2000}'
printf ',"problems":[%s]}\n' "$PROBLEMS"
