//! The installed-software list, which every probe reports in the same shape.

use serde_json::{Map, Value};

use super::fields::{as_bool, as_text, as_u64, clip, get, obj_of, strings, text_field};
use super::{HostFacts, Package, Software, MAX_PACKAGES};

pub(super) fn packages(obj: &Map<String, Value>, f: &mut HostFacts) {
    let Some(sw) = obj_of(obj, "software") else {
        f.problems
            .push("the probe did not report installed software".into());
        return;
    };
    let mut list = Vec::new();
    let mut bad = 0usize;
    if let Value::Array(items) = get(Some(sw), "packages") {
        for item in items.iter().take(MAX_PACKAGES) {
            let (pair, mark, priority, section) = match item {
                Value::Array(p) => (
                    (
                        p.first().and_then(as_text),
                        p.get(1).and_then(as_text).unwrap_or_default(),
                    ),
                    p.get(2).and_then(as_text),
                    p.get(3).and_then(as_text),
                    p.get(4).and_then(as_text),
                ),
                Value::Object(m) => (
                    (
                        m.get("name").and_then(as_text),
                        m.get("version").and_then(as_text).unwrap_or_default(),
                    ),
                    None,
                    None,
                    None,
                ),
                _ => ((None, String::new()), None, None, None),
            };
            match pair {
                (Some(name), version) => list.push(Package {
                    name: clip(&name, 200),
                    version: clip(&version, 100),
                    manual: match mark.as_deref() {
                        Some("manual") => Some(true),
                        Some("auto") => Some(false),
                        _ => None,
                    },
                    priority: priority.map(|p| clip(&p, 40)),
                    section: section.map(|p| clip(&p, 60)),
                }),
                (None, _) => bad += 1,
            }
        }
        if items.len() > MAX_PACKAGES {
            bad += items.len() - MAX_PACKAGES;
        }
    }
    if bad > 0 {
        f.problems
            .push(format!("{bad} software entries could not be read"));
    }
    let manager = text_field(sw, "manager");
    let total = as_u64(get(Some(sw), "total"));
    let cap = as_u64(get(Some(sw), "cap"));
    if manager.is_none() && list.is_empty() {
        // The probe found no package manager: software unknown, not "nothing installed".
        return;
    }
    let truncated = bad > 0
        || total.is_some_and(|t| t > list.len() as u64)
        || cap.is_some_and(|c| c > 0 && list.len() as u64 >= c);
    let marks_known = as_bool(get(Some(sw), "extended_states")) == Some(true)
        && list.iter().any(|p| p.manual.is_some());
    // `local` is null when apt could not say (it was stopped or failed).
    let origin_known = as_u64(get(Some(sw), "apt_lists")).is_some_and(|n| n > 0)
        && matches!(get(Some(sw), "local"), Value::Array(_));
    let local = if origin_known {
        strings(get(Some(sw), "local"), 500)
    } else {
        Vec::new()
    };
    let mut outside: Vec<String> = Vec::new();
    for (key, label) in [("snaps", "snap "), ("flatpaks", "flatpak "), ("opt", "")] {
        for n in strings(get(Some(sw), key), 200) {
            outside.push(format!("{label}{}", clip(&n, 200)));
        }
    }
    f.software = Some(Software {
        manager,
        packages: list,
        total,
        truncated,
        marks_known,
        origin_known,
        local,
        outside,
    });
}
