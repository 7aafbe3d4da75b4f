//! The report leadership reads (`caretaker report`): for a period (a term, a month), whether the
//! school meets its policy clause by clause, the three things to fix first and who would fix
//! them, what changed since the period before, the trends, the filter check record the DfE
//! standards ask for, the filter changes and who agreed them, the exceptions in force, the yearly
//! review, and an appendix of evidence. Plain data, built here from what the core read ([`build`]);
//! the front ends render it (HTML, Markdown, PDF, JSON).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clauses::ClauseMap;
use crate::compliance::{clause_lines_attested, ClauseLine, ClauseStatus};
use crate::filterlog::FilterCheck;
use crate::finding::{Finding, Status};
use crate::records::{Attestation, ChainReport, Log, RecordKind, Waiver};
use crate::run::{fingerprint, RunRecord};

/// The document's `format`.
pub const FORMAT: &str = "caretaker.leadership-report";
/// The document's version.
pub const VERSION: u32 = 1;

/// How many days ahead an exception counts as expiring soon.
pub const EXPIRING_WITHIN_DAYS: i64 = 30;

/// The period a report covers: both days included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    #[serde(with = "crate::records::day")]
    pub from: time::Date,
    #[serde(with = "crate::records::day")]
    pub to: time::Date,
    /// In words: "the autumn term 2026", "1 September to 30 November 2026".
    pub label: String,
}

impl Period {
    /// Whether `t` falls in the period (in UTC days).
    pub fn contains(&self, t: time::OffsetDateTime) -> bool {
        let d = t.to_offset(time::UtcOffset::UTC).date();
        self.from <= d && d <= self.to
    }

    /// `from` to `to`, both included; refused when `to` is before `from`.
    pub fn between(from: time::Date, to: time::Date) -> Result<Period, String> {
        if to < from {
            return Err(format!("the period ends ({to}) before it starts ({from})"));
        }
        Ok(Period {
            label: format!("{} to {}", long_day(from), long_day(to)),
            from,
            to,
        })
    }

    /// The last `days` days up to `today`, both included.
    pub fn last(days: u32, today: time::Date) -> Result<Period, String> {
        if !(1..=3660).contains(&days) {
            return Err(format!("{days} days: from 1 to 3660"));
        }
        let from = today
            .checked_sub(time::Duration::days(i64::from(days) - 1))
            .ok_or("before the calendar begins")?;
        let mut p = Period::between(from, today)?;
        p.label = format!("the last {days} days ({})", p.label);
        Ok(p)
    }

    /// A school term, `autumn-2026`, `spring-2027` or `summer-2027`, as the calendar months
    /// English schools' terms fall in (autumn: September to December; spring: January to March;
    /// summer: April to August). A school whose terms fall otherwise gives `--from` and `--to`.
    pub fn term(name: &str) -> Result<Period, String> {
        use time::Month;
        let bad = || {
            format!(
                "{name:?} is not a term: expected autumn-YYYY, spring-YYYY or summer-YYYY (e.g. autumn-2026)"
            )
        };
        let (season, year) = name.trim().split_once('-').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let day = |m: Month, d: u8| time::Date::from_calendar_date(year, m, d).map_err(|_| bad());
        let (from, to, words) = match season.to_ascii_lowercase().as_str() {
            "autumn" => (
                day(Month::September, 1)?,
                day(Month::December, 31)?,
                "autumn",
            ),
            "spring" => (day(Month::January, 1)?, day(Month::March, 31)?, "spring"),
            "summer" => (day(Month::April, 1)?, day(Month::August, 31)?, "summer"),
            _ => return Err(bad()),
        };
        Ok(Period {
            from,
            to,
            label: format!("the {words} term {year}"),
        })
    }

    /// The term `day` falls in.
    pub fn term_of(day: time::Date) -> Period {
        use time::Month;
        let season = match day.month() {
            Month::September | Month::October | Month::November | Month::December => "autumn",
            Month::January | Month::February | Month::March => "spring",
            _ => "summer",
        };
        Period::term(&format!("{season}-{}", day.year())).unwrap_or(Period {
            from: day,
            to: day,
            label: long_day(day),
        })
    }

    /// The latest period of `schedule` that has ended before `today`: the month before, or the
    /// term that ended last. `None` when the schedule is off.
    pub fn last_complete(
        schedule: caretaker_config::ReportSchedule,
        today: time::Date,
    ) -> Option<Period> {
        use caretaker_config::ReportSchedule;
        use time::Month;
        match schedule {
            ReportSchedule::Off => None,
            ReportSchedule::Monthly => {
                let first = today.replace_day(1).ok()?;
                let to = first.previous_day()?;
                let from = to.replace_day(1).ok()?;
                Some(Period {
                    label: format!("{} {}", to.month(), to.year()),
                    from,
                    to,
                })
            }
            ReportSchedule::Termly => {
                let y = today.year();
                let name = match today.month() {
                    Month::January | Month::February | Month::March => format!("autumn-{}", y - 1),
                    Month::April | Month::May | Month::June | Month::July | Month::August => {
                        format!("spring-{y}")
                    }
                    _ => format!("summer-{y}"),
                };
                Period::term(&name).ok()
            }
        }
    }

    /// The name of the period's report files: `report-2026-09-01-to-2026-12-31`.
    pub fn file_stem(&self) -> String {
        format!("report-{}-to-{}", self.from, self.to)
    }

    /// The period of the same length just before this one (what "since the last report" compares
    /// with).
    pub fn before(&self) -> Period {
        let days = (self.to - self.from).whole_days() + 1;
        let to = self.from.previous_day().unwrap_or(self.from);
        let from = to.checked_sub(time::Duration::days(days - 1)).unwrap_or(to);
        Period {
            label: format!("{from} to {to}"),
            from,
            to,
        }
    }
}

/// "1 September 2026".
pub fn long_day(d: time::Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadershipReport {
    pub format: String,
    pub version: u32,
    pub school: String,
    pub period: Period,
    /// RFC 3339, UTC.
    pub generated_at: String,
    pub summary: Summary,
    pub trends: Trends,
    pub filter_record: FilterRecord,
    pub filter_changes: FilterChanges,
    pub exceptions: Exceptions,
    pub review: Review,
    /// The findings read against the DfE standards: each standard met, not met, needing a
    /// person to confirm it, or not covered.
    #[serde(default)]
    pub standards: Vec<crate::standards::StandardsSection>,
    pub appendix: Appendix,
}

/// The first page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Whether every clause checked is met at the end of the period (no clause RED).
    pub meets_policy: bool,
    /// The answer in one sentence.
    pub headline: String,
    /// Every clause at the end of the period.
    pub clauses: Vec<ClauseSummary>,
    /// The three things to fix first (fewer when fewer fail).
    pub fix_first: Vec<FixFirst>,
    /// What changed since the period before.
    pub changes: Changes,
    /// The latest run the picture is made of, if any.
    pub latest_run: Option<RunLine>,
    /// How many runs there were in the period.
    pub runs_in_period: usize,
}

/// A clause and its state, with the state also in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClauseSummary {
    pub id: String,
    pub section: String,
    pub title: String,
    /// `red`, `amber`, `green` or `grey`.
    pub status: String,
    /// "Not met", "Met, with something to look at", "Met", "Not checked".
    pub words: String,
    /// Why, in a sentence.
    pub reason: String,
}

/// One of the things to fix first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixFirst {
    /// What is wrong, in a sentence ("… and 3 more like it").
    pub what: String,
    /// The clause it fails.
    pub clause: String,
    /// Who would fix it: "the network manager", "the IT technician", "the DSL with the filtering
    /// provider".
    pub who: String,
    /// What to do, when the check says.
    pub how: Option<String>,
    pub check: String,
    /// How many targets fail this check.
    pub count: usize,
}

/// What changed between the end of the period before and the end of this one.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Changes {
    /// The latest run of the picture compared with (at the end of the period before); `None`
    /// when nothing had been checked by then.
    pub compared_with: Option<RunLine>,
    /// Failing now, not failing before.
    pub newly_failing: Vec<ChangeLine>,
    /// Failing before, checked and not failing now.
    pub fixed: Vec<ChangeLine>,
    /// Failing before and still failing.
    pub still_open: Vec<ChangeLine>,
}

/// A finding in the list of changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeLine {
    pub summary: String,
    pub check: String,
    pub target: String,
    /// The day it was first seen failing, when known.
    #[serde(with = "crate::records::day::option")]
    pub failing_since: Option<time::Date>,
}

/// A run, briefly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunLine {
    pub id: i64,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub trigger: String,
    pub who: String,
    /// "full audit" or the checks it covered.
    pub covered: String,
}

impl RunLine {
    pub fn of(r: &RunRecord) -> RunLine {
        RunLine {
            id: r.id,
            started_at: crate::finding::format_rfc3339(r.started_at),
            trigger: r.trigger.as_str().to_string(),
            who: r.who.clone(),
            covered: if r.only.is_empty() {
                "full audit".to_string()
            } else {
                r.only.join(", ")
            },
        }
    }
}

/// The trends over the period, one point per run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Trends {
    /// Failing findings per clause, per complete run of the period (full or partial).
    pub failing: Vec<FailingPoint>,
    /// Filter tests passed per user group, per run that tested the filter.
    pub filter: Vec<FilterPoint>,
}

/// Failing findings per clause in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailingPoint {
    pub run: i64,
    #[serde(with = "crate::records::day")]
    pub day: time::Date,
    /// Clause id → failing findings (clauses the run checked, with 0 when none failed).
    pub by_clause: BTreeMap<String, u64>,
}

/// Filter tests passed for one user group in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterPoint {
    pub run: i64,
    #[serde(with = "crate::records::day")]
    pub day: time::Date,
    pub group: String,
    pub passed: u64,
    pub tested: u64,
}

/// The filter check record (DfE filtering and monitoring standards).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FilterRecord {
    /// Every filter check of the period, oldest first.
    pub checks: Vec<FilterCheck>,
    /// The latest result per user group.
    pub latest_by_group: Vec<GroupLatest>,
}

impl PartialEq for FilterRecord {
    fn eq(&self, other: &Self) -> bool {
        serde_json::to_value(self).ok() == serde_json::to_value(other).ok()
    }
}

/// One line of a trend chart: its label, and its points (the run's place on the x axis, the
/// value).
pub type Line = (String, Vec<(usize, f64)>);

impl LeadershipReport {
    /// Failing findings per clause, run by run: a line for each clause that failed in some run of
    /// the period, labelled with the clause's title. The x axis is [`Trends::failing`]'s runs.
    pub fn failing_lines(&self) -> Vec<Line> {
        let points = &self.trends.failing;
        let clauses: std::collections::BTreeSet<&String> = points
            .iter()
            .flat_map(|p| p.by_clause.iter().filter(|(_, n)| **n > 0).map(|(c, _)| c))
            .collect();
        clauses
            .into_iter()
            .map(|c| {
                let title = self
                    .summary
                    .clauses
                    .iter()
                    .find(|x| &x.id == c)
                    .map_or_else(|| c.clone(), |x| x.title.clone());
                let pts = points
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| p.by_clause.get(c).map(|n| (i, *n as f64)))
                    .collect();
                (title, pts)
            })
            .collect()
    }

    /// Web-filter tests passed per user group, as a percentage of those tested: the runs that
    /// tested the filter (id and day, oldest first: the x axis) and a line per group.
    pub fn filter_lines(&self) -> (Vec<(i64, time::Date)>, Vec<Line>) {
        let points = &self.trends.filter;
        let runs: Vec<(i64, time::Date)> = points
            .iter()
            .map(|p| (p.run, p.day))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect();
        let groups: std::collections::BTreeSet<&String> = points.iter().map(|p| &p.group).collect();
        let lines = groups
            .into_iter()
            .map(|g| {
                let pts = points
                    .iter()
                    .filter(|p| &p.group == g && p.tested > 0)
                    .filter_map(|p| {
                        let i = runs.iter().position(|(r, _)| *r == p.run)?;
                        Some((i, 100.0 * p.passed as f64 / p.tested as f64))
                    })
                    .collect();
                (g.clone(), pts)
            })
            .collect();
        (runs, lines)
    }
}

/// A filter check's result in words: not judged (the control page did not load), all as
/// expected, or each test that was not.
pub fn check_result(c: &FilterCheck) -> String {
    let problems: Vec<String> = c
        .problems()
        .map(|p| format!("{}: {}", p.url, p.summary))
        .collect();
    if c.control != "pass" {
        "Not judged: the control page did not load".to_string()
    } else if problems.is_empty() {
        format!("All {} as expected", c.results.len())
    } else {
        problems.join("; ")
    }
}

impl AssessmentLine {
    /// "Mrs Patel (education); R. Singh (technical)".
    pub fn assessors(&self) -> String {
        format!(
            "{} (education); {} (technical)",
            self.educational_assessor, self.technical_assessor
        )
    }

    /// The re-check that followed, or that none has yet.
    pub fn recheck_words(&self) -> &str {
        self.recheck.as_deref().unwrap_or("not re-checked yet")
    }
}

/// A user group's latest filter check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupLatest {
    pub group: String,
    pub vantage: String,
    pub run: i64,
    /// RFC 3339, UTC.
    pub checked_at: String,
    pub passed: u64,
    pub tested: u64,
    /// "Passed: every test as expected" / "2 of 11 tests not as expected: …".
    pub result: String,
    /// The action recorded, if any.
    pub action: Option<String>,
}

/// Filter changes of the period and the site log.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FilterChanges {
    pub assessments: Vec<AssessmentLine>,
    pub sites: Vec<SiteLine>,
}

/// A risk assessment of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentLine {
    pub id: i64,
    /// "Unblock site www.example.org for pupil".
    pub change: String,
    pub requested_by: String,
    pub reason: String,
    pub risk_level: String,
    pub educational_assessor: String,
    pub technical_assessor: String,
    /// "Mrs Okafor (headteacher) on 2026-11-20", or why none was needed.
    pub consent: String,
    /// "approved", "refused", …
    pub decision: String,
    #[serde(with = "crate::records::day::option")]
    pub applied_on: Option<time::Date>,
    pub entered_by: String,
    /// RFC 3339.
    pub entered_at: String,
    /// The re-check that followed: "run 41 on 2026-11-24: every must-block test passed".
    pub recheck: Option<String>,
}

/// A site-log entry of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteLine {
    pub id: i64,
    #[serde(with = "crate::records::day")]
    pub date: time::Date,
    pub url: String,
    pub reported_by: String,
    pub recommendation: String,
    /// What became of it: its resolution, the assessments made from it, or "still open".
    pub outcome: String,
}

/// Waivers and attestations.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Exceptions {
    pub in_force: Vec<ExceptionLine>,
    /// In force, ending within [`EXPIRING_WITHIN_DAYS`] of the report's last day.
    pub expiring: Vec<ExceptionLine>,
    /// Ended in the period.
    pub expired: Vec<ExceptionLine>,
}

/// A waiver or an attestation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionLine {
    pub id: i64,
    /// `waiver` or `attestation`.
    pub kind: String,
    /// What it is about: a finding, or a clause.
    pub about: String,
    /// Who approved or attested it.
    pub by: String,
    /// Why.
    pub why: String,
    #[serde(with = "crate::records::day")]
    pub until: time::Date,
}

/// The yearly review of filtering and monitoring.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Review {
    /// The latest recorded.
    pub last: Option<ReviewLine>,
    /// A warning when there is none, or the latest is more than a year before the report's end.
    pub warning: Option<String>,
}

/// A yearly review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewLine {
    pub id: i64,
    #[serde(with = "crate::records::day")]
    pub held_on: time::Date,
    /// Role and name of each who took part.
    pub participants: Vec<(String, String)>,
    pub findings: String,
    pub actions: String,
}

/// For a technician or an inspector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appendix {
    /// Every failing finding at the end of the period, with its evidence.
    pub failing: Vec<Finding>,
    /// The runs the end-of-period picture is made of.
    pub runs: Vec<RunLine>,
    /// The filter-change log as verified when the report was made.
    pub chain: ChainReport,
    /// Its head, published: "Filter-change log head: COUNT:HASH" (what `caretaker assess verify
    /// --report` reads back from this report).
    #[serde(default)]
    pub log_head: String,
}

/// What the report is built from, as the core read it.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub school: &'a str,
    pub map: &'a ClauseMap,
    pub period: Period,
    pub generated_at: time::OffsetDateTime,
    /// The runs that make the picture at the end of the period, newest first, with findings.
    pub end: &'a [(RunRecord, Vec<Finding>)],
    /// The same at the end of the period before.
    pub start: &'a [(RunRecord, Vec<Finding>)],
    /// Fingerprint → the day it was first seen failing (for what is still open).
    pub failing_since: &'a BTreeMap<String, time::Date>,
    /// How many runs started in the period.
    pub runs_in_period: usize,
    pub trends: Trends,
    /// The filter checks of the period, oldest first.
    pub filter_checks: Vec<FilterCheck>,
    pub log: &'a Log,
    pub chain: ChainReport,
    /// The standards the report also reads the findings against (the DfE's).
    pub views: &'a [crate::standards::View],
}

/// The findings of a picture made of `runs` (newest first), as the console makes it
/// ([`crate::picture::current`]).
pub fn picture(runs: &[(RunRecord, Vec<Finding>)]) -> Vec<Finding> {
    crate::picture::current(runs.to_vec()).1
}

/// Who would fix a failing check, by its area.
pub fn who_fixes(check: &str) -> &'static str {
    match check.split('.').next().unwrap_or_default() {
        "directory" => "the network manager (accounts and passwords)",
        "host" => "the IT technician (the school's computers)",
        "filter" => "the DSL with the filtering provider",
        "mail" => "whoever manages the school's domain name (its DNS records)",
        _ => "the network manager",
    }
}

/// The state of a clause in words.
pub fn status_words(s: ClauseStatus) -> &'static str {
    match s {
        ClauseStatus::Red => "Not met",
        ClauseStatus::Amber => "Met, with something to look at",
        ClauseStatus::Green => "Met",
        ClauseStatus::Grey => "Not checked",
    }
}

/// A clause's line as the reports show it: its state also in words.
pub fn clause_summary(l: &ClauseLine) -> ClauseSummary {
    ClauseSummary {
        id: l.id.clone(),
        section: l.section.clone(),
        title: l.title.clone(),
        status: l.status.word().to_lowercase(),
        words: status_words(l.status).to_string(),
        reason: l.reason.clone(),
    }
}

/// Builds the report.
pub fn build(i: Inputs<'_>) -> LeadershipReport {
    let today = i.period.to;
    let end = picture(i.end);
    let start = picture(i.start);
    let attestations = i.log.attestations();
    let lines = clause_lines_attested(i.map, &end, &attestations, today);
    let meets_policy = !lines.iter().any(|l| l.status == ClauseStatus::Red);
    let red = lines
        .iter()
        .filter(|l| l.status == ClauseStatus::Red)
        .count();
    let headline = if i.end.is_empty() {
        "Nothing was checked: no audit has been recorded by the end of the period.".to_string()
    } else if meets_policy {
        format!(
            "The school meets its online safety policy on every clause checked ({} of {}).",
            lines
                .iter()
                .filter(|l| l.status != ClauseStatus::Grey)
                .count(),
            lines.len()
        )
    } else {
        format!(
            "The school does not yet meet its online safety policy: {red} clause{} of {} {} not met.",
            if red == 1 { "" } else { "s" },
            lines.len(),
            if red == 1 { "is" } else { "are" }
        )
    };
    let clauses = lines.iter().map(clause_summary).collect();
    LeadershipReport {
        format: FORMAT.to_string(),
        version: VERSION,
        school: i.school.to_string(),
        generated_at: crate::finding::format_rfc3339(i.generated_at),
        summary: Summary {
            meets_policy: meets_policy && !i.end.is_empty(),
            headline,
            clauses,
            fix_first: fix_first(i.map, &end),
            changes: Changes {
                compared_with: i.start.first().map(|(r, _)| RunLine::of(r)),
                ..changes(&start, &end, i.failing_since)
            },
            latest_run: i.end.first().map(|(r, _)| RunLine::of(r)),
            runs_in_period: i.runs_in_period,
        },
        trends: i.trends,
        filter_record: filter_record(i.filter_checks),
        filter_changes: filter_changes(i.log, &i.period),
        exceptions: exceptions(i.log, &i.period),
        review: review(&attestations, &i.period),
        standards: crate::standards::report_sections(i.views, &end, &attestations, today),
        appendix: Appendix {
            failing: end
                .iter()
                .filter(|f| f.status == Status::Fail)
                .cloned()
                .collect(),
            runs: i.end.iter().map(|(r, _)| RunLine::of(r)).collect(),
            log_head: i.chain.head_words(),
            chain: i.chain,
        },
        period: i.period,
    }
}

/// The three checks to fix first (see [`failing_by_check`]).
fn fix_first(map: &ClauseMap, end: &[Finding]) -> Vec<FixFirst> {
    let mut all = failing_by_check(map, end);
    all.truncate(3);
    all
}

/// Every failing check: most severe first, then in the clause map's order; each once, with how
/// many targets fail it, who would fix it and the clause it fails.
pub(crate) fn failing_by_check<F: std::borrow::Borrow<Finding>>(
    map: &ClauseMap,
    end: &[F],
) -> Vec<FixFirst> {
    let order = |f: &Finding| {
        map.clauses
            .iter()
            .position(|c| f.clauses.contains(&c.id))
            .unwrap_or(usize::MAX)
    };
    let mut by_check: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in end
        .iter()
        .map(std::borrow::Borrow::borrow)
        .filter(|f: &&Finding| f.status == Status::Fail)
    {
        by_check.entry(f.check.as_str()).or_default().push(f);
    }
    let mut items: Vec<(&str, Vec<&Finding>)> = by_check.into_iter().collect();
    items.sort_by_key(|(_, fs)| {
        let worst = fs.iter().map(|f| f.severity).max();
        let first = fs.iter().map(|f| order(f)).min().unwrap_or(usize::MAX);
        (std::cmp::Reverse(worst), first)
    });
    items
        .into_iter()
        .filter_map(|(check, fs)| {
            let f = fs.iter().max_by_key(|f| f.severity)?;
            let clause = map
                .clauses
                .iter()
                .find(|c| f.clauses.contains(&c.id))
                .map(|c| format!("{} {}", c.section, c.title))
                .unwrap_or_else(|| f.clauses.join(", "));
            let more = fs.len() - 1;
            Some(FixFirst {
                what: if more == 0 {
                    f.summary.clone()
                } else {
                    format!(
                        "{} (and {more} more like it)",
                        f.summary.trim_end_matches('.')
                    )
                },
                clause,
                who: who_fixes(check).to_string(),
                how: f.remediation.clone(),
                check: check.to_string(),
                count: fs.len(),
            })
        })
        .collect()
}

fn change_line(f: &Finding, since: Option<time::Date>) -> ChangeLine {
    ChangeLine {
        summary: f.summary.clone(),
        check: f.check.to_string(),
        target: f.target.name.clone(),
        failing_since: since,
    }
}

/// What changed between two pictures.
pub(crate) fn changes<F: std::borrow::Borrow<Finding>>(
    start: &[F],
    end: &[F],
    since: &BTreeMap<String, time::Date>,
) -> Changes {
    let failing = |fs: &[F]| -> BTreeMap<String, Finding> {
        fs.iter()
            .map(std::borrow::Borrow::borrow)
            .filter(|f: &&Finding| f.status == Status::Fail)
            .map(|f| (fingerprint(f), f.clone()))
            .collect()
    };
    let (before, now) = (failing(start), failing(end));
    // What the end's picture says of each that was failing (only their checks' findings are
    // looked at).
    let was_failing: std::collections::HashSet<&str> =
        before.values().map(|f| f.check.as_str()).collect();
    let checked_now: BTreeMap<String, &Finding> = end
        .iter()
        .map(std::borrow::Borrow::borrow)
        .filter(|f: &&Finding| was_failing.contains(f.check.as_str()))
        .map(|f| (fingerprint(f), f))
        .collect();
    let mut c = Changes::default();
    for (k, f) in &now {
        if before.contains_key(k) {
            c.still_open.push(change_line(f, since.get(k).copied()));
        } else {
            c.newly_failing.push(change_line(f, since.get(k).copied()));
        }
    }
    for (k, f) in &before {
        if let Some(g) = checked_now.get(k) {
            if g.status != Status::Fail {
                c.fixed.push(change_line(f, None));
            }
        }
    }
    c
}

/// The record, and each group's latest result.
fn filter_record(checks: Vec<FilterCheck>) -> FilterRecord {
    let mut latest: BTreeMap<String, &FilterCheck> = BTreeMap::new();
    for c in &checks {
        latest.insert(c.group.clone(), c);
    }
    let latest_by_group = latest
        .into_values()
        .map(|c| {
            let tested = c.results.len() as u64;
            let problems: Vec<String> = c
                .problems()
                .map(|r| format!("{} ({})", r.url, r.summary.trim_end_matches('.')))
                .collect();
            let passed = tested - problems.len() as u64;
            GroupLatest {
                group: c.group.clone(),
                vantage: c.vantage.clone(),
                run: c.run,
                checked_at: crate::finding::format_rfc3339(c.started_at),
                passed,
                tested,
                result: if c.control != "pass" {
                    "Not checked: the test page that must always load did not load".to_string()
                } else if problems.is_empty() {
                    format!("Passed: all {tested} tests as expected")
                } else {
                    format!(
                        "{} of {tested} tests not as expected: {}",
                        problems.len(),
                        problems.join("; ")
                    )
                },
                action: c
                    .action
                    .as_ref()
                    .map(|a| format!("{} ({}, {})", a.action, a.who, a.at)),
            }
        })
        .collect();
    FilterRecord {
        checks,
        latest_by_group,
    }
}

fn in_period(period: &Period, rfc3339: &str) -> bool {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(|t| period.contains(t))
        .unwrap_or(false)
}

/// The assessments entered in the period, and the site-log entries of it.
fn filter_changes(log: &Log, period: &Period) -> FilterChanges {
    let mut out = FilterChanges::default();
    for r in log.of_kind(RecordKind::Assessment, false) {
        let Some(a) = r.assessment() else { continue };
        if !in_period(period, &r.entered_at)
            && !a
                .applied_on
                .is_some_and(|d| period.from <= d && d <= period.to)
        {
            continue;
        }
        let consent = match &a.consent {
            Some(c) => format!("{} on {}", c.by, c.on),
            None if a.consent_required() => "none recorded".to_string(),
            None => format!("not needed for a {} risk change", a.risk_level.as_str()),
        };
        let recheck = log.verifications_of(r.id).last().map(|(_, v)| {
            format!(
                "run {} on {}: {}",
                v.run,
                v.run_started_at.date(),
                if v.must_block_passed {
                    format!("all {} must-block tests passed", v.must_block_tests)
                } else {
                    format!(
                        "{} of {} must-block tests passed",
                        v.passed, v.must_block_tests
                    )
                }
            )
        });
        out.assessments.push(AssessmentLine {
            id: r.id,
            change: a.change.sentence(),
            requested_by: a.requested_by.clone(),
            reason: a.reason.clone(),
            risk_level: a.risk_level.as_str().to_string(),
            educational_assessor: a.educational_assessor.clone(),
            technical_assessor: a.technical_assessor.clone(),
            consent,
            decision: a.decision.past().to_string(),
            applied_on: a.applied_on,
            entered_by: r.entered_by.clone(),
            entered_at: r.entered_at.clone(),
            recheck,
        });
    }
    for r in log.of_kind(RecordKind::Site, false) {
        let Some(s) = r.site() else { continue };
        if !(period.from <= s.date && s.date <= period.to) {
            continue;
        }
        let made = log.assessments_from_site(r.id);
        let outcome = if !made.is_empty() {
            format!(
                "risk assessed: {}",
                made.iter()
                    .map(|id| format!("#{id}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if !s.resolution.is_empty() {
            s.resolution.clone()
        } else {
            "still open".to_string()
        };
        out.sites.push(SiteLine {
            id: r.id,
            date: s.date,
            url: s.url.clone(),
            reported_by: s.reported_by.clone(),
            recommendation: s.recommendation.as_str().to_string(),
            outcome,
        });
    }
    out
}

/// Waivers and attestations in force at the end of the period, expiring soon after, or ended in
/// it.
fn exceptions(log: &Log, period: &Period) -> Exceptions {
    let day = period.to;
    let soon = day
        .checked_add(time::Duration::days(EXPIRING_WITHIN_DAYS))
        .unwrap_or(day);
    let mut lines: Vec<(ExceptionLine, bool)> = Vec::new();
    for (id, w) in log.waivers() {
        lines.push((waiver_line(id, &w), w.in_force(day)));
    }
    for (id, a) in log.attestations() {
        lines.push((attestation_line(id, &a), a.in_force(day)));
    }
    let mut e = Exceptions::default();
    for (l, in_force) in lines {
        if in_force {
            if l.until <= soon {
                e.expiring.push(l.clone());
            }
            e.in_force.push(l);
        } else if period.from <= l.until && l.until < day {
            e.expired.push(l);
        }
    }
    e
}

fn waiver_line(id: i64, w: &Waiver) -> ExceptionLine {
    ExceptionLine {
        id,
        kind: "waiver".to_string(),
        about: format!("{} ({} on {})", w.summary, w.check, w.target),
        by: w.approved_by.clone(),
        why: w.justification.clone(),
        until: w.until,
    }
}

fn attestation_line(id: i64, a: &Attestation) -> ExceptionLine {
    ExceptionLine {
        id,
        kind: "attestation".to_string(),
        about: format!("{} {}", a.clause, a.clause_title),
        by: a.attested_by.clone(),
        why: a.statement.clone(),
        until: a.until,
    }
}

/// The latest yearly review (an attestation with the people who took part), and a warning when
/// it is missing or more than a year old at the end of the period.
fn review(attestations: &[(i64, Attestation)], period: &Period) -> Review {
    let last = attestations
        .iter()
        .filter_map(|(id, a)| a.review.as_ref().map(|r| (*id, r)))
        .max_by_key(|(id, r)| (r.held_on, *id))
        .map(|(id, r)| ReviewLine {
            id,
            held_on: r.held_on,
            participants: r
                .participants
                .iter()
                .map(|p| (p.role.title().to_string(), p.name.clone()))
                .collect(),
            findings: r.findings.clone(),
            actions: r.actions.clone(),
        });
    let year_before = period
        .to
        .replace_year(period.to.year() - 1)
        .unwrap_or(period.to);
    let warning = match &last {
        None => Some(
            "No yearly review of filtering and monitoring is recorded: the DfE standards ask for one each year, by the SLT lead, the DSL, IT and the governor responsible (record it with `caretaker review --file REVIEW.toml`).".to_string(),
        ),
        Some(r) if r.held_on < year_before => Some(format!(
            "The last yearly review of filtering and monitoring was on {}, more than a year ago: another is due.",
            r.held_on
        )),
        Some(_) => None,
    };
    Review { last, warning }
}
