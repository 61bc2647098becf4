//! What replaces a match: a pair's own bytes, a mask, a signature that keeps
//! some of the match's bits, or a regex template expanded from the match.

use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input};

use super::{Engine, Match, Matcher, guarded};
use crate::engine::pattern::Signature;

/// What replaces each match of a [`Matcher`].
///
/// ```
/// use mpatch::{Matcher, Replacement};
/// let matcher = Matcher::regex(br"(\w+)@(\w+)", false).unwrap();
/// let swap = Replacement::Expand(b"$2@$1".to_vec());
/// let mut maker = swap.maker(&matcher);
/// let hay = b"to: ab@cd";
/// let found = matcher.find_iter(hay).next().unwrap();
/// assert_eq!(maker.make(hay, found), b"cd@ab");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement {
    /// One replacement per pattern, by pattern number.
    Table(Vec<Vec<u8>>),
    /// A regex replacement template (`$1`, `${name}`), expanded from each
    /// match, from the bytes as they were when it was found.
    Expand(Vec<u8>),
    /// Every byte of the match overwritten with this one.
    Mask(u8),
    /// One replacement per pattern whose wildcards keep the match's bits.
    Keep(Vec<Signature>),
}

impl Replacement {
    /// Whether every replacement is as long as its match, whatever the
    /// bytes: otherwise each expansion is checked as it is made.
    pub fn same_length(&self, matcher: &Matcher) -> bool {
        let patterns = matcher.patterns();
        match self {
            Replacement::Table(table) => {
                table.len() == patterns.len()
                    && table.iter().zip(patterns).all(|(r, p)| r.len() == p.len())
            }
            Replacement::Keep(table) => {
                table.len() == patterns.len()
                    && table.iter().zip(patterns).all(|(r, p)| r.len() == p.len())
            }
            Replacement::Mask(_) => true,
            Replacement::Expand(_) => false,
        }
    }

    /// The maker of this replacement's bytes for `matcher`'s matches: one
    /// per thread, holding its scratch space.
    pub fn maker<'a>(&'a self, matcher: &'a Matcher) -> Maker<'a> {
        let captures = match (&matcher.engine, self) {
            (Engine::Regex { search, .. }, Replacement::Expand(_)) => {
                Some(search.create_captures())
            }
            _ => None,
        };
        Maker {
            matcher,
            replacement: self,
            captures,
            scratch: Vec::new(),
        }
    }
}

/// Makes the replacement of each match, from the haystack the match was
/// found in (see [`Replacement::maker`]).
pub struct Maker<'a> {
    matcher: &'a Matcher,
    replacement: &'a Replacement,
    captures: Option<Captures>,
    scratch: Vec<u8>,
}

impl Maker<'_> {
    /// The bytes that replace `found`, a match the matcher found in `hay`
    /// (the same haystack: a regex's expansion is worked out by searching
    /// again, anchored at the match and inside it, so its captures and
    /// assertions see exactly what the search saw).
    pub fn make(&mut self, hay: &[u8], found: Match) -> &[u8] {
        match self.replacement {
            Replacement::Table(table) => &table[found.pattern],
            Replacement::Keep(table) => {
                table[found.pattern].merge_into(&hay[found.start..found.end], &mut self.scratch);
                &self.scratch
            }
            Replacement::Mask(byte) => {
                self.scratch.clear();
                self.scratch.resize(found.len(), *byte);
                &self.scratch
            }
            Replacement::Expand(template) => {
                self.scratch.clear();
                let (Engine::Regex { search, .. }, Some(captures)) =
                    (&self.matcher.engine, self.captures.as_mut())
                else {
                    // A template for literals is taken as it is.
                    return template;
                };
                let input = Input::new(hay)
                    .span(found.start..found.end)
                    .anchored(Anchored::Yes);
                let searched = guarded(|| {
                    search.search_captures(&input, captures);
                    captures.is_match().then_some(())
                });
                if searched.is_some() && captures.get_match().is_some_and(|m| m.end() == found.end)
                {
                    captures.interpolate_bytes_into(hay, template, &mut self.scratch);
                }
                // Otherwise the bytes changed under the search (another
                // process): an empty expansion, which the scan refuses.
                &self.scratch
            }
        }
    }
}
