//! The daemon's socket: the core's API for the command line and the console of the people the
//! configuration lets in ([`crate::wire`] describes the protocol).
//!
//! Who is at the other end comes from the kernel (`SO_PEERCRED`: user and primary group) and the
//! user's groups from NSS (so directory users and groups work); nothing the client says decides
//! what it may do. Root and the daemon's own user may do everything; `[daemon] admin_group` may
//! audit and write records; `[daemon] read_group` may read; anyone else is refused in words.

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use caretaker_api::wire::{Call, Change, Reply, Request, ALIVE_EVERY, MAX_REQUEST, PROTOCOL};
use caretaker_api::{Api, ApiError, AuditEvent, Trigger};
use caretaker_config::DaemonSettings;
use nix::unistd::{Gid, Group, Uid, User};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::broadcast;

use crate::runs::Registry;

/// The core acting for a user: what it records is entered by that name.
pub type ForUser = Arc<dyn Fn(&str) -> Arc<dyn Api> + Send + Sync>;

/// How long a client has to send its request.
const REQUEST_WITHIN: Duration = Duration::from_secs(10);

/// How long a reply line may take to be taken by the client.
const WRITE_WITHIN: Duration = Duration::from_secs(30);

/// At most this many connections at once; more are refused in words.
const MAX_CONNECTIONS: usize = 64;

/// What a peer may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Read,
}

/// Who may do what, from `[daemon]`, with the groups looked up.
#[derive(Debug, Clone)]
pub struct Access {
    admin: Option<(String, Gid)>,
    read: Option<(String, Gid)>,
    own: Uid,
    config: PathBuf,
}

impl Access {
    /// `[daemon]`'s groups, looked up now; a group the system does not know is an error naming the
    /// key.
    pub fn resolve(settings: &DaemonSettings, config: &Path) -> Result<Access, String> {
        let group = |key: &str, name: &Option<String>| -> Result<Option<(String, Gid)>, String> {
            let Some(name) = name else { return Ok(None) };
            match Group::from_name(name) {
                Ok(Some(g)) => Ok(Some((name.clone(), g.gid))),
                Ok(None) => Err(format!(
                    "{}: key `daemon.{key}`: no group {name:?} on this machine (create it with `groupadd {name}`, or correct the name)",
                    config.display()
                )),
                Err(e) => Err(format!(
                    "{}: key `daemon.{key}`: cannot look up the group {name:?}: {e}",
                    config.display()
                )),
            }
        };
        Ok(Access {
            admin: group("admin_group", &settings.admin_group)?,
            read: group("read_group", &settings.read_group)?,
            own: Uid::effective(),
            config: config.to_path_buf(),
        })
    }

    /// What user `uid` (primary group `gid`, named `name`) may do, or why nothing.
    fn role(&self, uid: Uid, gid: Gid, name: Option<&str>) -> Result<Role, String> {
        if uid.is_root() || uid == self.own {
            return Ok(Role::Admin);
        }
        let groups: Vec<Gid> = match name.and_then(|n| std::ffi::CString::new(n).ok()) {
            Some(c) => nix::unistd::getgrouplist(&c, gid).unwrap_or_else(|_| vec![gid]),
            None => vec![gid],
        };
        let member =
            |g: &Option<(String, Gid)>| g.as_ref().is_some_and(|(_, id)| groups.contains(id));
        if member(&self.admin) {
            return Ok(Role::Admin);
        }
        if member(&self.read) {
            return Ok(Role::Read);
        }
        let who = name.map_or_else(|| format!("uid {uid}"), |n| format!("{n} (uid {uid})"));
        Err(match (&self.admin, &self.read) {
            (None, None) => format!(
                "{who} may not use the caretaker daemon: only root and its own user may, as no `[daemon] admin_group` or `read_group` is set in {}",
                self.config.display()
            ),
            _ => format!(
                "{who} may not use the caretaker daemon: {} to audit and record, {} to read (`[daemon]` in {})",
                self.admin.as_ref().map_or("only root".to_string(), |(n, _)| format!("members of {n} may")),
                self.read.as_ref().map_or("nobody else".to_string(), |(n, _)| format!("members of {n} may")),
                self.config.display()
            ),
        })
    }
}

/// What the socket serves with; replaced whole when the configuration is read again.
pub struct Current {
    pub for_user: ForUser,
    pub access: Access,
    /// The configuration in use, as front ends need it.
    pub context: caretaker_api::Context,
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Current")
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

/// The socket's shared state.
#[derive(Debug)]
pub struct Shared {
    pub current: RwLock<Arc<Current>>,
    pub registry: Arc<Registry>,
    pub changes: broadcast::Sender<Change>,
    connections: std::sync::atomic::AtomicUsize,
}

impl Shared {
    pub fn new(
        current: Current,
        registry: Arc<Registry>,
        changes: broadcast::Sender<Change>,
    ) -> Arc<Shared> {
        Arc::new(Shared {
            current: RwLock::new(Arc::new(current)),
            registry,
            changes,
            connections: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    fn current(&self) -> Arc<Current> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn replace(&self, current: Current) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(current);
    }
}

/// The socket, bound: a socket file left by a daemon that has gone is replaced; one a daemon
/// still answers on is not. Mode 0666: what a peer may do is decided by its credentials.
pub fn bind(path: &Path) -> Result<UnixListener, String> {
    let len = path.as_os_str().len();
    if len > 100 {
        return Err(format!(
            "the socket path {} is {len} bytes long; a Unix socket's path may be at most 100 (set `[daemon] socket` to a shorter one)",
            path.display()
        ));
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(format!(
                "{} exists and is not a socket; move it away or set `[daemon] socket`",
                path.display()
            ));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(format!(
                "another caretaker daemon answers on {}; stop it first, or give this one another `[daemon] socket`",
                path.display()
            ));
        }
        std::fs::remove_file(path)
            .map_err(|e| format!("cannot remove the old socket {}: {e}", path.display()))?;
    }
    let listener = UnixListener::bind(path).map_err(|e| {
        format!(
            "cannot listen on {}: {e} (its folder must exist and be writable by the daemon: systemd's RuntimeDirectory=caretaker makes /run/caretaker; or set `[daemon] socket`)",
            path.display()
        )
    })?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))
        .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))?;
    Ok(listener)
}

/// Serves connections until the task is dropped.
pub async fn serve(listener: UnixListener, shared: Arc<Shared>) {
    use std::sync::atomic::Ordering;
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!("the socket could not take a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let now = shared.connections.fetch_add(1, Ordering::SeqCst);
        let shared2 = Arc::clone(&shared);
        tokio::spawn(async move {
            if now >= MAX_CONNECTIONS {
                let (_, mut wr) = stream.into_split();
                let _ = write(&mut wr, &Reply::Err(ApiError::Daemon(format!(
                    "the caretaker daemon is busy ({MAX_CONNECTIONS} connections); try again in a moment"
                ))))
                .await;
            } else {
                connection(stream, &shared2).await;
            }
            shared2.connections.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// Writes one reply line, within [`WRITE_WITHIN`].
async fn write(wr: &mut OwnedWriteHalf, reply: &Reply) -> Result<(), ()> {
    let mut line = serde_json::to_vec(reply).map_err(|_| ())?;
    line.push(b'\n');
    match tokio::time::timeout(WRITE_WITHIN, wr.write_all(&line)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

/// Who is at the other end: the name records are entered by, and what they may do.
struct Peer {
    name: String,
    role: Role,
}

async fn connection(stream: UnixStream, shared: &Shared) {
    let cred = match stream.peer_cred() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("a connection's credentials could not be read: {e}");
            return;
        }
    };
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut line = Vec::new();
    let read = tokio::time::timeout(
        REQUEST_WITHIN,
        (&mut rd)
            .take(MAX_REQUEST as u64 + 1)
            .read_until(b'\n', &mut line),
    )
    .await;
    let refuse = |why: String| Reply::Err(ApiError::Daemon(why));
    match read {
        Ok(Ok(0)) => return, // a client seeing whether the daemon listens
        Ok(Ok(_)) if line.len() > MAX_REQUEST => {
            let _ = write(
                &mut wr,
                &refuse(format!("a request is at most {MAX_REQUEST} bytes")),
            )
            .await;
            return;
        }
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::debug!("a request could not be read: {e}");
            return;
        }
        Err(_) => {
            let _ = write(
                &mut wr,
                &refuse(format!("no request within {} s", REQUEST_WITHIN.as_secs())),
            )
            .await;
            return;
        }
    }
    let request = match read_request(&line) {
        Ok(r) => r,
        Err(why) => {
            let _ = write(&mut wr, &refuse(why)).await;
            return;
        }
    };
    let current = shared.current();
    let (uid, gid) = (Uid::from_raw(cred.uid()), Gid::from_raw(cred.gid()));
    let access = current.access.clone();
    let sudo = request.sudo_user.clone();
    let peer = tokio::task::spawn_blocking(move || {
        let name = User::from_uid(uid).ok().flatten().map(|u| u.name);
        let role = access.role(uid, gid, name.as_deref())?;
        let mut name = name.unwrap_or_else(|| format!("uid {uid}"));
        // Root may say who ran sudo: root could write the store directly anyway.
        if let Some(by) = sudo.filter(|_| uid.is_root()).filter(|u| plain_name(u)) {
            name = format!("{name}, via sudo by {by}");
        }
        Ok::<Peer, String>(Peer { name, role })
    })
    .await;
    let peer = match peer {
        Ok(Ok(p)) => p,
        Ok(Err(why)) => {
            tracing::warn!("refused `{}`: {why}", request.call.name());
            let _ = write(&mut wr, &Reply::Err(ApiError::NotAllowed(why))).await;
            return;
        }
        Err(e) => {
            let _ = write(&mut wr, &refuse(format!("cannot look up who asked: {e}"))).await;
            return;
        }
    };
    if request.call.writes() && peer.role != Role::Admin {
        let why = format!(
            "{} may read but not change anything through the caretaker daemon (`{}` changes the record); ask to be made a member of {}",
            peer.name,
            request.call.name(),
            current.access.admin.as_ref().map_or("`[daemon] admin_group`".to_string(), |(n, _)| n.clone())
        );
        tracing::warn!("refused: {why}");
        let _ = write(&mut wr, &Reply::Err(ApiError::NotAllowed(why))).await;
        return;
    }
    let api = (current.for_user)(&peer.name);
    match request.call {
        Call::StartAudit { scope, trigger } => {
            // The schedule's trigger is the daemon's own.
            let trigger = if trigger == Trigger::Schedule {
                Trigger::Manual
            } else {
                trigger
            };
            let label = format!("{} ({trigger}, asked by {})", scope.describe(), peer.name);
            follow(shared, &*api, scope, trigger, label, rd, wr).await;
        }
        Call::Subscribe => subscribe(shared, rd, wr).await,
        Call::Context => {
            let reply = match serde_json::to_value(&current.context) {
                Ok(v) => Reply::Ok(v),
                Err(e) => Reply::Err(ApiError::Daemon(format!("cannot write the answer: {e}"))),
            };
            let _ = write(&mut wr, &reply).await;
        }
        call => {
            let records = call.writes();
            let work = tokio::task::spawn_blocking(move || answer(&*api, call));
            let reply = alive_until(&mut wr, work).await;
            let Some(reply) = reply else { return };
            if records && matches!(reply, Reply::Ok(_)) {
                let _ = shared.changes.send(Change::Recorded);
            }
            let _ = write(&mut wr, &reply).await;
        }
    }
}

/// A user name as sudo passes it: printable, no spaces, not too long.
fn plain_name(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 64
        && u.chars()
            .all(|c| c.is_ascii_graphic() || c.is_alphanumeric())
}

fn read_request(line: &[u8]) -> Result<Request, String> {
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| format!("the request is not JSON: {e}"))?;
    match value.get("protocol").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(PROTOCOL) => {}
        Some(v) => {
            return Err(format!(
                "the request speaks protocol {v}; this caretaker daemon speaks {PROTOCOL} (restart the daemon after an upgrade)"
            ))
        }
        None => return Err("the request names no `protocol`".to_string()),
    }
    serde_json::from_value(value).map_err(|e| format!("the request does not read: {e}"))
}

/// Waits for `work`, saying "alive" meanwhile; `None` when the client has gone.
async fn alive_until(
    wr: &mut OwnedWriteHalf,
    work: tokio::task::JoinHandle<Reply>,
) -> Option<Reply> {
    let mut tick = tokio::time::interval(ALIVE_EVERY);
    tick.tick().await;
    tokio::pin!(work);
    loop {
        tokio::select! {
            r = &mut work => return Some(r.unwrap_or_else(|e| Reply::Err(ApiError::Daemon(format!("the request failed: {e}"))))),
            _ = tick.tick() => if write(wr, &Reply::Alive).await.is_err() { return None },
        }
    }
}

/// The answer to a call that is not an audit or a subscription.
fn answer(api: &dyn Api, call: Call) -> Reply {
    fn ok<T: serde::Serialize>(r: Result<T, ApiError>) -> Reply {
        match r {
            Ok(v) => match serde_json::to_value(v) {
                Ok(v) => Reply::Ok(v),
                Err(e) => Reply::Err(ApiError::Daemon(format!("cannot write the answer: {e}"))),
            },
            Err(e) => Reply::Err(e),
        }
    }
    match call {
        Call::SettingProblems => ok(Ok(api.setting_problems())),
        Call::Machines => ok(api.machines()),
        Call::HostKey { machine } => ok(api.host_key(&machine)),
        Call::TrustHostKey {
            machine,
            fingerprint,
        } => ok(api.trust_host_key(&machine, &fingerprint)),
        Call::AddFilterAction {
            run,
            vantage,
            action,
        } => ok(api.add_filter_action(run, &vantage, &action)),
        Call::Overview => ok(api.overview()),
        Call::Runs { limit } => ok(api.runs(limit.min(100_000))),
        Call::TimetableRuns => ok(api.timetable_runs()),
        Call::Status => ok(api.status()),
        Call::Report { period } => ok(api.report(period)),
        Call::Run { id } => ok(api.run(id)),
        Call::Findings { run } => ok(api.findings(run)),
        Call::LatestFinding { fingerprint } => ok(api.latest_finding(&fingerprint)),
        Call::Seen { finding } => ok(api.seen(&finding)),
        Call::FilterLog { span } => ok(api.filter_log(span)),
        Call::FilterHistory { url, vantage, runs } => {
            ok(api.filter_history(&url, &vantage, runs.min(100_000)))
        }
        Call::ChangeLog => ok(api.change_log()),
        Call::VerifyRecords { published } => ok(api.verify_records(published.as_ref())),
        Call::AddAssessment(a) => ok(api.add_assessment(&a)),
        Call::AddSite(s) => ok(api.add_site(&s)),
        Call::AddWaiver(w) => ok(api.add_waiver(&w)),
        Call::AddAttestation(a) => ok(api.add_attestation(&a)),
        Call::Withdraw { id, reason } => ok(api.withdraw(id, &reason)),
        Call::AddVerification { assessment, run } => ok(api.add_verification(assessment, run)),
        Call::MayRecheck { assessment } => ok(api.may_recheck(assessment)),
        Call::StartAudit { .. } | Call::Subscribe | Call::Context => {
            Reply::Err(ApiError::Daemon("not a single answer".to_string()))
        }
    }
}

/// Starts (or follows) an audit and passes its events on until it ends or the client goes.
async fn follow(
    shared: &Shared,
    api: &dyn Api,
    scope: caretaker_api::AuditScope,
    trigger: Trigger,
    label: String,
    mut rd: BufReader<OwnedReadHalf>,
    mut wr: OwnedWriteHalf,
) {
    let mut following = match shared
        .registry
        .follow_or_start(api, scope, trigger, label, false)
    {
        Ok(f) => f,
        Err(e) => {
            let _ = write(&mut wr, &Reply::Err(e)).await;
            return;
        }
    };
    let mut tick = tokio::time::interval(ALIVE_EVERY);
    tick.tick().await;
    let mut scratch = [0u8; 64];
    loop {
        tokio::select! {
            ev = following.events.recv() => {
                let Some(ev) = ev else { break };
                let end = matches!(ev, AuditEvent::Finished { .. } | AuditEvent::Failed(_));
                if write(&mut wr, &Reply::Event(ev)).await.is_err() {
                    break;
                }
                if end {
                    return;
                }
            }
            // Nothing more is expected from the client: a read that ends is the client gone.
            n = rd.read(&mut scratch) => if matches!(n, Ok(0) | Err(_)) { break },
            _ = tick.tick() => if write(&mut wr, &Reply::Alive).await.is_err() { break },
        }
    }
    shared.registry.leave(following.key, following.follower);
}

/// Passes on every change until the client goes.
async fn subscribe(shared: &Shared, mut rd: BufReader<OwnedReadHalf>, mut wr: OwnedWriteHalf) {
    let mut changes = shared.changes.subscribe();
    let mut tick = tokio::time::interval(ALIVE_EVERY);
    tick.tick().await;
    let mut scratch = [0u8; 64];
    loop {
        tokio::select! {
            c = changes.recv() => match c {
                Ok(c) => if write(&mut wr, &Reply::Change(c)).await.is_err() { return },
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            n = rd.read(&mut scratch) => if matches!(n, Ok(0) | Err(_)) { return },
            _ = tick.tick() => if write(&mut wr, &Reply::Alive).await.is_err() { return },
        }
    }
}
