//! Filter changes: a tested site that starts or stops loading for a group is a change to the
//! filter, and the policy (7.2) says every change is risk assessed beforehand. This module judges,
//! from one vantage point's history of test results and the risk assessments on record, whether
//! each change it sees was assessed before it was first seen. Reading the history and the records
//! from the store is the core's; the rule is here.
//!
//! A site's state in a run is what its test finding says: a must-block test that passes (or a
//! must-load test that fails) means the site was blocked; the other way round, it loaded. A
//! finding that could not tell (`warn`, `error`), was waived, or only carries forward an earlier
//! failure says nothing, and the comparison skips it ("the previous comparable run"). A test whose
//! expectation the school changed (must-block to must-load) is still the same site and group: its
//! history is compared across the change.

use time::OffsetDateTime;

use super::classify::VantagePoint;
use super::{CATEGORIES, CHANGES, MUST_BLOCK, MUST_LOAD};
use crate::model::{Evidence, Finding, Severity, Status, Target, TargetKind};

/// Whether a tested site loaded or was blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Loads,
    Blocked,
}

impl Reach {
    fn words(self) -> &'static str {
        match self {
            Reach::Loads => "loaded",
            Reach::Blocked => "was blocked",
        }
    }
}

/// The evidence key a failure carried forward from an earlier run holds (see the engine's
/// `carry_forward`): such a finding is not a new observation.
pub const CARRIED_KEY: &str = "last_seen_failing_run";

/// The check ids whose findings say whether a tested site loaded.
pub fn test_check_ids() -> [&'static str; 3] {
    [MUST_BLOCK.id, CATEGORIES.id, MUST_LOAD.id]
}

/// What a test's status says about the site: `None` when it says nothing (see the module).
pub fn reach_of(check: &str, status: Status, carried: bool) -> Option<Reach> {
    if carried {
        return None;
    }
    let must_load = if check == MUST_LOAD.id {
        true
    } else if check == MUST_BLOCK.id || check == CATEGORIES.id {
        false
    } else {
        return None;
    };
    match (status, must_load) {
        (Status::Pass, true) | (Status::Fail, false) => Some(Reach::Loads),
        (Status::Pass, false) | (Status::Fail, true) => Some(Reach::Blocked),
        _ => None,
    }
}

/// [`reach_of`] for a finding.
pub fn reach_of_finding(f: &Finding) -> Option<Reach> {
    reach_of(
        f.check.as_str(),
        f.status,
        f.evidence.get(CARRIED_KEY).is_some(),
    )
}

/// One earlier run's result for a site, newest first in a [`SiteHistory`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub run: i64,
    /// When the run started.
    pub at: OffsetDateTime,
    pub reach: Reach,
}

/// One tested site from one vantage point: what it does now and what earlier runs saw.
#[derive(Debug, Clone)]
pub struct SiteHistory {
    pub url: String,
    pub category: String,
    /// This run's result.
    pub now: Reach,
    /// Earlier runs' results, newest first (only runs that could tell).
    pub before: Vec<Seen>,
}

/// A risk assessment on record, as far as matching a change needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    /// The record's id in the filter-change log.
    pub record: i64,
    /// True for a change that blocks, false for one that unblocks.
    pub blocks: bool,
    /// The site (host name or web address), when it is about a site.
    pub site: Option<String>,
    /// The filter category, when it is about a category.
    pub category: Option<String>,
    pub groups: Vec<String>,
    /// Approved, in its current version.
    pub approved: bool,
    /// "approved", "rejected", "deferred".
    pub decision: String,
    /// When it was first recorded with the decision it has now.
    pub dated: OffsetDateTime,
}

/// "3 December 2026".
pub fn day_words(at: OffsetDateTime) -> String {
    let d = at.date();
    format!("{} {} {}", d.day(), d.month(), d.year())
}

fn host(url_or_host: &str) -> String {
    let s = url_or_host.trim();
    let s = url::Url::parse(s)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| s.split('/').next().unwrap_or(s).to_string());
    s.trim_matches(['[', ']'])
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Whether an assessment of `site` covers the tested `url`: the same host, or a domain it is in
/// (an assessment of `youtube.com` covers `www.youtube.com`).
fn site_covers(site: &str, url: &str) -> bool {
    let (site, tested) = (host(site), host(url));
    !site.is_empty() && (tested == site || tested.ends_with(&format!(".{site}")))
}

/// Whether the group names match: case aside, and a plural the same as its singular.
fn same_group(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s.trim().to_ascii_lowercase();
        s.strip_suffix('s').map(str::to_string).unwrap_or(s)
    };
    norm(a) == norm(b)
}

/// Whether `a` is about this change: the site (or its category), the group, the direction.
fn is_about(a: &Assessed, site: &SiteHistory, group: &str, now: Reach) -> bool {
    let what = match (&a.site, &a.category) {
        (Some(s), _) => site_covers(s, &site.url),
        (None, Some(c)) => c.trim().eq_ignore_ascii_case(site.category.trim()),
        (None, None) => false,
    };
    what && a.blocks == (now == Reach::Blocked) && a.groups.iter().any(|g| same_group(g, group))
}

/// The change a site's history shows: the state it has now began in `first` (the earliest run of
/// the current streak, `None` when that is this run) after `last_other` saw the other state.
struct Change<'a> {
    first: Option<&'a Seen>,
    last_other: &'a Seen,
}

fn change_of(site: &SiteHistory) -> Option<Change<'_>> {
    let mut first = None;
    for seen in &site.before {
        if seen.reach == site.now {
            first = Some(seen);
        } else {
            return Some(Change {
                first,
                last_other: seen,
            });
        }
    }
    None
}

/// The findings of `filter.changes` for one vantage point, this run started at `now`: for each
/// tested site whose state changed within its history, a pass when an approved assessment of
/// that change was on record before the change was first seen, a failure naming it otherwise;
/// when none changed, one pass saying how far back the comparison went. No history at all
/// gives nothing: there is nothing to compare with yet.
pub fn judge_changes(
    vp: &VantagePoint,
    sites: &[SiteHistory],
    assessments: &[Assessed],
    now: OffsetDateTime,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let who = vp.who();
    let mut compared = 0usize;
    let mut earliest: Option<&Seen> = None;
    for site in sites {
        if let Some(oldest) = site.before.last() {
            compared += 1;
            if earliest.is_none_or(|e| oldest.at < e.at) {
                earliest = Some(oldest);
            }
        }
        let Some(change) = change_of(site) else {
            continue;
        };
        let seen_at = change.first.map(|s| s.at).unwrap_or(now);
        let seen_run = change.first.map(|s| s.run);
        let site_name = host(&site.url);
        let mut ev = Evidence::new(format!("{}: the filter test results in the store", vp.name))
            .with("url", site.url.as_str())
            .with("category", site.category.as_str())
            .with("group", vp.group.as_str())
            .with("now", site.now.words())
            .with(
                "before",
                format!(
                    "{} in run {} ({})",
                    change.last_other.reach.words(),
                    change.last_other.run,
                    crate::model::format_rfc3339(change.last_other.at)
                ),
            )
            .with(
                "first_seen",
                match seen_run {
                    Some(r) => format!("run {r} ({})", crate::model::format_rfc3339(seen_at)),
                    None => format!("this run ({})", crate::model::format_rfc3339(seen_at)),
                },
            );
        let about: Vec<&Assessed> = assessments
            .iter()
            .filter(|a| is_about(a, site, &vp.group, site.now))
            .collect();
        let covering = about
            .iter()
            .filter(|a| a.approved && a.dated < seen_at)
            .max_by_key(|a| a.dated);
        for a in &about {
            let when = if a.dated < seen_at {
                "before the change was seen"
            } else {
                "after the change was seen"
            };
            ev.push(
                format!("assessment_{}", a.record),
                format!(
                    "{}, recorded {} ({when})",
                    a.decision,
                    crate::model::format_rfc3339(a.dated)
                ),
            );
        }
        let target = Target::new(TargetKind::Url, site.url.clone(), vp.name.clone());
        let what = match site.now {
            Reach::Loads => format!("{site_name} has loaded for {} on {}", lower(&who), vp.name),
            Reach::Blocked => format!(
                "{site_name} has been blocked for {} on {}",
                lower(&who),
                vp.name
            ),
        };
        let since = match seen_run {
            Some(_) => format!("since {}", day_words(seen_at)),
            None => "since this run".to_string(),
        };
        let undoes = if covering.is_none() {
            undone(site, assessments, &vp.group)
        } else {
            None
        };
        let finding = match (covering, undoes) {
            (None, Some(earlier)) => {
                ev.push(
                    "undoes",
                    format!(
                        "the change first seen in run {} ({}), which no approved risk assessment covered",
                        earlier.run,
                        crate::model::format_rfc3339(earlier.at)
                    ),
                );
                let again = match site.now {
                    Reach::Loads => "loads again",
                    Reach::Blocked => "is blocked again",
                };
                Finding::new(
                    CHANGES.id,
                    target,
                    Status::Pass,
                    Severity::Medium,
                    format!(
                        "{site_name} {again} for {} on {} {since}, as it was before a change on {} \
                         that no risk assessment covered: that change is undone.",
                        lower(&who),
                        vp.name,
                        day_words(earlier.at)
                    ),
                    ev,
                )
            }
            (Some(a), _) => Finding::new(
                CHANGES.id,
                target,
                Status::Pass,
                Severity::Medium,
                format!(
                    "{what} {since}, a change risk assessed beforehand (record {}, {} on {}).",
                    a.record,
                    a.decision,
                    day_words(a.dated)
                ),
                ev,
            ),
            (None, None) => {
                let why = if about.iter().any(|a| a.approved) {
                    "the risk assessment of it was recorded only after the change was seen"
                } else if let Some(a) = about.first() {
                    // Rejected or deferred: the filter was changed against the decision.
                    return_words(a)
                } else {
                    "no risk assessment records that change"
                };
                Finding::new(
                    CHANGES.id,
                    target,
                    Status::Fail,
                    Severity::High,
                    format!("{what} {since}; {why}."),
                    ev,
                )
                .fix(format!(
                    "Find out who changed the filter for {site_name} and why. If the change was \
                     meant, record its risk assessment (`caretaker assess add`, or `n` on the \
                     console's Assessments screen) and, since it was made without one, waive this \
                     finding with the reason (`caretaker waive`); if it was not meant, undo \
                     it in the filter and run `caretaker audit --only filter`."
                ))
            }
        };
        out.push(finding);
    }
    if out.is_empty() {
        if let Some(e) = earliest {
            let ev = Evidence::new(format!("{}: the filter test results in the store", vp.name))
                .with("group", vp.group.as_str())
                .with("sites_compared", compared.to_string())
                .with(
                    "compared_since",
                    format!("run {} ({})", e.run, crate::model::format_rfc3339(e.at)),
                );
            out.push(Finding::new(
                CHANGES.id,
                Target::new(TargetKind::Url, "(every tested site)", vp.name.clone()),
                Status::Pass,
                Severity::Medium,
                format!(
                    "What the filter lets {} on {} reach has not changed since {}: none of the {} \
                     tested sites started or stopped loading.",
                    lower(&who),
                    vp.name,
                    day_words(e.at),
                    compared
                ),
                ev,
            ));
        }
    }
    out
}

/// When the site's change puts back the state it had before an earlier change that no approved
/// assessment covered (recorded before that change was seen): the first run of that earlier
/// change. Undoing a change made without an assessment is not a new change.
fn undone<'a>(site: &'a SiteHistory, assessments: &[Assessed], group: &str) -> Option<&'a Seen> {
    let mut runs = site.before.iter().skip_while(|s| s.reach == site.now);
    let mut earlier = runs.next()?;
    let mut restored = false;
    for seen in runs {
        if seen.reach == site.now {
            restored = true;
            break;
        }
        earlier = seen;
    }
    if !restored {
        return None;
    }
    let other = match site.now {
        Reach::Loads => Reach::Blocked,
        Reach::Blocked => Reach::Loads,
    };
    let covered = assessments
        .iter()
        .any(|a| a.approved && a.dated < earlier.at && is_about(a, site, group, other));
    (!covered).then_some(earlier)
}

fn return_words(a: &Assessed) -> &'static str {
    if a.decision.starts_with("reject") {
        "the risk assessment of it rejected that change"
    } else {
        "its risk assessment has not approved that change"
    }
}

fn lower(who: &str) -> String {
    match who.strip_prefix("Users") {
        Some(rest) => format!("users{rest}"),
        None => who.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn vp() -> VantagePoint {
        VantagePoint {
            name: "pupil-pc".into(),
            group: "pupil".into(),
            site: None,
            how: "pupil-pc over SSH, direct".into(),
        }
    }

    fn seen(run: i64, day: u8, reach: Reach) -> Seen {
        Seen {
            run,
            at: datetime!(2026-12-01 02:00 UTC).replace_day(day).unwrap(),
            reach,
        }
    }

    fn youtube(now: Reach, before: Vec<Seen>) -> SiteHistory {
        SiteHistory {
            url: "https://www.youtube.com/".into(),
            category: "video".into(),
            now,
            before,
        }
    }

    fn unblock(record: i64, site: &str, group: &str, approved: bool, day: u8) -> Assessed {
        Assessed {
            record,
            blocks: false,
            site: Some(site.into()),
            category: None,
            groups: vec![group.into()],
            approved,
            decision: if approved { "approved" } else { "rejected" }.into(),
            dated: datetime!(2026-12-01 12:00 UTC).replace_day(day).unwrap(),
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-12-06 02:00 UTC);

    #[test]
    fn undoing_an_unassessed_change_passes_and_undoing_an_approved_one_does_not() {
        // Blocked on the 1st, loading on the 2nd and 3rd with nothing approving it, blocked again.
        let history = vec![
            seen(3, 3, Reach::Loads),
            seen(2, 2, Reach::Loads),
            seen(1, 1, Reach::Blocked),
        ];
        let fs = judge_changes(&vp(), &[youtube(Reach::Blocked, history.clone())], &[], NOW);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].status, Status::Pass, "{}", fs[0].summary);
        assert!(
            fs[0]
                .summary
                .contains("is blocked again for pupils on pupil-pc since this run")
                && fs[0].summary.ends_with("that change is undone."),
            "{}",
            fs[0].summary
        );
        assert!(fs[0]
            .evidence
            .get("undoes")
            .unwrap_or_default()
            .contains("run 2"));
        // The unblock was approved beforehand: blocking it again is a change of its own.
        let approved = [unblock(4, "www.youtube.com", "pupils", true, 1)];
        let fs = judge_changes(&vp(), &[youtube(Reach::Blocked, history)], &approved, NOW);
        assert_eq!(fs[0].status, Status::Fail, "{}", fs[0].summary);
        assert!(fs[0]
            .summary
            .contains("no risk assessment records that change"));
        // Without the earlier state, a first change is never an undo.
        let fs = judge_changes(
            &vp(),
            &[youtube(Reach::Blocked, vec![seen(2, 2, Reach::Loads)])],
            &[],
            NOW,
        );
        assert_eq!(fs[0].status, Status::Fail, "{}", fs[0].summary);
    }

    #[test]
    fn reach_follows_the_test_and_skips_what_says_nothing() {
        assert_eq!(
            reach_of(MUST_LOAD.id, Status::Pass, false),
            Some(Reach::Loads)
        );
        assert_eq!(
            reach_of(MUST_BLOCK.id, Status::Fail, false),
            Some(Reach::Loads)
        );
        assert_eq!(
            reach_of(CATEGORIES.id, Status::Pass, false),
            Some(Reach::Blocked)
        );
        assert_eq!(reach_of(MUST_LOAD.id, Status::Fail, true), None);
        assert_eq!(reach_of(MUST_LOAD.id, Status::Warn, false), None);
        assert_eq!(reach_of(MUST_BLOCK.id, Status::Waived, false), None);
        assert_eq!(reach_of(CHANGES.id, Status::Pass, false), None);
    }

    #[test]
    fn an_unassessed_unblock_fails_naming_the_day_it_was_first_seen() {
        let site = youtube(
            Reach::Loads,
            vec![
                seen(5, 5, Reach::Loads),
                seen(4, 4, Reach::Loads),
                seen(3, 3, Reach::Loads),
                seen(2, 2, Reach::Blocked),
                seen(1, 1, Reach::Blocked),
            ],
        );
        let fs = judge_changes(&vp(), &[site], &[], NOW);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].status, Status::Fail);
        assert_eq!(
            fs[0].summary,
            "www.youtube.com has loaded for pupils on pupil-pc since 3 December 2026; no risk \
             assessment records that change."
        );
        assert_eq!(
            fs[0].evidence.get("before"),
            Some("was blocked in run 2 (2026-12-02T02:00:00Z)")
        );
    }

    #[test]
    fn an_approved_assessment_before_the_change_covers_it_and_one_after_does_not() {
        let history = || {
            youtube(
                Reach::Loads,
                vec![seen(3, 3, Reach::Loads), seen(2, 2, Reach::Blocked)],
            )
        };
        // Recorded on the 2nd at noon, seen first on the 3rd at 02:00: covered.
        let before = unblock(7, "youtube.com", "Pupils", true, 2);
        let fs = judge_changes(&vp(), &[history()], std::slice::from_ref(&before), NOW);
        assert_eq!(fs[0].status, Status::Pass, "{}", fs[0].summary);
        assert!(fs[0]
            .summary
            .contains("record 7, approved on 2 December 2026"));
        // Recorded on the 4th: after the change was seen.
        let after = unblock(8, "www.youtube.com", "pupil", true, 4);
        let fs = judge_changes(&vp(), &[history()], &[after], NOW);
        assert_eq!(fs[0].status, Status::Fail);
        assert!(fs[0]
            .summary
            .contains("recorded only after the change was seen"));
        // Rejected beforehand: the filter was changed against the decision.
        let rejected = unblock(9, "www.youtube.com", "pupil", false, 1);
        let fs = judge_changes(&vp(), &[history()], &[rejected], NOW);
        assert_eq!(fs[0].status, Status::Fail);
        assert!(fs[0].summary.contains("rejected that change"));
        // Another group's, another site's, or the other direction's assessment does not count.
        let staff = unblock(10, "www.youtube.com", "staff", true, 1);
        let other = unblock(11, "www.youtube.co.uk", "pupil", true, 1);
        let mut block = unblock(12, "www.youtube.com", "pupil", true, 1);
        block.blocks = true;
        let fs = judge_changes(&vp(), &[history()], &[staff, other, block], NOW);
        assert_eq!(fs[0].status, Status::Fail);
        assert!(fs[0]
            .summary
            .ends_with("no risk assessment records that change."));
    }

    #[test]
    fn a_change_seen_only_now_says_so_and_a_category_assessment_covers_it() {
        let site = youtube(Reach::Blocked, vec![seen(2, 2, Reach::Loads)]);
        let fs = judge_changes(&vp(), std::slice::from_ref(&site), &[], NOW);
        assert_eq!(
            fs[0].summary,
            "www.youtube.com has been blocked for pupils on pupil-pc since this run; no risk \
             assessment records that change."
        );
        let category = Assessed {
            record: 3,
            blocks: true,
            site: None,
            category: Some("Video".into()),
            groups: vec!["pupil".into()],
            approved: true,
            decision: "approved".into(),
            dated: datetime!(2026-12-05 09:00 UTC),
        };
        let fs = judge_changes(&vp(), &[site], &[category], NOW);
        assert_eq!(fs[0].status, Status::Pass);
    }

    #[test]
    fn no_change_is_one_pass_and_no_history_is_nothing() {
        let steady = youtube(
            Reach::Blocked,
            vec![seen(2, 2, Reach::Blocked), seen(1, 1, Reach::Blocked)],
        );
        let fs = judge_changes(&vp(), &[steady], &[], NOW);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].status, Status::Pass);
        assert!(fs[0]
            .summary
            .contains("has not changed since 1 December 2026"));
        let fresh = youtube(Reach::Blocked, Vec::new());
        assert!(judge_changes(&vp(), &[fresh], &[], NOW).is_empty());
    }

    #[test]
    fn site_matching_is_by_host_and_parent_domain_only() {
        assert!(site_covers("youtube.com", "https://www.youtube.com/watch"));
        assert!(site_covers(
            "https://www.youtube.com/",
            "https://www.youtube.com/"
        ));
        assert!(site_covers("WWW.YouTube.com.", "https://www.youtube.com/"));
        assert!(!site_covers("tube.com", "https://www.youtube.com/"));
        assert!(!site_covers("www.youtube.com", "https://youtube.com/"));
        assert!(!site_covers("", "https://youtube.com/"));
    }
}
