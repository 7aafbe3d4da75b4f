//! Reading SPF (RFC 7208) and DMARC (RFC 7489) records: pure functions from the TXT strings a
//! resolver returned to the facts the judge needs. Nothing here touches the network.

/// The TXT strings that are SPF records: exactly `v=spf1`, or `v=spf1` and a space
/// (RFC 7208 4.5; case-insensitive).
pub fn spf_records(txts: &[String]) -> Vec<&str> {
    txts.iter()
        .map(|t| t.trim())
        .filter(|t| {
            let lower = t.to_ascii_lowercase();
            lower == "v=spf1" || lower.starts_with("v=spf1 ")
        })
        .collect()
}

/// What an SPF record says about every server it does not name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpfEnd {
    /// `-all`: refused.
    Fail,
    /// `~all`: accepted but marked.
    SoftFail,
    /// `?all`: no opinion.
    Neutral,
    /// `all` or `+all`: every server in the world may send.
    Pass,
    /// No `all`; a `redirect=` to another domain's record.
    Redirect(String),
    /// No `all` and no `redirect=`: no opinion (RFC 7208 4.7).
    Missing,
}

/// The end of an SPF record: its `all` mechanism (the terms after it are never evaluated), else
/// its `redirect=` modifier.
pub fn spf_end(record: &str) -> SpfEnd {
    let mut redirect = None;
    for term in record.split_ascii_whitespace().skip(1) {
        let (qualifier, mechanism) = match term.chars().next() {
            Some(q @ ('+' | '-' | '~' | '?')) => (q, &term[1..]),
            _ => ('+', term),
        };
        if mechanism.eq_ignore_ascii_case("all") {
            return match qualifier {
                '-' => SpfEnd::Fail,
                '~' => SpfEnd::SoftFail,
                '?' => SpfEnd::Neutral,
                _ => SpfEnd::Pass,
            };
        }
        if let Some((name, value)) = term.split_once('=') {
            if name.eq_ignore_ascii_case("redirect") && !value.is_empty() {
                redirect = Some(value.trim_end_matches('.').to_string());
            }
        }
    }
    match redirect {
        Some(to) => SpfEnd::Redirect(to),
        None => SpfEnd::Missing,
    }
}

/// The TXT strings that are DMARC records: starting with the tag `v=DMARC1` (RFC 7489 6.4,
/// spaces around `=` and the first `;` allowed).
pub fn dmarc_records(txts: &[String]) -> Vec<&str> {
    txts.iter()
        .map(|t| t.trim())
        .filter(|t| {
            let first = t.split(';').next().unwrap_or_default();
            match first.split_once('=') {
                Some((k, v)) => k.trim() == "v" && v.trim() == "DMARC1",
                None => false,
            }
        })
        .collect()
}

/// A DMARC policy, as `p=` and `sp=` give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    None,
    Quarantine,
    Reject,
}

impl Policy {
    fn parse(s: &str) -> Option<Policy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Policy::None),
            "quarantine" => Some(Policy::Quarantine),
            "reject" => Some(Policy::Reject),
            _ => None,
        }
    }

    /// The word used in the record.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Quarantine => "quarantine",
            Policy::Reject => "reject",
        }
    }
}

/// The tags of a DMARC record the judge reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dmarc {
    /// `p=`; `None` when missing or not one of none, quarantine, reject.
    pub policy: Option<Policy>,
    /// `p=` as written, when it is not a policy.
    pub policy_text: Option<String>,
    /// `sp=` (subdomains); the same as `p=` when missing.
    pub subdomain_policy: Option<Policy>,
    /// `pct=` (the share of failing mail the policy applies to); 100 when missing.
    pub pct: u32,
}

/// Reads a DMARC record's tags (`tag=value` separated by `;`).
pub fn dmarc(record: &str) -> Dmarc {
    let mut policy = None;
    let mut policy_text = None;
    let mut sp = None;
    let mut pct = 100;
    for tag in record.split(';') {
        let Some((k, v)) = tag.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "p" => {
                policy = Policy::parse(v);
                if policy.is_none() {
                    policy_text = Some(v.trim().to_string());
                }
            }
            "sp" => sp = Policy::parse(v),
            "pct" => pct = v.trim().parse::<u32>().map_or(100, |n| n.min(100)),
            _ => {}
        }
    }
    Dmarc {
        policy,
        policy_text,
        subdomain_policy: sp.or(policy),
        pct,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    // Records as published in public documentation (copied from the documents, not looked up):
    // - RFC 7208 (SPF) appendix A.1: "v=spf1 +all", "v=spf1 a -all"; section 6.1: the modifier
    //   "redirect=_spf.example.com"; section 4.6.2's qualifier "?" gives "v=spf1 ?all";
    // - Microsoft 365's documented SPF record for a domain it sends all mail for
    //   (learn.microsoft.com, "Set up SPF"): "v=spf1 include:spf.protection.outlook.com -all";
    // - Google Workspace's (support.google.com, "Set up SPF"): "v=spf1 include:_spf.google.com ~all";
    // - RFC 7489 (DMARC) appendix B.2.1: "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com",
    //   and the same with p=quarantine and pct=100 (its B.2.3 applies quarantine to a share);
    // - GOV.UK's guidance for public sector domains ("Email security standards: set up DMARC"):
    //   the starting record "v=DMARC1;p=none;rua=mailto:dmarc-rua@dmarc.service.gov.uk".
    const RFC7208_ALL_PASS: &str = "v=spf1 +all";
    const RFC7208_A_FAIL: &str = "v=spf1 a -all";
    const RFC7208_NEUTRAL: &str = "v=spf1 ?all";
    const RFC7208_REDIRECT: &str = "v=spf1 redirect=_spf.example.com";
    const MICROSOFT_365: &str = "v=spf1 include:spf.protection.outlook.com -all";
    const GOOGLE_SOFT: &str = "v=spf1 include:_spf.google.com ~all";
    const RFC7489_NONE: &str = "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com";
    const RFC7489_QUARANTINE: &str =
        "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com; pct=100";
    const NCSC_START: &str = "v=DMARC1;p=none;rua=mailto:dmarc-rua@dmarc.service.gov.uk";

    #[test]
    fn spf_records_are_told_from_other_txt_records() {
        let txts = strings(&[
            "google-site-verification=abc",
            MICROSOFT_365,
            "v=spf10 -all",
            "V=SPF1 -all",
            "v=spf1",
        ]);
        assert_eq!(spf_records(&txts), [MICROSOFT_365, "V=SPF1 -all", "v=spf1"]);
        assert!(spf_records(&strings(&["MS=ms12345"])).is_empty());
    }

    #[test]
    fn the_end_of_an_spf_record() {
        assert_eq!(spf_end(MICROSOFT_365), SpfEnd::Fail);
        assert_eq!(spf_end(RFC7208_A_FAIL), SpfEnd::Fail);
        assert_eq!(spf_end(GOOGLE_SOFT), SpfEnd::SoftFail);
        assert_eq!(spf_end(RFC7208_NEUTRAL), SpfEnd::Neutral);
        assert_eq!(spf_end(RFC7208_ALL_PASS), SpfEnd::Pass);
        assert_eq!(spf_end("v=spf1 mx all"), SpfEnd::Pass);
        assert_eq!(spf_end("v=spf1 mx -ALL"), SpfEnd::Fail);
        assert_eq!(
            spf_end(RFC7208_REDIRECT),
            SpfEnd::Redirect("_spf.example.com".into())
        );
        // `all` wins over redirect=, and nothing after it counts.
        assert_eq!(spf_end("v=spf1 -all redirect=x.example"), SpfEnd::Fail);
        assert_eq!(spf_end("v=spf1 ~all +all"), SpfEnd::SoftFail);
        assert_eq!(spf_end("v=spf1 include:_spf.google.com"), SpfEnd::Missing);
        assert_eq!(spf_end("v=spf1"), SpfEnd::Missing);
        // An include whose name holds "all" is not `all`.
        assert_eq!(spf_end("v=spf1 include:all.example"), SpfEnd::Missing);
        assert_eq!(spf_end("v=spf1 redirect="), SpfEnd::Missing);
    }

    #[test]
    fn dmarc_records_and_their_policy() {
        let txts = strings(&[RFC7489_NONE, "v=spf1 -all", "v=DMARC2; p=reject"]);
        assert_eq!(dmarc_records(&txts), [RFC7489_NONE]);
        assert_eq!(dmarc_records(&strings(&["v = DMARC1 ; p=reject"])).len(), 1);
        assert!(dmarc_records(&strings(&["p=reject; v=DMARC1"])).is_empty());

        let d = dmarc(RFC7489_NONE);
        assert_eq!(d.policy, Some(Policy::None));
        assert_eq!(d.subdomain_policy, Some(Policy::None));
        let d = dmarc(NCSC_START);
        assert_eq!(d.policy, Some(Policy::None));
        let d = dmarc(RFC7489_QUARANTINE);
        assert_eq!(d.policy, Some(Policy::Quarantine));
        assert_eq!(d.pct, 100);
        let d = dmarc("v=DMARC1; p=reject; sp=none; pct=50");
        assert_eq!(d.policy, Some(Policy::Reject));
        assert_eq!(d.subdomain_policy, Some(Policy::None));
        assert_eq!(d.pct, 50);
        let d = dmarc("v=DMARC1; P=Reject");
        assert_eq!(d.policy, Some(Policy::Reject));
        let d = dmarc("v=DMARC1; p=block");
        assert_eq!(d.policy, None);
        assert_eq!(d.policy_text.as_deref(), Some("block"));
        let d = dmarc("v=DMARC1; rua=mailto:x@example.com");
        assert_eq!((d.policy, d.policy_text), (None, None));
        assert_eq!(dmarc("v=DMARC1; p=reject; pct=400").pct, 100);
        assert_eq!(dmarc("v=DMARC1; p=reject; pct=x").pct, 100);
    }
}
