//! Runs: what started one, how it ended, its verdict and its counts, and what makes two
//! findings "the same finding" across runs.

use crate::finding::{Finding, Status};

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Manual,
    Cron,
    Schedule,
    Console,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Cron => "cron",
            Trigger::Schedule => "schedule",
            Trigger::Console => "console",
        }
    }

    pub fn parse(s: &str) -> Option<Trigger> {
        [
            Trigger::Manual,
            Trigger::Cron,
            Trigger::Schedule,
            Trigger::Console,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Running,
    Complete,
    Interrupted,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Complete => "complete",
            RunState::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<RunState> {
        [RunState::Running, RunState::Complete, RunState::Interrupted]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// The outcome of a run, as the exit code of `caretaker audit` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Nothing failed and everything could be checked. Exit 0.
    Compliant,
    /// At least one failing finding that is not waived. Exit 1.
    NonCompliant,
    /// Some check could not run (or nothing was checked), and nothing failed. Exit 2.
    Incomplete,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::NonCompliant => "non-compliant",
            Verdict::Incomplete => "incomplete",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        [
            Verdict::Compliant,
            Verdict::NonCompliant,
            Verdict::Incomplete,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }

    /// The documented exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Compliant => 0,
            Verdict::NonCompliant => 1,
            Verdict::Incomplete => 2,
        }
    }

    /// The verdict for a set of findings: any unwaived fail → non-compliant; else any error, or no
    /// findings at all → incomplete; else compliant.
    pub fn of(findings: &[Finding]) -> Verdict {
        if findings.iter().any(|f| f.status == Status::Fail) {
            Verdict::NonCompliant
        } else if findings.is_empty() || findings.iter().any(|f| f.status == Status::Error) {
            Verdict::Incomplete
        } else {
            Verdict::Compliant
        }
    }
}

/// A new run's details.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub trigger: Trigger,
    pub who: String,
    pub config_digest: String,
    pub school: String,
    /// The `--only` selectors, empty for a full audit.
    pub only: Vec<String>,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub id: i64,
    pub trigger: Trigger,
    pub who: String,
    pub config_digest: String,
    pub school: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<time::OffsetDateTime>,
    pub state: RunState,
    pub verdict: Option<Verdict>,
    pub only: Vec<String>,
    /// Findings per status, filled by the store.
    pub counts: StatusCounts,
}

impl RunRecord {
    /// Whether `earlier` is a run to compare this one with: it came before, finished, and checked
    /// the same things (its `--only` selection is this one's).
    pub fn comparable(&self, earlier: &RunRecord) -> bool {
        let sorted = |r: &RunRecord| {
            let mut v = r.only.clone();
            v.sort();
            v.dedup();
            v
        };
        earlier.id < self.id
            && earlier.state == RunState::Complete
            && sorted(self) == sorted(earlier)
    }
}

/// How many findings of each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusCounts {
    pub pass: u64,
    pub fail: u64,
    pub warn: u64,
    pub error: u64,
    pub waived: u64,
}

impl StatusCounts {
    pub fn add(&mut self, s: Status, n: u64) {
        match s {
            Status::Pass => self.pass += n,
            Status::Fail => self.fail += n,
            Status::Warn => self.warn += n,
            Status::Error => self.error += n,
            Status::Waived => self.waived += n,
        }
    }

    pub fn of(findings: &[Finding]) -> StatusCounts {
        let mut c = StatusCounts::default();
        for f in findings {
            c.add(f.status, 1);
        }
        c
    }

    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.warn + self.error + self.waived
    }
}

/// When findings of one check and target (one [`fingerprint`]) with one status were seen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sightings {
    pub first_run: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub first_started_at: time::OffsetDateTime,
    pub last_run: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub last_started_at: time::OffsetDateTime,
    /// In how many runs.
    pub runs: u64,
}

/// What identifies "the same finding" across runs: check and target.
pub fn fingerprint(f: &Finding) -> String {
    format!(
        "{}|{}|{}|{}",
        f.check,
        f.target.kind.as_str(),
        f.target.scope,
        f.target.name
    )
}
