# The sample school's mail server: aiosmtpd (Debian's python3-aiosmtpd) with STARTTLS required
# and, when a login is given, SMTP AUTH required after STARTTLS. Every message is delivered into a
# maildir. Written into the lab folder and run by caretaker-lab; stops on SIGTERM.
#
#   python3 mail_server.py MAILDIR PORT CERT KEY [USER PASSWORD_FILE]
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

maildir, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
login = None
if len(sys.argv) == 7:
    with open(sys.argv[6], encoding="utf-8") as f:
        login = (sys.argv[5], f.read().strip())

tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(cert, key)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        login is not None
        and isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == login[0]
        and auth_data.password.decode() == login[1]
    )
    print(f"AUTH {mechanism} {'accepted' if ok else 'refused'}", flush=True)
    return AuthResult(success=ok, handled=False)


controller = Controller(
    Mailbox(maildir),
    hostname="127.0.0.1",
    port=port,
    tls_context=tls,
    require_starttls=True,
    authenticator=authenticator if login else None,
    auth_required=login is not None,
    auth_require_tls=True,
)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
controller.start()
print(f"listening on 127.0.0.1:{port}, STARTTLS required, login {'required' if login else 'not asked'}", flush=True)
stop.wait()
controller.stop()
