//! `caretaker hosts list` and `caretaker hosts trust`: the machines, and trusting their SSH keys.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;

use caretaker::cli::{Format, HostsListArgs, TrustArgs};
use caretaker::render;
use caretaker_api::EXIT_USAGE;

use super::{api_fail, fail, json_out, local, write_stdout, Fail};

pub fn trust(config: Option<&Path>, args: &TrustArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let offer = api.host_key(&args.name).map_err(api_fail)?;
    write_stdout(&format!(
        "{} ({}:{}) presents this {} key:\n  {}\n",
        offer.machine,
        offer.address,
        offer.port,
        offer.presented.key_type,
        offer.presented.fingerprint
    ))?;
    if offer.already_trusted() {
        write_stdout(&format!(
            "This key is already trusted (in {}); nothing to do.\n",
            offer.known_hosts
        ))?;
        return Ok(0);
    }
    if !offer.trusted.is_empty() {
        write_stdout(&format!(
            "It is NOT the key trusted before, which was:\n{}\nIf the machine was reinstalled or its keys were regenerated, that explains it; otherwise someone may be intercepting the connection. Trusting the new key replaces the old one.\n",
            offer
                .trusted
                .iter()
                .map(|k| format!("  {} {}", k.key_type, k.fingerprint))
                .collect::<Vec<_>>()
                .join("\n")
        ))?;
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(fail(
                EXIT_USAGE,
                anyhow::anyhow!("not recorded: confirm on a terminal, or pass --yes once the fingerprint is checked"),
            ));
        }
        print!("Is this the fingerprint shown on the machine itself (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub)? Type yes to trust it: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if answer.trim() != "yes" {
            println!("Not recorded.");
            return Ok(1);
        }
    }
    let replaced = api
        .trust_host_key(&offer.machine, &offer.presented.fingerprint)
        .map_err(api_fail)?;
    if replaced.is_empty() {
        println!("Trusted: recorded in {}.", offer.known_hosts);
    } else {
        println!(
            "Trusted: recorded in {}, replacing {}.",
            offer.known_hosts,
            replaced
                .iter()
                .map(|k| k.fingerprint.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(0)
}

pub fn list(config: Option<&Path>, args: &HostsListArgs) -> Result<u8, Fail> {
    let api = local(config)?;
    let inventory = api.machines().map_err(api_fail)?;
    let (machines, problems) = (&inventory.machines, &inventory.problems);
    match args.format {
        Format::Json => json_out(&serde_json::json!({
            "machines": machines.iter().map(|m| serde_json::json!({
                "name": m.name,
                "address": m.address,
                "port": m.port,
                "user": m.user,
                "os": m.os.as_deref().unwrap_or("auto"),
                "roles": m.roles,
                "simulated": m.simulated,
                "audit": m.audit,
                "source": m.source,
            })).collect::<Vec<_>>(),
            "problems": problems.iter().map(|f| f.summary.clone()).collect::<std::collections::BTreeSet<_>>(),
        }))?,
        Format::Text => write_stdout(&render::machines_table(machines, problems))?,
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}
