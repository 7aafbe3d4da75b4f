//! The filter change planted in St. Example's web filter: pupils' filter lets
//! `ctiru.testfiltering.com` through with no risk assessment, and `scratch.mit.edu` after an
//! approved one. A change is only seen against an earlier run, so [`FilterLab::before_the_change`]
//! puts the filter back as it was before (both blocked for pupils) for a run to see, and
//! [`FilterLab::after_the_change`] makes the change again.

use super::config::{
    ASSESSED_UNBLOCK, BLOCK_TEMPLATE, PUPIL_PORT, PUPIL_UNBLOCKED_LINE, UNASSESSED_UNBLOCK,
};
use super::FilterLab;
use std::path::Path;

use crate::{LabError, School};

const BEFORE_START: &str = "# as it was before the change (caretaker-lab before_the_change): start";
const BEFORE_END: &str = "# as it was before the change: end";

/// The host names the change unblocked for pupils: (with no risk assessment, after an approved
/// one).
pub const CHANGED_FOR_PUPILS: (&str, &str) = (UNASSESSED_UNBLOCK, ASSESSED_UNBLOCK);

impl FilterLab {
    /// Puts pupils' filter back as it was before the planted change: both
    /// [`CHANGED_FOR_PUPILS`] blocked (St. Example's only). Undone by
    /// [`FilterLab::after_the_change`].
    pub fn before_the_change(&self) -> Result<(), LabError> {
        if self.school != School::Example {
            return Err(LabError::State(
                "only St. Example's web filter has a planted change".into(),
            ));
        }
        rewrite(&self.dir.join("squid/squid.conf"), true)?;
        self.reconfigure()
    }

    /// The school's own `[[filter.test]]` entries for caretaker.toml (St. Example's: the site it
    /// unblocked for pupils after a risk assessment, which it now tests must load).
    pub fn own_tests_toml(&self) -> String {
        if self.school != School::Example {
            return String::new();
        }
        let mut s = String::from(
            "\n# The school's own test: unblocked for pupils after an approved risk assessment.\n",
        );
        for site in super::sites::own_tests() {
            s.push_str(&format!(
                "[[filter.test]]\nurl = \"{}\"\ncategory = \"coding\"\nexpect = \"load\"\ntoken = \"{}\"\n",
                site.url, site.token
            ));
        }
        s
    }

    /// The approved risk assessment of unblocking scratch.mit.edu for pupils, as
    /// `caretaker assess add --file` reads it (St. Example's only).
    pub fn change_assessment_toml(&self) -> Option<String> {
        (self.school == School::Example).then(|| {
            format!(
                "# The approved risk assessment of the planted filter change's look-alike:\n\
                 # caretaker assess add --file THIS --config caretaker.toml\n\
                 requested_by = \"Mrs Patel (computing lead)\"\n\
                 reason = \"Scratch projects in the Year 5 and 6 computing units\"\n\
                 mitigations = \"Class accounts made by the teacher; comments turned off for the class\"\n\
                 risk_level = \"low\"\n\
                 educational_assessor = \"Mrs Patel\"\n\
                 technical_assessor = \"R. Singh (network manager)\"\n\
                 decision = \"approve\"\n\
                 applied_on = {today}\n\
                 review_by = \"{review}\"\n\n\
                 [risks]\n\
                 content = \"Other users' shared projects\"\n\
                 contact = \"Comments (turned off)\"\n\
                 conduct = \"none\"\n\n\
                 [change]\n\
                 action = \"unblock\"\n\
                 site = \"{ASSESSED_UNBLOCK}\"\n\
                 groups = [\"pupils\"]\n",
                today = time::OffsetDateTime::now_utc().date(),
                review = format_args!("{}-07-31", time::OffsetDateTime::now_utc().year() + 1),
            )
        })
    }

    /// Makes the planted change again after [`FilterLab::before_the_change`]: the filter as the
    /// lab starts it.
    pub fn after_the_change(&self) -> Result<(), LabError> {
        rewrite(&self.dir.join("squid/squid.conf"), false)?;
        self.reconfigure()
    }
}

/// [`FilterLab::before_the_change`] (`before`) or [`FilterLab::after_the_change`] for a lab left
/// running in `lab_dir` (`caretaker-lab filter-change`): squid found from the pid the lab
/// recorded.
pub fn change_detached(lab_dir: &Path, before: bool) -> Result<(), LabError> {
    let fdir = lab_dir.join("filter");
    let recorded = super::stop::read_state(lab_dir)?.ok_or_else(|| {
        LabError::State(format!(
            "no web filter lab is running in {}",
            lab_dir.display()
        ))
    })?;
    let pid = recorded
        .servers
        .iter()
        .find(|(_, name)| name == "squid")
        .map(|(pid, _)| *pid)
        .ok_or_else(|| {
            LabError::State(format!(
                "{}: no squid (St. Example's only)",
                fdir.join("state").display()
            ))
        })?;
    let running = || {
        if crate::process::pid_alive(pid) {
            Ok(())
        } else {
            Err(LabError::State(format!(
                "squid (pid {pid}) of {} is not running",
                lab_dir.display()
            )))
        }
    };
    running()?;
    rewrite(&fdir.join("squid/squid.conf"), before)?;
    super::reload_squid(pid, &fdir.join("logs/squid.log"), running)
}

/// Writes squid's configuration at `path` as before the change (`before`) or after it.
fn rewrite(path: &Path, before: bool) -> Result<(), LabError> {
    let conf = std::fs::read_to_string(path).map_err(|e| LabError::io("reading", path, e))?;
    let mut conf = without_before(&conf);
    if before {
        let Some(at) = conf.find(PUPIL_UNBLOCKED_LINE) else {
            return Err(LabError::State(format!(
                "{}: no line {:?} to put the old rules before (St. Example's squid only)",
                path.display(),
                PUPIL_UNBLOCKED_LINE.trim()
            )));
        };
        conf.insert_str(
            at,
            &format!(
                "{BEFORE_START}\nacl before_change dstdomain -n {UNASSESSED_UNBLOCK} {ASSESSED_UNBLOCK}\n\
                 http_access deny {PUPIL_PORT}_port before_change\n\
                 deny_info {BLOCK_TEMPLATE} before_change\n{BEFORE_END}\n"
            ),
        );
    }
    crate::util::write_file(path, &conf)
}

/// squid's configuration without what [`FilterLab::before_the_change`] added.
fn without_before(conf: &str) -> String {
    super::without_block(conf, BEFORE_START, BEFORE_END)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_added_is_taken_out_and_nothing_else() {
        let conf = format!("a\n{BEFORE_START}\nx\n{BEFORE_END}\n{PUPIL_UNBLOCKED_LINE}b\n");
        assert_eq!(
            without_before(&conf),
            format!("a\n{PUPIL_UNBLOCKED_LINE}b\n")
        );
        assert_eq!(without_before("a\nb\n"), "a\nb\n");
    }
}
