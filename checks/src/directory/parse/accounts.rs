//! The accounts of a directory, kept in fixed-size chunks: a school with tens of thousands of
//! accounts never has its list copied into one twice as large as it grows, nor holds room for
//! thousands it does not have.

use super::Account;

/// Accounts per chunk (about 230 KB of them).
const CHUNK: usize = 1024;

/// Every account, in the order read, numbered from 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accounts {
    chunks: Vec<Vec<Account>>,
    len: usize,
}

impl Accounts {
    /// Adds an account after the others.
    pub fn push(&mut self, a: Account) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(a),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(a);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Account number `i`.
    pub fn get(&self, i: usize) -> Option<&Account> {
        self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK))
    }

    /// Every account, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Account> + Clone + '_ {
        self.chunks.iter().flatten()
    }

    /// Every account, in order, to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Account> + '_ {
        self.chunks.iter_mut().flatten()
    }
}

impl<'a> IntoIterator for &'a Accounts {
    type Item = &'a Account;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<Account>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl FromIterator<Account> for Accounts {
    fn from_iter<I: IntoIterator<Item = Account>>(iter: I) -> Self {
        let mut all = Accounts::default();
        for a in iter {
            all.push(a);
        }
        all
    }
}

impl From<Vec<Account>> for Accounts {
    fn from(v: Vec<Account>) -> Self {
        v.into_iter().collect()
    }
}
