//! Email against impersonation (DfE cyber security standards; policy 7.4): each of the school's
//! mail domains (`[school] mail_domains`) publishes one SPF record ending in `-all` or `~all`
//! (RFC 7208) and a DMARC policy of `quarantine` or `reject` (RFC 7489), as the configured
//! resolver (`[mail] resolver`) answers.
//!
//! [`dns`] is the probe (TXT queries, each under a time limit), [`parse`] reads the records, and
//! [`judge_spf`] and [`judge_dmarc`] turn what was seen into findings; only the probe touches the
//! network.

pub mod dns;
pub mod parse;

use std::time::Duration;

use crate::model::{Evidence, Finding, Severity, Status, Target, TargetKind};
use crate::registry::{ids_of, Area, AreaId, CheckSpec};
use dns::{Txt, TxtResolver};
use parse::{Policy, SpfEnd};

/// The mail checks, in report order.
pub const SPECS: &[CheckSpec] = &[SPF, DMARC];
/// Their ids.
pub const CHECK_IDS: [&str; 2] = ids_of::<2>(SPECS);

/// The mail area: one unit of work per mail domain.
#[derive(Debug)]
pub struct MailArea;

impl Area for MailArea {
    type Unit = String;
    const ID: AreaId = AreaId::Mail;
    fn specs() -> &'static [CheckSpec] {
        SPECS
    }
    fn units(config: &caretaker_config::Config) -> Vec<String> {
        config
            .school
            .mail_domains
            .iter()
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
            .collect()
    }
}

const fn spec(
    id: &'static str,
    title: &'static str,
    column: &'static str,
    could_not: &'static str,
) -> CheckSpec {
    CheckSpec::new(
        AreaId::Mail,
        id,
        title,
        column,
        &["7.4/email-impersonation"],
        could_not,
    )
}

pub const SPF: CheckSpec = spec(
    "mail.spf",
    "Only the school's mail servers may send its email (SPF)",
    "spf",
    "Could not read the SPF record",
);
pub const DMARC: CheckSpec = spec(
    "mail.dmarc",
    "Email pretending to be the school is stopped (DMARC)",
    "dmarc",
    "Could not read the DMARC policy",
);

fn target(domain: &str) -> Target {
    Target::new(TargetKind::Domain, domain, "")
}

fn evidence(resolver: &str, name: &str, txt: &Txt) -> Evidence {
    let mut e = Evidence::new(format!("DNS TXT {name}"))
        .with("resolver", resolver)
        .with("name", name);
    match txt {
        Txt::Found(records) => {
            for r in records {
                e.push("txt", r);
            }
        }
        Txt::NoRecords { nxdomain: true } => e.push("answer", "NXDOMAIN (no such name)"),
        Txt::NoRecords { nxdomain: false } => e.push("answer", "no TXT records"),
        Txt::Failed(why) => e.push("error", why),
    }
    e
}

fn could_not(spec: &CheckSpec, domain: &str, why: &str, evidence: Evidence) -> Finding {
    Finding::error(
        spec.id,
        target(domain),
        format!("{} for {domain}: {why}.", spec.could_not),
        evidence,
    )
    .fix(
        "Check that the DNS server in [mail] resolver (else /etc/resolv.conf's) answers from this \
         machine, then run the check again; what the domain publishes is not known until it does.",
    )
}

const SPF_EXAMPLE: &str = "\"v=spf1 include:spf.protection.outlook.com -all\" for Microsoft 365, \
     \"v=spf1 include:_spf.google.com ~all\" for Google Workspace";

/// `mail.spf` from the domain's TXT records (`txt`) and, when its record ends in `redirect=`,
/// the records of the domain it redirects to (`redirected`).
pub fn judge_spf(
    domain: &str,
    resolver: &str,
    txt: &Txt,
    redirected: Option<(&str, &Txt)>,
) -> Finding {
    let mut ev = evidence(resolver, domain, txt);
    let records = match txt {
        Txt::Failed(why) => return could_not(&SPF, domain, why, ev),
        Txt::NoRecords { .. } => Vec::new(),
        Txt::Found(all) => all.clone(),
    };
    let spf = parse::spf_records(&records);
    let finding = |status, severity, summary: String, ev: &Evidence| {
        Finding::new(
            SPF.id,
            target(domain),
            status,
            severity,
            summary,
            ev.clone(),
        )
    };
    let record = match spf.as_slice() {
        [] => {
            return finding(
                Status::Fail,
                Severity::Medium,
                format!(
                    "Anyone can send email that claims to come from {domain}: it publishes no SPF \
                     record saying which servers may send its email."
                ),
                &ev,
            )
            .fix(format!(
                "Publish one TXT record at {domain} naming the servers that send its email and \
                 ending in -all, such as {SPF_EXAMPLE} (ask whoever manages the domain's DNS)."
            ))
        }
        [one] => one.to_string(),
        many => {
            return finding(
                Status::Fail,
                Severity::Medium,
                format!(
                    "{domain} publishes {} SPF records where there must be one: receiving mail \
                     servers treat that as an error (RFC 7208) and ignore them all, so nothing \
                     says which servers may send its email.",
                    many.len()
                ),
                &ev,
            )
            .fix(format!(
                "Merge the SPF records of {domain} into one TXT record starting v=spf1 (all the \
                 include: terms together) ending in -all, and remove the others."
            ))
        }
    };
    ev.push("spf", &record);
    let mut end = parse::spf_end(&record);
    let mut via = String::new();
    if let SpfEnd::Redirect(to) = end.clone() {
        let to = to.as_str();
        ev.push("redirect", to);
        let followed = match redirected {
            Some((name, txt)) if name.eq_ignore_ascii_case(to) => txt,
            _ => {
                return finding(
                    Status::Warn,
                    Severity::Low,
                    format!(
                        "{domain}'s SPF record hands over to {to} (redirect=), which was not \
                         followed: whether others can send email as {domain} is not known."
                    ),
                    &ev,
                )
                .fix(format!(
                    "Check the SPF record of {to} ends in -all or ~all, or end {domain}'s own \
                     record with -all."
                ))
            }
        };
        match followed {
            Txt::Failed(why) => {
                ev.push("redirect_error", why);
                return could_not(&SPF, domain, why, ev);
            }
            Txt::Found(r) => {
                for t in r {
                    ev.push("redirect_txt", t);
                }
            }
            Txt::NoRecords { .. } => ev.push("redirect_txt", "none"),
        }
        let r = match followed {
            Txt::Found(r) => r.clone(),
            _ => Vec::new(),
        };
        let target_spf = parse::spf_records(&r);
        end = match target_spf.as_slice() {
            [one] => match parse::spf_end(one) {
                // One hop only: a second redirect is not followed.
                SpfEnd::Redirect(_) => {
                    return finding(
                        Status::Warn,
                        Severity::Low,
                        format!(
                            "{domain}'s SPF record hands over to {to}, which hands over again: \
                             caretaker follows one redirect=, so whether others can send email \
                             as {domain} is not known."
                        ),
                        &ev,
                    )
                    .fix(format!(
                        "End {domain}'s SPF record with -all, or point redirect= at a record \
                         that ends in -all."
                    ))
                }
                e => e,
            },
            // RFC 7208 6.1: a redirect to a domain without one SPF record is a permanent error.
            _ => SpfEnd::Missing,
        };
        via = format!(" (through {to}, which its redirect= names)");
    }
    match end {
        SpfEnd::Fail => finding(
            Status::Pass,
            Severity::Info,
            format!(
                "Only the servers {domain} names may send its email: its SPF record{via} ends in \
                 -all, so email from anywhere else is refused."
            ),
            &ev,
        ),
        SpfEnd::SoftFail => finding(
            Status::Pass,
            Severity::Info,
            format!(
                "Only the servers {domain} names may send its email: its SPF record{via} ends in \
                 ~all, so email from anywhere else is marked as suspicious."
            ),
            &ev,
        ),
        SpfEnd::Pass => finding(
            Status::Fail,
            Severity::High,
            format!(
                "Anyone can send email as {domain}: its SPF record{via} ends in +all, which \
                 allows every server in the world to send its email."
            ),
            &ev,
        )
        .fix(format!(
            "Change the end of {domain}'s SPF record from +all (or a bare all) to -all, after \
             naming the servers that really send its email, such as {SPF_EXAMPLE}."
        )),
        SpfEnd::Neutral => finding(
            Status::Fail,
            Severity::Medium,
            format!(
                "{domain}'s SPF record{via} ends in ?all, which tells receiving servers to have \
                 no opinion about email from anywhere else: it does not stop impersonation."
            ),
            &ev,
        )
        .fix(format!(
            "Change the end of {domain}'s SPF record from ?all to -all (or ~all while testing)."
        )),
        SpfEnd::Missing | SpfEnd::Redirect(_) => finding(
            Status::Fail,
            Severity::Medium,
            format!(
                "{domain}'s SPF record{via} does not end in -all or ~all, so it says nothing \
                 about email from other servers: it does not stop impersonation."
            ),
            &ev,
        )
        .fix(format!(
            "End {domain}'s SPF record with -all (or ~all while testing), such as {SPF_EXAMPLE}."
        )),
    }
}

/// `mail.dmarc` from the TXT records at `_dmarc.<domain>`.
pub fn judge_dmarc(domain: &str, resolver: &str, txt: &Txt) -> Finding {
    let name = format!("_dmarc.{domain}");
    let mut ev = evidence(resolver, &name, txt);
    let records = match txt {
        Txt::Failed(why) => return could_not(&DMARC, domain, why, ev),
        Txt::NoRecords { .. } => Vec::new(),
        Txt::Found(all) => all.clone(),
    };
    let fix_publish = format!(
        "Publish a TXT record at {name}: \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{domain}\" \
         (ask whoever manages the domain's DNS), and move to p=reject once the reports show only \
         the school's own services send as {domain}."
    );
    let dmarc = parse::dmarc_records(&records);
    let finding = |status, severity, summary: String, ev: &Evidence| {
        Finding::new(
            DMARC.id,
            target(domain),
            status,
            severity,
            summary,
            ev.clone(),
        )
    };
    let record = match dmarc.as_slice() {
        [] => {
            return finding(
                Status::Fail,
                Severity::Medium,
                format!(
                    "Anyone can send email that claims to come from {domain}: it publishes no \
                     DMARC policy."
                ),
                &ev,
            )
            .fix(fix_publish)
        }
        [one] => one.to_string(),
        many => {
            return finding(
                Status::Fail,
                Severity::Medium,
                format!(
                    "Anyone can send email that claims to come from {domain}: it publishes {} \
                     DMARC records where there must be one, so receiving servers apply none \
                     (RFC 7489).",
                    many.len()
                ),
                &ev,
            )
            .fix(format!(
                "Keep one TXT record at {name} starting v=DMARC1, with p=quarantine or p=reject."
            ))
        }
    };
    ev.push("dmarc", &record);
    let d = parse::dmarc(&record);
    if let Some(p) = d.policy {
        ev.push("p", p.as_str());
    }
    if let Some(sp) = d.subdomain_policy {
        ev.push("sp", sp.as_str());
    }
    ev.push("pct", d.pct);
    match d.policy {
        None => finding(
            Status::Fail,
            Severity::Medium,
            format!(
                "Anyone can send email that claims to come from {domain}: its DMARC record has no \
                 valid policy (p={}), so receiving servers ignore it.",
                d.policy_text.as_deref().unwrap_or("missing")
            ),
            &ev,
        )
        .fix(fix_publish),
        Some(Policy::None) => finding(
            Status::Fail,
            Severity::Medium,
            format!(
                "Email that claims to come from {domain} but fails its checks is still \
                 delivered: its DMARC policy is p=none, which reports only, does not stop \
                 impersonation."
            ),
            &ev,
        )
        .fix(format!(
            "Change p=none to p=quarantine in the TXT record at {name} (then p=reject) once the \
             reports show only the school's own services send as {domain}."
        )),
        Some(p) => {
            let what = if p == Policy::Reject {
                "refused"
            } else {
                "put in spam"
            };
            if d.subdomain_policy == Some(Policy::None) {
                finding(
                    Status::Warn,
                    Severity::Low,
                    format!(
                        "Email that pretends to come from {domain} is {what} (p={}), but email \
                         from its subdomains is not stopped: its DMARC record says sp=none.",
                        p.as_str()
                    ),
                    &ev,
                )
                .fix(format!(
                    "Remove sp=none from the TXT record at {name} (or set sp=quarantine)."
                ))
            } else if d.pct < 100 {
                finding(
                    Status::Warn,
                    Severity::Low,
                    format!(
                        "Only {}% of the email that pretends to come from {domain} is {what}: \
                         its DMARC record says pct={}.",
                        d.pct, d.pct
                    ),
                    &ev,
                )
                .fix(format!(
                    "Remove pct= from the TXT record at {name} (or set pct=100)."
                ))
            } else {
                finding(
                    Status::Pass,
                    Severity::Info,
                    format!(
                        "Email that pretends to come from {domain} is {what}: its DMARC policy \
                         is p={}.",
                        p.as_str()
                    ),
                    &ev,
                )
            }
        }
    }
}

/// Both mail checks for one domain, through `[mail]`'s resolver. Never panics; a server that
/// does not answer gives `error` findings.
pub async fn audit(domain: &str, settings: &caretaker_config::MailSettings) -> Vec<Finding> {
    let timeout = Duration::from_secs(settings.timeout_secs);
    let resolver = match TxtResolver::new(settings.resolver.as_deref(), timeout) {
        Ok(r) => r,
        Err(why) => {
            let ev = Evidence::new("caretaker").with("reason", &why);
            return SPECS
                .iter()
                .map(|s| could_not(s, domain, &why, ev.clone()))
                .collect();
        }
    };
    let dmarc_name = format!("_dmarc.{domain}");
    let (txt, dmarc) = tokio::join!(resolver.txt(domain), resolver.txt(&dmarc_name));
    // One redirect= is followed.
    let redirect = match &txt {
        Txt::Found(r) => match parse::spf_records(r).as_slice() {
            [one] => match parse::spf_end(one) {
                SpfEnd::Redirect(to) => Some(to),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    let followed = match &redirect {
        Some(to) => Some((to.as_str(), resolver.txt(to).await)),
        None => None,
    };
    vec![
        judge_spf(
            domain,
            &resolver.shown,
            &txt,
            followed.as_ref().map(|(n, t)| (*n, t)),
        ),
        judge_dmarc(domain, &resolver.shown, &dmarc),
    ]
}

#[cfg(test)]
mod tests;
