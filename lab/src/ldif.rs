//! Reading the LDIF that `ldapsearch -LLL -o ldif_wrap=no` prints, for tests and checks of the lab.

use std::collections::BTreeMap;

use crate::util::base64_decode;

/// One entry of a search result. Attribute names are kept as the server sent them; look-ups
/// ignore case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LdapEntry {
    pub dn: String,
    pub attrs: BTreeMap<String, Vec<String>>,
}

impl LdapEntry {
    /// All values of `name` (case-insensitive); empty if absent.
    pub fn get(&self, name: &str) -> Vec<&str> {
        self.attrs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.iter().map(String::as_str))
            .collect()
    }

    /// The first value of `name`, if any.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.get(name).into_iter().next()
    }

    /// Whether `name` has a value equal to `value` (case-insensitive).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.get(name).iter().any(|v| v.eq_ignore_ascii_case(value))
    }
}

/// Parses LDIF search output. Comments, referrals and continuation lines are handled; base64
/// values (`attr:: …`) are decoded when they are UTF-8 and kept as base64 otherwise.
pub fn parse_ldif(text: &str) -> Vec<LdapEntry> {
    // Unfold continuation lines (a line starting with one space continues the previous one).
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        if let Some(rest) = raw.strip_prefix(' ') {
            if let Some(last) = lines.last_mut() {
                last.push_str(rest);
                continue;
            }
        }
        lines.push(raw.to_string());
    }
    let mut out = Vec::new();
    let mut cur: Option<LdapEntry> = None;
    for line in lines {
        if line.is_empty() {
            if let Some(e) = cur.take() {
                out.push(e);
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = split_attr(&line) else {
            continue;
        };
        if name.eq_ignore_ascii_case("dn") {
            if let Some(e) = cur.take() {
                out.push(e);
            }
            cur = Some(LdapEntry {
                dn: value,
                attrs: BTreeMap::new(),
            });
        } else if let Some(e) = cur.as_mut() {
            e.attrs.entry(name).or_default().push(value);
        }
    }
    if let Some(e) = cur.take() {
        out.push(e);
    }
    out
}

fn split_attr(line: &str) -> Option<(String, String)> {
    let colon = line.find(':')?;
    let name = line[..colon].to_string();
    let rest = &line[colon + 1..];
    if let Some(b64) = rest.strip_prefix(':') {
        let b64 = b64.trim();
        let value = base64_decode(b64)
            .and_then(|v| String::from_utf8(v).ok())
            .unwrap_or_else(|| b64.to_string());
        Some((name, value))
    } else {
        Some((name, rest.strip_prefix(' ').unwrap_or(rest).to_string()))
    }
}

/// An OpenLDAP client tool (`ldapsearch`, `ldapmodify`) that trusts only the lab CA.
pub(crate) fn ldap_tool(
    program: &std::path::Path,
    ca_file: &std::path::Path,
) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.env("LDAPTLS_CACERT", ca_file)
        .env("LDAPTLS_REQCERT", "demand")
        .env_remove("LDAPTLS_CERT")
        .env_remove("LDAPTLS_KEY");
    cmd
}

/// A paged `ldapsearch` bound as caretaker's read-only account, parsed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn caretaker_search(
    ldapsearch: &std::path::Path,
    ca_file: &std::path::Path,
    url: &str,
    bind_dn: &str,
    bind_password_file: &std::path::Path,
    base: &str,
    scope: &str,
    filter: &str,
    attrs: &[&str],
) -> Result<Vec<LdapEntry>, crate::LabError> {
    let mut cmd = ldap_tool(ldapsearch, ca_file);
    cmd.args(["-x", "-LLL", "-o", "ldif_wrap=no", "-E", "pr=500/noprompt"])
        .args(["-H", url, "-D", bind_dn, "-y"])
        .arg(bind_password_file)
        .args(["-b", base, "-s", scope, filter])
        .args(attrs);
    let out = crate::process::run(&mut cmd, None, std::time::Duration::from_secs(60))?;
    Ok(parse_ldif(&out.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries() {
        let text = "dn: uid=a,ou=People,dc=x\nuid: a\ncn: A\n\n# ref\n\
                    dn:: dWlkPWIsb3U9UGVvcGxlLGRjPXg=\nmemberOf: cn=one\nmemberOf: cn=tw\n o\n";
        let e = parse_ldif(text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].dn, "uid=a,ou=People,dc=x");
        assert_eq!(e[0].first("CN"), Some("A"));
        assert_eq!(e[1].dn, "uid=b,ou=People,dc=x");
        assert_eq!(e[1].get("memberof"), vec!["cn=one", "cn=two"]);
        assert!(e[1].has("memberOf", "CN=TWO"));
    }
}
