#!/bin/sh
# caretaker-filter/1: fetches each test URL with curl ON THIS MACHINE and prints ONE JSON document of
# raw facts on stdout (what curl saw); caretaker judges them, never this script.
#
# Read-only: the only thing written is a private temporary directory (mktemp -d, mode 0700) that a
# trap removes on exit. No -k, ever: an untrusted certificate is a fact to report, not to skip. The
# proxy password never appears on a command line: curl reads it (and the URL) from its standard
# input (-K -), fed by the shell's built-in printf. ~/.curlrc and the *_proxy environment are
# ignored so that the machine's own settings do not change the test. Needs POSIX sh, curl 7.63 or
# later, awk, head -c, mktemp; base64 (or openssl, or od) for bodies; openssl (optional) to name the
# issuer of a certificate curl refused; getent (optional) to say what each name resolves to here
# when there is no proxy (so that a DNS sinkhole's address is seen even when its connection is
# refused), and to look up the names asked for (LOOKUPS: the machine's own answer, as its browsers and
# apps get it). Every list and string is capped.
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
set --
# @@CARETAKER-REQUEST@@
{
PROBLEMS=""
D=""

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
cleanup() { if [ -n "$D" ]; then rm -rf "$D"; fi; }
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# What curl reports after each fetch, one "@@ct:name=value" line each (to curl's stderr, which also
# gets curl's own "curl: (N) message" line), then the certificate chain it saw (curl 7.88+).
WFMT='%{stderr}@@ct:exitcode=%{exitcode}\n@@ct:errormsg=%{errormsg}\n@@ct:http_code=%{http_code}\n@@ct:http_connect=%{http_connect}\n@@ct:http_version=%{http_version}\n@@ct:scheme=%{scheme}\n@@ct:method=%{method}\n@@ct:remote_ip=%{remote_ip}\n@@ct:remote_port=%{remote_port}\n@@ct:local_ip=%{local_ip}\n@@ct:url_effective=%{url_effective}\n@@ct:num_redirects=%{num_redirects}\n@@ct:redirect_url=%{redirect_url}\n@@ct:num_connects=%{num_connects}\n@@ct:ssl_verify_result=%{ssl_verify_result}\n@@ct:proxy_ssl_verify_result=%{proxy_ssl_verify_result}\n@@ct:content_type=%{content_type}\n@@ct:size_download=%{size_download}\n@@ct:size_header=%{size_header}\n@@ct:time_namelookup=%{time_namelookup}\n@@ct:time_connect=%{time_connect}\n@@ct:time_appconnect=%{time_appconnect}\n@@ct:time_starttransfer=%{time_starttransfer}\n@@ct:time_redirect=%{time_redirect}\n@@ct:time_total=%{time_total}\n@@ct:num_certs=%{num_certs}\n@@ct:certs-begin\n%{certs}\n@@ct:certs-end\n'

# fetch INDEX URL: one curl run; the body (at most MAXBODY+1 bytes) to $D/INDEX.b, what curl
# reported to $D/INDEX.e, response headers to $D/INDEX.h, curl's exit status to $D/INDEX.rc.
# The URL and any proxy-user line reach curl on its standard input (-K -); -q skips ~/.curlrc;
# -g keeps [ ] { } in URLs literal (no globbing). Proxy credentials are sent as Basic, up front:
# --proxy-anyauth would spend one of the allowed redirects on its 407 round trip.
fetch() {
  b="$D/$1"
  : >"$b.e"; : >"$b.h"; : >"$b.i"
  if [ -z "$PROXY" ] && [ -n "$GETENT" ]; then resolve "$b" "$2"; fi
  {
    {
      printf 'url = "%s"\n' "$2"
      if [ -n "$PROXYCFG" ]; then printf '%s\n' "$PROXYCFG"; fi
    } | if [ -n "$PROXY" ]; then
      curl -q -K - -g -s -S -L --max-redirs "$MAXREDIRS" --max-time "$MAXTIME" \
        --connect-timeout "$CONNTIME" --proto =http,https --proto-redir =http,https \
        --proxy "$PROXY" -D "$b.h" -o - -w "$WFMT" 2>"$b.e"
    else
      curl -q -K - -g -s -S -L --max-redirs "$MAXREDIRS" --max-time "$MAXTIME" \
        --connect-timeout "$CONNTIME" --proto =http,https --proto-redir =http,https \
        --noproxy '*' -D "$b.h" -o - -w "$WFMT" 2>"$b.e"
    fi
    echo "$?" >"$b.rc"
  } | head -c "$((MAXBODY + 1))" >"$b.b"
  # curl does not show a certificate it refused: ask openssl for its issuer (not with proxy
  # credentials, which openssl would need on its command line).
  if [ "$(cat "$b.rc")" = 60 ] && [ -n "$OPENSSL" ] && [ -z "$PROXYCFG" ]; then
    issuer_of "$b" "$(sed -n 's/^@@ct:url_effective=//p' "$b.e" | head -n 1)"
  fi
}

# issuer_of BASE URL: the issuer of the certificate the HTTPS site of URL presents (via the proxy,
# if any), as "issuer=..." in BASE.i. Bounded by MAXTIME.
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
  (sleep "$MAXTIME"; kill "$sp") >/dev/null 2>&1 </dev/null &
  wp=$!
  wait "$sp"
  kill "$wp" >/dev/null 2>&1
  "$OPENSSL" x509 -noout -issuer <"$ib.s" 2>/dev/null | head -n 1 >"$ib.i"
}

# resolve BASE URL: the addresses the host name of URL resolves to on this machine (getent ahosts:
# the machine's own resolver, as curl uses it), one a line in BASE.a; nothing for an address
# typed in. Bounded by CONNTIME.
resolve() {
  hp=${2#*://}; hp=${hp%%/*}; hp=${hp%%\?*}; hp=${hp%%#*}; hp=${hp##*@}
  case "$hp" in \[*) return 0 ;; esac
  host=${hp%%:*}
  case "$host" in ''|-*|*[!A-Za-z0-9._-]*) return 0 ;; esac
  case "$host" in *[!0-9.]*) ;; *) return 0 ;; esac
  rb=$1
  "$GETENT" ahosts "$host" </dev/null >"$rb.g" 2>/dev/null &
  gp=$!
  (sleep "$CONNTIME"; kill "$gp") >/dev/null 2>&1 </dev/null &
  wp=$!
  wait "$gp"
  kill "$wp" >/dev/null 2>&1
  awk '$1 ~ /^[0-9A-Fa-f.:]+$/ && !seen[$1]++ { print $1 }' "$rb.g" | head -n 16 >"$rb.a"
}

# lookup INDEX NAME: getent ahosts NAME (the machine's own resolver), bounded by CONNTIME; what it
# printed to $D/lINDEX.g, its exit status to $D/lINDEX.rc (143 or 137: stopped at the limit).
lookup() {
  lb="$D/l$1"
  "$GETENT" ahosts "$2" </dev/null >"$lb.g" 2>/dev/null &
  gp=$!
  (sleep "$CONNTIME"; kill "$gp") >/dev/null 2>&1 </dev/null &
  wp=$!
  wait "$gp"
  echo "$?" >"$lb.rc"
  kill "$wp" >/dev/null 2>&1
}

# lookup_facts INDEX NAME: one entry of "lookups": the name, getent's exit status, the canonical
# name (the first line's third field: where the CNAMEs led) and at most 16 distinct addresses.
lookup_facts() {
  lb="$D/l$1"
  for f in g rc; do if [ ! -f "$lb.$f" ]; then : >"$lb.$f"; fi; done
  printf '{"name":%s,"exit":%s,"canonical":' "$(j "$2")" "$(num "$(head -n 1 "$lb.rc")")"
  awk '
    NR == 1 && NF >= 3 && $3 ~ /^[A-Za-z0-9._-]+$/ && length($3) <= 253 { canon = $3 }
    $1 ~ /^[0-9A-Fa-f.:]+$/ && length($1) <= 45 && !seen[$1]++ && n < 16 { a[n++] = $1 }
    END {
      printf "%s,\"addresses\":[", (canon == "" ? "null" : "\"" canon "\"")
      for (i = 0; i < n; i++) printf "%s\"%s\"", (i > 0 ? "," : ""), a[i]
      printf "]}"
    }
  ' "$lb.g"
}

# worker W URL...: fetches every URL whose 0-based position is W modulo CONC.
worker() {
  w=$1
  shift
  n=0
  for u in "$@"; do
    if [ "$((n % CONC))" -eq "$w" ]; then fetch "$n" "$u"; fi
    n=$((n + 1))
  done
}

# facts INDEX: the "curl" object and the rest of one result, from the files fetch wrote.
facts() {
  b="$D/$1"
  for f in e h i; do if [ ! -f "$b.$f" ]; then : >"$b.$f"; fi; done
  if [ -f "$b.a" ]; then
    printf ',"resolved":['
    awk '{ printf "%s\"%s\"", (NR > 1 ? "," : ""), $1 }' "$b.a"
    printf '],"resolved_by":"getent ahosts"'
  else
    printf ',"resolved":null,"resolved_by":null'
  fi
  awk -v ef="$b.e" -v hf="$b.h" -v isf="$b.i" '
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
    FILENAME == ef {
      if (incerts) {
        if ($0 == "@@ct:certs-end") { incerts = 0; next }
        if (iss == "" && index($0, "Issuer:") == 1) iss = substr($0, 8)
        next
      }
      if ($0 == "@@ct:certs-begin") { incerts = 1; next }
      if (index($0, "@@ct:") == 1) {
        k = substr($0, 6)
        p = index(k, "=")
        if (p > 1) {
          key = substr(k, 1, p - 1)
          val = substr(k, p + 1)
          if (index(val, "curl: unknown --write-out variable") == 1) val = ""
          if (!(key in v)) v[key] = val
        }
        next
      }
      if (msg == "" && index($0, "curl: (") == 1) msg = $0
      next
    }
    FILENAME == hf {
      sub(/\r$/, "")
      if ($0 ~ /^HTTP\/[0-9.]+ 1[0-9][0-9]/) {
        next
      } else if ($0 ~ /^HTTP\/[0-9.]+ [2-9][0-9][0-9]/) {
        nr++
        if (nr <= 44) { sl[nr] = $0; lo[nr] = "" }
      } else if (nr >= 1 && nr <= 44 && lo[nr] == "" && tolower(substr($0, 1, 9)) == "location:") {
        l = substr($0, 10)
        sub(/^[ \t]+/, "", l)
        sub(/[ \t]+$/, "", l)
        lo[nr] = l
      }
      next
    }
    FILENAME == isf {
      if (oiss == "" && index($0, "issuer=") == 1) { oiss = substr($0, 8); sub(/^ +/, "", oiss) }
      next
    }
    END {
      n = split("exitcode:i errormsg:s http_code:i http_connect:i http_version:s scheme:s method:s remote_ip:s remote_port:i local_ip:s url_effective:s num_redirects:i redirect_url:s num_connects:i ssl_verify_result:i proxy_ssl_verify_result:i content_type:s size_download:i size_header:i time_namelookup:d time_connect:d time_appconnect:d time_starttransfer:d time_redirect:d time_total:d num_certs:i", ks, " ")
      printf ",\"curl\":{"
      for (i = 1; i <= n; i++) {
        split(ks[i], kt, ":")
        x = (kt[1] in v) ? v[kt[1]] : ""
        if (kt[2] == "i") o = inum(x)
        else if (kt[2] == "d") o = dec(x)
        else o = str(x, (kt[1] == "url_effective" || kt[1] == "redirect_url") ? 2048 : 512)
        printf "%s\"%s\":%s", (i > 1 ? "," : ""), kt[1], o
      }
      printf "},\"curl_stderr\":%s", str(msg, 512)
      if (iss != "") printf ",\"tls_issuer\":%s,\"tls_issuer_source\":\"curl-certinfo\"", esc(iss, 512)
      else if (oiss != "") printf ",\"tls_issuer\":%s,\"tls_issuer_source\":\"openssl-s_client\"", esc(oiss, 512)
      else printf ",\"tls_issuer\":null,\"tls_issuer_source\":null"
      printf ",\"responses\":["
      for (i = 1; i <= nr && i <= 44; i++) {
        printf "%s{\"status_line\":%s,\"location\":%s}", (i > 1 ? "," : ""), esc(sl[i], 100), str(lo[i], 512)
      }
      printf "],\"responses_total\":%d", nr
    }
  ' "$b.e" "$b.h" "$b.i"
}

# body FILE: the first MAXBODY bytes of FILE, encoded with $ENC (base64, or hex from od), on one line.
body() {
  case "$ENC" in
    base64) head -c "$MAXBODY" "$1" | base64 | tr -d '\n\r ' ;;
    openssl) head -c "$MAXBODY" "$1" | "$OPENSSL" base64 -A ;;
    *) head -c "$MAXBODY" "$1" | od -An -v -tx1 | tr -d ' \n\r\t' ;;
  esac
}

OPENSSL=""
if have openssl; then OPENSSL=$(command -v openssl); fi
GETENT=""
if have getent; then GETENT=$(command -v getent); fi
ENC=od
if have base64; then ENC=base64; elif [ -n "$OPENSSL" ]; then ENC=openssl; fi

CV=""
RUN=1
if have curl; then
  CV=$(curl --version 2>/dev/null | head -n 1)
  V=$(printf '%s' "$CV" | awk '{print $2}')
  VMAJ=${V%%.*}
  VMIN=${V#*.}
  VMIN=${VMIN%%.*}
  case "$VMAJ$VMIN" in
    ''|*[!0-9]*) problem "cannot read curl's version from: $CV" ;;
    *) if [ "$VMAJ" -lt 7 ] || { [ "$VMAJ" -eq 7 ] && [ "$VMIN" -lt 63 ]; }; then
         problem "curl $V is too old (7.63 or later is needed to report what it saw)"
         RUN=0
       fi ;;
  esac
else
  problem "curl is not installed (command -v curl found nothing in $PATH)"
  RUN=0
fi
if [ "$RUN" = 1 ] && ! have awk; then problem "awk is not installed"; RUN=0; fi
if [ "$RUN" = 1 ]; then
  D=$(mktemp -d "${TMPDIR:-/tmp}/caretaker-filter.XXXXXX" 2>/dev/null)
  if [ -z "$D" ] || [ ! -d "$D" ]; then
    problem "cannot create a private temporary directory (mktemp -d in ${TMPDIR:-/tmp})"
    D=""
    RUN=0
  else
    chmod 700 "$D"
  fi
fi
if [ "$CONC" -gt "$#" ]; then CONC=$#; fi
if [ "$CONC" -lt 1 ]; then CONC=1; fi
STARTED=$(date +%s)
if [ "$RUN" = 1 ]; then
  W=0
  while [ "$W" -lt "$CONC" ]; do
    worker "$W" "$@" &
    W=$((W + 1))
  done
  wait
  # The names, all at once (at most 64, each bounded by CONNTIME), with the machine's resolver.
  if [ -n "$LOOKUPS" ] && [ -n "$GETENT" ]; then
    i=0
    for nm in $LOOKUPS; do
      lookup "$i" "$nm" &
      i=$((i + 1))
    done
    wait
  fi
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
  n=0
  for u in "$@"; do
    b="$D/$n"
    if [ "$n" -gt 0 ]; then printf ','; fi
    printf '{"index":%s,"url":%s,"exit":%s' "$n" "$(j "$u")" "$(num "$(cat "$b.rc" 2>/dev/null)")"
    facts "$n"
    if [ -f "$b.b" ]; then
      size=$(wc -c <"$b.b" | tr -d ' ')
      case "$size" in ''|*[!0-9]*) size=0 ;; esac
      if [ "$size" -gt "$MAXBODY" ]; then t=true; size=$MAXBODY; else t=false; fi
      if [ "$ENC" = od ]; then printf ',"body_hex":"'; else printf ',"body_b64":"'; fi
      body "$b.b"
      printf '","body_bytes":%s,"body_truncated":%s}' "$size" "$t"
    else
      printf ',"body_b64":"","body_bytes":0,"body_truncated":false}'
    fi
    n=$((n + 1))
  done
fi
printf ']'
# What each name resolved to here: null when nothing could be looked up.
if [ "$RUN" = 1 ] && [ -n "$GETENT" ]; then
  printf ',"lookups_by":"getent ahosts","lookups":['
  i=0
  for nm in $LOOKUPS; do
    if [ "$i" -gt 0 ]; then printf ','; fi
    lookup_facts "$i" "$nm"
    i=$((i + 1))
  done
  printf ']'
else
  printf ',"lookups_by":null,"lookups":null'
fi
printf ',"problems":[%s]}\n' "$PROBLEMS"
exit 0
} </dev/null
