//! The problems planted in each school's web filter, and the URL and check that show each one.

use super::config::{
    CHILDLINE, RIVERSIDE_GUEST_MISSES, RIVERSIDE_PUPIL_MISSES, RIVERSIDE_STAFF_OVERBLOCKS,
    SWEARING, UNASSESSED_UNBLOCK,
};
use super::sites::{self, Kind, DOH_CANARY, ENGINES, SITES, VPN_LET_THROUGH};
use super::PlantedFilter;
use crate::school::Planted;
use crate::School;

pub(super) const PUPIL_PROBLEM: &str =
    "pupil-pc (pupil network): the offensive-language test page \
    (swearing.testfiltering.com) loads; the pupils' filter does not block it.";
pub(super) const PUPIL_UNBLOCKED: &str =
    "pupil-pc (pupil network): the CTIRU test page (ctiru.testfiltering.com) loads; it was let \
    through for pupils with no risk assessment.";
pub(super) const PUPIL_CHANGE: &str =
    "pupil-pc (pupil network): a filter change no risk assessment covers. ctiru.testfiltering.com \
    was blocked for pupils and now loads; scratch.mit.edu, unblocked the same way after an \
    approved risk assessment, is the look-alike that passes. Seen by the second of two audits, \
    with the filter as it was before the change for the first (FilterLab::before_the_change).";
pub(super) const STAFF_PROBLEM: &str =
    "staff-pc (staff network): Childline (www.childline.org.uk) is \
    blocked; the staff filter over-blocks a safeguarding site.";
pub(super) const GUEST_PROBLEM: &str =
    "guest-laptop (guest network): there is no filter at all; the guest \
    network bypasses the proxy, so every must-block test page loads.";

pub(super) const GUEST_SAFE_SEARCH_PROBLEM: &str =
    "guest-laptop (guest network): safe search is not locked on; the guest network's resolver \
    answers www.google.com, www.bing.com, www.youtube.com and duckduckgo.com as themselves, not \
    as their safe-search hosts (forcesafesearch.google.com and the like).";
pub(super) const BYOD_CANARY_PROBLEM: &str =
    "byod-tablet (BYOD network, pupils' own devices): the DNS filter answers Firefox's canary \
    use-application-dns.net, so Firefox turns encrypted DNS on and looks names up past the filter.";
pub(super) const BYOD_VPN_PROBLEM: &str =
    "byod-tablet (BYOD network, pupils' own devices): the VPN site protonvpn.com loads; the DNS \
    filter sinkholes the other VPN, web-proxy and encrypted-DNS sites, but not this one.";

pub(super) const RIVERSIDE_PUPIL_PROBLEM: &str =
    "pupil-pc (pupil network): the adult-content test page \
    (testfiltering.pornhub.com) loads; the pupils' filter does not block it.";
pub(super) const RIVERSIDE_STAFF_PROBLEM: &str =
    "staff-pc (staff network): BBC Bitesize (www.bbc.co.uk) \
    shows the block page; the staff filter over-blocks a teaching site.";
pub(super) const RIVERSIDE_GUEST_PROBLEM: &str =
    "guest-laptop (guest network): the CTIRU test page \
    (ctiru.testfiltering.com) loads; the guest network's DNS filter does not sinkhole it.";

/// The mail domain each school publishes wrongly (the lab resolver serves its records).
pub(super) fn planted_mail(school: School) -> Vec<Planted> {
    match school {
        School::Example => vec![Planted {
            directory: "mail",
            check: "mail.dmarc",
            target: "stexample-pta.lab".to_string(),
            what: "stexample-pta.lab (the PTA's email) publishes no DMARC policy: anyone can send \
                   email that claims to come from it. stexample.lab, the school's own, is set up \
                   right (SPF -all, DMARC p=reject).",
        }],
        School::Riverside => vec![Planted {
            directory: "mail",
            check: "mail.dmarc",
            target: "riverside.lab".to_string(),
            what: "riverside.lab's DMARC policy is p=none: it reports only and does not stop \
                   impersonation (its SPF record, ending in -all, is right).",
        }],
    }
}

/// Which check reports a must-block site: the IWF list apart from the other categories.
fn must_block_check(url: &str) -> &'static str {
    if url.starts_with("http://iwf.") {
        "filter.must-block"
    } else {
        "filter.categories"
    }
}

/// The planted filter change: seen only by an audit after one that saw the filter as it was
/// before the change (so not among [`planted_filter`]'s problems of a single audit).
pub(super) fn planted_change(school: School) -> Vec<PlantedFilter> {
    match school {
        School::Example => vec![PlantedFilter {
            vantage: "pupil-pc".into(),
            group: "pupil",
            check: "filter.changes",
            url: sites::url_of(UNASSESSED_UNBLOCK),
            what: PUPIL_CHANGE,
        }],
        School::Riverside => Vec::new(),
    }
}

pub(super) fn planted_filter(school: School) -> Vec<PlantedFilter> {
    if school == School::Riverside {
        let url = sites::url_of(RIVERSIDE_PUPIL_MISSES);
        let guest_url = sites::url_of(RIVERSIDE_GUEST_MISSES);
        return vec![
            PlantedFilter {
                vantage: "pupil-pc".into(),
                group: "pupil",
                check: must_block_check(url),
                url,
                what: RIVERSIDE_PUPIL_PROBLEM,
            },
            PlantedFilter {
                vantage: "staff-pc".into(),
                group: "staff",
                check: "filter.must-load",
                url: sites::url_of(RIVERSIDE_STAFF_OVERBLOCKS),
                what: RIVERSIDE_STAFF_PROBLEM,
            },
            PlantedFilter {
                vantage: "guest-laptop".into(),
                group: "guest",
                check: must_block_check(guest_url),
                url: guest_url,
                what: RIVERSIDE_GUEST_PROBLEM,
            },
        ];
    }
    let mut out = vec![
        PlantedFilter {
            vantage: "pupil-pc".into(),
            group: "pupil",
            check: "filter.categories",
            url: sites::url_of(SWEARING),
            what: PUPIL_PROBLEM,
        },
        PlantedFilter {
            vantage: "pupil-pc".into(),
            group: "pupil",
            check: "filter.categories",
            url: sites::url_of(UNASSESSED_UNBLOCK),
            what: PUPIL_UNBLOCKED,
        },
        PlantedFilter {
            vantage: "staff-pc".into(),
            group: "staff",
            check: "filter.must-load",
            url: sites::url_of(CHILDLINE),
            what: STAFF_PROBLEM,
        },
    ];
    for site in SITES.iter().filter(|s| s.kind == Kind::MustBlock) {
        out.push(PlantedFilter {
            vantage: "guest-laptop".into(),
            group: "guest",
            check: must_block_check(site.url),
            url: site.url,
            what: GUEST_PROBLEM,
        });
    }
    // The ways round the filter: reported by the name tested (a DNS answer) or the URL.
    for (engine, _) in ENGINES {
        out.push(PlantedFilter {
            vantage: "guest-laptop".into(),
            group: "guest",
            check: "filter.safe-search",
            url: engine,
            what: GUEST_SAFE_SEARCH_PROBLEM,
        });
    }
    out.push(PlantedFilter {
        vantage: "byod-tablet".into(),
        group: "byod",
        check: "filter.encrypted-dns",
        url: DOH_CANARY,
        what: BYOD_CANARY_PROBLEM,
    });
    out.push(PlantedFilter {
        vantage: "byod-tablet".into(),
        group: "byod",
        check: "filter.vpn-proxy",
        url: sites::url_of(VPN_LET_THROUGH),
        what: BYOD_VPN_PROBLEM,
    });
    out
}
