#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target (fuzz/corpus/<target>/seed-*) from the recorded
fixtures under checks/fixtures/, in each target's input format (see fuzz/src/lib.rs), plus the few
hand-made seeds listed in fuzz/README.md. Run from anywhere; it rewrites only seed-* files.

    python3 fuzz/seeds.py
"""

import base64
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "checks" / "fixtures"
CORPUS = ROOT / "fuzz" / "corpus"


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}").write_bytes(data)


def host():
    # host_probe: the probes' recorded (and documented hand-written) outputs, as they are.
    for f in sorted((FIX / "host").glob("*.json")):
        write("host_probe", f.stem, f.read_bytes())
    # host_lines: the lines inside those outputs, one file per output.
    for f in sorted((FIX / "host").glob("*.json")):
        doc = json.loads(f.read_text())
        lines = []
        sl = doc.get("screen_lock") or {}
        for key, value in sl.items():
            if isinstance(value, list):
                lines += [f"{key}\t{v}" for v in value]
            elif key == "graphical":
                lines.append(f"graphical\t{str(value).lower()}")
        clam = doc.get("clamav") or {}
        if clam.get("daily_header"):
            lines.append(clam["daily_header"])
        lines += doc.get("softwareupdate_history") or []
        if isinstance(doc.get("mount_controls"), str):
            lines.append(doc["mount_controls"])
        for p in doc.get("av_products") or []:
            lines += p.get("health") or []
        if lines:
            write("host_lines", f.stem, "\n".join(lines) + "\n")
    write("host_lines", "mdatp-health", (FIX / "host" / "mdatp-health.txt").read_bytes())


def directory():
    ldifs = sorted(FIX.glob("*.ldif")) + sorted((FIX / "servers" / "openldap").glob("*.ldif"))
    for f in ldifs:
        write("ldif", f.stem, f.read_bytes())
    # directory_values: every attribute value of the recordings that a value reader reads, and
    # every DN, one per line (base64 values decoded: objectSid arrives as bytes).
    wanted = re.compile(
        r"^(dn|whencreated|lastlogontimestamp|maxpwdage|lockoutduration|useraccountcontrol|"
        r"objectsid|pwdlastsuccess|authtimestamp|createtimestamp|pwdaccountlockedtime|"
        r"msds-maximumpasswordage|msds-lockoutduration|pwdmaxage|memberof|member|uniquemember)"
        r"(::?) ?(.*)$",
        re.I,
    )
    for f in ldifs:
        values = []
        for line in f.read_bytes().split(b"\n"):
            m = wanted.match(line.decode("utf-8", "replace"))
            if not m:
                continue
            if m.group(2) == "::":
                try:
                    values.append(base64.b64decode(m.group(3)))
                except ValueError:
                    continue
            else:
                values.append(m.group(3).encode())
        if values:
            write("directory_values", f.stem, b"\n".join(values) + b"\n")


def filter_fixtures():
    docs = sorted((FIX / "filter").glob("*.json"))
    for f in docs:
        write("curl_report", f.stem, f.read_bytes())
    for f in docs:
        doc = json.loads(f.read_text())
        for r in doc.get("results") or []:
            name = f"{f.stem}-{r.get('index')}"
            tool = r.get("curl") or r.get("iwr") or {}
            responses = r.get("responses") or []
            # curl_headers: the URL, then every response head's status line and Location.
            head = [f"{r['url']}\t{tool.get('num_redirects', '')}"]
            for resp in responses:
                loc = resp.get("location")
                head.append(resp["status_line"] + (f"\t{loc}" if loc else ""))
            if responses:
                write("curl_headers", name, "\n".join(head))
            # classify: the page as a response, with what else the fetch recorded.
            body = b""
            if r.get("body_b64"):
                body = base64.b64decode(r["body_b64"])
            elif r.get("body_hex"):
                body = bytes.fromhex("".join(r["body_hex"].split()))
            status = responses[-1]["status_line"] if responses else "HTTP/1.1 000 None"
            lines = [status]
            lines += [f"Location: {x['location']}" for x in responses if x.get("location")]
            if r.get("tls_issuer"):
                lines.append(f"X-Tls-Issuer: {r['tls_issuer']}")
            for a in r.get("resolved") or []:
                lines.append(f"X-Address: {a}")
            if doc.get("proxy"):
                lines.append(f"X-Proxy: {doc['proxy']}")
            if r.get("body_truncated"):
                lines.append("X-Truncated: true")
            if not responses:
                lines.append("X-Outcome: connect-refused")
            write("classify", name, ("\n".join(lines) + "\n\n").encode() + body)
    # http_connect: a chunking byte, a body-cap byte (4: 2048 bytes), then a proxy's answer. The
    # pages are Squid's, as recorded in proxy.json and proxy-auth-wrong.json.
    pages = {}
    for stem, index in [("proxy", 1), ("proxy-auth-wrong", 0)]:
        doc = json.loads((FIX / "filter" / f"{stem}.json").read_text())
        r = doc["results"][index]
        pages[r["responses"][-1]["status_line"]] = base64.b64decode(r.get("body_b64") or "")
    for i, (status, page) in enumerate(pages.items()):
        answer = (
            f"{status}\r\nServer: squid/5.7\r\nContent-Type: text/html;charset=utf-8\r\n"
            f"Content-Length: {len(page)}\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\n"
            "Connection: keep-alive\r\n\r\n"
        ).encode() + page
        write("http_connect", f"refused-{i}", bytes([0, 4]) + answer)
        write("http_connect", f"refused-{i}-small-reads", bytes([3, 2]) + answer)
    write(
        "http_connect",
        "established",
        bytes([0, 4]) + b"HTTP/1.1 200 Connection established\r\n\r\n",
    )
    # cert_issuer: the repository's certificate, as DER.
    for f in sorted(FIX.glob("**/*.pem")):
        text = f.read_text()
        for n, m in enumerate(
            re.finditer(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
        ):
            write("cert_issuer", f"{f.stem}-{n}", base64.b64decode("".join(m.group(1).split())))


def hand_made():
    # Screen lockers the recordings do not hold (KDE Plasma, xscreensaver, MATE, Cinnamon), in
    # the layout of the Linux probe's `ini` helper and grep output.
    write(
        "host_lines",
        "hand-lockers",
        "\n".join(
            [
                "present\tplasmashell",
                "present\txscreensaver",
                "present\tmate-session",
                "present\tcinnamon",
                "present\tlightdm",
                "graphical\ttrue",
                "kscreenlocker\t/etc/xdg/kscreenlockerrc|[Daemon][$i]|Autolock=true",
                "kscreenlocker\t/etc/xdg/kscreenlockerrc|[Daemon]|Timeout[$i]=10",
                "autostart\t/etc/xdg/autostart/xscreensaver.desktop|[Desktop Entry]|Exec=xscreensaver -no-splash",
                "xscreensaver\t/etc/X11/app-defaults/XScreenSaver:*timeout:\t0:10:00",
                "xscreensaver\t/etc/X11/app-defaults/XScreenSaver:*lock:\tTrue",
                "xscreensaver\t/etc/X11/app-defaults/XScreenSaver:*lockTimeout:\t0:01:00",
                "dconf_profile\tsystem-db:local",
                "dconf_dbs\tlocal|20|10",
                "dconf_keys\t/etc/dconf/db/local.d/00|[org/mate/session]|idle-delay=5",
                "dconf_keys\t/etc/dconf/db/local.d/00|[org/cinnamon/desktop/session]|idle-delay=uint32 300",
                "xset\t/etc/X11/Xsession.d/90x:xset s 300",
                "autologin\t/etc/sddm.conf|[Autologin]|User=",
                "SSH-2.0-OpenSSH_for_Windows_8.1",
                "Windows Server 2022 Standard",
            ]
        )
        + "\n",
    )


host()
directory()
filter_fixtures()
hand_made()
