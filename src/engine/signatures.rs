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

#[cfg(test)]
mod tests {
    use crate::engine::matcher::{Match, Matcher, NoHoles, Split, Step};
    use crate::engine::pattern::Signature;
    use proptest::prelude::*;

    /// The oracle: at each position, the longest signature that matches
    /// there (the first given of that length), byte by byte; then past it.
    fn naive(hay: &[u8], signatures: &[Signature], fold: bool) -> Vec<Match> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < hay.len() {
            let best = signatures
                .iter()
                .enumerate()
                .filter(|(_, s)| i + s.len() <= hay.len() && s.matches(&hay[i..i + s.len()], fold))
                .max_by_key(|(n, s)| (s.len(), std::cmp::Reverse(*n)));
            match best {
                Some((n, s)) => {
                    found.push(Match {
                        start: i,
                        end: i + s.len(),
                        pattern: n,
                    });
                    i += s.len();
                }
                None => i += 1,
            }
        }
        found
    }

    fn walk(matcher: &Matcher, hay: &[u8], segment: usize) -> Vec<Match> {
        let mut cursor = matcher.cursor(0, hay.len(), segment);
        let mut found = Vec::new();
        while let Some(step) = cursor.next(matcher, hay, &mut NoHoles) {
            if let Step::Match(m) = step {
                found.push(m);
            }
        }
        found
    }

    const ALPHABET: [u8; 5] = [b'A', b'B', b'a', b'Q', 0];

    /// A position of a signature: a byte of the alphabet, `??`, or a nibble.
    fn position() -> impl Strategy<Value = (u8, u8)> {
        prop_oneof![
            4 => proptest::sample::select(&ALPHABET[..]).prop_map(|b| (b, 0xff)),
            1 => Just((0, 0)),
            1 => Just((0x40, 0xf0)),
            1 => Just((0x01, 0x0f)),
        ]
    }

    fn signature() -> impl Strategy<Value = Signature> {
        proptest::collection::vec(position(), 1..6)
            .prop_map(|positions| Signature {
                bytes: positions.iter().map(|p| p.0).collect(),
                mask: positions.iter().map(|p| p.1).collect(),
            })
            .prop_filter("not wildcards only", |s| !s.is_all_wildcards())
    }

    proptest! {
        #[test]
        fn signatures_match_the_naive_matcher(
            hay in proptest::collection::vec(proptest::sample::select(&ALPHABET[..]), 0..3000),
            signatures in proptest::collection::vec(signature(), 1..4),
            fold: bool,
            segment in 1usize..2000,
            threads in 1usize..3,
        ) {
            let expected = naive(&hay, &signatures, fold);
            let matcher = Matcher::signatures(signatures.clone(), fold).unwrap();
            prop_assert_eq!(walk(&matcher, &hay, segment), expected.clone());
            if matcher.can_split() {
                let split = Split { threads, segment };
                let counted = matcher.count_split(&&hay[..], 0..hay.len(), split, &|_, _| {});
                prop_assert_eq!(counted.matches, expected.len() as u64);
                let mut per_pattern = vec![0u64; signatures.len()];
                for found in &expected {
                    per_pattern[found.pattern] += 1;
                }
                prop_assert_eq!(counted.per_pattern, per_pattern);
            }
        }
    }

    #[test]
    fn the_longest_signature_wins_then_the_first_given() {
        let parse = |text: &str| {
            crate::engine::pattern::parse_signature(
                text.as_bytes(),
                crate::engine::pattern::Syntax::Hex,
            )
            .unwrap()
        };
        let signatures = vec![
            parse("41 ??"),
            parse("41 ?? 43"),
            parse("?? 42"),
            parse("41 42"),
        ];
        let matcher = Matcher::signatures(signatures.clone(), false).unwrap();
        let found = walk(&matcher, b"ABCAB", 100);
        assert_eq!(found, naive(b"ABCAB", &signatures, false));
        assert_eq!(
            found
                .iter()
                .map(|m| (m.start, m.pattern))
                .collect::<Vec<_>>(),
            vec![(0, 1), (3, 0)]
        );
        assert!(Matcher::signatures(vec![parse("?? ??")], false).is_err());
    }
}
