//! `directory.admin-count`: no more accounts hold full admin rights than the school allows.
//!
//! Cyber Essentials asks that admin rights be kept to the people who need them; a school sets how
//! many that is with `max_admins` (default 5). The admins are the enabled members, directly or
//! through nested groups, of the privileged groups `directory.privileged` judges (AD's Domain,
//! Enterprise and Schema Admins and Administrators, or `privileged_groups`, or the admins
//! population's groups).

use caretaker_config::docs::FieldDoc;

use super::judge::Ctx;
use crate::model::{Finding, Severity, Status, Target, TargetKind};
use crate::registry::{AreaId, CheckSpec};

pub const ADMIN_COUNT: CheckSpec = CheckSpec {
    id: "directory.admin-count",
    title: "Admin rights kept to the few who need them",
    area: AreaId::Directory,
    column: "admin-count",
    clauses: &["7.4/logins"],
    could_not: "Could not count the accounts with full admin rights",
    settings: &[FieldDoc {
        key: "directory[].max_admins",
        kind: "integer",
        default: "5",
        doc: "The most enabled accounts that may hold full admin rights (members, directly or through nested groups, of the privileged groups): more fails directory.admin-count. Cyber Essentials asks that admin rights be kept to those who need them. The old name max_privileged is accepted.",
    }],
};

/// How many names the summary lists before "and N more" (evidence lists them all).
const NAMED: usize = 10;

/// One finding about the directory's admins population.
pub(crate) fn judge(ctx: &Ctx<'_>, spec: &CheckSpec) -> Vec<Finding> {
    let dir = ctx.dir;
    let target = Target::new(TargetKind::Group, "admins", dir.name.clone());
    let groups = ctx.privileged_group_names();
    let missing = ctx.missing_privileged_groups();
    let (enabled, unreadable) = ctx.admin_accounts();
    let max = dir.max_admins as usize;
    let mut names: Vec<&str> = enabled.iter().map(|(_, a)| a.name()).collect();
    names.sort_unstable_by_key(|n| n.to_lowercase());
    let unsure: Vec<&str> = unreadable.iter().map(|(a, _)| a.name()).collect();
    let ev = ctx
        .evidence()
        .with("count", names.len())
        .with("max_admins", max)
        .with("accounts", names.join(", "))
        .with("groups", groups.join(", "));
    let fix = if ctx.dir.kind == caretaker_config::DirectoryKind::ActiveDirectory {
        "Take admin rights off every account that does not need them for its work (samba-tool group removemembers \"Domain Admins\" NAME, or Active Directory Users and Computers). If each one is needed, raise max_admins for this [[directory]] in caretaker.toml and record why."
    } else {
        "Take admin rights off every account that does not need them for its work (delete its member value from the admin group with ldapmodify). If each one is needed, raise max_admins for this [[directory]] in caretaker.toml and record why."
    };
    let listed = |names: &[&str]| {
        if names.len() > NAMED {
            format!(
                "{} and {} more",
                names[..NAMED].join(", "),
                names.len() - NAMED
            )
        } else {
            names.join(", ")
        }
    };
    if names.len() > max {
        return vec![Finding::new(
            spec.id,
            target,
            Status::Fail,
            Severity::Medium,
            format!(
                "{} full admin rights in \"{}\"; the school's policy allows at most {max}: {}.",
                match names.len() {
                    1 => "1 account has".to_string(),
                    n => format!("{n} accounts have"),
                },
                dir.name,
                listed(&names)
            ),
            ev,
        )
        .fix(fix)];
    }
    if groups.is_empty() && missing.is_empty() {
        return vec![Finding::new(
            spec.id,
            target,
            Status::Warn,
            Severity::Medium,
            format!(
                "It is not known which accounts in \"{}\" have admin rights, so they could not be counted.",
                dir.name
            ),
            ev.with("privileged_groups", "none configured or found"),
        )
        .fix("In caretaker.toml set privileged_groups = [\"cn=admins,ou=groups,…\"] (or populations.admins.groups).")];
    }
    if !missing.is_empty() || names.len() + unsure.len() > max {
        let why = if missing.is_empty() {
            format!(
                "whether {} {} switched on could not be read",
                unsure.join(", "),
                if unsure.len() == 1 { "is" } else { "are" }
            )
        } else {
            format!(
                "the admin group {} was not found in \"{}\"",
                missing.join(", "),
                dir.name
            )
        };
        return vec![Finding::error(
            spec.id,
            target,
            format!("{}: {why}.", spec.could_not),
            ev.with("unreadable", unsure.join(", "))
                .with("missing_groups", missing.join(", ")),
        )
        .fix("Correct privileged_groups in caretaker.toml (full DNs), or give caretaker read access to the admin groups and their members.")];
    }
    vec![Finding::new(
        spec.id,
        target,
        Status::Pass,
        Severity::Info,
        format!(
            "{} in \"{}\" {} full admin rights, within the school's limit of {max}.",
            match names.len() {
                1 => "1 account".to_string(),
                n => format!("{n} accounts"),
            },
            dir.name,
            if names.len() == 1 { "has" } else { "have" }
        ),
        ev,
    )]
}
