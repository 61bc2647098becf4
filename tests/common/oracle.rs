//! The one naive oracle of the suite: the matches of patterns in bytes,
//! found the slow, obvious way, and the bytes a replace should leave.
#![allow(dead_code)]

/// A pattern as the oracle reads it: bytes whose bits count only where the
/// mask's bits are set (a literal's mask is all ones).
#[derive(Debug, Clone)]
pub struct Pattern {
    pub bytes: Vec<u8>,
    pub mask: Vec<u8>,
}

impl Pattern {
    pub fn literal(bytes: &[u8]) -> Pattern {
        Pattern {
            bytes: bytes.to_vec(),
            mask: vec![0xff; bytes.len()],
        }
    }

    /// Whether `window` (as long as the pattern) matches; `fold` lets an
    /// ASCII letter given as a whole byte match either case.
    pub fn matches(&self, window: &[u8], fold: bool) -> bool {
        window.len() == self.bytes.len()
            && window
                .iter()
                .zip(self.bytes.iter().zip(&self.mask))
                .all(|(&b, (&v, &m))| {
                    let folds = fold && m == 0xff && v.is_ascii_alphabetic();
                    match folds {
                        true => b.eq_ignore_ascii_case(&v),
                        false => b & m == v & m,
                    }
                })
    }
}

/// A match: `[start, end)` of pattern `pattern`.
pub type Found = (usize, usize, usize);

/// The matches lying inside `[start, end)`: at each position the longest
/// pattern that matches there (the first given of that length), then on
/// past it; as `grep -F -o`, Python's `bytes.count` for one pattern.
pub fn literals(
    hay: &[u8],
    patterns: &[Pattern],
    fold: bool,
    start: usize,
    end: usize,
) -> Vec<Found> {
    let mut found = Vec::new();
    let mut i = start;
    while i < end {
        let best = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                i + p.bytes.len() <= end && p.matches(&hay[i..i + p.bytes.len()], fold)
            })
            .max_by_key(|(n, p)| (p.bytes.len(), std::cmp::Reverse(*n)));
        match best {
            Some((n, p)) => {
                found.push((i, i + p.bytes.len(), n));
                i += p.bytes.len();
            }
            None => i += 1,
        }
    }
    found
}

/// A regex's matches in `[start, end)`, as Python's
/// `pattern.finditer(data, start, end)`: the haystack ends at `end`, the
/// bytes before `start` are seen by assertions; with each match, its
/// captures expanded into `template`.
pub fn regex(
    hay: &[u8],
    expression: &str,
    start: usize,
    end: usize,
    template: Option<&[u8]>,
) -> Vec<(Found, Vec<u8>)> {
    let regex = regex::bytes::Regex::new(expression).unwrap();
    let hay = &hay[..end];
    let mut found = Vec::new();
    let mut pos = start;
    while pos <= hay.len() {
        let Some(caps) = regex.captures_at(hay, pos) else {
            break;
        };
        let m = caps.get(0).unwrap();
        let mut new = Vec::new();
        if let Some(template) = template {
            caps.expand(template, &mut new);
        }
        found.push(((m.start(), m.end(), 0), new));
        pos = m.end();
    }
    found
}

/// The selection of `--nth` and `-m` over every match in order (`--nth`
/// wins over any `-m`, 0 included).
pub fn select<T: Clone>(all: &[T], nth: Option<u64>, max: Option<u64>) -> Vec<T> {
    match (nth, max) {
        (Some(nth), _) => all.get(nth as usize - 1).cloned().into_iter().collect(),
        (None, Some(max)) => all.iter().take(max as usize).cloned().collect(),
        (None, None) => all.to_vec(),
    }
}

/// `hay` with each `(start, new bytes)` written over it.
pub fn apply(hay: &[u8], edits: &[(usize, Vec<u8>)]) -> Vec<u8> {
    let mut out = hay.to_vec();
    for (start, new) in edits {
        out[*start..*start + new.len()].copy_from_slice(new);
    }
    out
}
