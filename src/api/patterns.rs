//! The patterns of a find and the pairs of a replace, as the command line
//! and Python give them (`PATTERN`, `-p`, `--pair`, `--regex`, `--mask`, or a
//! file with `-f`), turned into one matcher and what replaces each match.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader};
use std::os::unix::ffi::OsStrExt;

use crate::engine::encoding;
use crate::engine::matcher::{Matcher, Replacement};
use crate::engine::pattern::{self, Signature, Syntax};
use crate::error::Error;
use crate::io::walk::{self, Line};

/// The patterns (and replacements) of a find or replace as given: the
/// positional arguments, the repeated options and the lists, with how they
/// are read. Positional arguments after the patterns are files.
///
/// ```
/// use mpatch::{PatternArgs, Search, patterns};
/// // `mpatch find -E utf-16le Trial app.exe`
/// let args = PatternArgs {
///     encoding: Some("utf-16le".into()),
///     positional: vec!["Trial".into(), "app.exe".into()],
///     ..PatternArgs::default()
/// };
/// let (matcher, files) = patterns::for_find(&args).unwrap();
/// assert_eq!(files, ["app.exe"]);
/// let strings = b"Trial\0\0T\0r\0i\0a\0l\0";
/// assert_eq!(Search::new(&matcher).count(strings), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct PatternArgs {
    /// How each value is read: as typed, with escapes, or as hex.
    pub syntax: Syntax,
    /// PATTERN is a regular expression.
    pub regex: bool,
    /// ASCII letters match either case.
    pub ignore_case: bool,
    /// The encoding the text of every pattern and replacement is encoded
    /// in before matching (`-E`: `utf-16le`, `utf-16be`, a WHATWG label),
    /// after its escapes are decoded; [`Syntax::Hex`] values are bytes and
    /// are not encoded. Not with `regex`.
    pub encoding: Option<String>,
    /// The positional arguments: `PATTERN [REPLACEMENT] FILE...`
    pub positional: Vec<OsString>,
    /// Patterns given with `-p` (find).
    pub patterns: Vec<OsString>,
    /// A file of patterns, one a line (find); `-` is standard input.
    pub patterns_from: Option<OsString>,
    /// OLD and NEW, in turn, given with `--pair` (replace).
    pub pairs: Vec<OsString>,
    /// A file of `OLD<TAB>NEW` lines (replace); `-` is standard input.
    pub pairs_from: Option<OsString>,
    /// Overwrite each match with this byte instead of a REPLACEMENT.
    pub mask: Option<String>,
    /// Pad a shorter replacement with this byte.
    pub pad: Option<String>,
    /// Whether files come from elsewhere too (`-r`, `--files-from`), so
    /// that none need be named.
    pub other_files: bool,
    /// Whether the file list is read from standard input.
    pub files_on_stdin: bool,
}

/// How each value becomes bytes: its syntax, then its encoding.
#[derive(Debug, Clone, Copy)]
struct Reading<'a> {
    syntax: Syntax,
    encoding: Option<&'a str>,
    /// `-i` on encoded text: each pattern's letters carry their own fold
    /// (see [`encoding::encode_folded`]), and the matcher folds nothing.
    fold: bool,
}

impl Reading<'_> {
    /// Whether the matcher folds ASCII letters byte by byte.
    fn matcher_folds(&self, ignore_case: bool) -> bool {
        ignore_case && !self.fold
    }
}

impl PatternArgs {
    /// How the values are read; an unknown encoding, or one given with a
    /// regex, is an error here, before any value is read.
    fn reading(&self) -> Result<Reading<'_>, Error> {
        let encoding = self.encoding.as_deref();
        if let Some(label) = encoding {
            if self.regex {
                return Err(Error::argument(
                    "--encoding",
                    "does not apply to --regex (write the encoded bytes with \\xHH escapes)",
                ));
            }
            encoding::encode(b"", label).map_err(|e| Error::argument("--encoding", e.reason))?;
        }
        Ok(Reading {
            syntax: self.syntax,
            encoding,
            fold: self.ignore_case && encoding.is_some() && self.syntax != Syntax::Hex,
        })
    }
}

/// Reads a byte argument that may be empty.
pub fn read_bytes_or_empty(what: &str, arg: &OsStr, syntax: Syntax) -> Result<Vec<u8>, Error> {
    pattern::parse(arg.as_bytes(), syntax).map_err(|e| Error::argument(what, e.to_string()))
}

/// Reads a byte argument (`what` names it in errors); empty is refused.
pub fn read_bytes(what: &str, arg: &OsStr, syntax: Syntax) -> Result<Vec<u8>, Error> {
    let bytes = read_bytes_or_empty(what, arg, syntax)?;
    if bytes.is_empty() {
        return Err(Error::argument(what, "is empty"));
    }
    Ok(bytes)
}

/// The matcher of a find, and its files.
pub fn for_find(args: &PatternArgs) -> Result<(Matcher, Vec<OsString>), Error> {
    one_stdin(args, args.patterns_from.as_deref())?;
    let syntax = args.reading()?;
    let mut files = args.positional.clone();
    let listed = !args.patterns.is_empty() || args.patterns_from.is_some();
    let mut patterns = Vec::new();
    if listed {
        for arg in &args.patterns {
            patterns.push(read_signature("pattern", arg, syntax)?);
        }
        if let Some(list) = &args.patterns_from {
            let text = read_list(list)?;
            for (line, bytes) in pattern::list_lines(&text) {
                let at = format!("{}:{line}", list.to_string_lossy());
                patterns.push(read_signature(&at, OsStr::from_bytes(bytes), syntax)?);
            }
        }
    } else {
        if files.is_empty() {
            return Err(missing_pattern());
        }
        let pattern = files.remove(0);
        patterns.push(read_signature("pattern", &pattern, syntax)?);
    }
    if files.is_empty() && !args.other_files {
        // Like grep: no file, standard input.
        files.push("-".into());
    }
    let matcher = build(patterns, args.regex, syntax.matcher_folds(args.ignore_case))?;
    Ok((matcher, files))
}

/// The matcher of a replace, what replaces each match, and its files.
pub fn for_replace(args: &PatternArgs) -> Result<(Matcher, Replacement, Vec<OsString>), Error> {
    one_stdin(args, args.pairs_from.as_deref())?;
    let syntax = args.reading()?;
    let pad = args
        .pad
        .as_deref()
        .map(|pad| pattern::parse_pad(pad).map_err(|e| Error::argument("--pad", e)))
        .transpose()?;
    let mut positional = args.positional.clone();
    let listed = !args.pairs.is_empty() || args.pairs_from.is_some();
    if listed {
        let mut olds = Vec::new();
        let mut news = Vec::new();
        for pair in args.pairs.chunks(2) {
            let (old, new) = read_pair("--pair", &pair[0], &pair[1], syntax, pad)?;
            olds.push(old);
            news.push(new);
        }
        if let Some(list) = &args.pairs_from {
            let text = read_list(list)?;
            for (line, bytes) in pattern::list_lines(&text) {
                let at = format!("{}:{line}", list.to_string_lossy());
                let (old, new) = pattern::split_pair(bytes).ok_or_else(|| {
                    Error::argument(&at, "no tab between OLD and NEW (OLD<TAB>NEW a line)")
                })?;
                let (old, new) = read_pair(
                    &at,
                    OsStr::from_bytes(old),
                    OsStr::from_bytes(new),
                    syntax,
                    pad,
                )?;
                olds.push(old);
                news.push(new);
            }
        }
        require_files(&positional, args)?;
        let matcher = build(olds, false, syntax.matcher_folds(args.ignore_case))?;
        return Ok((matcher, replacement_of(news), positional));
    }
    if positional.is_empty() {
        return Err(missing_pattern());
    }
    let pattern_arg = positional.remove(0);
    let pattern = read_signature("pattern", &pattern_arg, syntax)?;
    if let Some(mask) = &args.mask {
        let byte = pattern::parse_pad(mask).map_err(|e| Error::argument("--mask", e))?;
        require_files(&positional, args)?;
        let matcher = build(
            vec![pattern],
            args.regex,
            syntax.matcher_folds(args.ignore_case),
        )?;
        return Ok((matcher, Replacement::Mask(byte), positional));
    }
    if positional.is_empty() {
        return Err(Error::argument(
            "REPLACEMENT",
            "is missing (or give --mask BYTE)",
        ));
    }
    let replacement_arg = positional.remove(0);
    require_files(&positional, args)?;
    if args.regex {
        let template = read_bytes_or_empty("replacement", &replacement_arg, syntax.syntax)?;
        let matcher = build(vec![pattern], true, args.ignore_case)?;
        crate::engine::template::check(&template, &matcher.groups())
            .map_err(|e| Error::argument("replacement", e))?;
        return Ok((matcher, Replacement::Expand(template), positional));
    }
    let (old, new) = read_pair("replacement", &pattern_arg, &replacement_arg, syntax, pad)
        .map(|(_, new)| (pattern, new))?;
    let matcher = build(vec![old], false, syntax.matcher_folds(args.ignore_case))?;
    Ok((matcher, replacement_of(vec![new]), positional))
}

/// A pattern that may hold wildcards (`-x`: `??`, `4?`, `?4`); empty or
/// wildcards only is refused.
fn read_signature(what: &str, arg: &OsStr, syntax: Reading) -> Result<Signature, Error> {
    let signature = read_signature_or_empty(what, arg, syntax, syntax.fold)?;
    if signature.is_empty() {
        return Err(Error::argument(what, "is empty"));
    }
    if signature.is_all_wildcards() {
        return Err(Error::argument(
            what,
            "holds only wildcards, which match anything; give at least one byte or nibble",
        ));
    }
    Ok(signature)
}

/// A value as typed, its escapes decoded (or its hex read), then its
/// text encoded: hex values are bytes, and are not. With `fold` (a
/// pattern, `-i`), its ASCII letters match either case.
fn read_signature_or_empty(
    what: &str,
    arg: &OsStr,
    reading: Reading,
    fold: bool,
) -> Result<Signature, Error> {
    let signature = pattern::parse_signature(arg.as_bytes(), reading.syntax)
        .map_err(|e| Error::argument(what, e.to_string()))?;
    let encoded = match reading.encoding {
        Some(label) if reading.syntax != Syntax::Hex && fold => {
            encoding::encode_folded(&signature.bytes, label)
                .map(|(bytes, mask)| Signature { bytes, mask })
        }
        Some(label) if reading.syntax != Syntax::Hex => {
            encoding::encode(&signature.bytes, label).map(Signature::literal)
        }
        _ => return Ok(signature),
    };
    encoded.map_err(|e| Error::argument(what, e.reason))
}

/// The replacements as given; where one holds wildcards, each keeps the
/// match's bits under them.
fn replacement_of(news: Vec<Signature>) -> Replacement {
    match news.iter().all(Signature::is_literal) {
        true => Replacement::Table(news.into_iter().map(|n| n.bytes).collect()),
        false => Replacement::Keep(news),
    }
}

/// Reads one OLD/NEW pair, padding NEW with `pad`; `what` names it in
/// errors (`--pair`, `FILE:LINE`, `replacement`).
fn read_pair(
    what: &str,
    old: &OsStr,
    new: &OsStr,
    syntax: Reading,
    pad: Option<u8>,
) -> Result<(Signature, Signature), Error> {
    let old = read_signature(what, old, syntax)?;
    let mut new = read_signature_or_empty(what, new, syntax, false)?;
    if new.is_empty() && pad.is_none() {
        return Err(Error::argument(what, "is empty"));
    }
    if let Some(byte) = pad
        && new.len() < old.len()
    {
        new.bytes.resize(old.len(), byte);
        new.mask.resize(old.len(), 0xff);
    }
    if new.len() != old.len() {
        let subject = if what == "replacement" {
            "replacement"
        } else {
            what
        };
        let (new_is, old_is) = if what == "replacement" {
            ("is", "the pattern is")
        } else {
            ("NEW is", "OLD is")
        };
        return Err(Error::Length {
            what: subject.to_string(),
            scope: crate::error::Scope::Run,
            reason: format!(
                "{new_is} {} bytes but {old_is} {} bytes; they must be the same length{}",
                new.len(),
                old.len(),
                if new.len() < old.len() {
                    " (--pad BYTE fills a shorter one)"
                } else {
                    ""
                }
            ),
        });
    }
    Ok((old, new))
}

fn build(patterns: Vec<Signature>, regex: bool, ignore_case: bool) -> Result<Matcher, Error> {
    if regex {
        let [expression] = &patterns[..] else {
            return Err(Error::argument("--regex", "takes one PATTERN"));
        };
        return Matcher::regex(&expression.bytes, ignore_case);
    }
    Matcher::signatures(patterns, ignore_case)
}

/// The bytes of a pattern or pair file; `-` is standard input. Each line
/// is read up to the line limit, so an endless input (`/dev/zero`) is an
/// error naming `FILE:LINE`, not unbounded memory.
fn read_list(path: &OsStr) -> Result<Vec<u8>, Error> {
    let name = path.to_string_lossy();
    let mut input: Box<dyn BufRead> = if path.as_bytes() == b"-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).map_err(|e| Error::io(name.as_ref(), e))?;
        Box::new(BufReader::new(file))
    };
    let (mut text, mut line, mut number) = (Vec::new(), Vec::new(), 0);
    loop {
        number += 1;
        match walk::read_line(&mut input, b'\n', &mut line) {
            Ok(Line::Read) => {
                text.extend_from_slice(&line);
                text.push(b'\n');
            }
            Ok(Line::End) => return Ok(text),
            Ok(Line::TooLong) => return Err(walk::too_long(&name, number)),
            Err(e) => return Err(Error::io(name.as_ref(), e)),
        }
    }
}

fn missing_pattern() -> Error {
    Error::argument("PATTERN", "is missing")
}

/// Standard input can give the patterns (`list`) or the file names, not
/// both.
fn one_stdin(args: &PatternArgs, list: Option<&OsStr>) -> Result<(), Error> {
    let stdin = |path: Option<&OsStr>| path.is_some_and(|path| path.as_bytes() == b"-");
    match args.files_on_stdin && stdin(list) {
        true => Err(Error::argument(
            "--files-from",
            "reads standard input, and so does -f; only one of them can",
        )),
        false => Ok(()),
    }
}

/// Fails unless the run has files: named, walked (`-r` walks the current
/// directory when none is named) or listed.
fn require_files(files: &[OsString], args: &PatternArgs) -> Result<(), Error> {
    match files.is_empty() && !args.other_files {
        true => Err(Error::argument(
            "FILE",
            "is missing: name at least one file",
        )),
        false => Ok(()),
    }
}
