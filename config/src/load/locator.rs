//! Where a problem is in the file: key paths ([`Seg`]), and byte spans turned into
//! file:line:column errors that quote the value and say, in words, what was expected.

use std::ops::Range;
use std::path::Path;

use super::ConfigError;

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    pub fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }
}

/// `directory[0].url`.
pub fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Turns byte spans and key paths into file:line:column errors for one document.
pub(super) struct Locator<'a> {
    text: &'a str,
    file: &'a Path,
    doc: Option<toml_edit::Document<String>>,
}

impl<'a> Locator<'a> {
    pub(super) fn new(text: &'a str, file: &'a Path) -> Self {
        Locator {
            text,
            file,
            doc: document(text),
        }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|n| n + 1).unwrap_or(0);
        (line, before[line_start..].chars().count() + 1)
    }

    /// An error at the key `path` (its value if it has one, else its table).
    pub(super) fn error(
        &self,
        path: &[Seg],
        found: Option<String>,
        expected: impl Into<String>,
    ) -> ConfigError {
        let span = self.doc.as_ref().and_then(|d| span_of(d.as_item(), path));
        let (line, column) = span.map(|s| self.line_col(s.start)).unwrap_or((1, 1));
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key: path_string(path),
            found,
            expected: expected.into(),
        }
    }

    /// A parse or type error from the toml crate, located and keyed.
    pub(super) fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let message = e.message().trim().to_string();
        let span = e.span();
        let (line, column) = span
            .clone()
            .map(|s| self.line_col(s.start))
            .unwrap_or((0, 0));
        let mut key = String::new();
        let mut found = None;
        if let (Some(doc), Some(span)) = (&self.doc, span.clone()) {
            if let Some((path, is_key)) = locate(doc.as_item(), &span) {
                key = path_string(&path);
                if !is_key {
                    found = self
                        .text
                        .get(span.clone())
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty() && s.len() < 200);
                }
            }
        }
        // Unknown fields: serde names the key itself.
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let name = rest.split('`').next().unwrap_or("");
            if !key.ends_with(name) {
                key = if key.is_empty() {
                    name.to_string()
                } else {
                    format!("{key}.{name}")
                };
            }
            let hint = if name.ends_with("password") || name == "password" || name == "secret" {
                "secrets are never written in the configuration: use bind_password_file = \"/path\" (mode 0600) \
                 or bind_password_env = \"VARIABLE\""
                    .to_string()
            } else {
                format!("a known key: {message}")
            };
            return ConfigError {
                file: self.file.to_path_buf(),
                line,
                column,
                key,
                found: None,
                expected: hint,
            };
        }
        if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or("");
            let key = if key.is_empty() {
                name.to_string()
            } else {
                format!("{key}.{name}")
            };
            return ConfigError {
                file: self.file.to_path_buf(),
                line,
                column,
                key,
                found: None,
                expected: format!("the required key `{name}` is missing here"),
            };
        }
        let expected = match message.split_once(", expected ") {
            Some((what, exp))
                if what.starts_with("invalid type") || what.starts_with("invalid value") =>
            {
                humanize_expected(exp)
            }
            _ => message.clone(),
        };
        let expected = if key.is_empty() && found.is_none() {
            format!("not valid TOML: {expected}")
        } else {
            expected
        };
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key,
            found,
            expected,
        }
    }
}

/// The document with its spans, for finding keys and lines. The toml crate reads integers up to
/// 128 bits (to fill `u64` fields and to say which field a bigger number was meant for), the
/// located document only 64-bit signed ones: each integer past that (and each float too big to
/// hold) is replaced, for locating only, by `0` padded with spaces to the same length, so every
/// span still points at the file's own text.
fn document(text: &str) -> Option<toml_edit::Document<String>> {
    if let Ok(doc) = toml_edit::Document::parse(text.to_string()) {
        return Some(doc);
    }
    let (root, _) = toml::de::DeTable::parse_recoverable(text);
    let mut spans = Vec::new();
    for value in root.get_ref().values() {
        too_big(value, &mut spans);
    }
    if spans.is_empty() {
        return None;
    }
    let mut patched = text.to_string();
    for span in spans {
        let Some(literal) = text
            .get(span.clone())
            .filter(|s| s.is_ascii() && !s.is_empty())
        else {
            continue;
        };
        let placeholder = format!("0{}", " ".repeat(literal.len() - 1));
        patched.replace_range(span, &placeholder);
    }
    toml_edit::Document::parse(patched).ok()
}

/// The spans of the numbers in `value` that a 64-bit signed integer (or a float) cannot hold.
fn too_big(value: &toml::Spanned<toml::de::DeValue<'_>>, spans: &mut Vec<Range<usize>>) {
    match value.get_ref() {
        toml::de::DeValue::Integer(n) if i64::from_str_radix(n.as_str(), n.radix()).is_err() => {
            spans.push(value.span());
        }
        // `inf` and `nan` are written in letters; digits that make an infinity overflowed.
        toml::de::DeValue::Float(x)
            if x.as_str().parse::<f64>().is_ok_and(f64::is_infinite)
                && !x
                    .as_str()
                    .trim_start_matches(['+', '-'])
                    .chars()
                    .all(|c| c.is_ascii_alphabetic()) =>
        {
            spans.push(value.span());
        }
        toml::de::DeValue::Array(a) => a.iter().for_each(|v| too_big(v, spans)),
        toml::de::DeValue::Table(t) => t.values().for_each(|v| too_big(v, spans)),
        _ => {}
    }
}

/// serde's names for types, in words; whole numbers with the range the field can hold.
fn humanize_expected(exp: &str) -> String {
    let range = |min: &dyn std::fmt::Display, max: &dyn std::fmt::Display| {
        format!("a whole number from {min} to {max}")
    };
    match exp.trim() {
        "u8" => range(&0, &u8::MAX),
        "u16" => range(&0, &u16::MAX),
        "u32" => range(&0, &u32::MAX),
        "u64" => range(&0, &u64::MAX),
        "usize" => range(&0, &usize::MAX),
        "i8" => range(&i8::MIN, &i8::MAX),
        "i16" => range(&i16::MIN, &i16::MAX),
        "i32" => range(&i32::MIN, &i32::MAX),
        "i64" => range(&i64::MIN, &i64::MAX),
        "isize" => range(&isize::MIN, &isize::MAX),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "a list, such as [\"a\", \"b\"]".to_string(),
        "a string" => "text in double quotes".to_string(),
        other => other.to_string(),
    }
}

/// The span of the value (or table) at `path`.
fn span_of(item: &toml_edit::Item, path: &[Seg]) -> Option<Range<usize>> {
    let Some((first, rest)) = path.split_first() else {
        return item.span();
    };
    match (first, item) {
        (Seg::Key(k), toml_edit::Item::Table(t)) => {
            let (key, child) = t.get_key_value(k)?;
            if rest.is_empty() {
                child.span().or_else(|| key.span())
            } else {
                span_of(child, rest).or_else(|| key.span())
            }
        }
        (Seg::Key(k), toml_edit::Item::Value(toml_edit::Value::InlineTable(t))) => {
            let (key, child) = t.get_key_value(k)?;
            let child = child.clone();
            if rest.is_empty() {
                key.span()
            } else {
                span_of(&child, rest).or_else(|| key.span())
            }
        }
        (Seg::Index(i), toml_edit::Item::ArrayOfTables(a)) => {
            let t = a.get(*i)?;
            let item = toml_edit::Item::Table(t.clone());
            if rest.is_empty() {
                t.span()
            } else {
                span_of(&item, rest).or_else(|| t.span())
            }
        }
        (Seg::Index(i), toml_edit::Item::Value(toml_edit::Value::Array(a))) => {
            let v = a.get(*i)?;
            if rest.is_empty() {
                v.span()
            } else {
                span_of(&toml_edit::Item::Value(v.clone()), rest)
            }
        }
        _ => None,
    }
}

/// The key path of the innermost key or value whose span holds `span.start`; the bool says whether
/// the span is on the key itself.
fn locate(item: &toml_edit::Item, span: &Range<usize>) -> Option<(Vec<Seg>, bool)> {
    let mut best: Option<(Vec<Seg>, bool, usize)> = None;
    let mut path = Vec::new();
    walk(item, span, &mut path, &mut best);
    best.map(|(p, k, _)| (p, k))
}

fn consider(
    best: &mut Option<(Vec<Seg>, bool, usize)>,
    path: &[Seg],
    is_key: bool,
    s: Option<Range<usize>>,
    target: &Range<usize>,
) {
    if let Some(s) = s {
        if s.start <= target.start && target.start < s.end.max(s.start + 1) {
            let width = s.end - s.start;
            if best.as_ref().is_none_or(|(_, _, w)| width <= *w) {
                *best = Some((path.to_vec(), is_key, width));
            }
        }
    }
}

fn walk(
    item: &toml_edit::Item,
    target: &Range<usize>,
    path: &mut Vec<Seg>,
    best: &mut Option<(Vec<Seg>, bool, usize)>,
) {
    match item {
        toml_edit::Item::Table(t) => {
            consider(best, path, false, t.span(), target);
            for (k, _) in t.iter() {
                if let Some((key, child)) = t.get_key_value(k) {
                    path.push(Seg::key(k));
                    consider(best, path, true, key.span(), target);
                    walk(child, target, path, best);
                    path.pop();
                }
            }
        }
        toml_edit::Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(&toml_edit::Item::Table(t.clone()), target, path, best);
                path.pop();
            }
        }
        toml_edit::Item::Value(v) => {
            consider(best, path, false, v.span(), target);
            match v {
                toml_edit::Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        path.push(Seg::Index(i));
                        walk(&toml_edit::Item::Value(x.clone()), target, path, best);
                        path.pop();
                    }
                }
                toml_edit::Value::InlineTable(t) => {
                    for (k, _) in t.iter() {
                        if let Some((key, child)) = t.get_key_value(k) {
                            path.push(Seg::key(k));
                            consider(best, path, true, key.span(), target);
                            walk(child, target, path, best);
                            path.pop();
                        }
                    }
                }
                _ => {}
            }
        }
        toml_edit::Item::None => {}
    }
}
