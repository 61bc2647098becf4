//! Standard input and FIFOs, which cannot be mapped: searched as a stream
//! in bounded memory, with the same offsets and matches as a file of the same bytes.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;

use crate::engine::matcher::Match;
use crate::engine::pass::{Hit, Plan, Sink, Tally};
use crate::error::Error;

/// Bytes read at a time.
const CHUNK: usize = 1 << 20;

/// A stream to read: standard input, or a FIFO opened by name.
pub struct Stream {
    pub name: String,
    pub input: Box<dyn Read>,
}

impl Stream {
    /// The stream `arg` names, if it names one: `-`, or a FIFO.
    pub fn open(arg: &OsStr) -> Result<Option<Stream>, Error> {
        if arg.as_bytes() == b"-" {
            return Ok(Some(Stream {
                name: "-".into(),
                input: Box::new(io::stdin()),
            }));
        }
        let name = arg.to_string_lossy().into_owned();
        let is_fifo = std::fs::metadata(arg).is_ok_and(|m| m.file_type().is_fifo());
        if !is_fifo {
            return Ok(None);
        }
        // Like grep, wait for a writer: a FIFO is read, not mapped.
        let file = File::open(arg).map_err(|e| Error::io(&name, e))?;
        Ok(Some(Stream {
            name,
            input: Box::new(file),
        }))
    }

    fn label(&self) -> &str {
        match self.name.is_empty() {
            true => "stream",
            false => &self.name,
        }
    }

    /// Reads some bytes into `buf`; 0 at the end.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        loop {
            match self.input.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(self.label(), e)),
                Ok(n) => return Ok(n),
            }
        }
    }

    /// Reads into `buf` until it holds `want` more bytes or the stream
    /// ends; returns whether it ended.
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> Result<bool, Error> {
        let mut filled = buf.len();
        buf.resize(filled + want, 0);
        let result = loop {
            if filled == buf.len() {
                break Ok(false);
            }
            match self.input.read(&mut buf[filled..]) {
                Ok(0) => break Ok(true),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(Error::io(self.label(), e)),
            }
        };
        buf.truncate(filled);
        result
    }

    /// Runs `plan` (its range already resolved: ends past the stream's end
    /// are fine) over the stream, with the selection, offsets and windows
    /// of a file holding the same bytes (see `pass::walk`). Only the bytes
    /// a match, its context or the matcher's look-behind may still need
    /// are kept.
    pub fn search(&mut self, plan: &Plan, sink: &mut dyn Sink) -> Result<Tally, Error> {
        self.search_by(plan, sink, CHUNK)
    }

    /// [`Stream::search`], reading `chunk` bytes at a time (tests make it
    /// small, so that every boundary case falls across a read).
    fn search_by(
        &mut self,
        plan: &Plan,
        sink: &mut dyn Sink,
        chunk: usize,
    ) -> Result<Tally, Error> {
        let matcher = plan.matcher;
        let (start, end) = (plan.range.0 as u64, plan.range.1 as u64);
        let Some(reach) = matcher.bounded_reach() else {
            return Err(Error::argument(
                "pattern",
                "a regular expression without a longest match cannot search a stream",
            ));
        };
        let context = if sink.wants_hits() { plan.context } else { 0 };
        let look = matcher.look_behind();
        // A match starting before the last `hold` bytes read cannot reach
        // past them, nor can its context or a regex's look past its end.
        let hold = reach.saturating_add(1 + look).saturating_add(context);
        // Bytes kept before the search's position: a match's leading
        // context and what a regex looks at before it (`\b`, `^`); one
        // more, so that a search never starts at the buffer's first byte,
        // which a regex would take for the start of the stream.
        let behind = context.max(look) + 1;
        // As in a file, a window's trailing context may reach past the
        // range's end, up to the end of the stream.
        let wanted = end.saturating_add(context as u64);
        let mut tally = Tally {
            per_pattern: vec![0; matcher.patterns().len()],
            ..Tally::default()
        };
        let (mut buf, mut base, mut pos) = (Vec::new(), 0u64, start);
        let mut seen = 0u64;
        let mut scratch = Vec::new();
        if plan.max == Some(0) || end <= start {
            return Ok(tally);
        }
        loop {
            let ended = self.fill(&mut buf, chunk.max(1))?;
            let total = base + buf.len() as u64;
            let last = ended || total >= wanted;
            // The haystack ends at the range's end, as a file's does.
            let hay_end = total.min(end).saturating_sub(base) as usize;
            let safe = if last {
                hay_end
            } else {
                hay_end.saturating_sub(hold)
            };
            let hay = &buf[..hay_end];
            let mut from = pos.saturating_sub(base) as usize;
            while let Some(found) = matcher.find_in(hay, from).filter(|m| m.start < safe) {
                from = found.end;
                seen += 1;
                if plan.nth.is_some_and(|nth| seen < nth) {
                    continue;
                }
                tally.matches += 1;
                tally.per_pattern[found.pattern] += 1;
                let go_on = show(sink, &buf, base, found, context, &mut scratch)?;
                let done = plan.nth.is_some() || plan.max == Some(tally.matches);
                if !go_on || done {
                    tally.scanned = base + found.end as u64 - start;
                    return Ok(tally);
                }
            }
            pos = base + from.max(safe) as u64;
            if last {
                tally.scanned = total.min(end).saturating_sub(start);
                return Ok(tally);
            }
            let drop = (pos.saturating_sub(base) as usize)
                .saturating_sub(behind)
                .min(buf.len());
            buf.drain(..drop);
            base += drop as u64;
        }
    }
}

/// Shows one match of a stream, with its context from `buf` (whose first
/// byte is at offset `base`), which holds every byte of the window.
fn show(
    sink: &mut dyn Sink,
    buf: &[u8],
    base: u64,
    found: Match,
    context: usize,
    scratch: &mut Vec<u8>,
) -> Result<bool, Error> {
    if !sink.wants_hits() {
        return Ok(true);
    }
    let lead = context.min(found.start);
    let window_end = found.end.saturating_add(context).min(buf.len());
    scratch.clear();
    scratch.extend_from_slice(&buf[found.start - lead..window_end]);
    sink.hit(&Hit {
        offset: (base + found.start as u64) as usize,
        lead,
        len: found.len(),
        pattern: found.pattern,
        before: scratch,
        after: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::matcher::Matcher;
    use crate::engine::pass::Count;

    /// Hands out its bytes a few at a time, so that matches fall across reads.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    struct Offsets(Vec<(usize, Vec<u8>)>);

    /// A hit as shown: offset, lead, length, pattern and window.
    type Shown = (usize, usize, usize, usize, Vec<u8>);

    /// Every hit as a pass shows it.
    #[derive(Default)]
    struct Hits(Vec<Shown>);

    impl Sink for Hits {
        fn wants_hits(&self) -> bool {
            true
        }

        fn hit(&mut self, hit: &Hit) -> Result<bool, Error> {
            let seen = (hit.offset, hit.lead, hit.len, hit.pattern);
            self.0
                .push((seen.0, seen.1, seen.2, seen.3, hit.before.to_vec()));
            Ok(true)
        }
    }

    /// Hands out its bytes in reads of the sizes `sizes` cycles through.
    struct Uneven {
        bytes: Vec<u8>,
        at: usize,
        sizes: Vec<usize>,
        turn: usize,
    }

    impl Read for Uneven {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes[self.turn % self.sizes.len()];
            self.turn += 1;
            let n = size.min(buf.len()).min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// What a mapped file of `bytes` gives for `plan`: the hits (when
    /// `shown`) and the tally, through the file's own pass.
    fn from_file(bytes: &[u8], plan: &Plan, shown: bool) -> (Vec<Shown>, Tally) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        std::fs::write(&path, bytes).unwrap();
        let target = crate::io::target::Target::open(
            path.as_os_str(),
            crate::io::target::Access::Read,
            false,
        )
        .unwrap();
        let view = target.view().unwrap();
        let (start, end) = (plan.range.0.min(bytes.len()), plan.range.1.min(bytes.len()));
        let plan = Plan {
            range: (start, end.max(start)),
            ..*plan
        };
        let progress = ();
        let mut hits = Hits::default();
        let tally = match shown {
            true => crate::engine::pass::run(&target, &view, &plan, &mut hits, None, &progress),
            false => crate::engine::pass::run(&target, &view, &plan, &mut Count, None, &progress),
        }
        .unwrap();
        (hits.0, tally)
    }

    /// The matchers the property tries: literals, several, folded, and
    /// regexes whose assertions look around a match.
    fn matcher(which: usize) -> Matcher {
        let literals = |p: &[&str], fold| {
            Matcher::literals(p.iter().map(|p| p.as_bytes().to_vec()).collect(), fold).unwrap()
        };
        let regexes = [
            r"\bab",
            r"a\b",
            r"\Bb",
            r"(?m)^a",
            r"^a",
            r"(?m)b$",
            r"b$",
            r"(?i)a[ab]{1,3}\b",
            r"\b\w",
            r"é\b",
        ];
        match which {
            0 => literals(&["ab"], false),
            1 => literals(&["aa"], false),
            2 => literals(&["ab", "ba", "aab", "b"], false),
            3 => literals(&["Ab"], true),
            4 => literals(&["Ab", "bA", "a"], true),
            n => Matcher::regex(regexes[(n - 5) % regexes.len()].as_bytes(), false).unwrap(),
        }
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// A stream gives what a mapped file of the same bytes gives, for
        /// every option, whatever its read sizes and buffer size.
        #[test]
        fn a_stream_gives_exactly_what_a_file_gives(
            bytes in proptest::collection::vec(prop_oneof![
                3 => Just(&b"a"[..]), 3 => Just(&b"b"[..]), 1 => Just(&b"A"[..]),
                1 => Just(&b"\n"[..]), 1 => Just(&b" "[..]), 2 => Just("é".as_bytes()),
                1 => Just("中".as_bytes()), 1 => Just("𝒜".as_bytes()),
                1 => Just(&b"\xa9"[..])], 0..300).prop_map(|tokens| tokens.concat()),
            which in 0usize..15,
            sizes in proptest::collection::vec(1usize..40, 1..5),
            chunk in 1usize..64,
            range in (0usize..420, 0usize..420),
            open_end: bool,
            nth in prop_oneof![3 => Just(None), 1 => (1u64..8).prop_map(Some)],
            max in prop_oneof![3 => Just(None), 1 => (0u64..8).prop_map(Some)],
            context in prop_oneof![Just(0usize), 0usize..12],
            shown in prop_oneof![3 => Just(true), 1 => Just(false)],
        ) {
            let matcher = matcher(which);
            let end = if open_end { usize::MAX } else { range.1 };
            let plan = Plan { matcher: &matcher, replacement: None, range: (range.0, end), nth, max, context };
            let (file_hits, file_tally) = from_file(&bytes, &plan, shown);
            let mut stream = Stream {
                name: "s".into(),
                input: Box::new(Uneven { bytes: bytes.clone(), at: 0, sizes, turn: 0 }),
            };
            let mut hits = Hits::default();
            let tally = match shown {
                true => stream.search_by(&plan, &mut hits, chunk),
                false => stream.search_by(&plan, &mut Count, chunk),
            }
            .unwrap();
            prop_assert_eq!(hits.0, file_hits);
            prop_assert_eq!(tally.matches, file_tally.matches);
            prop_assert_eq!(tally.per_pattern, file_tally.per_pattern);
            prop_assert_eq!(tally.scanned, file_tally.scanned);
        }
    }

    impl Sink for Offsets {
        fn wants_hits(&self) -> bool {
            true
        }

        fn hit(&mut self, hit: &Hit) -> Result<bool, Error> {
            self.0.push((hit.offset, hit.before.to_vec()));
            Ok(true)
        }
    }

    fn plan(matcher: &Matcher, range: (usize, usize), context: usize) -> Plan<'_> {
        Plan {
            matcher,
            replacement: None,
            range,
            nth: None,
            max: None,
            context,
        }
    }

    #[test]
    fn a_stream_finds_what_the_file_has_at_the_same_offsets() {
        let mut bytes = Vec::new();
        for i in 0..300_000u32 {
            bytes.extend_from_slice(if i % 7 == 0 { b"xERROR" } else { b"abcdefg" });
        }
        let matcher =
            Matcher::literals(vec![b"ERROR".to_vec(), b"ERRORab".to_vec()], false).unwrap();
        let mut expected = Vec::new();
        let mut cursor = matcher.cursor(0, bytes.len(), 1 << 20);
        while let Some(step) = cursor.next(&matcher, &bytes, &mut crate::engine::matcher::NoHoles) {
            if let crate::engine::matcher::Step::Match(m) = step {
                let window = m.start.saturating_sub(3)..(m.end + 3).min(bytes.len());
                expected.push((m.start, bytes[window].to_vec()));
            }
        }
        for step in [7, 4096, 1 << 20, 3 << 20] {
            let mut stream = Stream {
                name: "s".into(),
                input: Box::new(Trickle(Box::leak(bytes.clone().into_boxed_slice()), step)),
            };
            let mut found = Offsets(Vec::new());
            let tally = stream
                .search(&plan(&matcher, (0, usize::MAX), 3), &mut found)
                .unwrap();
            assert_eq!(found.0, expected, "reads of {step} bytes");
            assert_eq!(tally.matches, expected.len() as u64);
        }
    }

    #[test]
    fn a_range_of_a_stream_counts_as_in_a_file() {
        let bytes = b"ERRORxxERRORxxERROR".repeat(1000);
        let matcher = Matcher::literals(vec![b"ERROR".to_vec()], false).unwrap();
        let mut stream = Stream {
            name: "s".into(),
            input: Box::new(Trickle(Box::leak(bytes.clone().into_boxed_slice()), 10)),
        };
        let (start, end) = (7, 7 + 19 * 10);
        let tally = stream
            .search(&plan(&matcher, (start, end), 0), &mut Count)
            .unwrap();
        let mut cursor = matcher.cursor(start, end, 64);
        let mut expected = 0;
        while let Some(step) = cursor.next(
            &matcher,
            &bytes[..end],
            &mut crate::engine::matcher::NoHoles,
        ) {
            expected += matches!(step, crate::engine::matcher::Step::Match(_)) as u64;
        }
        assert_eq!((tally.matches, expected), (30, 30));
    }
}
