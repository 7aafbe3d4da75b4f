//! The filter change planted in St. Example's web filter: pupils' filter lets
//! `ctiru.testfiltering.com` through with no risk assessment, and `www.youtube.com` after an
//! approved one. A change is only seen against an earlier run, so [`FilterLab::before_the_change`]
//! puts the filter back as it was before (both blocked for pupils) for a run to see, and
//! [`FilterLab::after_the_change`] makes the change again.

use super::config::{
    ASSESSED_UNBLOCK, BLOCK_TEMPLATE, PUPIL_PORT, PUPIL_UNBLOCKED_LINE, UNASSESSED_UNBLOCK,
};
use super::FilterLab;
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
        let path = self.dir.join("squid/squid.conf");
        let conf = std::fs::read_to_string(&path).map_err(|e| LabError::io("reading", &path, e))?;
        let conf = without_before(&conf);
        let Some(at) = conf.find(PUPIL_UNBLOCKED_LINE) else {
            return Err(LabError::State(format!(
                "{}: no line {:?} to put the old rules before",
                path.display(),
                PUPIL_UNBLOCKED_LINE.trim()
            )));
        };
        let mut changed = conf.clone();
        changed.insert_str(
            at,
            &format!(
                "{BEFORE_START}\nacl before_change dstdomain -n {UNASSESSED_UNBLOCK} {ASSESSED_UNBLOCK}\n\
                 http_access deny {PUPIL_PORT}_port before_change\n\
                 deny_info {BLOCK_TEMPLATE} before_change\n{BEFORE_END}\n"
            ),
        );
        crate::util::write_file(&path, &changed)?;
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
                "[[filter.test]]\nurl = \"{}\"\ncategory = \"video\"\nexpect = \"load\"\ntoken = \"{}\"\n",
                site.url, site.token
            ));
        }
        s
    }

    /// Makes the planted change again after [`FilterLab::before_the_change`]: the filter as the
    /// lab starts it.
    pub fn after_the_change(&self) -> Result<(), LabError> {
        let path = self.dir.join("squid/squid.conf");
        let conf = std::fs::read_to_string(&path).map_err(|e| LabError::io("reading", &path, e))?;
        crate::util::write_file(&path, &without_before(&conf))?;
        self.reconfigure()
    }
}

/// squid's configuration without what [`FilterLab::before_the_change`] added.
fn without_before(conf: &str) -> String {
    let mut out = String::with_capacity(conf.len());
    let mut skipping = false;
    for line in conf.split_inclusive('\n') {
        if line.trim_end() == BEFORE_START {
            skipping = true;
        } else if line.trim_end() == BEFORE_END {
            skipping = false;
        } else if !skipping {
            out.push_str(line);
        }
    }
    out
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
