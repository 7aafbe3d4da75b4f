//! Stopping a lab left running (`caretaker-lab down`) from what its state file recorded: the
//! network's R and the servers' pids.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

use super::net::{self, Plan, IP};
use crate::process::{self, find};
use crate::util::write_file;
use crate::LabError;

/// DIR/filter/state: what `stop_dir` needs (the network's R, the servers' pids).
pub(super) struct State {
    path: PathBuf,
    text: String,
}

impl State {
    pub(super) fn new(path: PathBuf, plan: Plan) -> Result<State, LabError> {
        let mut s = State {
            path,
            text: String::from(
                "# caretaker-lab web filter: what `caretaker-lab down` stops and removes.\n",
            ),
        };
        s.add(&format!("net {}", plan.r))?;
        Ok(s)
    }

    pub(super) fn add(&mut self, line: &str) -> Result<(), LabError> {
        self.text.push_str(line);
        self.text.push('\n');
        write_file(&self.path, &self.text)
    }
}

/// What DIR/filter/state recorded: the network's R and each server's pid and name.
pub(super) struct Recorded {
    pub r: Option<u8>,
    pub servers: Vec<(u32, String)>,
}

/// Reads DIR/filter/state; `None` when there is none (no filter lab left running in DIR).
pub(super) fn read_state(dir: &Path) -> Result<Option<Recorded>, LabError> {
    let path = dir.join("filter").join("state");
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(LabError::io("reading", &path, e)),
    };
    let mut recorded = Recorded {
        r: None,
        servers: Vec::new(),
    };
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        match (it.next(), it.next().and_then(|v| v.parse::<u32>().ok())) {
            (Some("net"), Some(v)) => recorded.r = u8::try_from(v).ok().filter(|v| *v >= 200),
            (Some("pid"), Some(pid)) => recorded
                .servers
                .push((pid, it.next().unwrap_or_default().to_string())),
            _ => {
                return Err(LabError::State(format!(
                    "{}: unexpected line {line:?}",
                    path.display()
                )))
            }
        }
    }
    Ok(Some(recorded))
}

/// Whether `pid` is a server of the web filter lab in `lab_dir`.
fn belongs(pid: u32, lab_dir: &Path) -> bool {
    let mark = format!("{}/filter/", lab_dir.display());
    process::belongs_to(pid, lab_dir)
        || fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
            let title: Vec<u8> = c.iter().map(|b| if *b == 0 { b' ' } else { *b }).collect();
            String::from_utf8_lossy(&title).contains(&mark)
        })
}

fn signal_server(pid: u32, sig: Signal) {
    let Ok(p) = i32::try_from(pid) else {
        return;
    };
    if process::group_members(pid).contains(&pid) {
        let _ = signal::killpg(Pid::from_raw(p), sig);
    }
    let _ = signal::kill(Pid::from_raw(p), sig);
}

fn gone(pid: u32) -> bool {
    !process::pid_alive(pid) && process::group_members(pid).is_empty()
}

/// Stops a web filter lab left running in `dir` (`caretaker-lab down`): its servers (and their
/// process groups), its namespaces, interfaces and route. Returns how many servers were running.
/// No-op without DIR/filter/state.
pub(crate) fn stop_dir(dir: &Path) -> Result<usize, LabError> {
    let Some(recorded) = read_state(dir)? else {
        return Ok(0);
    };
    let path = dir.join("filter").join("state");
    let r = recorded.r;
    let pids: Vec<u32> = recorded.servers.iter().map(|(pid, _)| *pid).collect();
    let running: Vec<u32> = pids
        .into_iter()
        .filter(|p| process::pid_alive(*p) && belongs(*p, dir))
        .collect();
    for p in &running {
        signal_server(*p, Signal::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !running.iter().all(|p| gone(*p)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    for p in running.iter().filter(|p| !gone(**p)) {
        signal_server(*p, Signal::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while !running.iter().all(|p| gone(*p)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    if let Some(r) = r {
        let left = net::remove(&find(IP)?, Plan { r });
        if !left.is_empty() {
            return Err(LabError::State(format!(
                "the web filter lab's network could not be removed: {}",
                left.join("; ")
            )));
        }
    }
    fs::remove_file(&path).map_err(|e| LabError::io("removing", &path, e))?;
    Ok(running.len())
}
