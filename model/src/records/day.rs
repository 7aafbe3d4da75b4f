//! Days in records: `time::Date`, stored as YYYY-MM-DD (and shown so: `Date`'s `Display`).

use serde::{Deserialize, Deserializer, Serializer};

/// A date as YYYY-MM-DD (exactly: ten characters).
pub fn parse_date(s: &str) -> Option<time::Date> {
    if s.len() != 10 {
        return None;
    }
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// `#[serde(with = "day")]`: a date written YYYY-MM-DD.
pub fn serialize<S: Serializer>(d: &time::Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<time::Date, D::Error> {
    let s = String::deserialize(d)?;
    parse_date(&s).ok_or_else(|| {
        serde::de::Error::custom(format!("{s:?} is not a date: expected YYYY-MM-DD"))
    })
}

/// `#[serde(with = "day::option")]`: a date written YYYY-MM-DD, or null.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<time::Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<time::Date>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| {
                super::parse_date(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("{s:?} is not a date: expected YYYY-MM-DD"))
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Held {
        #[serde(with = "super")]
        on: time::Date,
        #[serde(with = "super::option")]
        until: Option<time::Date>,
    }

    #[test]
    fn a_day_is_written_and_read_as_yyyy_mm_dd() {
        let held = Held {
            on: time::macros::date!(2026 - 01 - 05),
            until: None,
        };
        let json = serde_json::to_string(&held).unwrap();
        assert_eq!(json, r#"{"on":"2026-01-05","until":null}"#);
        assert_eq!(serde_json::from_str::<Held>(&json).unwrap(), held);
        let e = serde_json::from_str::<Held>(r#"{"on":"2026-1-5","until":null}"#).unwrap_err();
        assert!(e.to_string().contains("not a date"), "{e}");
        let e = serde_json::from_str::<Held>(r#"{"on":"2026-01-05","until":"2026-02-30"}"#)
            .unwrap_err();
        assert!(e.to_string().contains("not a date"), "{e}");
    }
}
