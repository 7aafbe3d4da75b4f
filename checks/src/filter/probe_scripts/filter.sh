#!/bin/sh
# caretaker-filter/1: fetches each test URL with curl ON THIS MACHINE and prints ONE JSON document of
# raw facts on stdout (what curl saw); caretaker judges them, never this script.
#
# Read-only: the only thing written is a private temporary directory (mktemp -d, mode 0700) that a
# trap removes on exit. No -k, ever: an untrusted certificate is a fact to report, not to skip. The
# proxy password never appears on a command line: curl reads it (and the URLs) from its standard
# input (-K -), fed by the shell's built-in printf. ~/.curlrc and the *_proxy environment are
# ignored so that the machine's own settings do not change the test. Needs POSIX sh, curl 7.63 or
# later, awk, mktemp; base64 (or openssl, or od) for bodies; openssl (optional) to name the
# issuer of a certificate curl refused; getent (optional) to say what each name resolves to here
# when there is no proxy (so that a DNS sinkhole's address is seen even when its connection is
# refused), and to look up the names asked for (LOOKUPS: the machine's own answer, as its browsers and
# apps get it). Every list and string is capped.
#
# Few processes: with curl 7.75 or later ONE curl fetches every URL (--parallel, each URL its own
# option set in the configuration on its standard input, its report written to one stream with a
# marker naming its index); older curls run once per URL, CONC at a time. One awk turns everything
# into the document; each body is encoded by one process (base64, openssl or od).
#
# caretaker replaces the marker line below with the request (every value validated, URLs and the
# proxy single-quoted, the proxy-user line quoted for curl's config syntax and then for sh), which
# overrides these defaults. Everything after it runs with standard input from /dev/null, so that no
# command can read the rest of the script (it arrives on the shell's standard input).
PATH=/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin
export PATH
LC_ALL=C
export LC_ALL
umask 077
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY CURL_HOME
MAXTIME=10
CONNTIME=5
MAXBODY=65536
MAXREDIRS=5
CONC=4
PROXY=''
PROXYHP=''
PROXYCFG=''
LOOKUPS=''
# auto: one curl for all URLs when curl is 7.75 or later; per-url: one curl per URL.
FETCHMODE=auto
set --
# @@CARETAKER-REQUEST@@
{
PROBLEMS=""
D=""
WP=""

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
cleanup() {
  if [ -n "$WP" ]; then kill "$WP" >/dev/null 2>&1; fi
  if [ -n "$D" ]; then rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# watch SECONDS PID...: a watchdog that stops the PIDs still running after SECONDS (its pid in
# WP); unwatch stops the watchdog and its sleep.
watch() {
  t=$1
  shift
  (
    trap 'kill "$s"; exit 0' TERM
    sleep "$t" &
    s=$!
    wait "$s"
    kill "$@"
  ) >/dev/null 2>&1 </dev/null &
  WP=$!
}
unwatch() {
  kill "$WP" >/dev/null 2>&1
  WP=""
}

# What curl reports after each fetch, one "@@ct:name=value" line each, then the certificate chain
# it saw (curl 7.88+). Each report starts and ends with a line holding NONCE (unknown to the
# servers) and the URL's index; curl's own "curl: (N) message" line for a URL comes just before.
WKEYS='@@ct:exitcode=%{exitcode}\n@@ct:errormsg=%{errormsg}\n@@ct:http_code=%{http_code}\n@@ct:http_connect=%{http_connect}\n@@ct:http_version=%{http_version}\n@@ct:scheme=%{scheme}\n@@ct:method=%{method}\n@@ct:remote_ip=%{remote_ip}\n@@ct:remote_port=%{remote_port}\n@@ct:local_ip=%{local_ip}\n@@ct:url_effective=%{url_effective}\n@@ct:num_redirects=%{num_redirects}\n@@ct:redirect_url=%{redirect_url}\n@@ct:num_connects=%{num_connects}\n@@ct:ssl_verify_result=%{ssl_verify_result}\n@@ct:proxy_ssl_verify_result=%{proxy_ssl_verify_result}\n@@ct:content_type=%{content_type}\n@@ct:size_download=%{size_download}\n@@ct:size_header=%{size_header}\n@@ct:time_namelookup=%{time_namelookup}\n@@ct:time_connect=%{time_connect}\n@@ct:time_appconnect=%{time_appconnect}\n@@ct:time_starttransfer=%{time_starttransfer}\n@@ct:time_redirect=%{time_redirect}\n@@ct:time_total=%{time_total}\n@@ct:num_certs=%{num_certs}\n@@ct:certs-begin\n%{certs}\n@@ct:certs-end\n'

# section INDEX URL: curl's options for one URL (nothing carries over curl's `next`): the body
# to $D/INDEX.b, response headers to $D/INDEX.h, the report to curl's standard error. -g keeps
# [ ] { } in URLs literal (no globbing). Proxy credentials are sent as Basic, up front:
# --proxy-anyauth would spend one of the allowed redirects on its 407 round trip. Fetched
# together, each URL gets its own connection as it did with its own curl ("Connection: close"
# over HTTP/1.1), so that every URL's certificates and CONNECT answer are seen.
section() {
  printf 'url = "%s"\noutput = "%s/%s.b"\ndump-header = "%s/%s.h"\n' "$2" "$D" "$1" "$D" "$1"
  printf 'globoff\nlocation\nmax-redirs = %s\nmax-time = %s\nconnect-timeout = %s\n' \
    "$MAXREDIRS" "$MAXTIME" "$CONNTIME"
  printf 'proto = "=http,https"\nproto-redir = "=http,https"\n'
  if [ -n "$PROXY" ]; then printf 'proxy = "%s"\n' "$PROXY"; else printf 'noproxy = "*"\n'; fi
  if [ -n "$PROXYCFG" ]; then printf '%s\n' "$PROXYCFG"; fi
  if [ "$PAR" = 1 ]; then printf 'http1.1\nheader = "Connection: close"\n'; fi
  printf 'write-out = "%%{stderr}@@ct:%s:begin=%s\\n%s@@ct:%s:end\\n"\n' "$NONCE" "$1" "$WKEYS" "$NONCE"
}

# curl_capped ARG...: curl with the configuration on standard input (-q: no ~/.curlrc), unable to
# write a file larger than FBLOCKS blocks (a body past the cap fails with curl's exit 23, that
# URL only), reports and messages on standard error.
curl_capped() {
  (
    ulimit -f "$FBLOCKS"
    trap '' XFSZ
    exec curl -q -K - -s -S "$@"
  )
}

# fetch_all URL...: ONE curl for every URL, CONC at a time; its report stream copied to $D/e by
# an awk that also lists "INDEX URL" in $D/t60 for each fetch refused for its certificate.
fetch_all() {
  i=0
  for u in "$@"; do
    if [ "$i" -gt 0 ]; then printf 'next\n'; fi
    section "$i" "$u"
    i=$((i + 1))
  done | curl_capped --no-progress-meter --parallel --parallel-max "$CONC" 2>&1 >/dev/null |
    awk -v f="$D/e" -v t="$D/t60" -v b="@@ct:$NONCE:begin=" -v e="@@ct:$NONCE:end" '
      { print > f }
      index($0, b) == 1 { i = substr($0, length(b) + 1); ec = ""; u = ""; next }
      $0 == e { if (ec == "60" && i ~ /^[0-9]+$/) print i, u > t; i = ""; next }
      i != "" && ec == "" && index($0, "@@ct:exitcode=") == 1 { ec = substr($0, 15) }
      i != "" && u == "" && index($0, "@@ct:url_effective=") == 1 { u = substr($0, 20) }
    '
}

# fetch_one INDEX URL: one curl for one URL (curl before 7.75), its report to $D/INDEX.e and its
# exit status to $D/INDEX.rc.
fetch_one() {
  b="$D/$1"
  section "$1" "$2" | curl_capped 2>"$b.e" >/dev/null
  rc=$?
  echo "$rc" >"$b.rc"
  if [ "$rc" = 60 ]; then
    printf '%s %s\n' "$1" "$(sed -n 's/^@@ct:url_effective=//p' "$b.e" | head -n 1)" >"$b.t60"
  fi
}

# worker W URL...: fetches every URL whose 0-based position is W modulo CONC, one curl each.
worker() {
  w=$1
  shift
  n=0
  for u in "$@"; do
    if [ "$((n % CONC))" -eq "$w" ]; then fetch_one "$n" "$u"; fi
    n=$((n + 1))
  done
}

# issuer_of BASE URL: the issuer of the certificate the HTTPS site of URL presents (via the proxy,
# if any), as "issuer=..." in BASE.i. Bounded by MAXTIME. curl does not show a certificate it
# refused; openssl is not given proxy credentials (they would be on its command line).
issuer_of() {
  case "$2" in [Hh][Tt][Tt][Pp][Ss]://*) ;; *) return 0 ;; esac
  hp=${2#*://}; hp=${hp%%/*}; hp=${hp%%\?*}; hp=${hp%%#*}; hp=${hp##*@}
  case "$hp" in ''|-*|*[!A-Za-z0-9.:_\[\]-]*) return 0 ;; esac
  case "$hp" in
    \[*\]) host=$hp; port=443 ;;
    \[*\]:*) host=${hp%:*}; port=${hp##*:} ;;
    *:*) host=${hp%%:*}; port=${hp#*:} ;;
    *) host=$hp; port=443 ;;
  esac
  case "$port" in ''|*[!0-9]*) return 0 ;; esac
  ib=$1
  set -- s_client -connect "$host:$port"
  case "$host" in \[*) ;; *[!0-9.]*) set -- "$@" -servername "$host" ;; esac
  if [ -n "$PROXYHP" ]; then set -- "$@" -proxy "$PROXYHP"; fi
  "$OPENSSL" "$@" </dev/null >"$ib.s" 2>/dev/null &
  sp=$!
  watch "$MAXTIME" "$sp"
  wait "$sp"
  unwatch
  "$OPENSSL" x509 -noout -issuer <"$ib.s" 2>/dev/null | head -n 1 >"$ib.i"
}

# resolve_all URL...: what the host name of each URL resolves to on this machine (getent ahosts:
# the machine's own resolver, as curl uses it), nothing for an address typed in. One getent per
# distinct name, 32 at a time, each batch bounded by CONNTIME: $D/gK holds name K's answer, $D/r
# lines "INDEX K".
resolve_all() {
  seen=" "
  map=""
  pids=""
  k=0
  i=0
  for u in "$@"; do
    hp=${u#*://}; hp=${hp%%/*}; hp=${hp%%\?*}; hp=${hp%%#*}; hp=${hp##*@}
    host=${hp%%:*}
    case "$hp" in \[*) host="" ;; esac
    case "$host" in ''|-*|*[!A-Za-z0-9._-]*) host="" ;; esac
    case "$host" in *[!0-9.]*) ;; *) host="" ;; esac
    if [ -n "$host" ]; then
      rest=${seen#* "$host"=}
      if [ "$rest" != "$seen" ]; then
        map="$map$i ${rest%% *}$NL"
      else
        "$GETENT" ahosts "$host" </dev/null >"$D/g$k" 2>/dev/null &
        pids="$pids $!"
        seen="$seen$host=$k "
        map="$map$i $k$NL"
        k=$((k + 1))
        if [ "$((k % 32))" -eq 0 ]; then await_all; fi
      fi
    fi
    i=$((i + 1))
  done
  printf '%s' "$map" >"$D/r"
  await_all
}

# await_all: waits for the lookups in $pids, stopping those still running after CONNTIME.
await_all() {
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    watch "$CONNTIME" $pids
    # shellcheck disable=SC2086
    wait $pids
    unwatch
  fi
  pids=""
}

# lookup_all: getent ahosts for each name of LOOKUPS (at most 64), all at once, bounded together
# by CONNTIME: $D/lK.g what it printed, $D/lK.rc its exit status (143 or 137: stopped at the
# limit); the names, one a line, in $D/n.
lookup_all() {
  pids=""
  k=0
  for nm in $LOOKUPS; do
    "$GETENT" ahosts "$nm" </dev/null >"$D/l$k.g" 2>/dev/null &
    pids="$pids $!"
    printf '%s\n' "$nm" >>"$D/n"
    k=$((k + 1))
  done
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    watch "$CONNTIME" $pids
    k=0
    for p in $pids; do
      wait "$p"
      echo "$?" >"$D/l$k.rc"
      k=$((k + 1))
    done
    unwatch
  fi
}

# encode_bodies: each body file, its first MAXBODY bytes encoded with $ENC by one process into
# $D/INDEX.x; "INDEX SIZE" lines in $D/bs.
encode_bodies() {
  wc -c "$D"/*.b >"$D/sz" 2>/dev/null
  sizes=""
  while read -r sz name; do
    case "$name" in "$D"/*.b) ;; *) continue ;; esac
    i=${name#"$D"/}
    i=${i%.b}
    case "$i$sz" in ''|*[!0-9]*) continue ;; esac
    sizes="$sizes$i $sz$NL"
    if [ "$sz" -eq 0 ]; then continue; fi
    f="$D/$i.b"
    case "$ENC" in
      base64)
        if [ "$sz" -gt "$MAXBODY" ]; then head -c "$MAXBODY" "$f" | base64; else base64 <"$f"; fi ;;
      openssl)
        if [ "$sz" -gt "$MAXBODY" ]; then
          head -c "$MAXBODY" "$f" | "$OPENSSL" base64 -A
        else
          "$OPENSSL" base64 -A <"$f"
        fi ;;
      *) od -An -v -tx1 -N "$MAXBODY" "$f" ;;
    esac >"$D/$i.x"
  done <"$D/sz"
  printf '%s' "$sizes" >"$D/bs"
}

# The document's results and lookups from the files above, by one awk: the URLs ($D/u), the
# reports ($D/e, or $D/INDEX.e and $D/INDEX.rc one URL at a time), response headers ($D/INDEX.h),
# what openssl saw ($D/INDEX.i), what names resolved to ($D/r, $D/gK), the bodies ($D/bs,
# $D/INDEX.x) and the lookups ($D/n, $D/lK.g, $D/lK.rc).
FACTS_AWK='
# esc STRING MAX -> JSON string of at most MAX printable ASCII characters.
function esc(s, max,   out, i, c, n) {
  if (length(s) > max) s = substr(s, 1, max)
  out = ""
  n = length(s)
  for (i = 1; i <= n; i++) {
    c = substr(s, i, 1)
    if (c == "\\") out = out "\\\\"
    else if (c == "\"") out = out "\\\""
    else if (c ~ /^[ -~]$/) out = out c
  }
  return "\"" out "\""
}
function str(s, max) { return (s == "") ? "null" : esc(s, max) }
function num(s) { return (s !~ /^[0-9]+$/ || length(s) > 18) ? "null" : s }
function inum(s) {
  if (s !~ /^[0-9]+$/ || length(s) > 18) return "null"
  sub(/^0+/, "", s)
  return (s == "") ? "0" : s
}
function dec(s) {
  if (s !~ /^[0-9]+([.][0-9]+)?$/ || length(s) > 30) return "null"
  sub(/^0+/, "", s)
  return (s == "" || s ~ /^[.]/) ? "0" s : s
}
function first(f,   x) {
  x = ""
  if ((getline x < f) <= 0) x = ""
  close(f)
  return x
}
# stream FILE SINGLE: the reports in FILE into v[INDEX, key], curl s message lines into msg[INDEX]:
# the "curl: (N)" line between one report s end and the next report is the next one s (or, with
# SINGLE, the last one s when none follows).
function stream(file, single,   line, cur, last, pend, incerts, k, p, key, val) {
  cur = ""; last = ""; pend = ""; incerts = 0
  while ((getline line < file) > 0) {
    if (index(line, B) == 1) {
      cur = substr(line, length(B) + 1)
      if (cur !~ /^[0-9]+$/ || length(cur) > 9 || ((cur + 0) in got)) { cur = ""; continue }
      cur = cur + 0
      got[cur] = 1
      if (pend != "") msg[cur] = pend
      pend = ""; incerts = 0; last = cur
      continue
    }
    if (line == E) { cur = ""; pend = ""; continue }
    if (cur == "") { if (pend == "" && index(line, "curl: (") == 1) pend = line; continue }
    if (incerts) {
      if (line == "@@ct:certs-end") incerts = 0
      else if (!((cur, "@iss") in v) && index(line, "Issuer:") == 1) v[cur, "@iss"] = substr(line, 8)
      continue
    }
    if (line == "@@ct:certs-begin") { incerts = 1; continue }
    if (index(line, "@@ct:") == 1) {
      k = substr(line, 6)
      p = index(k, "=")
      if (p > 1) {
        key = substr(k, 1, p - 1)
        val = substr(k, p + 1)
        if (index(val, "curl: unknown --write-out variable") == 1) val = ""
        if (!((cur, key) in v)) v[cur, key] = val
      }
      continue
    }
    if (!(cur in msg) && index(line, "curl: (") == 1) msg[cur] = line
  }
  close(file)
  if (single && pend != "" && last != "" && !(last in msg)) msg[last] = pend
}
# responses INDEX: the status lines and Locations of the header blocks curl saw (at most 44).
function responses(i,   f, line, nr, l, out) {
  f = D "/" i ".h"
  nr = 0
  split("", sl); split("", lo)
  while ((getline line < f) > 0) {
    sub(/\r$/, "", line)
    if (line ~ /^HTTP\/[0-9.]+ 1[0-9][0-9]/) continue
    if (line ~ /^HTTP\/[0-9.]+ [2-9][0-9][0-9]/) {
      nr++
      if (nr <= 44) { sl[nr] = line; lo[nr] = "" }
    } else if (nr >= 1 && nr <= 44 && lo[nr] == "" && tolower(substr(line, 1, 9)) == "location:") {
      l = substr(line, 10)
      sub(/^[ \t]+/, "", l)
      sub(/[ \t]+$/, "", l)
      lo[nr] = l
    }
  }
  close(f)
  out = ",\"responses\":["
  for (l = 1; l <= nr && l <= 44; l++) {
    out = out (l > 1 ? "," : "") "{\"status_line\":" esc(sl[l], 100) ",\"location\":" str(lo[l], 512) "}"
  }
  return out "],\"responses_total\":" nr
}
# addresses FILE: the distinct addresses getent printed (at most 16), as JSON strings.
function addresses(f,   line, a, out, n) {
  out = ""; n = 0
  split("", seen)
  while ((getline line < f) > 0) {
    split(line, a, " ")
    if (a[1] ~ /^[0-9A-Fa-f.:]+$/ && !(a[1] in seen) && n < 16) {
      seen[a[1]] = 1
      out = out (n++ > 0 ? "," : "") "\"" a[1] "\""
    }
  }
  close(f)
  return out
}
BEGIN {
  B = "@@ct:" nonce ":begin="
  E = "@@ct:" nonce ":end"
  n = 0
  while ((getline line < (D "/u")) > 0) url[n++] = line
  close(D "/u")
  while ((getline line < (D "/r")) > 0) { split(line, a, " "); rk[a[1]] = a[2] }
  close(D "/r")
  while ((getline line < (D "/bs")) > 0) { split(line, a, " "); bsz[a[1]] = a[2] }
  close(D "/bs")
  stream(D "/e", 0)
  nk = split("exitcode:i errormsg:s http_code:i http_connect:i http_version:s scheme:s method:s remote_ip:s remote_port:i local_ip:s url_effective:s num_redirects:i redirect_url:s num_connects:i ssl_verify_result:i proxy_ssl_verify_result:i content_type:s size_download:i size_header:i time_namelookup:d time_connect:d time_appconnect:d time_starttransfer:d time_redirect:d time_total:d num_certs:i", ks, " ")
  for (i = 0; i < n; i++) {
    stream(D "/" i ".e", 1)
    x = first(D "/" i ".rc")
    if (x == "") x = v[i, "exitcode"]
    printf "%s{\"index\":%d,\"url\":%s,\"exit\":%s", (i > 0 ? "," : ""), i, esc(url[i], 4096), num(x)
    if (i in rk) {
      k = rk[i]
      if (!(k in res)) res[k] = addresses(D "/g" k)
      printf ",\"resolved\":[%s],\"resolved_by\":\"getent ahosts\"", res[k]
    } else {
      printf ",\"resolved\":null,\"resolved_by\":null"
    }
    printf ",\"curl\":{"
    for (j = 1; j <= nk; j++) {
      split(ks[j], kt, ":")
      x = ((i, kt[1]) in v) ? v[i, kt[1]] : ""
      if (kt[2] == "i") o = inum(x)
      else if (kt[2] == "d") o = dec(x)
      else o = str(x, (kt[1] == "url_effective" || kt[1] == "redirect_url") ? 2048 : 512)
      printf "%s\"%s\":%s", (j > 1 ? "," : ""), kt[1], o
    }
    m = (i in msg) ? msg[i] : ""
    x = first(D "/" i ".rc")
    if (x == "") x = v[i, "exitcode"]
    if (m != "" && x ~ /^[0-9]+$/ && index(m, "curl: (" x ")") != 1) m = ""
    printf "},\"curl_stderr\":%s", str(m, 512)
    iss = ((i, "@iss") in v) ? v[i, "@iss"] : ""
    oiss = first(D "/" i ".i")
    if (index(oiss, "issuer=") == 1) { oiss = substr(oiss, 8); sub(/^ +/, "", oiss) } else oiss = ""
    if (iss != "") printf ",\"tls_issuer\":%s,\"tls_issuer_source\":\"curl-certinfo\"", esc(iss, 512)
    else if (oiss != "") printf ",\"tls_issuer\":%s,\"tls_issuer_source\":\"openssl-s_client\"", esc(oiss, 512)
    else printf ",\"tls_issuer\":null,\"tls_issuer_source\":null"
    printf "%s", responses(i)
    size = (i in bsz) ? bsz[i] + 0 : 0
    t = "false"
    if (size > maxbody) { t = "true"; size = maxbody }
    printf ",\"body_%s\":\"", (enc == "od" ? "hex" : "b64")
    if (size > 0) {
      f = D "/" i ".x"
      while ((getline line < f) > 0) { gsub(/[ \t\r]/, "", line); printf "%s", line }
      close(f)
    }
    printf "\",\"body_bytes\":%d,\"body_truncated\":%s}", size, t
  }
  if (!lk) { printf "],\"lookups_by\":null,\"lookups\":null"; exit 0 }
  printf "],\"lookups_by\":\"getent ahosts\",\"lookups\":["
  k = 0
  while ((getline name < (D "/n")) > 0) {
    f = D "/l" k
    canon = ""
    line = first(f ".g")
    split(line, a, " ")
    if (a[3] ~ /^[A-Za-z0-9._-]+$/ && length(a[3]) <= 253) canon = a[3]
    printf "%s{\"name\":%s,\"exit\":%s,\"canonical\":%s,\"addresses\":[%s]}", (k > 0 ? "," : ""), esc(name, 4096), num(first(f ".rc")), (canon == "" ? "null" : "\"" canon "\""), addresses(f ".g")
    k++
  }
  printf "]"
}
'

OPENSSL=""
if have openssl; then OPENSSL=$(command -v openssl); fi
GETENT=""
if have getent; then GETENT=$(command -v getent); fi
ENC=od
if have base64; then ENC=base64; elif [ -n "$OPENSSL" ]; then ENC=openssl; fi
NL='
'

CV=""
RUN=1
PAR=0
if have curl; then
  CV=$(curl --version 2>/dev/null)
  CV=${CV%%"$NL"*}
  V=${CV#curl }
  V=${V%% *}
  VMAJ=${V%%.*}
  VMIN=${V#*.}
  VMIN=${VMIN%%.*}
  case "$VMAJ$VMIN" in
    ''|*[!0-9]*) problem "cannot read curl's version from: $CV" ;;
    *) if [ "$VMAJ" -lt 7 ] || { [ "$VMAJ" -eq 7 ] && [ "$VMIN" -lt 63 ]; }; then
         problem "curl $V is too old (7.63 or later is needed to report what it saw)"
         RUN=0
       elif [ "$FETCHMODE" = auto ] && { [ "$VMAJ" -gt 7 ] || [ "$VMIN" -ge 75 ]; }; then
         PAR=1
       fi ;;
  esac
else
  problem "curl is not installed (command -v curl found nothing in $PATH)"
  RUN=0
fi
if [ "$RUN" = 1 ] && ! have awk; then problem "awk is not installed"; RUN=0; fi
# Each file curl writes is capped at MAXBODY+1 bytes, and at least 64 KiB (response headers
# share the cap), in blocks of 512 bytes (or more, as some shells count).
CAP=$((MAXBODY + 1))
if [ "$CAP" -lt 65536 ]; then CAP=65536; fi
FBLOCKS=$((CAP / 512 + 1))
if [ "$RUN" = 1 ] && ! (ulimit -f "$FBLOCKS") >/dev/null 2>&1; then
  problem "this shell cannot limit the size of the files curl writes (ulimit -f)"
  RUN=0
fi
if [ "$RUN" = 1 ]; then
  TD=${TMPDIR:-/tmp}
  case "$TD" in /*) ;; *) TD=/tmp ;; esac
  case "$TD" in *[!A-Za-z0-9/._-]*) TD=/tmp ;; esac
  D=$(mktemp -d "$TD/caretaker-filter.XXXXXX" 2>/dev/null)
  case "$D" in *[!A-Za-z0-9/._-]*) rm -rf "$D"; D="" ;; esac
  if [ -z "$D" ] || [ ! -d "$D" ]; then
    problem "cannot create a private temporary directory (mktemp -d in $TD)"
    D=""
    RUN=0
  else
    chmod 700 "$D"
  fi
fi
NONCE=""
if [ "$RUN" = 1 ]; then
  for w in $(od -An -N8 -tx1 /dev/urandom 2>/dev/null); do NONCE="$NONCE$w"; done
  case "$NONCE" in ''|*[!0-9a-f]*) NONCE="p$$" ;; esac
fi
if [ "$CONC" -gt "$#" ]; then CONC=$#; fi
if [ "$CONC" -lt 1 ]; then CONC=1; fi
STARTED=$(date +%s)
if [ "$RUN" = 1 ]; then
  if [ "$#" -gt 0 ]; then printf '%s\n' "$@"; fi >"$D/u"
  if [ -z "$PROXY" ] && [ -n "$GETENT" ]; then resolve_all "$@"; fi
  if [ "$#" -gt 0 ] && [ "$PAR" = 1 ]; then
    fetch_all "$@"
  else
    W=0
    while [ "$W" -lt "$CONC" ]; do
      worker "$W" "$@" &
      W=$((W + 1))
    done
    wait
    cat "$D"/*.t60 >"$D/t60" 2>/dev/null
  fi
  if [ -n "$OPENSSL" ] && [ -z "$PROXYCFG" ] && [ -s "$D/t60" ]; then
    # The certificates curl refused, CONC at a time.
    n=0
    while read -r i u; do
      case "$i" in ''|*[!0-9]*) continue ;; esac
      issuer_of "$D/$i" "$u" &
      n=$((n + 1))
      if [ "$n" -ge "$CONC" ]; then wait; n=0; fi
    done <"$D/t60"
    wait
  fi
  # The names, all at once (at most 64, each bounded by CONNTIME), with the machine's resolver.
  if [ -n "$LOOKUPS" ] && [ -n "$GETENT" ]; then lookup_all; fi
  encode_bodies
fi
if [ -n "$LOOKUPS" ] && [ -z "$GETENT" ]; then
  problem "getent is not installed (command -v getent found nothing in $PATH): names cannot be looked up here"
fi

printf '{"probe":"caretaker-filter/1","curl_version":%s,"proxy":%s,"max_body_bytes":%s' \
  "$(jn "$CV")" "$(jn "$PROXY")" "$(num "$MAXBODY")"
printf ',"max_redirects":%s,"timeout_secs":%s,"concurrency":%s,"started_at":%s,"finished_at":%s' \
  "$(num "$MAXREDIRS")" "$(num "$MAXTIME")" "$(num "$CONC")" "$(num "$STARTED")" "$(num "$(date +%s)")"
printf ',"body_encoding":"%s","results":[' "$ENC"
if [ "$RUN" = 1 ]; then
  # The results and lookups: one awk for everything (filter-facts.awk, below).
  LK=0
  if [ -n "$GETENT" ]; then LK=1; fi
  awk -v D="$D" -v nonce="$NONCE" -v maxbody="$MAXBODY" -v enc="$ENC" -v lk="$LK" "$FACTS_AWK" </dev/null
else
  printf '],"lookups_by":null,"lookups":null'
fi
printf ',"problems":[%s]}\n' "$PROBLEMS"
exit 0
} </dev/null
