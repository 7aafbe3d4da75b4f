//! [`Remote`]: the API as a running daemon answers it, over its socket ([`crate::wire`]).
//!
//! Blocking, on std's Unix sockets: every call has a deadline for each line it waits for (the
//! daemon says it is alive while it works), so a daemon that hangs is an error, not a hang.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use caretaker_model::filterlog::{CellResult, FilterCheck};
use caretaker_model::records::{
    Attestation, ChainReport, RiskAssessment, SiteLogEntry, StoredRecord, Verification, Waiver,
};
use caretaker_model::run::{RunRecord, Sightings};
use caretaker_model::Finding;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot};

use crate::wire::{Call, Change, Reply, Request, CLIENT_PATIENCE, MAX_REPLY, PROTOCOL};
use crate::{
    Api, ApiError, AuditEvent, AuditHandle, AuditScope, Catalogue, ChangeLog, FilterLogSpan,
    HostKeyOffer, Inventory, KeyPrint, Overview, RunAlerts, SettingProblem, Trigger,
};

/// A client of the daemon listening on `socket`.
#[derive(Debug, Clone)]
pub struct Remote {
    socket: PathBuf,
    catalogue: Catalogue,
    sudo_user: Option<String>,
}

/// Whether a daemon listens on a socket.
#[derive(Debug)]
pub enum Reach {
    /// It answers.
    Listening(Remote),
    /// Nothing listens there (no socket file, or a socket left by a daemon that has gone).
    Nobody,
}

fn unreachable(socket: &Path, e: &std::io::Error) -> ApiError {
    ApiError::Daemon(format!(
        "cannot reach the caretaker daemon at {}: {e}",
        socket.display()
    ))
}

impl Remote {
    /// The daemon on `socket`, if one listens there. `catalogue` is this program's own (the
    /// checks it knows). Root run under sudo says who invoked it (`SUDO_USER`).
    pub fn reach(socket: &Path, catalogue: Catalogue) -> Result<Reach, ApiError> {
        use std::io::ErrorKind;
        match UnixStream::connect(socket) {
            Ok(_) => Ok(Reach::Listening(Remote {
                socket: socket.to_path_buf(),
                catalogue,
                sudo_user: sudo_user(),
            })),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
                Ok(Reach::Nobody)
            }
            Err(e) => Err(unreachable(socket, &e)),
        }
    }

    /// The configuration the daemon works with, as a front end needs it.
    pub fn context(&self) -> Result<crate::Context, ApiError> {
        self.call(Call::Context)
    }

    /// The socket it talks to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Sends `call` on a new connection; the connection, ready to read the answer.
    fn send(&self, call: Call) -> Result<BufReader<UnixStream>, ApiError> {
        let mut stream =
            UnixStream::connect(&self.socket).map_err(|e| unreachable(&self.socket, &e))?;
        let io = |e: std::io::Error| unreachable(&self.socket, &e);
        stream.set_read_timeout(Some(CLIENT_PATIENCE)).map_err(io)?;
        stream
            .set_write_timeout(Some(CLIENT_PATIENCE))
            .map_err(io)?;
        let mut line = serde_json::to_vec(&Request {
            protocol: PROTOCOL,
            call,
            sudo_user: self.sudo_user.clone(),
        })
        .map_err(|e| ApiError::Daemon(format!("cannot write the request: {e}")))?;
        line.push(b'\n');
        stream.write_all(&line).map_err(io)?;
        Ok(BufReader::new(stream))
    }

    /// One call with one answer of type `T`.
    fn call<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
        let name = call.name();
        let mut reader = self.send(call)?;
        loop {
            match next_reply(&mut reader, &self.socket)? {
                None => {
                    return Err(ApiError::Daemon(format!(
                        "the caretaker daemon closed the connection without answering `{name}`"
                    )))
                }
                Some(Reply::Alive) => continue,
                Some(Reply::Ok(v)) => {
                    return serde_json::from_value(v).map_err(|e| {
                        ApiError::Daemon(format!(
                            "the caretaker daemon's answer to `{name}` does not read: {e} (is it another version? restart it)"
                        ))
                    })
                }
                Some(Reply::Err(e)) => return Err(e),
                Some(other) => {
                    return Err(ApiError::Daemon(format!(
                        "the caretaker daemon answered `{name}` with {other:?}"
                    )))
                }
            }
        }
    }
}

/// Who invoked `sudo`, when this runs as root under it.
fn sudo_user() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return None;
    }
    std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty())
}

/// The next line of an answer: `None` at the end of the connection.
fn next_reply(
    reader: &mut BufReader<UnixStream>,
    socket: &Path,
) -> Result<Option<Reply>, ApiError> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_REPLY as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => ApiError::Daemon(
                format!(
                    "the caretaker daemon at {} said nothing for {} s; see its log (journalctl -u caretaker)",
                    socket.display(),
                    CLIENT_PATIENCE.as_secs()
                ),
            ),
            _ => unreachable(socket, &e),
        })?;
    if n == 0 {
        return Ok(None);
    }
    if line.len() > MAX_REPLY {
        return Err(ApiError::Daemon(format!(
            "the caretaker daemon's answer is longer than {MAX_REPLY} bytes"
        )));
    }
    serde_json::from_slice(&line).map(Some).map_err(|e| {
        ApiError::Daemon(format!(
            "the caretaker daemon's answer does not read: {e} (is it another version? restart it)"
        ))
    })
}

impl Api for Remote {
    fn catalogue(&self) -> Catalogue {
        self.catalogue.clone()
    }

    fn setting_problems(&self) -> Vec<SettingProblem> {
        match self.call(Call::SettingProblems) {
            Ok(p) => p,
            Err(e) => vec![SettingProblem {
                setting: "the caretaker daemon".to_string(),
                reason: e.to_string(),
            }],
        }
    }

    fn machines(&self) -> Result<Inventory, ApiError> {
        self.call(Call::Machines)
    }

    fn host_key(&self, machine: &str) -> Result<HostKeyOffer, ApiError> {
        self.call(Call::HostKey {
            machine: machine.to_string(),
        })
    }

    fn trust_host_key(&self, machine: &str, fingerprint: &str) -> Result<Vec<KeyPrint>, ApiError> {
        self.call(Call::TrustHostKey {
            machine: machine.to_string(),
            fingerprint: fingerprint.to_string(),
        })
    }

    fn add_filter_action(&self, run: i64, vantage: &str, action: &str) -> Result<(), ApiError> {
        self.call(Call::AddFilterAction {
            run,
            vantage: vantage.to_string(),
            action: action.to_string(),
        })
    }

    fn overview(&self) -> Result<Overview, ApiError> {
        self.call(Call::Overview)
    }

    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, ApiError> {
        self.call(Call::Runs { limit })
    }

    fn timetable_runs(&self) -> Result<Vec<RunRecord>, ApiError> {
        self.call(Call::TimetableRuns)
    }

    fn report(
        &self,
        period: caretaker_model::leadership::Period,
    ) -> Result<caretaker_model::leadership::LeadershipReport, ApiError> {
        self.call(Call::Report { period })
    }

    fn status(&self) -> Result<crate::Status, ApiError> {
        self.call(Call::Status)
    }

    fn run(&self, id: Option<i64>) -> Result<RunRecord, ApiError> {
        self.call(Call::Run { id })
    }

    fn findings(&self, run: i64) -> Result<Vec<Finding>, ApiError> {
        self.call(Call::Findings { run })
    }

    fn latest_finding(&self, fingerprint: &str) -> Result<Option<(i64, Finding)>, ApiError> {
        self.call(Call::LatestFinding {
            fingerprint: fingerprint.to_string(),
        })
    }

    fn seen(&self, finding: &Finding) -> Result<Option<Sightings>, ApiError> {
        self.call(Call::Seen {
            finding: Box::new(finding.clone()),
        })
    }

    fn filter_log(&self, span: FilterLogSpan) -> Result<Vec<FilterCheck>, ApiError> {
        self.call(Call::FilterLog { span })
    }

    fn filter_history(
        &self,
        url: &str,
        vantage: &str,
        runs: usize,
    ) -> Result<Vec<CellResult>, ApiError> {
        self.call(Call::FilterHistory {
            url: url.to_string(),
            vantage: vantage.to_string(),
            runs,
        })
    }

    fn change_log(&self) -> Result<ChangeLog, ApiError> {
        self.call(Call::ChangeLog)
    }

    fn verify_records(
        &self,
        published: Option<&crate::PublishedHead>,
    ) -> Result<ChainReport, ApiError> {
        self.call(Call::VerifyRecords {
            published: published.cloned(),
        })
    }

    fn add_assessment(&self, a: &RiskAssessment) -> Result<StoredRecord, ApiError> {
        self.call(Call::AddAssessment(a.clone()))
    }

    fn add_site(&self, s: &SiteLogEntry) -> Result<StoredRecord, ApiError> {
        self.call(Call::AddSite(s.clone()))
    }

    fn add_waiver(&self, w: &Waiver) -> Result<StoredRecord, ApiError> {
        self.call(Call::AddWaiver(w.clone()))
    }

    fn add_attestation(&self, a: &Attestation) -> Result<StoredRecord, ApiError> {
        self.call(Call::AddAttestation(a.clone()))
    }

    fn withdraw(&self, id: i64, reason: &str) -> Result<StoredRecord, ApiError> {
        self.call(Call::Withdraw {
            id,
            reason: reason.to_string(),
        })
    }

    fn add_verification(
        &self,
        assessment: i64,
        run: i64,
    ) -> Result<(StoredRecord, Verification), ApiError> {
        self.call(Call::AddVerification { assessment, run })
    }

    fn may_recheck(&self, assessment: i64) -> Result<(), ApiError> {
        self.call(Call::MayRecheck { assessment })
    }

    fn start_audit(&self, scope: AuditScope, trigger: Trigger) -> Result<AuditHandle, ApiError> {
        let mut reader = self.send(Call::StartAudit { scope, trigger })?;
        // The first event (or the refusal) before returning, as in process.
        let first = loop {
            match next_reply(&mut reader, &self.socket)? {
                Some(Reply::Alive) => continue,
                Some(Reply::Event(ev)) => break ev,
                Some(Reply::Err(e)) => return Err(e),
                None => {
                    return Err(ApiError::Daemon(
                        "the caretaker daemon closed the connection before the audit started"
                            .to_string(),
                    ))
                }
                Some(other) => {
                    return Err(ApiError::Daemon(format!(
                        "the caretaker daemon answered an audit with {other:?}"
                    )))
                }
            }
        };
        let (tx, events) = mpsc::unbounded_channel();
        let (cancel, cancelled) = oneshot::channel::<()>();
        let stream = reader
            .get_ref()
            .try_clone()
            .map_err(|e| unreachable(&self.socket, &e))?;
        // Sent or dropped: close the connection, which stops the audit (unless others follow it).
        std::thread::Builder::new()
            .name("caretaker-audit-cancel".into())
            .spawn(move || {
                let _ = cancelled.blocking_recv();
                let _ = stream.shutdown(std::net::Shutdown::Both);
            })
            .map_err(|e| ApiError::Daemon(format!("cannot start a thread: {e}")))?;
        let socket = self.socket.clone();
        std::thread::Builder::new()
            .name("caretaker-audit-events".into())
            .spawn(move || {
                let mut ev = first;
                loop {
                    let last = matches!(ev, AuditEvent::Finished { .. } | AuditEvent::Failed(_));
                    if tx.send(ev).is_err() || last {
                        return;
                    }
                    ev = loop {
                        match next_reply(&mut reader, &socket) {
                            Ok(Some(Reply::Alive)) => continue,
                            Ok(Some(Reply::Event(ev))) => break ev,
                            Ok(Some(Reply::Err(e))) => break AuditEvent::Failed(e.to_string()),
                            Ok(Some(other)) => {
                                break AuditEvent::Failed(format!(
                                    "the caretaker daemon sent {other:?} during an audit"
                                ))
                            }
                            Ok(None) => {
                                break AuditEvent::Failed(
                                    "the connection to the caretaker daemon closed before the audit ended"
                                        .to_string(),
                                )
                            }
                            Err(e) => break AuditEvent::Failed(e.to_string()),
                        }
                    };
                }
            })
            .map_err(|e| ApiError::Daemon(format!("cannot start a thread: {e}")))?;
        Ok(AuditHandle { events, cancel })
    }

    fn alerts(&self) -> Result<Vec<RunAlerts>, ApiError> {
        Err(ApiError::Daemon(
            "alerts are the daemon's own to tell".to_string(),
        ))
    }

    fn changes(&self) -> Option<mpsc::UnboundedReceiver<Change>> {
        let mut reader = self.send(Call::Subscribe).ok()?;
        let (tx, rx) = mpsc::unbounded_channel();
        let socket = self.socket.clone();
        std::thread::Builder::new()
            .name("caretaker-changes".into())
            .spawn(move || loop {
                match next_reply(&mut reader, &socket) {
                    Ok(Some(Reply::Change(c))) => {
                        if tx.send(c).is_err() {
                            return;
                        }
                    }
                    Ok(Some(_)) => continue,
                    Ok(None) | Err(_) => return,
                }
            })
            .ok()?;
        Some(rx)
    }
}
