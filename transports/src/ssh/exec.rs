//! Running the probe command on an open connection: the command chosen from the server's banner,
//! stdin fed and stdout and stderr read on a non-blocking session, all under one deadline.

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::time::{Duration, Instant};

use super::connection::{clip_banner, millis, session_code, Connection};
use super::{
    Chooser, SshError, SshOutcome, SshTarget, LIBSSH2_ERROR_EAGAIN, LIBSSH2_ERROR_TIMEOUT,
    STDERR_TAIL_BYTES,
};

impl Connection {
    pub(super) fn probe(
        &self,
        target: &SshTarget,
        choose: Chooser<'_>,
        start: Instant,
    ) -> Result<SshOutcome, SshError> {
        // The key first: on anything but a match, nothing else is sent.
        let host_key = self.verify_host_key(&target.known_hosts)?;
        self.authenticate(target)?;
        let banner = self.session.banner().map(clip_banner);
        let (command, stdin) = choose(banner.as_deref());
        if command.contains('\0') {
            return Err(SshError::InvalidTarget {
                reason: "command contains a NUL byte".to_string(),
            });
        }
        let stdin = stdin.as_deref();

        let step = |e: ssh2::Error, step: &'static str| {
            if session_code(&e) == Some(LIBSSH2_ERROR_TIMEOUT) {
                SshError::Timeout { step }
            } else {
                SshError::ChannelFailed {
                    reason: e.message().to_string(),
                }
            }
        };
        let mut channel = self
            .session
            .channel_session()
            .map_err(|e| step(e, "channel open"))?;
        let deadline = Instant::now() + target.command_timeout;
        // Bound the exec request by the command deadline too.
        self.session
            .set_timeout(millis(target.command_timeout.min(self.step_timeout)));
        channel.exec(&command).map_err(|e| step(e, "exec"))?;

        self.session.set_blocking(false);
        let finished = pump(&mut channel, target.max_output, stdin, deadline).and_then(|out| {
            // Wait for the server to close the channel so the exit status has arrived.
            retry_until(deadline, || channel.close())?;
            retry_until(deadline, || channel.wait_close())?;
            Ok(out)
        });
        let (stdout, stderr_tail) = match finished {
            Ok(out) => out,
            Err(e) => {
                // Cut the connection before the channel is freed, so freeing it cannot wait on
                // a remote that is still talking (or silent). The remote side sees EOF.
                let _ = self.socket.shutdown(Shutdown::Both);
                return Err(e);
            }
        };
        let signalled = channel
            .exit_signal()
            .ok()
            .is_some_and(|s| s.exit_signal.is_some());
        let exit = if signalled {
            None
        } else {
            channel.exit_status().ok()
        };
        drop(channel);
        Ok(SshOutcome::Output {
            stdout,
            stderr_tail,
            exit,
            host_key,
            banner,
            elapsed: start.elapsed(),
        })
    }
}
/// Moves data until the remote end signals EOF: stdin in (then EOF), stdout and stderr out.
/// Non-blocking session; sleeps briefly when nothing moves.
fn pump(
    channel: &mut ssh2::Channel,
    max_output: usize,
    stdin: Option<&[u8]>,
    deadline: Instant,
) -> Result<(Vec<u8>, String), SshError> {
    let mut stdout: Vec<u8> = Vec::new();
    let mut tail = Tail::new(STDERR_TAIL_BYTES);
    let mut pending_in: &[u8] = stdin.unwrap_or(&[]);
    let mut eof_sent = false;
    let mut buf = vec![0u8; 32 * 1024];
    let mut idle = Duration::from_millis(1);
    let mut stderr = channel.stderr();
    loop {
        if Instant::now() >= deadline {
            return Err(SshError::CommandTimedOut);
        }
        let mut progressed = false;

        if !pending_in.is_empty() {
            match channel.write(pending_in) {
                Ok(n) => {
                    pending_in = pending_in.get(n..).unwrap_or(&[]);
                    progressed |= n > 0;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                // The remote stopped reading its input: not our problem, drop the rest.
                Err(_) => pending_in = &[],
            }
        } else if !eof_sent {
            match channel.send_eof() {
                Ok(()) => eof_sent = true,
                Err(e) if session_code(&e) == Some(LIBSSH2_ERROR_EAGAIN) => {}
                Err(_) => eof_sent = true,
            }
        }

        // Read at most one byte past the limit: enough to know it was exceeded.
        let room = (max_output.saturating_add(1)).saturating_sub(stdout.len());
        let want = room.min(buf.len());
        if let Some(chunk) = buf.get_mut(..want) {
            match channel.read(chunk) {
                Ok(n) if n > 0 => {
                    stdout.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
                    if stdout.len() > max_output {
                        return Err(SshError::OutputTooLarge { limit: max_output });
                    }
                    progressed = true;
                }
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => {
                    return Err(SshError::ConnectionLost {
                        reason: e.to_string(),
                    })
                }
            }
        }
        match stderr.read(&mut buf) {
            Ok(n) if n > 0 => {
                tail.push(buf.get(..n).unwrap_or(&[]));
                progressed = true;
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => {
                return Err(SshError::ConnectionLost {
                    reason: e.to_string(),
                })
            }
        }

        if channel.eof() {
            return Ok((stdout, tail.into_string()));
        }
        if progressed {
            idle = Duration::from_millis(1);
        } else {
            let left = deadline.saturating_duration_since(Instant::now());
            std::thread::sleep(idle.min(left));
            idle = (idle * 2).min(Duration::from_millis(20));
        }
    }
}

/// Retries a non-blocking libssh2 call until it stops saying "again", or the deadline passes.
fn retry_until(
    deadline: Instant,
    mut f: impl FnMut() -> Result<(), ssh2::Error>,
) -> Result<(), SshError> {
    loop {
        match f() {
            Ok(()) => return Ok(()),
            Err(e) if session_code(&e) == Some(LIBSSH2_ERROR_EAGAIN) => {
                if Instant::now() >= deadline {
                    return Err(SshError::CommandTimedOut);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => {
                return Err(SshError::ConnectionLost {
                    reason: e.message().to_string(),
                })
            }
        }
    }
}

/// The last `cap` bytes written to it.
pub(super) struct Tail {
    cap: usize,
    buf: std::collections::VecDeque<u8>,
}

impl Tail {
    pub(super) fn new(cap: usize) -> Tail {
        Tail {
            cap,
            buf: std::collections::VecDeque::new(),
        }
    }

    pub(super) fn push(&mut self, bytes: &[u8]) {
        let skip = bytes.len().saturating_sub(self.cap);
        self.buf.extend(bytes.iter().skip(skip));
        while self.buf.len() > self.cap {
            self.buf.pop_front();
        }
    }

    pub(super) fn into_string(self) -> String {
        let bytes: Vec<u8> = self.buf.into_iter().collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
