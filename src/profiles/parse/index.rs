//! Finding a section by name, or a key already in a section, without a
//! scan: a file may hold thousands of profiles or a section thousands of
//! keys, and every header and key read is checked for a duplicate, so a
//! scan would make reading them quadratic. Hashes are kept rather than
//! copies of the names, which live in the sections already.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::{Entry, Section};

/// FNV-1a: section names are short, and the file is the user's own, so a
/// simple hash beats SipHash's flood resistance here.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn fnv(s: &str) -> u64 {
    let mut hasher = Fnv::default();
    hasher.write(s.as_bytes());
    hasher.finish()
}

/// Sections by name, so that finding one takes constant time however many
/// profiles a file holds. It keys on the hash of the name (the names live in
/// the sections, and copying 10,000 of them would slow every command down)
/// and chains the sections whose names share a hash.
#[derive(Clone, Default)]
pub(super) struct SectionIndex {
    /// Name hash -> the last section added with that hash.
    last: HashMap<u64, u32, BuildHasherDefault<Fnv>>,
    /// For each section, the one added before it with the same name hash.
    previous: Vec<u32>,
}

const NO_SECTION: u32 = u32::MAX;

impl SectionIndex {
    pub(super) fn find(&self, sections: &[Section], name: &str) -> Option<usize> {
        self.find_hashed(sections, name, fnv(name))
    }

    fn find_hashed(&self, sections: &[Section], name: &str, hash: u64) -> Option<usize> {
        let mut i = *self.last.get(&hash)?;
        while i != NO_SECTION {
            if sections[i as usize].name == name {
                return Some(i as usize);
            }
            i = self.previous[i as usize];
        }
        None
    }

    /// Adds section `i`, which must be the next one (`i == sections added so far`).
    pub(super) fn push(&mut self, name: &str, i: usize) {
        self.push_hashed(fnv(name), i);
    }

    fn push_hashed(&mut self, hash: u64, i: usize) {
        debug_assert_eq!(i, self.previous.len());
        // Section numbers fit in u32: the file is under 4 GiB and a header takes 3 bytes.
        let before = self.last.insert(hash, i as u32);
        self.previous.push(before.unwrap_or(NO_SECTION));
    }
}

/// The keys of the section being read, for the duplicate check. A section
/// has a handful of keys, and scanning them is fastest; past
/// `SeenKeys::SCAN` keys their hashes are kept too, so that a section of
/// 100,000 keys is not quadratic.
#[derive(Default)]
pub(super) struct SeenKeys {
    hashes: std::collections::HashSet<u64, BuildHasherDefault<Fnv>>,
}

impl SeenKeys {
    const SCAN: usize = 16;

    /// Whether `key` is already one of `entries`' keys.
    pub(super) fn contains(&mut self, text: &str, entries: &[Entry], key: &str) -> bool {
        let has = |key: &str| entries.iter().any(|e| e.key.resolve(text) == key);
        if entries.len() < Self::SCAN {
            return has(key);
        }
        if self.hashes.is_empty() {
            // Also after `[DEFAULT]` is reopened with its earlier keys.
            self.hashes = entries.iter().map(|e| fnv(e.key.resolve(text))).collect();
        }
        // A shared hash is a duplicate only when the key itself matches.
        self.hashes.contains(&fnv(key)) && has(key)
    }

    /// Notes a key added to the section.
    pub(super) fn add(&mut self, key: &str) {
        if !self.hashes.is_empty() {
            self.hashes.insert(fnv(key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_share_a_hash_are_told_apart() {
        let named = |name: &str| Section {
            name: name.into(),
            header_line: 0,
            entries: Vec::new(),
        };
        let sections = [named("a"), named("b"), named("c")];
        let mut index = SectionIndex::default();
        for i in 0..3 {
            index.push_hashed(7, i);
        }
        for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
            assert_eq!(index.find_hashed(&sections, name, 7), Some(i));
        }
        assert_eq!(index.find_hashed(&sections, "d", 7), None);
        assert_eq!(index.find_hashed(&sections, "a", 8), None);
    }
}
