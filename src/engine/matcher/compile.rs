//! Compiling patterns into a [`Matcher`]: literals (memmem, Aho-Corasick or
//! a folded byte regex), wildcard signatures, and regular expressions.

use aho_corasick::{AhoCorasick, MatchKind};
use memchr::memmem::Finder;
use regex_automata::meta;

use super::{Engine, Matcher};
use crate::engine::pattern::Signature;
use crate::engine::signatures::Signatures;
use crate::error::Error;

/// A pattern that cannot be compiled: the argument error every
/// constructor returns.
fn refused(reason: impl Into<String>) -> Error {
    Error::argument("pattern", reason)
}

impl Matcher {
    /// One literal pattern, matched byte for byte.
    ///
    /// ```
    /// let matcher = mpatch::Matcher::literal(b"ERROR").unwrap();
    /// assert_eq!(matcher.find_iter(b"ok ERROR ok ERROR").count(), 2);
    /// assert!(mpatch::Matcher::literal(b"").is_err());
    /// ```
    pub fn literal(pattern: &[u8]) -> Result<Matcher, Error> {
        Matcher::literals(vec![pattern.to_vec()], false)
    }

    /// Literal patterns, none empty; `ignore_case` folds ASCII letters.
    /// No pattern at all (an empty pattern file) matches nothing.
    ///
    /// ```
    /// let matcher = mpatch::Matcher::literals(vec![b"error".to_vec()], true).unwrap();
    /// assert_eq!(matcher.find_iter(b"Error ERROR").count(), 2);
    /// ```
    pub fn literals(patterns: Vec<Vec<u8>>, ignore_case: bool) -> Result<Matcher, Error> {
        if patterns.iter().any(Vec::is_empty) {
            return Err(refused("is empty"));
        }
        let max_len = patterns.iter().map(Vec::len).max().unwrap_or(1);
        let engine = if patterns.len() == 1 && !ignore_case {
            Engine::One(Box::new(Finder::new(&patterns[0]).into_owned()))
        } else if patterns.len() == 1 {
            // Measured on 1 GiB of log, one core: 0.12 s of CPU against
            // 1.02 s for Aho-Corasick's ASCII case folding (rg: 0.12 s).
            Engine::Folded(folded_literal(&patterns[0])?)
        } else {
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(ignore_case)
                .build(&patterns)
                .map_err(|e| refused(format!("cannot be compiled: {e}")))?;
            Engine::Many(ac)
        };
        let zero_match = longest(
            patterns
                .iter()
                .map(|p| (p.len(), p.iter().all(|&b| b == 0))),
        );
        let one_byte = match &patterns[..] {
            [one] if !ignore_case && one.iter().all(|&b| b == one[0]) => Some(one[0]),
            _ => None,
        };
        Ok(Matcher {
            engine,
            patterns,
            max_len,
            reach: max_len - 1,
            zero_match,
            look_behind: 0,
            exact: !ignore_case,
            one_byte,
        })
    }

    /// Patterns that may hold wildcards (`??`, `4?`, see
    /// [`crate::Signature`]), none empty nor wildcards only; without any
    /// wildcard, the literal engines.
    ///
    /// ```
    /// use mpatch::{Matcher, Signature, Syntax};
    /// let signature = Signature::parse(b"45 52 ?? 4f 52", Syntax::Hex).unwrap();
    /// let matcher = Matcher::signatures(vec![signature], false).unwrap();
    /// assert_eq!(matcher.find_iter(b"ERROR EROOR").count(), 2);
    /// ```
    pub fn signatures(patterns: Vec<Signature>, ignore_case: bool) -> Result<Matcher, Error> {
        if patterns.iter().all(Signature::is_literal) {
            let bytes = patterns.into_iter().map(|p| p.bytes).collect();
            return Matcher::literals(bytes, ignore_case);
        }
        if patterns.iter().any(Signature::is_empty) {
            return Err(refused("is empty"));
        }
        if patterns.iter().any(Signature::is_all_wildcards) {
            return Err(refused(
                "holds only wildcards, which match anything; give at least one byte or nibble",
            ));
        }
        let max_len = patterns.iter().map(Signature::len).max().unwrap_or(1);
        let zero_match = longest(patterns.iter().map(|p| (p.len(), p.matches_zeros())));
        let bytes = patterns.iter().map(|p| p.bytes.clone()).collect();
        let set = Signatures::new(patterns, ignore_case).map_err(refused)?;
        Ok(Matcher {
            engine: Engine::Signatures(Box::new(set)),
            patterns: bytes,
            max_len,
            reach: max_len - 1,
            zero_match,
            // Fixed bytes and wildcards: a signature looks at nothing
            // outside its match.
            look_behind: 0,
            exact: false,
            one_byte: None,
        })
    }

    /// A regular expression over bytes (the `regex` crate's syntax); one
    /// that can match the empty string is refused, as it would match
    /// between every two bytes. One that can never match is accepted.
    ///
    /// ```
    /// let matcher = mpatch::Matcher::regex(br"\bid=[0-9a-f]{4}\b", false).unwrap();
    /// assert_eq!(matcher.find_iter(b"id=beef xid=cafe id=f00d").count(), 2);
    /// assert!(mpatch::Matcher::regex(b"x*", false).is_err());
    /// ```
    pub fn regex(expression: &[u8], ignore_case: bool) -> Result<Matcher, Error> {
        let text = std::str::from_utf8(expression)
            .map_err(|_| refused("is not valid UTF-8, which a regular expression must be"))?;
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(ignore_case)
            .utf8(false)
            .build()
            .parse(text)
            .map_err(|e| refused(regex_error(&e)))?;
        // `None` is a regex that can never match: it finds nothing, which
        // is no reason to refuse it.
        if hir.properties().minimum_len() == Some(0) {
            return Err(refused(
                "can match the empty string; give a pattern that matches at least one byte",
            ));
        }
        // A Unicode `\b` decodes the character before (up to 4 bytes);
        // `^`, `(?m)^` and an ASCII `\b` look at one byte.
        let looks = hir.properties().look_set();
        let look_behind = match (looks.contains_word_unicode(), looks.is_empty()) {
            (true, _) => 4,
            (false, false) => 1,
            (false, true) => 0,
        };
        // The same regex, searched with a span, so that assertions see the
        // bytes around a segment (as `Regex::find_at` does before it).
        let search = meta::Regex::builder()
            .syntax(
                regex_automata::util::syntax::Config::new()
                    .case_insensitive(ignore_case)
                    .utf8(false),
            )
            .configure(
                meta::Config::new()
                    .utf8_empty(false)
                    .nfa_size_limit(Some(64 << 20)),
            )
            .build(text)
            .map_err(|e| refused(one_line(&e.to_string())))?;
        Ok(Matcher {
            engine: Engine::Regex { search },
            patterns: vec![expression.to_vec()],
            max_len: hir.properties().maximum_len().unwrap_or(usize::MAX),
            reach: usize::MAX,
            zero_match: None,
            look_behind,
            exact: false,
            one_byte: None,
        })
    }
}

/// The longest of the patterns `(length, is zeros)` made of zeros, as
/// (length, number); the first given wins a tie.
fn longest(patterns: impl Iterator<Item = (usize, bool)>) -> Option<(usize, usize)> {
    patterns
        .enumerate()
        .filter(|(_, (_, zeros))| *zeros)
        .max_by_key(|(n, (len, _))| (*len, std::cmp::Reverse(*n)))
        .map(|(n, (len, _))| (len, n))
}

/// A search for `literal` with ASCII letters of either case, as a byte
/// regex: letters as they are, every other byte escaped.
fn folded_literal(literal: &[u8]) -> Result<meta::Regex, Error> {
    let mut text = String::from("(?i-u)");
    for &b in literal {
        match b.is_ascii_alphanumeric() {
            true => text.push(b as char),
            false => text.push_str(&format!(r"\x{b:02x}")),
        }
    }
    meta::Regex::builder()
        .syntax(
            regex_automata::util::syntax::Config::new()
                .unicode(false)
                .utf8(false),
        )
        .configure(meta::Config::new().utf8_empty(false))
        .build(&text)
        .map_err(|e| refused(format!("cannot be compiled: {}", one_line(&e.to_string()))))
}

/// A regex syntax error as one line naming the problem and where it is,
/// instead of the regex crate's several lines with a caret under it.
fn regex_error(error: &regex_syntax::Error) -> String {
    let (kind, span) = match error {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span()),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span()),
        other => return one_line(&other.to_string()),
    };
    format!("at byte {}: {kind}", span.start.offset)
}

/// A multi-line message folded onto one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
