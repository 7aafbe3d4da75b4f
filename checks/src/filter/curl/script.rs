//! The probe scripts: the templates under `probe_scripts/` with a checked request embedded.

use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::request::check;
use super::{ProbeRequest, ScriptError};

const SH_TEMPLATE: &str = include_str!("../probe_scripts/filter.sh");
const PS1_TEMPLATE: &str = include_str!("../probe_scripts/filter.ps1");
/// The line of each template that the request replaces.
pub(super) const MARKER: &str = "# @@CARETAKER-REQUEST@@";

/// `s` single-quoted for POSIX sh: every byte but `'` is literal inside single quotes.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as a double-quoted parameter of curl's configuration syntax.
fn curl_config_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', r"\\").replace('"', "\\\""))
}

fn fill(template: &str, block: &str) -> Result<String, ScriptError> {
    let lines: Vec<&str> = template.lines().filter(|l| l.trim() == MARKER).collect();
    if lines.len() != 1 {
        return Err(ScriptError::new(
            "the probe script template has lost its request marker",
        ));
    }
    let mut out = String::with_capacity(template.len() + block.len());
    for line in template.lines() {
        if line.trim() == MARKER {
            out.push_str(block);
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// The POSIX sh probe for `req` (Linux, macOS, anything with curl 7.63 or later), to be fed to
/// `/bin/sh -s` on the machine. It prints one `caretaker-filter/1` JSON document.
pub fn sh_script(req: &ProbeRequest) -> Result<String, ScriptError> {
    let c = check(req)?;
    let (proxy, proxy_hp) = c.proxy.clone().unwrap_or_default();
    let proxy_cfg = match &req.proxy_credentials {
        Some((user, password)) => format!(
            "proxy-user = {}",
            curl_config_quote(&format!("{user}:{password}"))
        ),
        None => String::new(),
    };
    let mut block = String::new();
    let _ = writeln!(block, "# The request, written by caretaker.");
    let _ = writeln!(block, "MAXTIME={}", c.req.timeout_secs);
    let _ = writeln!(block, "CONNTIME={}", c.req.connect_timeout_secs);
    let _ = writeln!(block, "MAXBODY={}", c.req.max_body_bytes);
    let _ = writeln!(block, "MAXREDIRS={}", c.req.max_redirects);
    let _ = writeln!(block, "CONC={}", c.req.concurrency);
    let _ = writeln!(block, "PROXY={}", sh_quote(&proxy));
    let _ = writeln!(block, "PROXYHP={}", sh_quote(&proxy_hp));
    let _ = writeln!(block, "PROXYCFG={}", sh_quote(&proxy_cfg));
    let _ = writeln!(block, "LOOKUPS={}", sh_quote(&c.req.lookups.join(" ")));
    block.push_str("set --");
    for u in &c.req.urls {
        block.push_str(" \\\n  ");
        block.push_str(&sh_quote(u));
    }
    block.push('\n');
    fill(SH_TEMPLATE, &block)
}

/// The Windows PowerShell 5.1 probe for `req` (Invoke-WebRequest), to be fed to
/// `powershell -NoProfile -NonInteractive -Command -`. It prints one
/// `caretaker-filter-windows/1` JSON document.
pub fn ps1_script(req: &ProbeRequest) -> Result<String, ScriptError> {
    let c = check(req)?;
    let ps_quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let (proxy, _) = c.proxy.clone().unwrap_or_default();
    let (user_b64, password_b64) = match &req.proxy_credentials {
        Some((user, password)) => (BASE64.encode(user), BASE64.encode(password)),
        None => (String::new(), String::new()),
    };
    let mut block = String::new();
    let _ = writeln!(block, "# The request, written by caretaker.");
    let _ = writeln!(block, "$TimeoutSec = {}", c.req.timeout_secs);
    let _ = writeln!(block, "$MaxBody = {}", c.req.max_body_bytes);
    let _ = writeln!(block, "$MaxRedirects = {}", c.req.max_redirects);
    let _ = writeln!(block, "$Concurrency = {}", c.req.concurrency);
    let _ = writeln!(block, "$ProxyUri = {}", ps_quote(&proxy));
    let _ = writeln!(block, "$ProxyUserB64 = {}", ps_quote(&user_b64));
    let _ = writeln!(block, "$ProxyPassB64 = {}", ps_quote(&password_b64));
    block.push_str("$Urls = @(\n");
    for u in &c.req.urls {
        let _ = writeln!(block, "  {}", ps_quote(u));
    }
    block.push_str(")\n");
    fill(PS1_TEMPLATE, &block)
}
