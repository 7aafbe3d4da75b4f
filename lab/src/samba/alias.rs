//! Loopback aliases: each domain controller's own address 127.0.X.Y on `lo`, picked free, added
//! and removed.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use super::{IP, TOOL_TIMEOUT};
use crate::process::{find, run};
use crate::LabError;

/// Adds `addr/32` to `lo` unless it is there already. Returns whether it was added.
pub(crate) fn add_alias(ip: &Path, addr: Ipv4Addr) -> Result<bool, LabError> {
    if lo_addresses(ip)?.contains(&addr) {
        return Ok(false);
    }
    run(
        Command::new(ip)
            .args(["addr", "add"])
            .arg(format!("{addr}/32"))
            .args(["dev", "lo"]),
        None,
        TOOL_TIMEOUT,
    )?;
    Ok(true)
}

pub(crate) fn del_alias(ip: &Path, addr: Ipv4Addr) {
    let _ = run(
        Command::new(ip)
            .args(["addr", "del"])
            .arg(format!("{addr}/32"))
            .args(["dev", "lo"]),
        None,
        TOOL_TIMEOUT,
    );
}

/// Removes a loopback alias a detached lab added (`caretaker-lab down`).
pub(crate) fn remove_alias(addr: Ipv4Addr) -> Result<(), LabError> {
    let ip = find(IP)?;
    if lo_addresses(&ip)?.contains(&addr) {
        del_alias(&ip, addr);
    }
    Ok(())
}

pub(crate) fn lo_addresses(ip: &Path) -> Result<Vec<Ipv4Addr>, LabError> {
    let out = run(
        Command::new(ip).args(["-o", "-4", "addr", "show", "dev", "lo"]),
        None,
        TOOL_TIMEOUT,
    )?;
    Ok(out
        .stdout
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            it.find(|w| *w == "inet")?;
            it.next()?.split('/').next()?.parse().ok()
        })
        .collect())
}

/// Picks 127.0.X.Y (X in 100..=199) that no interface has and whose 389 and 636 are free, never
/// one this process handed out before.
pub(super) fn pick_address(ip: &Path) -> Result<Ipv4Addr, LabError> {
    static GIVEN: Mutex<Vec<Ipv4Addr>> = Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    let existing = lo_addresses(ip)?;
    const SPAN: u32 = 100 * 254;
    // Start somewhere that depends on the process, so parallel test binaries rarely meet.
    let seed = (std::process::id().wrapping_mul(7919) + given.len() as u32 * 13) % SPAN;
    for i in 0..SPAN {
        let k = (seed + i) % SPAN;
        let addr = Ipv4Addr::new(127, 0, 100 + (k / 254) as u8, 1 + (k % 254) as u8);
        if given.contains(&addr) || existing.contains(&addr) {
            continue;
        }
        let free = [389u16, 636, 3268, 3269]
            .iter()
            .all(|p| TcpListener::bind(SocketAddrV4::new(addr, *p)).is_ok());
        if free {
            given.push(addr);
            return Ok(addr);
        }
    }
    Err(LabError::NoFreeAddress {
        what: "loopback address with ports 389 and 636 free",
    })
}
