//! What a Linux machine's desktop session will actually do about locking the screen and logging in
//! by itself, read from the files the session reads (pure: from the Linux probe's `screen_lock`
//! object to [`ScreenLock`] facts).
//!
//! - GNOME, Cinnamon and MATE read dconf. A system database counts only when
//!   `/etc/dconf/profile/user` names it (`system-db:local`) and its binary file
//!   (`/etc/dconf/db/local`, written by `dconf update`) is at least as new as its keyfiles
//!   (`/etc/dconf/db/local.d/*`); otherwise the keyfiles' settings are not what the session sees.
//!   GNOME's own defaults (org.gnome.desktop.session idle-delay 300 seconds,
//!   org.gnome.desktop.screensaver lock-enabled true, lock-delay 0) apply to keys no applied
//!   database sets; Cinnamon's and MATE's keys must be set to be judged.
//! - KDE Plasma reads `kscreenlockerrc` (`[Daemon]` Autolock, default true; Timeout in minutes,
//!   default 5; LockGrace in seconds), system-wide in `/etc/xdg`, for new users in `/etc/skel`;
//!   `[$i]` makes a setting immutable.
//! - light-locker (LightDM desktops such as Xfce) locks when the X screen saver starts: after the X
//!   server's timeout (600 seconds unless `xset s N` sets another) plus its
//!   `lock-after-screensaver` (5 seconds). `xset s off` (or `-s 0` on the X server's command line)
//!   in what a session runs means the screen saver, and so the lock, never starts.
//! - xscreensaver reads `timeout`, `lock` and `lockTimeout` from its app-defaults, and from
//!   `~/.xscreensaver` (new users get `/etc/skel/.xscreensaver`).
//! - Automatic login: GDM (`[daemon]` AutomaticLoginEnable / TimedLoginEnable), LightDM
//!   (`autologin-user` in a `[Seat:…]` section; `/usr/share/lightdm/lightdm.conf.d`, then
//!   `/etc/lightdm/lightdm.conf.d`, then `/etc/lightdm/lightdm.conf`, the last value winning) and
//!   SDDM (`[Autologin]` `User=`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::parse::{as_bool, ScreenLock};

/// The X server's screen-saver timeout when nothing sets it (Xorg's `-s` default, 10 minutes).
pub const X_SAVER_DEFAULT_SECS: u64 = 600;
/// light-locker's `lock-after-screensaver` default, in seconds.
pub const LIGHT_LOCKER_DELAY_SECS: u64 = 5;
/// GNOME's defaults: idle-delay (seconds), lock-enabled, lock-delay (seconds).
pub const GNOME_DEFAULTS: (u64, bool, u64) = (300, true, 0);
/// KDE Plasma's defaults: Autolock, Timeout (minutes).
pub const KDE_DEFAULTS: (bool, u64) = (true, 5);

/// What the judge is told it looked for when no desktop it knows is installed.
pub const LOOKED_FOR: &str = "GNOME (dconf org/gnome/desktop/session idle-delay, org/gnome/desktop/screensaver lock-enabled), Cinnamon and MATE (their dconf keys), KDE Plasma (kscreenlockerrc Autolock/Timeout), light-locker and xscreensaver";

/// One `file|[section]|key=value` line of the probe's `ini` helper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub file: String,
    /// Without brackets; `Daemon][$i` keeps KDE's immutability marker.
    pub section: String,
    /// Without a `[$i]` suffix.
    pub key: String,
    pub value: String,
    /// KDE's `[$i]` on the key or its section.
    pub immutable: bool,
}

impl Setting {
    pub fn parse(line: &str) -> Option<Setting> {
        let mut parts = line.splitn(3, '|');
        let file = parts.next()?.trim().to_string();
        let section = parts.next()?.trim();
        let kv = parts.next()?;
        let (k, v) = kv.split_once('=')?;
        let section = section
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(section)
            .to_string();
        let key_raw = k.trim();
        let immutable = key_raw.ends_with("[$i]") || section.contains("[$i");
        let key = key_raw
            .split('[')
            .next()
            .unwrap_or(key_raw)
            .trim()
            .to_string();
        Some(Setting {
            file,
            section,
            key,
            value: v.trim().to_string(),
            immutable,
        })
    }

    /// The section without a KDE `][$i` marker.
    fn section_name(&self) -> &str {
        self.section.split("][").next().unwrap_or(&self.section)
    }

    fn shown(&self) -> String {
        format!(
            "{}: [{}] {}={}",
            self.file, self.section, self.key, self.value
        )
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .take(500)
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn settings(v: Option<&Value>) -> Vec<Setting> {
    strings(v)
        .iter()
        .filter_map(|l| Setting::parse(l))
        .collect()
}

/// The number in a GVariant text value (`uint32 600`, `600`).
fn gvariant_number(v: &str) -> Option<u64> {
    v.split_whitespace().last()?.trim().parse().ok()
}

fn gvariant_bool(v: &str) -> Option<bool> {
    as_bool(&Value::String(v.trim().to_string()))
}

/// How one screen locker will behave.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Locker {
    name: &'static str,
    locks: Option<bool>,
    after: Option<u64>,
    enforced: Option<bool>,
    how: String,
}

/// Automatic login from the display managers' settings (in the probe's reading order). `present`
/// names the programs installed; when it names a display manager, only those installed count.
pub fn auto_logon(lines: &[Setting], present: &[String]) -> (bool, String) {
    let has = |p: &str| present.iter().any(|x| x == p);
    let any_dm = ["gdm3", "gdm", "lightdm", "sddm"].iter().any(|d| has(d));
    let counts = |dm: &str| !any_dm || has(dm) || (dm == "gdm3" && has("gdm"));
    // Last value wins, per display manager and key.
    let mut last: BTreeMap<(&str, String), &Setting> = BTreeMap::new();
    for s in lines {
        let dm = if s.file.contains("gdm") {
            "gdm3"
        } else if s.file.contains("lightdm") {
            "lightdm"
        } else if s.file.contains("sddm") {
            "sddm"
        } else {
            continue;
        };
        if !counts(dm) {
            continue;
        }
        let section = s.section_name().to_ascii_lowercase();
        let relevant = match dm {
            "gdm3" => section == "daemon",
            "lightdm" => section.starts_with("seat") || section == "seatdefaults",
            _ => section == "autologin",
        };
        if relevant {
            last.insert((dm, s.key.clone()), s);
        }
    }
    let on: Vec<String> = last
        .iter()
        .filter(|((dm, key), s)| match (*dm, key.as_str()) {
            ("gdm3", "AutomaticLoginEnable" | "TimedLoginEnable") => {
                gvariant_bool(&s.value) == Some(true)
            }
            ("lightdm", "autologin-user") | ("sddm", "User") => !s.value.is_empty(),
            _ => false,
        })
        .map(|(_, s)| s.shown())
        .collect();
    if on.is_empty() {
        let read: Vec<String> = last.values().map(|s| s.shown()).collect();
        (
            false,
            if read.is_empty() {
                "no automatic-login setting in the GDM, LightDM or SDDM configuration".into()
            } else {
                format!("no automatic login ({})", read.join("; "))
            },
        )
    } else {
        (true, on.join("; "))
    }
}

/// Reads the Linux probe's `screen_lock` object.
pub fn linux(sl: &Map<String, Value>) -> ScreenLock {
    let present = strings(sl.get("present"));
    let has = |p: &str| present.iter().any(|x| x == p);
    let mut out = ScreenLock {
        graphical: sl.get("graphical").and_then(as_bool),
        ..ScreenLock::default()
    };
    let dm_lines = settings(sl.get("autologin"));
    if matches!(sl.get("autologin"), Some(Value::Array(_))) {
        let (on, how) = auto_logon(&dm_lines, &present);
        out.auto_logon = Some(on);
        out.auto_logon_evidence = Some(how);
    }
    let mut ev: Vec<(String, String)> = vec![(
        "desktop_programs".into(),
        if present.is_empty() {
            "none".into()
        } else {
            present.join(", ")
        },
    )];

    // dconf: which system databases the session reads, and which are compiled.
    let profile = strings(sl.get("dconf_profile"));
    let named: Vec<String> = profile
        .iter()
        .filter_map(|l| l.trim().strip_prefix("system-db:"))
        .map(|s| s.trim().to_string())
        .collect();
    let dbs: BTreeMap<String, (Option<u64>, Option<u64>)> = strings(sl.get("dconf_dbs"))
        .iter()
        .filter_map(|l| {
            let mut p = l.split('|');
            let name = p.next()?.trim().to_string();
            let db = p.next().and_then(|x| x.trim().parse().ok());
            let src = p.next().and_then(|x| x.trim().parse().ok());
            Some((name, (db, src)))
        })
        .collect();
    let mut applied: Vec<String> = Vec::new();
    let mut dconf_notes: Vec<String> = Vec::new();
    if profile.is_empty() && !dbs.is_empty() {
        dconf_notes.push("no /etc/dconf/profile/user, so the system databases in /etc/dconf/db are not read by the session".into());
    }
    for name in &named {
        match dbs.get(name) {
            Some((Some(db), Some(src))) if db >= src => applied.push(name.clone()),
            Some((Some(_), _)) => dconf_notes.push(format!(
                "/etc/dconf/db/{name} is older than its keyfiles in /etc/dconf/db/{name}.d (`dconf update` not run since they changed), so their settings are not in force"
            )),
            Some((None, _)) => dconf_notes.push(format!(
                "/etc/dconf/db/{name} was never compiled (`dconf update`), so the settings in /etc/dconf/db/{name}.d are not in force"
            )),
            None => {}
        }
    }
    for name in dbs.keys() {
        if !named.contains(name) && !profile.is_empty() {
            dconf_notes.push(format!(
                "/etc/dconf/profile/user does not name system-db:{name}, so /etc/dconf/db/{name}.d is not read"
            ));
        }
    }
    let in_db = |file: &str, db: &str| file.starts_with(&format!("/etc/dconf/db/{db}.d/"));
    // The first database in the profile wins: apply the others first.
    let keys = settings(sl.get("dconf_keys"));
    let mut dconf: BTreeMap<(String, String), Setting> = BTreeMap::new();
    for db in applied.iter().rev() {
        for s in keys.iter().filter(|s| in_db(&s.file, db)) {
            dconf.insert((s.section.clone(), s.key.clone()), s.clone());
        }
    }
    let lock_lines = strings(sl.get("dconf_locks"));
    let locked = |path: &str| {
        lock_lines.iter().any(|l| {
            let (file, key) = l.split_once(':').unwrap_or(("", l));
            key.trim() == path && applied.iter().any(|db| in_db(file, db))
        })
    };
    let get = |section: &str, key: &str| dconf.get(&(section.to_string(), key.to_string()));
    ev.push((
        "dconf_profile".into(),
        if profile.is_empty() {
            "none".into()
        } else {
            profile.join("; ")
        },
    ));
    ev.push((
        "dconf_applied".into(),
        if dconf.is_empty() {
            "none".into()
        } else {
            dconf
                .values()
                .map(Setting::shown)
                .collect::<Vec<_>>()
                .join("; ")
        },
    ));
    for n in &dconf_notes {
        ev.push(("dconf_not_applied".into(), n.clone()));
    }

    let mut lockers: Vec<Locker> = Vec::new();
    if has("gnome-shell") {
        let idle = get("org/gnome/desktop/session", "idle-delay");
        let en = get("org/gnome/desktop/screensaver", "lock-enabled");
        let delay = get("org/gnome/desktop/screensaver", "lock-delay");
        let idle_v = idle
            .and_then(|s| gvariant_number(&s.value))
            .unwrap_or(GNOME_DEFAULTS.0);
        let en_v = en
            .and_then(|s| gvariant_bool(&s.value))
            .unwrap_or(GNOME_DEFAULTS.1);
        let delay_v = delay
            .and_then(|s| gvariant_number(&s.value))
            .unwrap_or(GNOME_DEFAULTS.2);
        let defaults: Vec<&str> = [
            ("idle-delay", idle.is_none()),
            ("lock-enabled", en.is_none()),
            ("lock-delay", delay.is_none()),
        ]
        .iter()
        .filter(|(_, d)| *d)
        .map(|(k, _)| *k)
        .collect();
        lockers.push(Locker {
            name: "GNOME",
            locks: Some(en_v && idle_v > 0),
            after: (idle_v > 0).then(|| idle_v.saturating_add(delay_v)),
            enforced: Some(
                locked("/org/gnome/desktop/session/idle-delay")
                    && locked("/org/gnome/desktop/screensaver/lock-enabled"),
            ),
            how: format!(
                "GNOME: idle-delay {idle_v}, lock-enabled {en_v}, lock-delay {delay_v}{}",
                if defaults.is_empty() {
                    String::new()
                } else {
                    format!(" (GNOME's defaults for {})", defaults.join(", "))
                }
            ),
        });
    }
    if has("cinnamon") {
        let idle = get("org/cinnamon/desktop/session", "idle-delay")
            .and_then(|s| gvariant_number(&s.value));
        let en = get("org/cinnamon/desktop/screensaver", "lock-enabled")
            .and_then(|s| gvariant_bool(&s.value));
        let delay = get("org/cinnamon/desktop/screensaver", "lock-delay")
            .and_then(|s| gvariant_number(&s.value))
            .unwrap_or(0);
        lockers.push(Locker {
            name: "Cinnamon",
            locks: match (en, idle) {
                (Some(false), _) | (_, Some(0)) => Some(false),
                (Some(true), Some(_)) => Some(true),
                _ => None,
            },
            after: idle.filter(|i| *i > 0).map(|i| i.saturating_add(delay)),
            enforced: Some(
                locked("/org/cinnamon/desktop/session/idle-delay")
                    && locked("/org/cinnamon/desktop/screensaver/lock-enabled"),
            ),
            how: format!("Cinnamon: idle-delay {idle:?}, lock-enabled {en:?}, lock-delay {delay}"),
        });
    }
    if has("mate-session") {
        // MATE's idle-delay is in minutes.
        let idle = get("org/mate/session", "idle-delay").and_then(|s| gvariant_number(&s.value));
        let en = get("org/mate/screensaver", "lock-enabled").and_then(|s| gvariant_bool(&s.value));
        let act = get("org/mate/screensaver", "idle-activation-enabled")
            .and_then(|s| gvariant_bool(&s.value));
        lockers.push(Locker {
            name: "MATE",
            locks: match (en, act, idle) {
                (Some(false), _, _) | (_, Some(false), _) | (_, _, Some(0)) => Some(false),
                (Some(true), _, Some(_)) => Some(true),
                _ => None,
            },
            after: idle.filter(|i| *i > 0).map(|i| i.saturating_mul(60)),
            enforced: Some(
                locked("/org/mate/session/idle-delay")
                    && locked("/org/mate/screensaver/lock-enabled"),
            ),
            how: format!("MATE: idle-delay {idle:?} minutes, lock-enabled {en:?}, idle-activation-enabled {act:?}"),
        });
    }
    if has("plasmashell") || has("startplasma-x11") {
        let kde = settings(sl.get("kscreenlocker"));
        let mut autolock: Option<&Setting> = None;
        let mut timeout: Option<&Setting> = None;
        for s in kde.iter().filter(|s| s.section_name() == "Daemon") {
            match s.key.as_str() {
                "Autolock" => autolock = Some(s),
                "Timeout" => timeout = Some(s),
                _ => {}
            }
        }
        let a = autolock
            .and_then(|s| gvariant_bool(&s.value))
            .unwrap_or(KDE_DEFAULTS.0);
        let t = timeout
            .and_then(|s| gvariant_number(&s.value))
            .unwrap_or(KDE_DEFAULTS.1);
        let system =
            |s: Option<&Setting>| s.is_some_and(|s| s.immutable && s.file.starts_with("/etc/xdg/"));
        lockers.push(Locker {
            name: "KDE Plasma",
            locks: Some(a && t > 0),
            after: (t > 0).then(|| t.saturating_mul(60)),
            enforced: Some(system(autolock) && system(timeout)),
            how: format!(
                "KDE Plasma: Autolock {a}, Timeout {t} minutes{}{}",
                if autolock.is_none() || timeout.is_none() {
                    " (Plasma's defaults where kscreenlockerrc sets nothing)"
                } else {
                    ""
                },
                if kde.is_empty() {
                    String::new()
                } else {
                    format!(
                        " from {}",
                        kde.iter()
                            .map(Setting::shown)
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                }
            ),
        });
        ev.push((
            "kscreenlockerrc".into(),
            if kde.is_empty() {
                "none".into()
            } else {
                kde.iter()
                    .map(Setting::shown)
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        ));
    }

    // Session autostart: which entries run (not Hidden, not disabled).
    let autostart = settings(sl.get("autostart"));
    let hidden = |file: &str| {
        autostart.iter().any(|s| {
            s.file == file
                && ((s.key == "Hidden" && gvariant_bool(&s.value) == Some(true))
                    || (s.key == "X-GNOME-Autostart-enabled"
                        && gvariant_bool(&s.value) == Some(false)))
        })
    };
    let runs = |program: &str| {
        autostart
            .iter()
            .any(|s| s.key == "Exec" && s.value.contains(program) && !hidden(&s.file))
    };
    // X screen saver settings in what sessions run.
    let mut x_timeout: Option<u64> = None;
    let mut x_off: Vec<String> = Vec::new();
    let mut dpms_off: Vec<String> = Vec::new();
    for l in strings(sl.get("xset")) {
        let (file, code) = l.split_once(':').unwrap_or(("", l.as_str()));
        if code.trim_start().starts_with('#')
            || (file.ends_with(".desktop") && hidden(file))
            || (file.ends_with(".desktop") && !code.trim_start().starts_with("Exec"))
        {
            continue;
        }
        let words: Vec<&str> = code
            .split(|c: char| c.is_whitespace() || c == ';' || c == '"' || c == '\'')
            .filter(|w| !w.is_empty())
            .collect();
        for w in words.windows(3) {
            if w[0].ends_with("xset") && w[1] == "s" {
                match w[2] {
                    "off" | "0" => x_off.push(l.clone()),
                    n => {
                        if let Ok(n) = n.parse::<u64>() {
                            x_timeout = Some(n);
                        }
                    }
                }
            }
        }
        if code.contains("xserver-command") {
            for w in words.windows(2) {
                if w[0] == "-s" && w[1] == "0" {
                    x_off.push(l.clone());
                }
            }
        }
        if words
            .windows(2)
            .any(|w| w[0].ends_with("xset") && w[1] == "-dpms")
        {
            dpms_off.push(l.clone());
        }
    }
    if !x_off.is_empty() {
        ev.push(("x_screensaver_off".into(), x_off.join("; ")));
    }
    if !dpms_off.is_empty() {
        ev.push(("x_power_saving_off".into(), dpms_off.join("; ")));
    }
    if has("light-locker") && runs("light-locker") {
        let delay = get("apps/light-locker", "lock-after-screensaver")
            .and_then(|s| gvariant_number(&s.value))
            .unwrap_or(LIGHT_LOCKER_DELAY_SECS);
        let timeout = x_timeout.unwrap_or(X_SAVER_DEFAULT_SECS);
        lockers.push(if x_off.is_empty() && timeout > 0 {
            Locker {
                name: "light-locker",
                locks: Some(true),
                after: Some(timeout.saturating_add(delay)),
                enforced: None,
                how: format!(
                    "light-locker runs at session start and locks {delay} seconds after the X screen saver starts ({timeout} seconds idle{})",
                    if x_timeout.is_none() { ", the X server's default" } else { "" }
                ),
            }
        } else {
            Locker {
                name: "light-locker",
                locks: Some(false),
                after: None,
                enforced: None,
                how: format!(
                    "light-locker runs at session start but locks only when the X screen saver starts, and the session turns the screen saver off ({})",
                    x_off.join("; ")
                ),
            }
        });
    }
    if has("xscreensaver") && runs("xscreensaver") {
        let mut vals: BTreeMap<String, String> = BTreeMap::new();
        for l in strings(sl.get("xscreensaver")) {
            // "/etc/X11/app-defaults/XScreenSaver:*timeout:	0:10:00"
            let Some((_, rest)) = l.split_once(':') else {
                continue;
            };
            if let Some((k, v)) = rest.split_once(':') {
                vals.insert(
                    k.trim().trim_start_matches('*').to_string(),
                    v.trim().to_string(),
                );
            }
        }
        let hms = |v: &str| -> Option<u64> {
            let p: Vec<u64> = v.split(':').filter_map(|x| x.trim().parse().ok()).collect();
            match p.as_slice() {
                [h, m, s] => Some(
                    h.saturating_mul(3600)
                        .saturating_add(m.saturating_mul(60))
                        .saturating_add(*s),
                ),
                [m, s] => Some(m.saturating_mul(60).saturating_add(*s)),
                [m] => Some(m.saturating_mul(60)),
                _ => None,
            }
        };
        let timeout = vals.get("timeout").and_then(|v| hms(v));
        let lock = vals.get("lock").and_then(|v| gvariant_bool(v));
        let grace = vals.get("lockTimeout").and_then(|v| hms(v)).unwrap_or(0);
        lockers.push(Locker {
            name: "xscreensaver",
            locks: match (lock, timeout) {
                (Some(false), _) | (_, Some(0)) => Some(false),
                (Some(true), Some(_)) => Some(true),
                _ => None,
            },
            after: timeout.filter(|t| *t > 0).map(|t| t.saturating_add(grace)),
            enforced: None,
            how: format!(
                "xscreensaver runs at session start: {}",
                if vals.is_empty() {
                    "no timeout or lock setting found".to_string()
                } else {
                    vals.iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        });
    }

    for l in &lockers {
        ev.push(("screen_locker".into(), l.how.clone()));
    }
    // The worst locker decides: one that never locks, then one not known, then the slowest.
    let worst = lockers.iter().min_by_key(|l| match l.locks {
        Some(false) => (0u8, 0i128),
        None => (1, 0),
        Some(true) => (
            2,
            -i128::from(l.after.unwrap_or(u64::MAX)) * 2 + i128::from(l.enforced != Some(false)),
        ),
    });
    match worst {
        Some(l) => {
            out.desktop = Some(l.name.to_string());
            out.locks = l.locks;
            out.lock_after_secs = l.after;
            out.enforced = l.enforced;
        }
        None if out.graphical == Some(true) => {
            out.looked_for = Some(format!(
                "looked for {LOOKED_FOR}; found {}",
                if present.is_empty() {
                    "none of them".to_string()
                } else {
                    present.join(", ")
                }
            ));
        }
        None => {}
    }
    if let Some(a) = &out.auto_logon_evidence {
        ev.push(("autologin".into(), a.clone()));
    }
    out.evidence = ev;
    out
}
