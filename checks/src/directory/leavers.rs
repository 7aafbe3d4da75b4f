//! `directory.leavers`: nobody who has left keeps an enabled account.
//!
//! The DfE cyber security standards expect accounts to be disabled as soon as someone leaves.
//! Each `[[directory.roster]]` is an export of the school's management information system (SIMS,
//! Arbor, Bromcom): the people who are here, with their leaving dates. An enabled account of a
//! person in a population a roster covers (`covers`, default every person's account) fails when
//! no covering roster lists it, by login name (sAMAccountName or uid) or email (mail), or when
//! its row's leaving date has passed. A disabled account is not judged: disabling is the fix.
//! Accounts that belong to no person (built-in, service, class or room logins, as
//! `directory.shared-logins` tells them) are never judged; a separate admin account (named as
//! `admin_account_patterns` say) is matched by its everyday login too (`j.smith-admin` as
//! `j.smith`). A roster older than `max_age_days` (by its file's time) is a warning, and one that
//! cannot be read is an `error`, never a pass.
//!
//! Personal data: of the file, only each row's login, email and leaving date are read, and only
//! to match; findings (which are stored) name the account's login, the roster's path, format and
//! date, and the leaving date; never a name, an email address or any other column.
//!
//! A directory with no `[[directory.roster]]` has no findings from this check.

use std::collections::HashMap;
use std::path::Path;

use caretaker_config::docs::FieldDoc;
use caretaker_config::Roster as RosterConfig;
use caretaker_model::leadership::long_day;
use time::OffsetDateTime;

use super::judge::Ctx;
use super::parse::Account;
use super::people::{ADMIN_PREFIXES, ADMIN_SUFFIXES};
use super::roster::{parse_roster, Columns, Roster};
use crate::model::{Evidence, Finding, Severity, Status, Target, TargetKind};
use crate::registry::{AreaId, CheckSpec};

pub const LEAVERS: CheckSpec = CheckSpec {
    id: "directory.leavers",
    title: "Leavers' accounts are switched off",
    area: AreaId::Directory,
    column: "leavers",
    clauses: &["7.4/logins"],
    could_not: "Could not check that leavers' accounts are switched off",
    settings: &[
        FieldDoc {
            key: "directory[].roster[].path",
            kind: "path",
            default: "none (required)",
            doc: "[[directory.roster]]: the CSV export of the school's management information system listing the people who are here, with leaving dates (directory.leavers). It holds personal data: caretaker reads only each row's login, email and leaving date, to match accounts, and keeps none of it beyond the login name. Refused if others could change it.",
        },
        FieldDoc {
            key: "directory[].roster[].format",
            kind: "string",
            default: "none (required)",
            doc: "sims, arbor, bromcom or custom: which column names are built in (login: Login, Username; email: Work Email Address, Email Address, Work Email; leaving date: Leaving Date, End Date; case and spaces do not matter). With custom, name the columns.",
        },
        FieldDoc {
            key: "directory[].roster[].covers",
            kind: "list of strings",
            default: "[] (every person's account)",
            doc: "The populations the export lists (staff, pupils, admins): an enabled account in one of them that is not on the roster fails. Accounts of no person (built-in, service, class logins) are never judged.",
        },
        FieldDoc {
            key: "directory[].roster[].login_column",
            kind: "string",
            default: "the format's",
            doc: "The header of the column holding the login name (sAMAccountName or uid).",
        },
        FieldDoc {
            key: "directory[].roster[].email_column",
            kind: "string",
            default: "the format's",
            doc: "The header of the column holding the email address (matched with mail).",
        },
        FieldDoc {
            key: "directory[].roster[].leaving_column",
            kind: "string",
            default: "the format's",
            doc: "The header of the column holding the leaving date (31/08/2026 or 2026-08-31): once it has passed, an enabled account fails.",
        },
        FieldDoc {
            key: "directory[].roster[].max_age_days",
            kind: "integer",
            default: "7",
            doc: "A roster file not changed for longer than this is a warning: export it again.",
        },
    ],
};

/// A roster's rows by lowercased login or email.
type RowsBy<'a> = HashMap<&'a str, usize>;

/// A roster read for judging, with what evidence says about it.
struct Read<'a> {
    cfg: &'a RosterConfig,
    roster: Roster,
    exported: Option<OffsetDateTime>,
}

fn roster_target(cfg: &RosterConfig, dir: &str) -> Target {
    let name = cfg
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| cfg.path.display().to_string());
    Target::new(TargetKind::Group, name, dir)
}

fn roster_evidence(
    ctx: &Ctx<'_>,
    cfg: &RosterConfig,
    exported: Option<OffsetDateTime>,
) -> Evidence {
    let mut ev = ctx
        .evidence()
        .with("roster", cfg.path.display())
        .with("format", cfg.format.as_str());
    if let Some(t) = exported {
        ev.push("exported", long_day(t.date()));
    }
    ev
}

/// Reads a roster file: at most 1 MiB, a regular file; its time is when it was exported.
fn read_file(path: &Path) -> Result<(Vec<u8>, Option<OffsetDateTime>), String> {
    let bytes = caretaker_config::read_bounded(path)?;
    let mtime = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(OffsetDateTime::from);
    Ok((bytes, mtime))
}

/// The logins an account may be listed under: its own, and for a separate admin account the
/// everyday login it is named after.
fn logins(ctx: &Ctx<'_>, a: &Account) -> Vec<String> {
    let name = a.name().to_lowercase();
    let mut v = vec![name.clone()];
    if ctx.is_admin_named(a) {
        for p in ADMIN_PREFIXES {
            if let Some(rest) = name.strip_prefix(p).filter(|r| !r.is_empty()) {
                v.push(rest.to_string());
            }
        }
        for s in ADMIN_SUFFIXES {
            if let Some(rest) = name.strip_suffix(s).filter(|r| !r.is_empty()) {
                v.push(rest.to_string());
            }
        }
    }
    v
}

pub(crate) fn judge(ctx: &Ctx<'_>, spec: &CheckSpec) -> Vec<Finding> {
    let dir = ctx.dir;
    if dir.rosters.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut read: Vec<Read<'_>> = Vec::new();
    let mut unreadable: Vec<&RosterConfig> = Vec::new();
    for cfg in &dir.rosters {
        let cols = Columns {
            format: Some(cfg.format),
            login: cfg.login_column.as_deref(),
            email: cfg.email_column.as_deref(),
            leaving: cfg.leaving_column.as_deref(),
        };
        let parsed =
            read_file(&cfg.path).and_then(|(bytes, t)| parse_roster(&bytes, &cols).map(|r| (r, t)));
        match parsed {
            Ok((roster, exported)) => {
                let ev = roster_evidence(ctx, cfg, exported).with("rows", roster.rows.len());
                let age = exported.map(|t| (ctx.now() - t).whole_days());
                if age.is_none_or(|d| d > i64::from(cfg.max_age_days)) {
                    out.push(
                        Finding::new(
                            spec.id,
                            roster_target(cfg, &dir.name),
                            Status::Warn,
                            Severity::Low,
                            format!(
                                "The list of who is at the school from {} is {}, so a recent leaver may still look current.",
                                cfg.format.system(),
                                match age {
                                    Some(d) => format!("{d} days old (more than {})", cfg.max_age_days),
                                    None => "of unknown age".to_string(),
                                }
                            ),
                            ev.with("max_age_days", cfg.max_age_days),
                        )
                        .fix(format!(
                            "Export the list again from {} to {} (a nightly scheduled report keeps it fresh).",
                            cfg.format.system(),
                            cfg.path.display()
                        )),
                    );
                }
                read.push(Read {
                    cfg,
                    roster,
                    exported,
                });
            }
            Err(reason) => {
                unreadable.push(cfg);
                out.push(
                    Finding::error(
                        spec.id,
                        roster_target(cfg, &dir.name),
                        format!(
                            "{}: the list from {} at {} could not be read: {reason}.",
                            spec.could_not,
                            cfg.format.system(),
                            cfg.path.display()
                        ),
                        roster_evidence(ctx, cfg, None).with("reason", &reason),
                    )
                    .fix("Export the list again as CSV, or correct path, format and the *_column keys of this [[directory.roster]] in caretaker.toml."),
                );
            }
        }
    }

    // Which rosters cover an account: those naming one of its populations, or every person.
    let covers = |i: usize, cfg: &RosterConfig| {
        cfg.covers.is_empty() || cfg.covers.iter().any(|p| ctx.in_population(i, p))
    };
    // Lookups per readable roster: login and email to the row's index.
    let index: Vec<(RowsBy<'_>, RowsBy<'_>)> = read
        .iter()
        .map(|r| {
            let mut by_login = HashMap::new();
            let mut by_email = HashMap::new();
            for (k, row) in r.roster.rows.iter().enumerate() {
                if let Some(l) = &row.login {
                    by_login.entry(l.as_str()).or_insert(k);
                }
                if let Some(e) = &row.email {
                    by_email.entry(e.as_str()).or_insert(k);
                }
            }
            (by_login, by_email)
        })
        .collect();

    let today = ctx.now().date();
    let mut judged = 0usize;
    let mut failed = 0usize;
    for (i, a) in ctx.enabled_accounts() {
        if ctx.is_shared(i) || !super::people::is_person(&a.identity()) {
            continue;
        }
        let covering: Vec<usize> = (0..read.len())
            .filter(|r| read.get(*r).is_some_and(|r| covers(i, r.cfg)))
            .collect();
        let covered_by_unreadable = unreadable.iter().any(|c| covers(i, c));
        if covering.is_empty() {
            continue;
        }
        judged += 1;
        let names = logins(ctx, a);
        let mail = a.identity().mail().map(|m| m.trim().to_lowercase());
        // The first covering roster that lists the account, and how.
        let found = covering.iter().find_map(|&r| {
            let (by_login, by_email) = index.get(r)?;
            names
                .iter()
                .find_map(|n| by_login.get(n.as_str()).map(|k| (r, *k, "login")))
                .or_else(|| {
                    mail.as_deref()
                        .and_then(|m| by_email.get(m))
                        .map(|k| (r, *k, "email"))
                })
        });
        let base = |r: &Read<'_>| {
            roster_evidence(ctx, r.cfg, r.exported)
                .with("dn", a.dn())
                .with("login", a.name())
        };
        let fix = format!(
            "If they have left, switch the account off: {}. If they are still here, add them to {} and export the list again.",
            ctx.disable_command(a),
            read.first().map(|r| r.cfg.format.system()).unwrap_or("the list")
        );
        match found {
            None => {
                if covered_by_unreadable {
                    // Perhaps on the list that could not be read: its error says so.
                    continue;
                }
                let Some(r) = covering.first().and_then(|r| read.get(*r)) else {
                    continue;
                };
                failed += 1;
                out.push(
                    Finding::new(
                        spec.id,
                        ctx.account_target(a),
                        Status::Fail,
                        Severity::High,
                        format!(
                            "{} is not on the school's list of people from {}{}; the account is still switched on.",
                            a.name(),
                            r.cfg.format.system(),
                            r.exported
                                .map(|t| format!(" exported on {}", long_day(t.date())))
                                .unwrap_or_default()
                        ),
                        base(r).with("on_roster", "no"),
                    )
                    .fix(fix),
                );
            }
            Some((r, k, how)) => {
                let (Some(r), Some(row)) =
                    (read.get(r), read.get(r).and_then(|r| r.roster.rows.get(k)))
                else {
                    continue;
                };
                match &row.leaving {
                    Ok(Some(left)) if *left < today => {
                        failed += 1;
                        out.push(
                            Finding::new(
                                spec.id,
                                ctx.account_target(a),
                                Status::Fail,
                                Severity::High,
                                format!(
                                    "{} left on {}, and the account is still switched on.",
                                    a.name(),
                                    long_day(*left)
                                ),
                                base(r).with("matched_by", how).with("leaving_date", left),
                            )
                            .fix(fix),
                        );
                    }
                    Ok(_) => {}
                    Err(text) => {
                        out.push(
                            Finding::error(
                                spec.id,
                                ctx.account_target(a),
                                format!(
                                    "{}: the leaving date of {} in the list from {} is not a date (\"{text}\").",
                                    spec.could_not,
                                    a.name(),
                                    r.cfg.format.system()
                                ),
                                base(r).with("matched_by", how),
                            )
                            .fix("Correct the leaving date in the management information system (31/08/2026) and export the list again."),
                        );
                    }
                }
            }
        }
    }
    if failed == 0 && unreadable.is_empty() && !read.is_empty() {
        let systems: Vec<&str> = {
            let mut v: Vec<&str> = read.iter().map(|r| r.cfg.format.system()).collect();
            v.dedup();
            v
        };
        let mut ev = ctx.evidence().with("accounts", judged).with(
            "rosters",
            read.iter()
                .map(|r| r.cfg.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
        ev.push("formats", systems.join(", "));
        out.push(Finding::new(
            spec.id,
            ctx.dir_target(),
            Status::Pass,
            Severity::Info,
            format!(
                "Every enabled account of a person in \"{}\" ({judged}) belongs to someone on the school's list from {} who has not left.",
                dir.name,
                systems.join(" and ")
            ),
            ev,
        ));
    }
    out
}
