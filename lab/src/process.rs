//! Running tools under a deadline, and the server processes the lab owns.
//!
//! A server of a lab that will be detached (`caretaker-lab up`) is started in its own process
//! group, so that it outlives the command and the terminal's signals and can be stopped as a
//! whole; a server of an in-process lab (tests) stays in the caller's group, so Ctrl-C stops it
//! too. Every server runs in the lab folder with `CARETAKER_LAB_DIR` in its environment, so that a
//! pid read back from `DIR/pids` is only ever signalled if it really is that lab's server.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

use crate::util::tail;
use crate::LabError;

/// The environment variable that marks a process as belonging to a lab folder.
pub(crate) const LAB_MARK: &str = "CARETAKER_LAB_DIR";

/// A program the lab needs, and the Debian packages that provide it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tool {
    pub name: &'static str,
    pub purpose: &'static str,
    pub install: &'static str,
}

pub(crate) const SLAPD_INSTALL: &str = "apt-get install slapd ldap-utils";
pub(crate) const SAMBA_INSTALL: &str = "apt-get install samba samba-ad-dc winbind krb5-user";

/// Finds `tool` on PATH or in the system folders (slapd lives in /usr/sbin, which a non-root PATH
/// may lack). A missing tool is an error that says which package to install.
pub(crate) fn find(tool: Tool) -> Result<PathBuf, LabError> {
    let missing = || LabError::MissingProgram {
        program: tool.name.to_string(),
        purpose: tool.purpose,
        install: tool.install,
    };
    if tool.name.contains('/') {
        let p = PathBuf::from(tool.name);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(missing())
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    for extra in [
        "/usr/sbin",
        "/sbin",
        "/usr/bin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        dirs.push(PathBuf::from(extra));
    }
    dirs.into_iter()
        .map(|d| d.join(tool.name))
        .find(|p| is_executable(p))
        .ok_or_else(missing)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// How a command is shown in errors: the program's file name and its arguments. Secrets are never
/// passed as arguments, so this is safe to print.
fn describe(cmd: &Command) -> String {
    let prog = Path::new(cmd.get_program())
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut s = prog;
    for a in cmd.get_args() {
        s.push(' ');
        let a = a.to_string_lossy();
        if a.contains(' ') || a.is_empty() {
            s.push_str(&format!("'{a}'"));
        } else {
            s.push_str(&a);
        }
    }
    s
}

/// The result of a finished command.
#[derive(Debug)]
pub(crate) struct Output {
    pub stdout: String,
    #[allow(dead_code)]
    pub stderr: String,
}

/// Runs `cmd` to completion, feeding it `stdin`, killing it if it takes longer than `timeout`.
/// A non-zero exit is an error carrying its output.
pub(crate) fn run(
    cmd: &mut Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<Output, LabError> {
    let display = describe(cmd);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| LabError::Command {
        command: display.clone(),
        status: "could not start".into(),
        output: e.to_string(),
    })?;
    let writer = match (stdin, child.stdin.take()) {
        (Some(data), Some(mut pipe)) => {
            let data = data.to_vec();
            // A child that exits without reading gives EPIPE here; its exit status tells the story.
            Some(thread::spawn(move || {
                let _ = pipe.write_all(&data);
            }))
        }
        _ => None,
    };
    let out_reader = child.stdout.take().map(|mut r| {
        thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    });
    let err_reader = child.stderr.take().map(|mut r| {
        thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                return Err(LabError::Command {
                    command: display,
                    status: "could not wait".into(),
                    output: e.to_string(),
                })
            }
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(LabError::Timeout {
                what: display,
                secs: timeout.as_secs_f64(),
                detail: String::new(),
            });
        }
        thread::sleep(Duration::from_millis(5));
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out_reader.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err_reader.and_then(|h| h.join().ok()).unwrap_or_default();
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    if !status.success() {
        let mut output = format!("{}\n{}", stderr.trim(), stdout.trim())
            .trim()
            .to_string();
        if output.len() > 4000 {
            let cut = output.len() - 4000;
            let cut = (cut..output.len())
                .find(|i| output.is_char_boundary(*i))
                .unwrap_or(cut);
            output = format!("…{}", &output[cut..]);
        }
        return Err(LabError::Command {
            command: display,
            status: describe_status(status),
            output,
        });
    }
    Ok(Output { stdout, stderr })
}

fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => status.to_string(),
    }
}

/// A long-running server process the lab started.
#[derive(Debug)]
pub(crate) struct Server {
    pub name: &'static str,
    pub pid: u32,
    pub log: PathBuf,
    /// Whether the server leads its own process group.
    own_group: bool,
    child: Mutex<Option<Child>>,
}

impl Server {
    /// Starts `cmd` (in its own process group if `own_group`), output appended to `log`, stdin
    /// closed, working folder and environment marking it as belonging to `lab_dir`.
    pub fn spawn(
        name: &'static str,
        mut cmd: Command,
        log: &Path,
        lab_dir: &Path,
        own_group: bool,
    ) -> Result<Server, LabError> {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| LabError::io("opening log", log, e))?;
        let err = out
            .try_clone()
            .map_err(|e| LabError::io("opening log", log, e))?;
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .env(LAB_MARK, lab_dir)
            .current_dir(lab_dir);
        if own_group {
            cmd.process_group(0);
        }
        let display = describe(&cmd);
        let child = cmd.spawn().map_err(|e| LabError::Command {
            command: display,
            status: "could not start".into(),
            output: e.to_string(),
        })?;
        Ok(Server {
            name,
            pid: child.id(),
            log: log.to_path_buf(),
            own_group,
            child: Mutex::new(Some(child)),
        })
    }

    /// Whether the process is still running (it has not exited and it was not stopped).
    pub fn is_running(&self) -> bool {
        let mut guard = self.child.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// If the process has exited, an error that says how and shows the end of its log.
    pub fn check_alive(&self) -> Result<(), LabError> {
        let mut guard = self.child.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(child) = guard.as_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(LabError::ServerExited {
                    server: self.name,
                    status: describe_status(status),
                    log: self.log.clone(),
                    tail: tail(&self.log, 15),
                });
            }
        }
        Ok(())
    }

    /// Stops the server (its whole process group if it has one): SIGTERM, then SIGKILL after
    /// `grace`. Idempotent.
    pub fn stop(&self, grace: Duration) {
        let mut guard = self.child.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut child) = guard.take() {
            let signal = |sig: Signal| {
                if self.own_group {
                    kill_group(self.pid, sig);
                } else if let Ok(p) = i32::try_from(self.pid) {
                    let _ = signal::kill(Pid::from_raw(p), sig);
                }
            };
            signal(Signal::SIGTERM);
            let deadline = Instant::now() + grace;
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        thread::sleep(Duration::from_millis(10))
                    }
                    _ => {
                        signal(Signal::SIGKILL);
                        let _ = child.wait();
                        break;
                    }
                }
            }
            if self.own_group {
                // Anything else left in the group (helpers) goes too.
                wait_group_gone(self.pid, grace);
            }
        }
    }

    /// Lets the process run on after this handle is dropped (`caretaker-lab up`).
    pub fn detach(&self) {
        let mut guard = self.child.lock().unwrap_or_else(|p| p.into_inner());
        guard.take();
    }
}

fn kill_group(pgid: u32, sig: Signal) {
    if let Ok(p) = i32::try_from(pgid) {
        let _ = signal::killpg(Pid::from_raw(p), sig);
    }
}

/// The live (not zombie) processes whose process group is `pgid`.
pub fn group_members(pgid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return out;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Some((state, pgrp)) = proc_stat(pid) {
            if pgrp == pgid && state != 'Z' && state != 'X' {
                out.push(pid);
            }
        }
    }
    out
}

/// (state, process group) of `pid` from /proc/PID/stat.
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: read after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// Whether `pid` is a live process (a zombie counts as gone).
pub fn pid_alive(pid: u32) -> bool {
    matches!(proc_stat(pid), Some((s, _)) if s != 'Z' && s != 'X')
}

/// Waits until no live process is left in group `pgid`; SIGKILLs the group after `grace`.
fn wait_group_gone(pgid: u32, grace: Duration) -> bool {
    let deadline = Instant::now() + grace;
    loop {
        if group_members(pgid).is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            kill_group(pgid, Signal::SIGKILL);
            thread::sleep(Duration::from_millis(50));
            return group_members(pgid).is_empty();
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `pid` is a server this lab folder started (so a recycled pid is never signalled): its
/// environment carries the lab mark for `lab_dir`, or (Samba overwrites its environment with its
/// process title) its working folder is `lab_dir`, where the lab starts its servers, or (sshd
/// overwrites its environment and moves to `/`; its title keeps its arguments) its command line
/// names its configuration file in `lab_dir/hosts/`.
pub(crate) fn belongs_to(pid: u32, lab_dir: &Path) -> bool {
    let want = format!("{LAB_MARK}={}", lab_dir.display());
    let marked = fs::read(format!("/proc/{pid}/environ"))
        .map(|env| env.split(|b| *b == 0).any(|kv| kv == want.as_bytes()))
        .unwrap_or(false);
    let hosts_config = format!("-f {}/hosts/", lab_dir.display());
    marked
        || fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == lab_dir)
        || fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
            let title: Vec<u8> = c.iter().map(|b| if *b == 0 { b' ' } else { *b }).collect();
            String::from_utf8_lossy(&title).contains(&hosts_config)
        })
}

/// Stops a detached server by pid (and its process group), if it is still this lab's. Returns
/// whether something was running.
pub(crate) fn stop_detached(pid: u32, lab_dir: &Path, grace: Duration) -> bool {
    let leader = pid_alive(pid) && belongs_to(pid, lab_dir);
    let helpers = group_members(pid);
    if !leader && (helpers.is_empty() || !helpers.iter().all(|p| belongs_to(*p, lab_dir))) {
        return false;
    }
    let send = |sig: Signal| {
        kill_group(pid, sig);
        if let Ok(p) = i32::try_from(pid) {
            if pid_alive(pid) {
                let _ = signal::kill(Pid::from_raw(p), sig);
            }
        }
    };
    send(Signal::SIGTERM);
    let gone = || !pid_alive(pid) && group_members(pid).is_empty();
    let deadline = Instant::now() + grace;
    while !gone() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    if !gone() {
        send(Signal::SIGKILL);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !gone() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    }
    true
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_names_its_package() {
        let err = find(Tool {
            name: "caretaker-lab-no-such-server",
            purpose: "testing",
            install: SLAPD_INSTALL,
        })
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("caretaker-lab-no-such-server"), "{msg}");
        assert!(msg.contains("apt-get install slapd ldap-utils"), "{msg}");
    }

    #[test]
    fn commands_time_out() {
        let started = Instant::now();
        let err = run(
            Command::new("sleep").arg("5"),
            None,
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(matches!(err, LabError::Timeout { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn failures_carry_output_and_stdin_is_fed() {
        let out = run(
            &mut Command::new("cat"),
            Some(b"hello"),
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(out.stdout, "hello");
        let err = run(
            Command::new("sh").args(["-c", "echo oops >&2; exit 3"]),
            None,
            Duration::from_secs(5),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("exit 3") && err.contains("oops"), "{err}");
    }
}
