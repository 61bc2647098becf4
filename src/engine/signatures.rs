//! The search engine of wildcard signatures (`-x 'E8 ?? ?? 85 C0'`), with
//! any literals given beside them: one regex alternation over bytes.
//!
//! The regex crate finds leftmost-first matches: at the leftmost position
//! where some alternative matches, the first alternative (in the order
//! written) that matches there wins. Every alternative has a fixed length,
//! so writing them longest first (equal lengths in the order given) makes
//! that exactly leftmost-longest, the first given winning a tie, as for
//! literals (`grep -F -f`). Which signature matched is then found by
//! checking the few of that length against the match's bytes.
//!
//! One signature with a run of whole bytes (not folded by `-i`) is found
//! without the regex: memmem finds its longest run, and each hit is
//! checked against the whole signature in place, so it runs at the speed
//! of its literal part. The regex's prefilter finds the same candidates,
//! but starting its automaton at each costs several times more.

use memchr::memmem::Finder;
use regex::bytes::{Regex, RegexBuilder};

use crate::engine::pattern::Signature;

pub struct Signatures {
    /// One signature's longest run of whole bytes, and where it starts in it.
    anchor: Option<(Finder<'static>, usize)>,
    regex: Regex,
    signatures: Vec<Signature>,
    fold: bool,
}

impl Signatures {
    pub fn new(signatures: Vec<Signature>, fold: bool) -> Result<Signatures, String> {
        let mut order: Vec<usize> = (0..signatures.len()).collect();
        // Stable: equal lengths keep the order given.
        order.sort_by_key(|&n| std::cmp::Reverse(signatures[n].len()));
        let alternatives: Vec<String> = order
            .iter()
            .map(|&n| signatures[n].to_regex(fold))
            .collect();
        let regex = RegexBuilder::new(&format!("(?s-u)(?:{})", alternatives.join("|")))
            .unicode(false)
            .size_limit(256 << 20)
            .dfa_size_limit(64 << 20)
            .build()
            .map_err(|e| format!("cannot be compiled: {e}"))?;
        let anchor = match &signatures[..] {
            [one] if !fold => longest_run(one)
                .map(|(at, len)| (Finder::new(&one.bytes[at..at + len]).into_owned(), at)),
            _ => None,
        };
        Ok(Signatures {
            anchor,
            regex,
            signatures,
            fold,
        })
    }

    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The leftmost-longest match starting at or after `from`: its start,
    /// end and signature number.
    #[inline]
    pub fn find_at(&self, hay: &[u8], from: usize) -> Option<(usize, usize, usize)> {
        if let Some((finder, at)) = &self.anchor {
            let signature = &self.signatures[0];
            let mut pos = from.checked_add(*at)?;
            while pos < hay.len() {
                let hit = pos + finder.find(&hay[pos..])?;
                let start = hit - at;
                let end = start + signature.len();
                if end > hay.len() {
                    return None;
                }
                if signature.matches(&hay[start..end], false) {
                    return Some((start, end, 0));
                }
                pos = hit + 1;
            }
            return None;
        }
        let found = self.regex.find_at(hay, from)?;
        Some((found.start(), found.end(), self.which(&hay[found.range()])))
    }

    /// The first signature given that matches `window`, of its length.
    fn which(&self, window: &[u8]) -> usize {
        if self.signatures.len() == 1 {
            return 0;
        }
        self.signatures
            .iter()
            .position(|s| s.matches(window, self.fold))
            .unwrap_or(0)
    }
}

/// The longest run of whole bytes in `signature` (start, length); of
/// runs as long, the one of the least common bytes.
fn longest_run(signature: &Signature) -> Option<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < signature.len() {
        let start = i;
        while i < signature.len() && signature.mask[i] == 0xff {
            i += 1;
        }
        if i > start {
            runs.push((start, i - start));
        }
        i += 1;
    }
    let commonness = |(start, len): (usize, usize)| -> u32 {
        signature.bytes[start..start + len]
            .iter()
            .map(|&b| match b {
                b' ' | b'a'..=b'z' => 4,
                b'0'..=b'9' | 0 | b'\n' => 3,
                b'A'..=b'Z' | 0xff => 2,
                0x21..=0x7e => 1,
                _ => 0,
            })
            .sum()
    };
    runs.into_iter()
        .max_by_key(|&run| (run.1, std::cmp::Reverse(commonness(run))))
}
