//! A few short texts under small keys, kept in one allocation: what every account holds for
//! evidence (its raw values, who it belongs to), so that tens of thousands of accounts stay small.

use std::fmt::Write as _;

/// Texts under keys `0..=25`, in the order they were added. Each is stored as the key's letter,
/// the text's length in bytes, `:` and the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed(Box<str>);

impl Packed {
    /// Packs `(key, text)` pairs, in order. Keys above 25 are not kept.
    pub fn new<'a>(parts: impl IntoIterator<Item = (u8, &'a str)>) -> Self {
        let mut s = String::new();
        for (key, text) in parts {
            if key < 26 {
                let _ = write!(s, "{}{}:{text}", char::from(b'a' + key), text.len());
            }
        }
        Packed(s.into_boxed_str())
    }

    /// Every `(key, text)`, in the order they were packed.
    pub fn iter(&self) -> PackedIter<'_> {
        PackedIter::new(&self.0)
    }

    /// The first text under `key`.
    pub fn get(&self, key: u8) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The packed text itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The parts of a [`Packed`], in order.
#[derive(Debug, Clone)]
pub struct PackedIter<'a> {
    rest: &'a str,
}

impl<'a> PackedIter<'a> {
    /// The parts of a text in packed form (as [`Packed::as_str`] gives).
    pub fn new(packed: &'a str) -> Self {
        PackedIter { rest: packed }
    }

    /// What is left to read, itself in packed form.
    pub fn rest(&self) -> &'a str {
        self.rest
    }
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (u8, &'a str);

    fn next(&mut self) -> Option<(u8, &'a str)> {
        let key = self.rest.as_bytes().first()?.checked_sub(b'a')?;
        let after_key = self.rest.get(1..)?;
        let colon = after_key.find(':')?;
        let len: usize = after_key.get(..colon)?.parse().ok()?;
        let body = after_key.get(colon + 1..)?;
        let text = body.get(..len)?;
        self.rest = body.get(len..)?;
        Some((key, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_in_order_whatever_they_hold() {
        let odd = "a1:b\u{0}2:ü, ✓";
        let p = Packed::new([(3, "20260101120000Z"), (0, ""), (25, odd), (26, "dropped")]);
        assert_eq!(
            p.iter().collect::<Vec<_>>(),
            vec![(3, "20260101120000Z"), (0, ""), (25, odd)]
        );
        assert_eq!(p.get(25), Some(odd));
        assert_eq!(p.get(1), None);
        assert!(Packed::new([]).is_empty());
        assert_eq!(Packed::default().iter().count(), 0);
    }
}
