//! Readers of single attribute values: numbers, booleans, `userAccountControl`, FILETIMEs,
//! intervals and GeneralizedTime. A value that cannot be read is a [`BadValue`], never a panic.

use std::fmt;

use time::{Duration, OffsetDateTime};

/// A value that could not be understood, kept for the error finding. It is one pointer wide, so
/// that a [`Val`] costs little in each of many accounts; its parts are read through `Deref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadValue(Box<BadParts>);

/// What a [`BadValue`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParts {
    /// The attribute, as the directory names it (`userAccountControl`).
    pub attr: String,
    /// What was read (shortened), or empty when it was missing.
    pub value: String,
    /// What is wrong, in words: `is not a number`.
    pub why: String,
}

impl std::ops::Deref for BadValue {
    type Target = BadParts;
    fn deref(&self) -> &BadParts {
        &self.0
    }
}

impl BadValue {
    pub(super) fn new(attr: &str, value: &str, why: impl Into<String>) -> Self {
        let mut shown: String = value.chars().take(64).collect();
        if value.chars().count() > 64 {
            shown.push('…');
        }
        BadValue(Box::new(BadParts {
            attr: attr.to_string(),
            value: shown,
            why: why.into(),
        }))
    }

    pub(super) fn missing(attr: &str) -> Self {
        BadValue(Box::new(BadParts {
            attr: attr.to_string(),
            value: String::new(),
            why: "could not be read (missing, or caretaker's account may not read it)".into(),
        }))
    }
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{} {}", self.attr, self.why)
        } else {
            write!(f, "{} is {:?}, which {}", self.attr, self.value, self.why)
        }
    }
}

/// A fact, or why it could not be read.
pub type Val<T> = Result<T, BadValue>;

/// A whole number.
pub fn parse_i64(attr: &str, s: &str) -> Val<i64> {
    s.trim()
        .parse::<i64>()
        .map_err(|_| BadValue::new(attr, s, "is not a whole number"))
}

/// A whole number from 0 to 4294967295.
pub fn parse_u32(attr: &str, s: &str) -> Val<u32> {
    let n = parse_i64(attr, s)?;
    u32::try_from(n).map_err(|_| BadValue::new(attr, s, "is out of range (expected 0 or more)"))
}

/// LDAP Boolean: `TRUE` or `FALSE`.
pub fn parse_bool(attr: &str, s: &str) -> Val<bool> {
    match s.trim() {
        t if t.eq_ignore_ascii_case("TRUE") => Ok(true),
        t if t.eq_ignore_ascii_case("FALSE") => Ok(false),
        _ => Err(BadValue::new(attr, s, "is not TRUE or FALSE")),
    }
}

/// `userAccountControl`: a 32-bit flag word (AD stores it as a signed integer).
pub fn parse_uac(attr: &str, s: &str) -> Val<u32> {
    let n = parse_i64(attr, s)?;
    if let Ok(v) = u32::try_from(n) {
        return Ok(v);
    }
    i32::try_from(n)
        .map(|v| v as u32)
        .map_err(|_| BadValue::new(attr, s, "is not a 32-bit flag value"))
}

/// The FILETIME epoch (1601-01-01) in Unix seconds.
const FILETIME_EPOCH_OFFSET: i64 = 11_644_473_600;

/// A Windows FILETIME (100-ns intervals since 1601): `lastLogonTimestamp`. 0 and the maximum value
/// mean "never".
pub fn parse_filetime(attr: &str, s: &str) -> Val<Option<OffsetDateTime>> {
    let n = parse_i64(attr, s)?;
    if n == 0 || n == i64::MAX {
        return Ok(None);
    }
    if n < 0 {
        return Err(BadValue::new(attr, s, "is negative, not a point in time"));
    }
    let secs = n / 10_000_000 - FILETIME_EPOCH_OFFSET;
    let nanos = (n % 10_000_000) * 100;
    OffsetDateTime::from_unix_timestamp(secs)
        .map(|t| t + Duration::nanoseconds(nanos))
        .map(Some)
        .map_err(|_| {
            BadValue::new(
                attr,
                s,
                "is outside the range of dates caretaker understands",
            )
        })
}

/// How long something lasts, or that it never ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Never,
    After(Duration),
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interval::Never => f.write_str("never"),
            Interval::After(d) => f.write_str(&human_duration(*d)),
        }
    }
}

/// `42 days`, `30 minutes`, `0 seconds`.
pub fn human_duration(d: Duration) -> String {
    let secs = d.whole_seconds();
    let (n, unit) = if secs != 0 && secs % 86_400 == 0 {
        (secs / 86_400, "day")
    } else if secs != 0 && secs % 3600 == 0 {
        (secs / 3600, "hour")
    } else if secs != 0 && secs % 60 == 0 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// An AD interval: a negative number of 100-ns intervals (`maxPwdAge`, `lockoutDuration`);
/// -9223372036854775808 means "never" (forever).
pub fn parse_ad_interval(attr: &str, s: &str) -> Val<Interval> {
    let n = parse_i64(attr, s)?;
    if n == i64::MIN {
        return Ok(Interval::Never);
    }
    if n > 0 {
        return Err(BadValue::new(
            attr,
            s,
            "is positive; AD intervals are negative",
        ));
    }
    let n = -n;
    Ok(Interval::After(
        Duration::seconds(n / 10_000_000) + Duration::nanoseconds((n % 10_000_000) * 100),
    ))
}

/// An AD maximum password age: 0 also means "never expires".
pub(super) fn parse_ad_max_age(attr: &str, s: &str) -> Val<Interval> {
    match parse_ad_interval(attr, s)? {
        Interval::After(d) if d.is_zero() => Ok(Interval::Never),
        other => Ok(other),
    }
}

/// A number of seconds (OpenLDAP ppolicy); 0 means "never" for the attributes that use it so.
pub(super) fn parse_seconds_or_never(attr: &str, s: &str) -> Val<Interval> {
    let n = parse_i64(attr, s)?;
    if n < 0 {
        return Err(BadValue::new(attr, s, "is negative"));
    }
    Ok(if n == 0 {
        Interval::Never
    } else {
        Interval::After(Duration::seconds(n))
    })
}

/// LDAP GeneralizedTime: `20240101120000Z`, `20240101120000.0Z`, `20240101120000.123456Z`,
/// `202401011200Z`, `2024010112+0100`.
pub fn parse_generalized_time(attr: &str, s: &str) -> Val<OffsetDateTime> {
    let bad = || BadValue::new(attr, s, "is not a GeneralizedTime such as 20240101120000Z");
    let t = s.trim();
    let b = t.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(digits == 10 || digits == 12 || digits == 14) {
        return Err(bad());
    }
    let num = |from: usize, len: usize| -> Option<u32> {
        t.get(from..from + len).and_then(|x| x.parse::<u32>().ok())
    };
    let year = num(0, 4).ok_or_else(bad)?;
    let month = num(4, 2).ok_or_else(bad)?;
    let day = num(6, 2).ok_or_else(bad)?;
    let hour = num(8, 2).ok_or_else(bad)?;
    let minute = if digits >= 12 {
        num(10, 2).ok_or_else(bad)?
    } else {
        0
    };
    let second = if digits >= 14 {
        num(12, 2).ok_or_else(bad)?
    } else {
        0
    };
    let mut rest = t.get(digits..).ok_or_else(bad)?;
    let mut nanos: i64 = 0;
    if let Some(frac) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
        let fd = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
        if fd == 0 {
            return Err(bad());
        }
        let f = frac.get(..fd.min(9)).ok_or_else(bad)?;
        let mut v: i64 = f.parse().map_err(|_| bad())?;
        for _ in f.len()..9 {
            v *= 10;
        }
        nanos = v;
        rest = frac.get(fd..).ok_or_else(bad)?;
    }
    let offset_secs: i32 = match rest {
        "Z" | "z" => 0,
        r if (r.len() == 5 || r.len() == 3) && (r.starts_with('+') || r.starts_with('-')) => {
            let hh: i32 = r.get(1..3).and_then(|x| x.parse().ok()).ok_or_else(bad)?;
            let mm: i32 = if r.len() == 5 {
                r.get(3..5).and_then(|x| x.parse().ok()).ok_or_else(bad)?
            } else {
                0
            };
            if hh > 23 || mm > 59 {
                return Err(bad());
            }
            let v = hh * 3600 + mm * 60;
            if r.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return Err(bad()),
    };
    let year = i32::try_from(year).map_err(|_| bad())?;
    let month =
        time::Month::try_from(u8::try_from(month).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(day).map_err(|_| bad())?)
        .map_err(|_| bad())?;
    // A leap second (60) is read as 59.
    let second = second.min(59);
    let tm = time::Time::from_hms(
        u8::try_from(hour).map_err(|_| bad())?,
        u8::try_from(minute).map_err(|_| bad())?,
        u8::try_from(second).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let offset = time::UtcOffset::from_whole_seconds(offset_secs).map_err(|_| bad())?;
    let local = time::PrimitiveDateTime::new(date, tm).assume_offset(offset);
    // In UTC, a time near the ends of the years caretaker understands may fall outside them.
    local
        .checked_to_offset(time::UtcOffset::UTC)
        .and_then(|t| t.checked_add(Duration::nanoseconds(nanos)))
        .ok_or_else(|| {
            BadValue::new(
                attr,
                s,
                "is outside the range of dates caretaker understands",
            )
        })
}
