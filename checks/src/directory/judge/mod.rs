//! Pure functions from facts, the directory's configuration and `now` to findings.
//!
//! Every summary is one sentence a headteacher understands; the evidence holds what was read; every
//! finding that is not a pass says what to do.

mod connect;
mod context;
mod guest;
mod logins;
mod passwords;
mod policy;
mod policy_findings;
mod privileged;
mod stale;

use caretaker_config::{
    Directory, Population, Thresholds, ADMIN_DEFAULTS, PUPIL_DEFAULTS, STAFF_DEFAULTS,
};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use time::OffsetDateTime;

use super::parse::Facts;
use crate::model::Finding;
use crate::registry::CheckSpec;

pub(crate) use context::Ctx;

pub(crate) const CONNECT: &str = super::CONNECT.id;
pub(crate) const PASSWORD_POLICY: &str = super::PASSWORD_POLICY.id;
pub(crate) const LOCKOUT: &str = super::LOCKOUT.id;
pub(crate) const PASSWORD_NOT_REQUIRED: &str = super::PASSWORD_NOT_REQUIRED.id;
pub(crate) const PASSWORD_NEVER_EXPIRES: &str = super::PASSWORD_NEVER_EXPIRES.id;
pub(crate) const STALE_ACCOUNTS: &str = super::STALE_ACCOUNTS.id;
pub(crate) const GUEST: &str = super::GUEST.id;
pub(crate) const PRIVILEGED: &str = super::PRIVILEGED.id;
pub(crate) const SHARED_LOGINS: &str = super::SHARED_LOGINS.id;
pub(crate) const OWN_LOGINS: &str = super::OWN_LOGINS.id;

/// How many names an aggregate finding lists in its evidence.
const MAX_NAMES: usize = 20;

/// The built-in AD groups whose members hold full admin rights, in the order a finding names them,
/// with their well-known RIDs (Administrators is S-1-5-32-544).
const AD_ADMIN_GROUPS: [(&str, u32, &str); 4] = [
    ("Domain Admins", 512, "a Domain Admin"),
    ("Enterprise Admins", 519, "an Enterprise Admin"),
    ("Schema Admins", 518, "a Schema Admin"),
    ("Administrators", 544, "in the Administrators group"),
];

/// The three populations, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pop {
    Staff,
    Pupils,
    Admins,
}

impl Pop {
    const ALL: [Pop; 3] = [Pop::Staff, Pop::Pupils, Pop::Admins];

    fn key(self) -> &'static str {
        match self {
            Pop::Staff => "staff",
            Pop::Pupils => "pupils",
            Pop::Admins => "admins",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Pop::Staff => 1,
            Pop::Pupils => 2,
            Pop::Admins => 4,
        }
    }

    fn config(self, dir: &Directory) -> &Population {
        match self {
            Pop::Staff => &dir.populations.staff,
            Pop::Pupils => &dir.populations.pupils,
            Pop::Admins => &dir.populations.admins,
        }
    }

    fn thresholds(self, dir: &Directory) -> Thresholds {
        let defaults = match self {
            Pop::Staff => STAFF_DEFAULTS,
            Pop::Pupils => PUPIL_DEFAULTS,
            Pop::Admins => ADMIN_DEFAULTS,
        };
        self.config(dir).thresholds(defaults)
    }
}

/// Judges one directory. Findings come in [`super::CHECK_IDS`] order: each check of
/// [`super::CHECKS`] in turn.
pub fn judge(f: &Facts, dir: &Directory, now: OffsetDateTime) -> Vec<Finding> {
    let ctx = Ctx::new(f, dir, now);
    super::CHECKS
        .iter()
        .flat_map(|(spec, run)| run(&ctx, spec))
        .collect()
}

/// The checks judged in this module, by id (each of [`super::CHECKS`] that names this function).
pub(crate) fn builtin(ctx: &Ctx<'_>, spec: &CheckSpec) -> Vec<Finding> {
    match spec.id {
        CONNECT => vec![ctx.connect()],
        PASSWORD_POLICY => ctx.policies().0.clone(),
        LOCKOUT => ctx.policies().1.clone(),
        PASSWORD_NOT_REQUIRED => ctx.password_not_required(),
        PASSWORD_NEVER_EXPIRES => ctx.password_never_expires(),
        STALE_ACCOUNTS => ctx.stale_accounts(),
        GUEST => ctx.guest(),
        PRIVILEGED => ctx.privileged_accounts(),
        SHARED_LOGINS => ctx.shared_logins(),
        OWN_LOGINS => ctx.own_logins(),
        _ => Vec::new(),
    }
}

/// Case-insensitive glob patterns. With `lowercase`, the patterns are lowercased and matched
/// case-sensitively against lowercased names, which lets globset use its fast literal
/// prefix/suffix strategies (the shared-login patterns are matched against every account).
fn build_globs(patterns: &[String], lowercase: bool, bad: &mut Vec<String>) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let built = if lowercase {
            GlobBuilder::new(&p.to_lowercase())
                .literal_separator(false)
                .build()
        } else {
            GlobBuilder::new(p)
                .case_insensitive(true)
                .literal_separator(false)
                .build()
        };
        match built {
            Ok(g) => {
                b.add(g);
            }
            Err(e) => bad.push(format!("{p}: {e}")),
        }
    }
    b.build().unwrap_or_else(|e| {
        bad.push(e.to_string());
        GlobSet::empty()
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Quotes a name for a shell command line when it needs it.
fn sh(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

fn names_list(names: &[&str]) -> String {
    let mut shown: Vec<&str> = names.iter().take(MAX_NAMES).copied().collect();
    shown.sort_unstable();
    let mut s = shown.join(", ");
    if names.len() > MAX_NAMES {
        s.push_str(&format!(" (and {} more)", names.len() - MAX_NAMES));
    }
    s
}
