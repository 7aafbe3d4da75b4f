//! Documentation of every key in `caretaker.toml`: one table that feeds `caretaker init`'s
//! commented sample and the caretaker.toml(5) man page, so they cannot drift apart.

/// One documented key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDoc {
    /// Key path with `[]` for array tables: `directory[].url`.
    pub key: &'static str,
    /// The type in words.
    pub kind: &'static str,
    /// `required`, or the default.
    pub default: &'static str,
    /// What it is for.
    pub doc: &'static str,
}

const fn f(
    key: &'static str,
    kind: &'static str,
    default: &'static str,
    doc: &'static str,
) -> FieldDoc {
    FieldDoc {
        key,
        kind,
        default,
        doc,
    }
}

/// Every key, in file order.
pub const FIELDS: &[FieldDoc] = &[
    f("version", "integer", "required", "Format version of this file. Must be 1."),
    f("school.name", "string", "\"Our school\"", "The school's name, as printed on reports and the console."),
    f("school.timezone", "IANA time zone name", "this machine's time zone", "The school's time zone, e.g. \"Europe/London\": scheduled times are the school's local times, and a change of the clocks neither skips nor doubles a run."),
    f("school.id", "identifier (a-z, 0-9, -; up to 40)", "none", "The school's stable identifier in its trust's database (store.url), e.g. \"st-example\": every row the school forwards carries it, and the trust's role for the school is school_<id> (hyphens as underscores). Never change it once forwarding has begun."),
    f("school.mail_domains", "list of domain names", "[] (no mail checks)", "The domains the school's email is sent from, e.g. [\"example.sch.uk\"]. Each is checked for SPF (mail.spf: one v=spf1 record ending in -all or ~all) and DMARC (mail.dmarc: a v=DMARC1 record at _dmarc.<domain> with p=quarantine or p=reject), which stop others sending email that claims to come from the school (DfE cyber security standards)."),
    f("store.path", "path", "$XDG_DATA_HOME/caretaker/caretaker.db, or /var/lib/caretaker/caretaker.db when the config is under /etc", "The SQLite file where runs and findings are kept. Created mode 0600. Relative paths are taken from this file's folder."),
    f("store.log_key", "path", "log.key beside this file (/etc/caretaker/log.key on a system install)", "The key every record of the filter-change log is signed with (Ed25519), kept outside the store so that whoever can write the store cannot rewrite the log unseen. Made mode 0600 by `caretaker init` or when the first record is entered; it must be readable by no one else. The log's head is recorded beside it (log.head, kept up to date by caretaker). Keep a copy apart from the store's backups: without it, the records signed with it can no longer be proven."),
    f("store.url", "PostgreSQL URL (postgres://ROLE@HOST:PORT/DATABASE)", "none (this school's SQLite file only)", "A multi-academy trust's PostgreSQL database, to which every run, its findings and the filter-change log are forwarded after each audit (and by `caretaker trust forward`), in order and exactly once. The SQLite file (store.path) stays the school's own and keeps every audit while the trust cannot be reached. Always TLS with the server's certificate and name verified against store.ca_file (sslmode=verify-full; no other sslmode is accepted); the password is never in the URL. Needs school.id, store.ca_file and store.password_file or store.password_env."),
    f("store.ca_file", "path", "none", "With store.url: the certificate authority (PEM) that signed the trust database server's certificate."),
    f("store.password_file", "path", "none", "With store.url: a file of mode 0600 holding the database role's password."),
    f("store.password_env", "environment variable name", "none", "With store.url: an environment variable holding the database role's password (instead of store.password_file)."),
    f("audit.timeout_secs", "integer (1-86400)", "120", "The longest one check may take, in seconds; a check still running then is stopped and reported as an error."),
    f("audit.concurrency", "integer (1-256)", "8", "How many checks run at once."),
    f("policy.map", "path", "the built-in map for section 7.4", "A clause map (TOML) naming the school's policy clauses and which checks evidence each. Write the built-in one with `caretaker init --policy-map FILE` and edit it."),
    f("directory[].name", "string", "required", "A short name for this directory, used in every finding (letters, digits, '-', '_'), e.g. \"ad\"."),
    f("directory[].kind", "\"active-directory\" or \"openldap\"", "required", "Which kind of directory server this is."),
    f("directory[].url", "LDAP URL", "required", "ldaps://host:636, or ldap://host:389 with starttls = true."),
    f("directory[].starttls", "boolean", "false", "Upgrade an ldap:// connection with StartTLS before binding."),
    f("directory[].ca_file", "path", "the system's trusted certificate authorities", "PEM file of the certificate authorities that signed the server's certificate."),
    f("directory[].allow_insecure", "boolean", "false", "Allow plain ldap:// without StartTLS. The bind password then crosses the network in clear: only for a lab."),
    f("directory[].bind_dn", "string", "required", "The account caretaker binds as; read-only rights are enough (for OpenLDAP, `search` access to userPassword lets it find accounts with no password without reading any)."),
    f("directory[].bind_password_file", "path", "one of the two is required", "File holding the bind password, mode 0600 or stricter (caretaker refuses a file others can read)."),
    f("directory[].bind_password_env", "string", "one of the two is required", "Name of an environment variable holding the bind password."),
    f("directory[].base_dn", "DN", "required", "Where to search, e.g. \"DC=school,DC=sch,DC=uk\"."),
    f("directory[].default_policy", "DN", "OpenLDAP: olcPPolicyDefault from cn=config when readable, else cn=default,ou=Policies,<base_dn>", "OpenLDAP only: the ppolicy default policy, which applies to every account without a pwdPolicySubentry."),
    f("directory[].timeout_secs", "integer (1-600)", "10", "Seconds allowed for each network step: connecting, binding, each page of a search."),
    f("directory[].page_size", "integer (1-10000)", "500", "Entries per page of a paged search (simple paged results)."),
    f("directory[].stale_after_days", "integer (1-3650)", "180", "An enabled account not used for this many days is stale. Active Directory: lastLogonTimestamp, allowing for msDS-LogonTimeSyncInterval; OpenLDAP: pwdLastSuccess."),
    f("directory[].shared_login_patterns", "list of globs", "[\"guest*\", \"pupil*\", \"student*\", \"class*\", \"*.class\", \"staff*\", \"teacher*\", \"test*\", \"temp*\", \"supply*\", \"visitor*\", \"user*\", \"exam*\", \"library*\"]", "Account names that look shared or generic (case-insensitive), besides the built-in rules of SHARED AND ADMIN ACCOUNTS; an entry that names a person (givenName and sn) is not judged by its name. Policy 7.4.1: everyone has their own login, except the youngest (exempt year groups)."),
    f("directory[].admin_account_patterns", "list of globs", "[\"*-admin\", \"*_admin\", \"*.admin\", \"adm-*\", \"admin-*\", \"administrator\"]", "Names of separate admin accounts. A member of a privileged group that neither matches nor is recognised by the rules of SHARED AND ADMIN ACCOUNTS (a name paired with an everyday account, the same person's entry, the admins' OU, admin groups only) is an everyday account with admin rights."),
    f("directory[].privileged_groups", "list of DNs", "Active Directory: Domain Admins, Enterprise Admins, Schema Admins, Administrators; OpenLDAP: the admins population's groups", "Groups whose members hold admin rights."),
    f("directory[].never_expires", "\"ignore\", \"warn\" or \"fail\"", "\"warn\"", "How to report accounts whose password never expires (NCSC advises against forced expiry, so by default this is only reported)."),
    f("directory[].populations.staff.ous", "list of DNs", "[]", "OUs (at any depth) holding staff accounts."),
    f("directory[].populations.staff.groups", "list of DNs", "[]", "Groups whose members are staff."),
    f("directory[].populations.staff.min_password_length", "integer", "12", "The shortest password the directory may accept for staff (NCSC, Cyber Essentials, DfE standards)."),
    f("directory[].populations.staff.max_lockout_threshold", "integer", "10", "The most failed logins allowed before lockout for staff; lockout must be on."),
    f("directory[].populations.pupils.ous", "list of DNs", "[]", "OUs (at any depth) holding pupil accounts."),
    f("directory[].populations.pupils.groups", "list of DNs", "[]", "Groups whose members are pupils."),
    f("directory[].populations.pupils.min_password_length", "integer", "8", "The shortest password the directory may accept for pupils."),
    f("directory[].populations.pupils.max_lockout_threshold", "integer", "10", "The most failed logins allowed before lockout for pupils."),
    f("directory[].populations.admins.ous", "list of DNs", "[]", "OUs holding admin accounts."),
    f("directory[].populations.admins.groups", "list of DNs", "[]", "Groups whose members are admins (Active Directory: Domain Admins is always counted)."),
    f("directory[].populations.admins.min_password_length", "integer", "12", "The shortest password the directory may accept for admins."),
    f("directory[].populations.admins.max_lockout_threshold", "integer", "10", "The most failed logins allowed before lockout for admins."),
    f("directory[].year_groups[].name", "string", "required", "The year group as the school names it: \"EYFS\", \"Reception\", \"Year 1\"."),
    f("directory[].year_groups[].ou", "DN", "an ou or a group is required", "The OU holding this year group's accounts."),
    f("directory[].year_groups[].group", "DN", "an ou or a group is required", "The group whose members are this year group."),
    f("directory[].year_groups[].exempt", "boolean", "false", "The youngest users, exempt from individual logins (policy 7.4: all but Early Years and Foundation Stage)."),
    f("directory[].year_groups[].roll", "integer", "none", "Pupils on roll, compared with the individual accounts found."),
    f("hosts.known_hosts", "path", "known_hosts beside the store", "Trusted SSH host keys, in OpenSSH's format. A machine whose key is not there is not checked (an error finding shows its fingerprint; `caretaker hosts trust NAME` records it); a machine whose key changed is a failure (possible interception) and nothing is sent to it."),
    f("hosts.user", "string", "\"caretaker\"", "The account the probe logs in as on every machine (a [[host]] may override it). It needs no administrator rights for most facts."),
    f("hosts.key_file", "path", "keys from ssh-agent", "The private key the probe logs in with, mode 0600 or stricter. Passwords are never used."),
    f("hosts.concurrency", "integer (1-1024)", "32", "How many machines are checked at once."),
    f("hosts.connect_timeout_secs", "integer (1-600)", "10", "Seconds allowed to connect to a machine and complete the SSH handshake."),
    f("hosts.command_timeout_secs", "integer (1-3600)", "120", "Seconds allowed for the probe to finish on a machine; a probe still running then is cut off."),
    f("hosts.max_output_bytes", "integer (1024-1073741824)", "8388608", "The most a probe may print; more is an error for that machine, and reading stops."),
    f("hosts.thresholds.signature_warn_hours", "integer", "24", "Anti-virus signatures older than this many hours are a warning (NCSC: update at least daily). On Linux, ClamAV, Microsoft Defender for Endpoint (`mdatp health`), ESET (its newest detection module) are dated; Sophos and Trellix keep the date in their consoles (a warning says so) and CrowdStrike Falcon uses no signature files; none of them found is a failure that says what was looked for."),
    f("hosts.thresholds.signature_fail_hours", "integer", "72", "Anti-virus signatures older than this many hours are a failure."),
    f("hosts.thresholds.xprotect_max_days", "integer", "30", "macOS XProtect data older than this many days is a failure (Apple updates it every week or few)."),
    f("hosts.thresholds.update_max_days", "integer", "14", "No update installed for more than this many days is a failure (Cyber Essentials: critical updates within 14 days). On Linux the last real upgrade is read from apt's history and dpkg.log, rotated and compressed logs included, and the finding says how many updates are waiting, security updates first."),
    f("hosts.thresholds.encryption_required_roles", "list of strings", "[\"laptop\"]", "Machines with any of these roles must have an encrypted system disk (personal data taken off site, policy 7.4)."),
    f("hosts.thresholds.screen_lock_max_minutes", "integer", "15", "Screens must lock after at most this many minutes idle (policy 7.4: lock screens when unattended). On Linux what the desktop session applies is read: GNOME, Cinnamon and MATE dconf settings only when their database is compiled (`dconf update`) and named in /etc/dconf/profile/user, KDE Plasma's kscreenlockerrc, light-locker (which never locks when a session runs `xset s off`) and xscreensaver. Automatic login at start-up is a check of its own (host.auto-logon)."),
    f("hosts.allowed_software.linux", "list of globs", "[] (none agreed: a warning)", "Approved Linux programs, case-insensitive globs. Only what a person installed is judged: packages apt marks as installed on purpose (`apt-mark showmanual`), packages from no archive (`dpkg -i`, a vendor's .deb), snaps not seeded with the OS, flatpaks and folders in /opt that no package owns; anything of those not approved is a failure that names it. The operating system's own packages (dpkg priority required, important or standard; tasks, metapackages, the kernel and boot loader) and everything installed as a dependency are approved by default."),
    f("hosts.allowed_software.windows", "list of globs", "[] (none agreed: a warning)", "Approved Windows programs (as listed in Apps & features)."),
    f("hosts.allowed_software.macos", "list of globs", "[] (none agreed: a warning)", "Approved macOS applications."),
    f("hosts.group[].name", "string", "required", "A group of machines sharing settings, named by their `group` key (an ICT suite, the staff laptops)."),
    f("hosts.group[].user", "string", "hosts.user", "The account to log in as on the group's machines."),
    f("hosts.group[].port", "integer", "22", "The SSH port of the group's machines."),
    f("hosts.group[].os", "\"linux\", \"windows\", \"macos\" or \"auto\"", "\"auto\"", "The operating system of the group's machines."),
    f("hosts.group[].roles", "list of strings", "[]", "Roles every machine of the group has."),
    f("hosts.discover[].directory", "string", "required", "The name of an Active Directory [[directory]] whose computer objects are machines to check too."),
    f("hosts.discover[].base_dn", "DN", "required", "The OU searched for computer objects (and the OUs below it). Disabled computer accounts and ones without dNSHostName are skipped."),
    f("hosts.discover[].group", "string", "none", "The [[hosts.group]] whose settings the machines found share (user, port, os, roles)."),
    f("hosts.discover[].roles", "list of strings", "[]", "Roles every machine found has. A [[host]] with the same name or address wins over what the directory says."),
    f("host[].name", "string", "required", "A short name for the machine, used in findings and in `caretaker hosts trust NAME`."),
    f("host[].address", "string", "required", "Its address or DNS name."),
    f("host[].port", "integer", "its group's, else 22", "Its SSH port."),
    f("host[].user", "string", "its group's, else hosts.user", "The account to log in as on this machine."),
    f("host[].os", "\"linux\", \"windows\", \"macos\" or \"auto\"", "its group's, else \"auto\"", "Which probe it gets: sh on Linux and macOS, PowerShell over OpenSSH on Windows. With \"auto\", Windows is told from the SSH server's banner and Linux from macOS by `uname -s`, still in one round trip."),
    f("host[].group", "string", "none", "The [[hosts.group]] whose settings it shares."),
    f("host[].roles", "list of strings", "[]", "Roles such as \"laptop\", \"desktop\", \"server\", \"file-server\" (added to its group's). Laptops must have an encrypted system disk."),
    f("host[].simulated", "boolean", "false", "The machine answers with recorded output instead of running the probe (the sample school's Windows and macOS machines); every finding about it says so."),
    f("host[].audit", "boolean", "true", "false for a machine used only as a filter vantage point: the host checks skip it."),
    f("filter.timeout_secs", "integer (1-600)", "15", "Seconds allowed for each URL, from the first connection to the last byte read."),
    f("filter.connect_timeout_secs", "integer (1-120)", "5", "Seconds allowed to resolve a name and to connect."),
    f("filter.concurrency", "integer (1-256)", "8", "URLs fetched at once from each vantage point."),
    f("filter.max_body_bytes", "integer (1024-67108864)", "262144", "The most of each page read; tokens and block pages are looked for in it."),
    f("filter.max_redirects", "integer (0-20)", "5", "Redirects followed before giving up (a loop is reported as such)."),
    f("filter.ca_file", "path", "the system's CAs only", "Extra certificate authorities (PEM) trusted for HTTPS tests from this machine, such as the filter's inspection CA."),
    f("filter.interception_issuers", "list of strings", "[]", "Words in the issuer of the filter's HTTPS-inspection CA: a site answered with a certificate it issued is recorded as inspected by the filter."),
    f("filter.sinkhole_addresses", "list of IP addresses", "[\"0.0.0.0\", \"127.0.0.1\", \"::\", \"::1\"]", "Addresses a filtering resolver answers blocked names with: resolving to one means blocked by DNS."),
    f("filter.block_hosts", "list of host names", "[]", "Host names of the filter's block pages: a redirect there means blocked."),
    f("filter.default_tests", "boolean", "true", "Include the built-in tests (listed under BUILT-IN FILTER TESTS below, and by `caretaker filter tests`): the SWGfL / UK Safer Internet Centre test pages that must be blocked, and safeguarding and teaching sites that must load."),
    f("filter.pupil_groups", "list of strings", "[\"pupil\", \"pupils\", \"learner\", \"learners\", \"student\", \"students\"]", "The groups (filter.vantage[].group) whose vantage points must not reach encrypted-DNS services or VPN and web-proxy sites (filter.encrypted-dns, filter.vpn-proxy); other groups, such as staff, may. Safe search and the encrypted-DNS and Private Relay canaries are tested from every vantage point."),
    f("filter.default_bypass_sites", "boolean", "true", "Include the built-in bypass sites (listed under BUILT-IN FILTER TESTS below, must-block for pupils): the public DNS-over-HTTPS services of Google, Cloudflare, Quad9 and OpenDNS, and well-known VPN and web-proxy sites."),
    f("filter.bypass_site[].url", "URL", "required", "An encrypted-DNS service, or a VPN or web-proxy site, that must not load for pupils (http:// or https://)."),
    f("filter.bypass_site[].category", "\"encrypted-dns\", \"vpn\" or \"web-proxy\"", "required", "What it is: encrypted-dns reports under filter.encrypted-dns, the others under filter.vpn-proxy."),
    f("filter.bypass_site[].token", "string", "required", "Text (case-sensitive) only the real page contains: found means the page loaded."),
    f("filter.control.url", "URL", "\"http://detectportal.firefox.com/success.txt\"", "Loaded first from each vantage point: if it does not load, every result from there is an error (\"no internet from here\"), never \"blocked\"."),
    f("filter.control.token", "string", "\"success\"", "Text the control page contains."),
    f("filter.block_page[].name", "string", "required", "A filtering product's block page (built in: the IWF splash page, Squid's access-denied page)."),
    f("filter.block_page[].text", "string", "required", "Text (case-sensitive) only that block page contains."),
    f("filter.test[].url", "URL", "required", "A page to test (http:// or https://)."),
    f("filter.test[].category", "string", "required", "Its category: iwf, ctiru, adult, offensive-language, safeguarding, teaching, or your own."),
    f("filter.test[].expect", "\"block\" or \"load\"", "required", "Whether the filter must block it or let it load."),
    f("filter.test[].token", "string", "required", "Text (case-sensitive) only the real page contains: found means the page loaded."),
    f("filter.test[].clause", "string", "by expectation and category", "The policy clause the test serves."),
    f("filter.vantage[].name", "string", "required", "A short name for the place the tests run from (\"pupil-wifi\")."),
    f("filter.vantage[].group", "string", "required", "The user group whose filtering it sees: pupil, staff, guest (or your own)."),
    f("filter.vantage[].site", "string", "none", "The site, for a school on several sites."),
    f("filter.vantage[].host", "string", "this machine", "A [[host]] the tests run on, over SSH (curl there; Invoke-WebRequest on Windows)."),
    f("filter.vantage[].proxy", "URL", "direct", "An explicit proxy, http://host:port."),
    f("filter.vantage[].proxy_user", "string", "none", "The proxy account (with proxy_password_file or proxy_password_env)."),
    f("filter.vantage[].proxy_password_file", "path", "none", "File holding the proxy password, mode 0600 or stricter."),
    f("filter.vantage[].proxy_password_env", "string", "none", "Environment variable holding the proxy password."),
    f("filter.vantage[].resolver", "address", "/etc/resolv.conf's", "This machine only: the DNS server asked (\"10.0.0.1:53\")."),
    f("mail.resolver", "address:port", "the system's resolver (/etc/resolv.conf)", "The DNS server asked for the mail domains' SPF and DMARC records, e.g. \"127.0.0.53:53\" (port 53 when only an address is given)."),
    f("mail.timeout_secs", "integer (1-60)", "5", "Seconds allowed for each DNS query of the mail checks; a server that does not answer in time is an error, never a pass."),
    f("assess.consent_from", "\"low\", \"medium\", \"high\" or \"never\"", "\"medium\"", "Filter changes (`caretaker assess`): the lowest risk level at which a change needs leadership consent (who gave it and when) before it can be recorded. Every change needs an educational and a technical assessor whatever this says (policy: \"risk assessed by staff with educational and technical experience ... where appropriate with consent from the Leadership Team\")."),
    f("schedule.audit", "schedule", "\"daily 02:00\"", "When `caretaker daemon` runs the full audit by itself: \"daily 02:00\", \"mon-fri 06:30\", \"every 2h mon-fri 07:00-18:00\" (both ends included) or \"off\". Days: mon, tue, wed, thu, fri, sat, sun, ranges (mon-fri) and lists (mon,wed,fri), weekdays, weekends, daily. A run missed while the machine was off runs once when the daemon starts."),
    f("schedule.directory", "schedule", "with the full audit", "When the directory checks run apart from the full audit (same form as schedule.audit)."),
    f("schedule.hosts", "schedule", "with the full audit", "When the machine checks run apart from the full audit (same form as schedule.audit)."),
    f("schedule.filter", "schedule", "with the full audit", "When the web-filter tests run apart from the full audit, e.g. \"every 2h mon-fri 07:00-18:00\" to notice during the school day a filter that stops blocking the IWF list."),
    f("alert.email_to", "list of email addresses", "[] (no email)", "Who is told at once, by email, when a scheduled check finds a new critical failure (an IWF or CTIRU test page reachable, a machine's SSH key changed): the DSL and the network manager. One email per new problem, a reminder while it lasts, and one when it is resolved."),
    f("alert.email_from", "email address", "caretaker@ this machine's name", "The sender of the alert emails."),
    f("alert.smtp_server", "host or host:port", "required with email_to", "The mail server the alerts are sent through, with STARTTLS (port 587 unless given)."),
    f("alert.smtp_user", "string", "no login", "The account to log in to the mail server as, with smtp_password_file or smtp_password_env."),
    f("alert.smtp_password_file", "path", "one of the two with smtp_user", "File holding the mail server password, mode 0600 or stricter."),
    f("alert.smtp_password_env", "string", "one of the two with smtp_user", "Name of an environment variable holding the mail server password."),
    f("alert.smtp_ca_file", "path", "the system's trusted certificate authorities", "PEM file of the certificate authority that signed the mail server's certificate."),
    f("alert.smtp_allow_insecure", "boolean", "false", "Send without STARTTLS. The password and the alert then cross the network in clear: only for a lab."),
    f("alert.command", "list of strings", "[] (no command)", "A command run for each alert email, with the alert as JSON on its standard input (kind caretaker.alert: new, reminders, resolved), e.g. a script posting to a Teams or Slack webhook. Stopped after 30 seconds."),
    f("report.schedule", "\"off\", \"monthly\" or \"termly\"", "\"off\"", "When `caretaker daemon` writes the report leadership and governors read (`caretaker report`) by itself: \"monthly\" on the 1st for the month before, \"termly\" the day after each term ends (autumn: September to December, spring: January to March, summer: April to August). A report missed while the machine was off is written when the daemon starts."),
    f("report.folder", "path", "reports beside the store", "Where the daemon writes the reports (HTML and PDF, mode 0600, in a folder of mode 0700)."),
    f("report.email_to", "list of email addresses", "[] (no email)", "Who gets each report by email, sent through [alert]'s mail server: the headteacher, the governor responsible for filtering."),
    f("daemon.socket", "path", "/run/caretaker/caretaker.sock (system install), else beside the store", "The socket the command line and the console reach a running `caretaker daemon` through (at most 100 bytes long). While the daemon runs they go through it; otherwise they work on the store themselves."),
    f("daemon.admin_group", "group name", "none (root and the daemon's user only)", "Members of this group (as the operating system, and so the directory through NSS, says) may start audits and write records through the daemon; each record is entered under their own user name."),
    f("daemon.read_group", "group name", "none", "Members of this group may read results and records through the daemon, and change nothing. Everyone else is refused."),
    f("alert.remind_after_hours", "integer (1-720)", "24", "While a problem lasts, a reminder after this many hours (at most one a day by default)."),
    f("schedule.jitter_secs", "integer (0-3600)", "300", "Up to how many seconds this school's scheduled runs are put back, the same every day (chosen from the school's name), so that a trust's schools do not reach a shared filter at the same second."),
];

/// The commented sample written by `caretaker init`.
pub fn sample() -> String {
    let mut s = String::new();
    s.push_str(
        "# caretaker.toml: what caretaker checks, and where.\n\
         # Every key is described in caretaker.toml(5). Secrets are never written here: name a file\n\
         # (mode 0600) or an environment variable that holds them.\n\n",
    );
    s.push_str(SAMPLE_BODY);
    s
}

const SAMPLE_BODY: &str = r#"# Format version of this file.
version = 1

[school]
# The school's name, as printed on reports and the console.
name = "St. Example's Primary"
# Its time zone, for scheduled times (default: this machine's).
# timezone = "Europe/London"
# The domains its email is sent from, checked for SPF and DMARC (protection against impersonation).
# mail_domains = ["school.sch.uk"]
# The school's stable identifier in its trust's database (with [store] url): lower-case letters,
# digits and hyphens.
# id = "st-example"

[store]
# Where runs and findings are kept (created mode 0600). Default: ~/.local/share/caretaker/ or,
# for a system install (config in /etc/caretaker), /var/lib/caretaker/.
# path = "/var/lib/caretaker/caretaker.db"
# The key that signs the filter-change log (made 0600 by `caretaker init` or when the first record
# is entered), kept outside the store; the log's head is recorded beside it in log.head.
# Default: log.key beside this file.
# log_key = "/etc/caretaker/log.key"
# A multi-academy trust's PostgreSQL database, to which every run and record is forwarded from the
# file above (which keeps every audit while the trust cannot be reached, and forwards them, in
# order, once it can). Always TLS, the server's name verified against ca_file (sslmode=verify-full).
# The role is the school's, made by the trust with `caretaker trust init-school ID`.
# url = "postgres://school_st_example@trust-db.example.org:5432/caretaker"
# ca_file = "/etc/caretaker/trust-ca.pem"
# The role's password: a file of mode 0600, or an environment variable (password_env = "NAME").
# password_file = "/etc/caretaker/trust.pass"

[audit]
# The longest one check may take, in seconds.
timeout_secs = 120
# How many checks run at once.
concurrency = 8

# Where the mail domains' SPF and DMARC records are looked up (default: the system's resolver).
[mail]
# resolver = "127.0.0.53:53"
timeout_secs = 5

[policy]
# A clause map for a policy numbered differently from section 7.4 (see `caretaker init --policy-map`).
# map = "/etc/caretaker/policy.toml"

# One [[directory]] table per directory. Active Directory:
[[directory]]
name = "ad"
kind = "active-directory"
# LDAPS, or ldap:// with starttls = true. Plain LDAP needs allow_insecure = true (lab only).
url = "ldaps://dc1.school.sch.uk:636"
starttls = false
# The certificate authority that signed the domain controller's certificate.
ca_file = "/etc/caretaker/school-ca.pem"
allow_insecure = false
# A read-only account.
bind_dn = "CN=caretaker,OU=Service Accounts,DC=school,DC=sch,DC=uk"
# The password: a file of mode 0600, or an environment variable (bind_password_env = "NAME").
bind_password_file = "/etc/caretaker/ad.pass"
base_dn = "DC=school,DC=sch,DC=uk"
# OpenLDAP only: the ppolicy default policy's DN.
# default_policy = "cn=default,ou=Policies,dc=school,dc=sch,dc=uk"
# Seconds for each network step.
timeout_secs = 10
page_size = 500
# Enabled accounts unused for longer than this are stale.
stale_after_days = 180
# Names that look shared or generic, and names of separate admin accounts.
shared_login_patterns = ["guest*", "pupil*", "student*", "class*", "*.class", "staff*", "teacher*", "test*", "temp*", "supply*", "visitor*", "user*", "exam*", "library*"]
admin_account_patterns = ["*-admin", "*_admin", "*.admin", "adm-*", "admin-*", "administrator"]
# Groups that hold admin rights; empty means Domain/Enterprise/Schema Admins and Administrators.
privileged_groups = []
# The most enabled accounts that may hold full admin rights (Cyber Essentials: only those who
# need them).
# max_admins = 5
# Passwords that never expire: "ignore", "warn" or "fail".
never_expires = "warn"

[directory.populations.staff]
ous = ["OU=Staff,DC=school,DC=sch,DC=uk"]
groups = []
min_password_length = 12
max_lockout_threshold = 10

[directory.populations.pupils]
ous = ["OU=Pupils,DC=school,DC=sch,DC=uk"]
groups = []
min_password_length = 8
max_lockout_threshold = 10

[directory.populations.admins]
ous = []
groups = ["CN=Domain Admins,CN=Users,DC=school,DC=sch,DC=uk"]
min_password_length = 12
max_lockout_threshold = 10

# Year groups. The youngest (EYFS, Reception) are exempt from individual logins, as policy 7.4 says.
[[directory.year_groups]]
name = "Reception"
ou = "OU=Reception,OU=Pupils,DC=school,DC=sch,DC=uk"
exempt = true

[[directory.year_groups]]
name = "Year 1"
ou = "OU=Year 1,OU=Pupils,DC=school,DC=sch,DC=uk"
# group = "CN=Year 1,OU=Groups,DC=school,DC=sch,DC=uk"
exempt = false
roll = 30

# Machines are checked over SSH: one session and one read-only probe each.
[hosts]
# Trusted host keys; default: known_hosts beside the store. Add a machine's key with
# `caretaker hosts trust NAME` after checking its fingerprint.
# known_hosts = "/var/lib/caretaker/known_hosts"
user = "caretaker"
# The private key (mode 0600); without it, keys come from ssh-agent.
key_file = "/etc/caretaker/id_ed25519"
concurrency = 32
connect_timeout_secs = 10
command_timeout_secs = 120
max_output_bytes = 8388608

[hosts.thresholds]
signature_warn_hours = 24
signature_fail_hours = 72
xprotect_max_days = 30
update_max_days = 14
encryption_required_roles = ["laptop"]
screen_lock_max_minutes = 15

# Approved software: anything else installed fails, naming the programs. Empty: none agreed yet.
[hosts.allowed_software]
linux = []
windows = ["Microsoft *", "Google Chrome", "Mozilla Firefox*", "Adobe Acrobat Reader*", "SMART Notebook*"]
macos = ["Safari", "Pages", "Numbers", "Keynote", "Google Chrome", "Microsoft *"]

# Settings shared by a group of machines.
[[hosts.group]]
name = "staff-laptops"
user = "caretaker"
port = 22
os = "windows"
roles = ["laptop"]

# Windows machines found in Active Directory are checked too (the [[directory]] named "ad").
[[hosts.discover]]
directory = "ad"
base_dn = "OU=Computers,OU=School,DC=school,DC=sch,DC=uk"
group = "staff-laptops"
roles = []

[[host]]
name = "office-laptop-1"
address = "office-laptop-1.school.sch.uk"
port = 22
# user = "caretaker"
os = "windows"
group = "staff-laptops"
roles = ["laptop"]
simulated = false
audit = true

# Web-filter tests (policy 7.2), from every [[filter.vantage]]. Each run is kept as a check
# record: `caretaker filter log`.
[filter]
timeout_secs = 15
connect_timeout_secs = 5
concurrency = 8
max_body_bytes = 262144
max_redirects = 5
# ca_file = "/etc/caretaker/filter-ca.pem"
interception_issuers = []
sinkhole_addresses = ["0.0.0.0", "127.0.0.1", "::", "::1"]
block_hosts = ["block.school.sch.uk"]
default_tests = true
pupil_groups = ["pupil", "pupils", "learner", "learners", "student", "students"]
default_bypass_sites = true

[filter.control]
url = "http://detectportal.firefox.com/success.txt"
token = "success"

[[filter.block_page]]
name = "Our filter"
text = "This site has been blocked"

# The school's own tests, added to the built-in ones.
[[filter.test]]
url = "https://www.bbc.co.uk/newsround"
category = "teaching"
expect = "load"
token = "Newsround"
clause = "7.2/over-blocking"

# A VPN or web-proxy site (or an encrypted-DNS service) pupils must not reach, added to the
# built-in ones.
[[filter.bypass_site]]
url = "https://www.hidemyass.com/"
category = "vpn"
token = "HMA"

[[filter.vantage]]
name = "pupil-wifi"
group = "pupil"
site = "main"
proxy = "http://proxy.school.sch.uk:3128"
# resolver = "10.0.0.1:53"

[[filter.vantage]]
name = "staff-laptop"
group = "staff"
host = "office-laptop-1"
proxy = "http://proxy.school.sch.uk:3128"
proxy_user = "caretaker"
proxy_password_file = "/etc/caretaker/proxy.pass"
# proxy_password_env = "CARETAKER_PROXY_PASSWORD"

# Filter changes are risk assessed and logged (`caretaker assess`, `caretaker sites`).
[assess]
# The lowest risk level that needs leadership consent: "low", "medium", "high" or "never".
consent_from = "medium"

# When `caretaker daemon` runs the checks by itself, in the school's local time.
[schedule]
audit = "daily 02:00"
# An area on a schedule of its own (otherwise it is checked by the full audit). The web-filter
# tests through the school day notice at once an IWF test page that has become reachable.
# directory = "daily 01:30"
# hosts = "mon-fri 12:30"
# filter = "every 2h mon-fri 07:00-18:00"
# Up to how many seconds the runs are put back, the same every day (0 to 3600).
jitter_secs = 300

# Who is told at once of a new critical failure found by a scheduled check (an IWF or CTIRU test
# page reachable, a machine's SSH key changed): one email per new problem, a reminder a day while
# it lasts, and one when it is resolved.
[alert]
email_to = ["dsl@school.sch.uk", "network.manager@school.sch.uk"]
email_from = "caretaker@school.sch.uk"
smtp_server = "mail.school.sch.uk:587"
smtp_user = "caretaker"
smtp_password_file = "/etc/caretaker/smtp.pass"
# smtp_password_env = "CARETAKER_SMTP_PASSWORD"
# smtp_ca_file = "/etc/caretaker/mail-ca.pem"
smtp_allow_insecure = false
# A command given each alert as JSON on its standard input (e.g. to post to a Teams webhook).
command = []
remind_after_hours = 24

# The report leadership and governors read, written by `caretaker daemon` when each period ends
# (HTML and PDF) and emailed through [alert]'s mail server.
[report]
schedule = "termly"
# folder = "/var/lib/caretaker/reports"
email_to = ["head@school.sch.uk", "safeguarding.governor@school.sch.uk"]

# Who may use the running daemon (`caretaker daemon`), as the operating system says: members of
# admin_group may start audits and record assessments (under their own name), members of
# read_group may only read. Root and the daemon's own user always may.
[daemon]
# socket = "/run/caretaker/caretaker.sock"
# admin_group = "caretaker-admin"
# read_group = "caretaker-read"
"#;

/// The caretaker.toml(5) man page, in roff, from [`FIELDS`].
/// A built-in web-filter test, as the man page lists it. The list is the checks' own
/// (`caretaker_checks::filter::default_tests`, through `caretaker_checks::filter::builtin_docs`):
/// that crate depends on this one, so it is passed in, never copied here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinTest {
    pub url: String,
    pub category: String,
    /// `must-block` or `must-load`.
    pub expect: String,
    pub token: String,
    pub clause: String,
}

/// A check, as the man page lists it: the checks' own declarations
/// (`caretaker_checks::registry::check_docs`), passed in because that crate depends on this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDoc {
    pub id: &'static str,
    pub title: &'static str,
    /// The built-in clause map's clauses it evidences.
    pub clauses: Vec<&'static str>,
    /// The keys only this check reads.
    pub settings: Vec<FieldDoc>,
}

/// caretaker.toml(5), PASSWORD POLICIES: how the directory's password and lockout rules are
/// reported.
pub const PASSWORD_POLICIES: &[&str] = &[
    "Each password policy that governs enabled staff, pupil or admin accounts is one finding for \
     directory.password-policy and one for directory.lockout, whose target is the policy itself: \
     the domain's default policy (\"Default domain policy\"), a fine-grained password settings \
     object (its cn), or an OpenLDAP ppolicy entry (its cn; its DN when two share a cn). The \
     finding says which accounts the policy applies to and how many of each population, and is \
     judged against the strictest thresholds of the populations it governs (for example \
     populations.staff.min_password_length when it governs staff and pupils).",
    "Which policy governs an account: Active Directory, msDS-ResultantPSO (or, when it cannot be \
     read, msDS-PSOAppliesTo on the account, then on its groups, lowest precedence first), else \
     the domain's default policy; OpenLDAP, pwdPolicySubentry, else the server's default policy \
     (default_policy, else olcPPolicyDefault in cn=config, else cn=default,ou=Policies under \
     base_dn).",
];

/// caretaker.toml(5), SHARED AND ADMIN ACCOUNTS: the built-in rules of
/// `caretaker_checks::directory::people` (a test there keeps the two in step).
pub const SHARED_AND_ADMIN_ACCOUNTS: &[&str] = &[
    "A login is judged shared, generic or for testing (directory.shared-logins) from what its \
     entry says as well as from its name. It is when its description says so: always for the \
     words shared and generic, and when the entry names no person (see below) for class login, \
     class account, test account, test login, testing, temporary, \
     supply login, supply account, exam login, exam account; or when its displayName, givenName or sn is a class, room, year group, test or \
     machine rather than a person (a whole word among class, classroom, form, room, staffroom, \
     suite, library, office, year, yr, reception, eyfs, nursery, test, testing, temp, temporary, \
     supply, exam, exams, shared, generic, pupils, students, staff, computer, laptop, ipad, \
     kiosk: \"Room 12\", \"Staffroom Computer\", \"Class 3\"); or when its name matches \
     shared_login_patterns or the built-in name rules (a year, class, form or room and a number: \
     year4, yr4, y4, y4b, class2, form6, room12, rm12; a name containing test; a name starting \
     with temp, supply, exam, library, visitor or guest) and the entry names no person.",
    "An entry names a person when it has a givenName and an sn, neither of which is one of the \
     words above, and a displayName that either holds none of them or also holds the given name \
     or surname (\"Jane Smith (Office)\" is a person's). Such an account is one person's, whatever its name: \
     emma.temple, j.testa and temple.e are people. Class logins of year groups with exempt = true \
     are allowed (policy 7.4: the youngest may share).",
    "A member of a privileged group is a separate admin account, not an everyday account with \
     admin rights (directory.privileged), when: it is the built-in Administrator (AD, RID 500); \
     its name matches admin_account_patterns; its name is another account's with an admin prefix \
     or suffix (adm. adm- adm_ admin. admin- admin_ a- a. a_ sa- da-, or .adm -adm _adm .admin \
     -admin _admin -a _a .a -da _da -sa: adm.j.smith for j.smith). Otherwise an account in the \
     staff or pupils population is an everyday account. Else it is a separate admin account when \
     the entry is the same person as an everyday account (the same employeeID or employeeNumber, \
     the same givenName and sn, or the same displayName leaving out \"admin\"); when it lives \
     under populations.admins.ous; or when every group it is directly in gives admin rights or is \
     one of populations.admins.groups. The evidence says which rule recognised it.",
];

/// caretaker.toml(5), with the checks and their own keys, and the built-in filter tests, listed.
pub fn man_page(version: &str, checks: &[CheckDoc], builtin_tests: &[BuiltinTest]) -> String {
    fn esc(s: &str) -> String {
        s.replace('\\', "\\\\")
            .replace('-', "\\-")
            .replace('\'', "\\(aq")
            .replace('.', "\\&.")
    }
    let mut s = String::new();
    s.push_str(&format!(
        ".TH caretaker.toml 5 \"\" \"caretaker {version}\" \"File Formats\"\n"
    ));
    s.push_str(".SH NAME\ncaretaker.toml \\- what caretaker checks, and where\n");
    s.push_str(".SH DESCRIPTION\n");
    s.push_str(
        "caretaker reads one TOML file, looked for in this order: the \\fB\\-\\-config\\fR option, \
         \\fB$CARETAKER_CONFIG\\fR, \\fI/etc/caretaker/caretaker.toml\\fR, \
         \\fI~/.config/caretaker/caretaker.toml\\fR. Unknown keys are refused. An error names the file, \
         line, column and key, quotes the bad value and says what was expected; \\fBcaretaker config check\\fR \
         exits 78 on such an error. Secrets are never written in the file: name a file of mode 0600 \
         (\\fIbind_password_file\\fR) or an environment variable (\\fIbind_password_env\\fR). \
         \\fBcaretaker init\\fR writes a commented sample.\n",
    );
    s.push_str(".SH KEYS\n");
    for f in FIELDS {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR ({}; default: {})\n{}\n",
            esc(f.key),
            esc(f.kind),
            esc(f.default),
            esc(f.doc)
        ));
    }
    for f in checks.iter().flat_map(|c| &c.settings) {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR ({}; default: {})\n{}\n",
            esc(f.key),
            esc(f.kind),
            esc(f.default),
            esc(f.doc)
        ));
    }
    s.push_str(".SH CHECKS\n");
    s.push_str(
        "Every check caretaker runs (\\fBcaretaker checks\\fR lists them with the clauses of the \
         clause map in use), the built-in clause map's clauses it is evidence for, and the keys \
         that only it reads.\n",
    );
    for c in checks {
        let keys: Vec<&str> = c.settings.iter().map(|f| f.key).collect();
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}. Clauses: {}.{}\n",
            esc(c.id),
            esc(c.title),
            esc(&c.clauses.join(", ")),
            if keys.is_empty() {
                String::new()
            } else {
                format!(" Settings: {}.", esc(&keys.join(", ")))
            }
        ));
    }
    for (title, paras) in [
        ("PASSWORD POLICIES", PASSWORD_POLICIES),
        ("SHARED AND ADMIN ACCOUNTS", SHARED_AND_ADMIN_ACCOUNTS),
    ] {
        s.push_str(&format!(".SH {title}\n"));
        for (i, p) in paras.iter().enumerate() {
            if i > 0 {
                s.push_str(".PP\n");
            }
            s.push_str(&esc(p));
            s.push('\n');
        }
    }
    s.push_str(".SH BUILT-IN FILTER TESTS\n");
    s.push_str(
        "Fetched from every \\fB[[filter.vantage]]\\fR unless \\fIfilter.default_tests\\fR is false \
         (\\fBcaretaker filter tests\\fR lists them with the school's own). A must-block page has \
         loaded when its text is found in it; a must-load page has been blocked when it is not.\n",
    );
    for t in builtin_tests {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR ({}; category {}; clause {})\nLoaded when the page contains \\(lq{}\\(rq.\n",
            esc(&t.url),
            esc(&t.expect),
            esc(&t.category),
            esc(&t.clause),
            esc(&t.token)
        ));
    }
    s.push_str(".SH SEE ALSO\ncaretaker(1), caretaker\\-filter(1)\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key path in a TOML value, with `[]` for arrays of tables.
    fn keys(prefix: &str, v: &toml::Value, out: &mut Vec<String>) {
        if let toml::Value::Table(t) = v {
            for (k, child) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match child {
                    toml::Value::Table(_) => keys(&path, child, out),
                    toml::Value::Array(a) if a.iter().all(|x| x.is_table()) && !a.is_empty() => {
                        for x in a {
                            keys(&format!("{path}[]"), x, out);
                        }
                    }
                    _ => out.push(path),
                }
            }
        }
    }

    #[test]
    fn the_sample_parses_and_every_key_in_it_is_documented() {
        let text = sample();
        let cfg = crate::load::parse_str(&text, std::path::Path::new("sample.toml"));
        assert!(cfg.is_ok(), "{:?}", cfg.err());
        let value: toml::Value = toml::from_str(&text).unwrap();
        let mut found = Vec::new();
        keys("", &value, &mut found);
        for k in &found {
            assert!(
                FIELDS.iter().any(|f| f.key == k),
                "sample key {k} is not documented in FIELDS"
            );
        }
    }

    #[test]
    fn every_documented_key_is_accepted_by_the_schema() {
        // Each documented leaf, written into a minimal file, must not be an unknown key.
        for f in FIELDS {
            assert!(
                !f.doc.is_empty() && !f.kind.is_empty() && !f.default.is_empty(),
                "{}",
                f.key
            );
        }
        let text = sample()
            .replace("# path = ", "path = ")
            .replace("# log_key = ", "log_key = ")
            .replace("# map = ", "map = ")
            .replace("# group = ", "group = ")
            .replace("# default_policy = ", "default_policy = ")
            .replace("# known_hosts = ", "known_hosts = ")
            .replace("# user = ", "user = ")
            .replace("# ca_file = ", "ca_file = ")
            .replace("# resolver = ", "resolver = ")
            .replace("# timezone = ", "timezone = ")
            .replace("# mail_domains = ", "mail_domains = ")
            .replace("# directory = ", "directory = ")
            .replace("# hosts = ", "hosts = ")
            .replace("# filter = ", "filter = ")
            .replace("# smtp_ca_file = ", "smtp_ca_file = ")
            .replace("# socket = ", "socket = ")
            .replace("# folder = ", "folder = ")
            .replace("# admin_group = ", "admin_group = ")
            .replace("# read_group = ", "read_group = ")
            .replace("# id = ", "id = ")
            .replace("# url = ", "url = ")
            .replace("# password_file = ", "password_file = ")
            + "\n";
        let value: toml::Value = toml::from_str(&text).unwrap();
        let mut found = Vec::new();
        keys("", &value, &mut found);
        // The _env keys are the alternatives to the _file ones: documented, not in the sample.
        for f in FIELDS {
            if f.key.ends_with("bind_password_env")
                || f.key.ends_with("proxy_password_env")
                || f.key.ends_with("smtp_password_env")
                || f.key == "store.password_env"
            {
                continue;
            }
            assert!(
                found.iter().any(|k| k == f.key),
                "documented key {} missing from the sample",
                f.key
            );
        }
    }
}
