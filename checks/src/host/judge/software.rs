//! The software check: what a person installed, matched against the approved list for the
//! machine's OS; and the allowlist helpers it uses.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::{evidence, unknown, HostThresholds, MAX_NAMED, SOFTWARE};
use crate::host::parse::{clip, HostFacts, Package};
use crate::host::{HostInfo, OsFamily};
use crate::model::{Finding, Severity, Status};

/// Compiles case-insensitive globs; bad patterns are returned by text.
pub fn compile_allowlist(globs: &[String]) -> (GlobSet, Vec<String>) {
    let mut b = GlobSetBuilder::new();
    let mut bad = Vec::new();
    for g in globs {
        match GlobBuilder::new(g)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
        {
            Ok(glob) => {
                b.add(glob);
            }
            Err(_) => bad.push(g.clone()),
        }
    }
    let set = b.build().unwrap_or_else(|_| GlobSet::empty());
    (set, bad)
}

/// The packages no glob in `set` matches, sorted and without duplicates.
pub fn unapproved<'a>(set: &GlobSet, packages: &'a [Package]) -> Vec<&'a Package> {
    let mut out: Vec<&Package> = packages.iter().filter(|p| !set.is_match(&p.name)).collect();
    out.sort();
    out.dedup();
    out
}

/// True for a package that came with the operating system rather than from a person: dpkg
/// priority required, important or standard (the base system every install has), the installer's
/// tasks and metapackages (section `tasks`, `metapackages`), the kernel (section `kernel`) and
/// the boot loader the installer put there (`grub-*`, `shim-*`).
pub fn is_os_package(p: &Package) -> bool {
    let prio = p.priority.as_deref().unwrap_or("");
    let section = p.section.as_deref().unwrap_or("");
    let section = section.rsplit('/').next().unwrap_or(section);
    matches!(prio, "required" | "important" | "standard")
        || matches!(section, "tasks" | "metapackages" | "kernel")
        || p.name.starts_with("grub-")
        || p.name.starts_with("shim-")
}

/// What a person installed on a Linux machine, as names: packages marked manual that are not the
/// OS's own, packages from no archive, and software outside the package manager (snaps that were
/// not seeded with the OS, flatpaks, folders in /opt). Each with its version where known.
pub fn installed_by_hand(sw: &crate::host::parse::Software) -> Vec<Package> {
    let mut out: Vec<Package> = sw
        .packages
        .iter()
        .filter(|p| {
            sw.local.iter().any(|l| l == &p.name) || (p.manual == Some(true) && !is_os_package(p))
        })
        .cloned()
        .collect();
    for o in &sw.outside {
        out.push(Package {
            name: o.clone(),
            ..Package::default()
        });
    }
    out
}

/// The name a glob is matched against: `snap firefox` → `firefox`, `/opt/google` → `google`.
fn match_name(name: &str) -> &str {
    if let Some(n) = name
        .strip_prefix("snap ")
        .or_else(|| name.strip_prefix("flatpak "))
    {
        n
    } else if name.starts_with("/opt/") {
        name.rsplit('/').next().unwrap_or(name)
    } else {
        name
    }
}

pub(super) fn software(host: &HostInfo, facts: &HostFacts, th: &HostThresholds) -> Finding {
    let mut ev = evidence(host, facts, &[]);
    let Some(sw) = &facts.software else {
        return unknown(SOFTWARE, host, facts, ev, "the list of installed software");
    };
    ev.push("manager", sw.manager.as_deref().unwrap_or("unknown"));
    ev.push("installed", sw.packages.len());
    if sw.truncated {
        ev.push(
            "truncated",
            format!(
                "only {} of {} listed",
                sw.packages.len(),
                sw.total.map_or("?".into(), |t| t.to_string())
            ),
        );
    }
    // On Linux the OS's own packages are approved by default: what is judged is what a person
    // installed.
    let by_hand = host.os == OsFamily::Linux && sw.marks_known;
    let judged: Vec<Package> = if by_hand {
        ev.push(
            "judged",
            "what a person installed: packages marked manual (apt-mark showmanual) that are not the OS's own, packages from no archive, snaps, flatpaks and /opt; the OS's own packages (priority required/important/standard, tasks, kernel, boot loader) are approved by default",
        );
        if !sw.origin_known {
            ev.push(
                "origin",
                "no apt package lists on the machine, so packages installed from outside the archive could not be told apart (only the manual marks were used)",
            );
        }
        for l in sw.local.iter().take(MAX_NAMED) {
            ev.push("from_no_archive", l);
        }
        let j = installed_by_hand(sw);
        ev.push("installed_by_hand", j.len());
        j
    } else {
        if host.os == OsFamily::Linux {
            ev.push(
                "judged",
                "every installed package (apt's manual marks could not be read)",
            );
        }
        sw.packages.clone()
    };
    let key = format!("hosts.allowed_software.{}", host.os.as_str());
    let what = if by_hand { " installed by hand" } else { "" };
    let globs = th.software_allow(host.os);
    if globs.is_empty() {
        return Finding::new(
            SOFTWARE,
            host.target(),
            Status::Warn,
            Severity::Low,
            format!(
                "No list of approved software has been agreed for {} computers, so the {} program{}{what} on this one {} not compared with it.",
                host.os.as_str(),
                judged.len(),
                if judged.len() == 1 { "" } else { "s" },
                if judged.len() == 1 { "was" } else { "were" },
            ),
            ev,
        )
        .fix(format!(
            "Add the approved names (globs such as \"firefox*\") to `{key}` in caretaker.toml."
        ));
    }
    let (set, bad) = compile_allowlist(globs);
    for b in &bad {
        ev.push("bad_glob", b);
    }
    let mut extra: Vec<&Package> = judged
        .iter()
        .filter(|p| !set.is_match(match_name(&p.name)))
        .collect();
    extra.sort();
    extra.dedup();
    ev.push("unapproved_count", extra.len());
    for p in extra.iter().take(MAX_NAMED) {
        ev.push("unapproved", format!("{} {}", p.name, p.version).trim());
    }
    if extra.is_empty() {
        let status = if sw.truncated || !bad.is_empty() {
            Status::Warn
        } else {
            Status::Pass
        };
        let summary = if sw.truncated {
            "All the software listed on this computer is approved, but the list was too long to read in full.".to_string()
        } else if by_hand {
            format!(
                "All {} program{} installed by hand on this computer {} on the approved list; the rest is the operating system's own.",
                judged.len(),
                if judged.len() == 1 { "" } else { "s" },
                if judged.len() == 1 { "is" } else { "are" }
            )
        } else {
            "All the software installed on this computer is on the approved list.".to_string()
        };
        let f = Finding::new(
            SOFTWARE,
            host.target(),
            status,
            if status == Status::Pass {
                Severity::Info
            } else {
                Severity::Low
            },
            summary,
            ev,
        );
        return if status == Status::Pass {
            f
        } else {
            f.fix(format!(
                "Fix the invalid globs named in the evidence (in `{key}`), or raise the probe's list cap."
            ))
        };
    }
    let names: Vec<String> = extra.iter().take(3).map(|p| clip(&p.name, 60)).collect();
    let more = if extra.len() > 3 {
        format!(" and {} more", extra.len() - 3)
    } else {
        String::new()
    };
    let uninstall = match host.os {
        OsFamily::Windows => {
            "uninstall it (Settings → Apps, or `winget uninstall --name \"<name>\"`)"
        }
        OsFamily::Linux => "remove it (`apt-get remove <package>`, `snap remove <name>` or `flatpak uninstall <id>`)",
        OsFamily::Macos => "delete it from /Applications",
    };
    Finding::new(
        SOFTWARE,
        host.target(),
        Status::Fail,
        Severity::Medium,
        format!(
            "{} program{}{what} on this computer {} not on the approved list: {}{more}.",
            extra.len(),
            if extra.len() == 1 { "" } else { "s" },
            if extra.len() == 1 { "is" } else { "are" },
            names.join(", ")
        ),
        ev,
    )
    .fix(format!(
        "For each program named under \"unapproved\": if it is needed, add it to `{key}` in caretaker.toml; otherwise {uninstall} and find out who installed it."
    ))
}
