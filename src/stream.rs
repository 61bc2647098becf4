//! Standard input and FIFOs, which cannot be mapped: searched as a stream
//! in bounded memory, with the same offsets and matches as a file of the same bytes.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;

use crate::error::Error;
use crate::matcher::Match;
use crate::pass::{Hit, Plan, Sink, Tally};

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
    /// are fine) over the stream. Only the bytes a match or its context may
    /// still need are kept: what a match starting before the last `hold`
    /// bytes read can reach.
    pub fn search(&mut self, plan: &Plan, sink: &mut dyn Sink) -> Result<Tally, Error> {
        let matcher = plan.matcher;
        let (start, end) = (plan.range.0 as u64, plan.range.1 as u64);
        let Some(reach) = matcher.bounded_reach() else {
            return Err(Error::argument(
                "pattern",
                "a regular expression without a longest match cannot search a stream",
            ));
        };
        let context = if sink.wants_hits() { plan.context } else { 0 };
        // A match starting before the last `hold` bytes cannot reach past
        // them, nor can its context or a regex's look at the next byte.
        let hold = reach + 1 + context;
        let behind = context + 1;
        let mut tally = Tally {
            per_pattern: vec![0; matcher.patterns().len()],
            ..Tally::default()
        };
        let (mut buf, mut base, mut pos) = (Vec::new(), 0u64, start);
        let mut seen = 0u64;
        let mut after = Vec::new();
        if plan.max == Some(0) || end <= start {
            return Ok(tally);
        }
        loop {
            let ended = self.fill(&mut buf, CHUNK)?;
            let available = (base + buf.len() as u64).min(end);
            let last = ended || available == end;
            let hay_end = available.saturating_sub(base) as usize;
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
                let go_on = show(sink, hay, base, found, context, &mut after)?;
                let done = plan.nth.is_some() || plan.max == Some(tally.matches);
                if !go_on || done {
                    tally.scanned = base + found.end as u64 - start;
                    return Ok(tally);
                }
            }
            pos = base + from.max(safe) as u64;
            if last {
                tally.scanned = available.saturating_sub(start);
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

/// Shows one match of a stream, with its context from `hay` (whose first
/// byte is at offset `base`).
fn show(
    sink: &mut dyn Sink,
    hay: &[u8],
    base: u64,
    found: Match,
    context: usize,
    scratch: &mut Vec<u8>,
) -> Result<bool, Error> {
    if !sink.wants_hits() {
        return Ok(true);
    }
    let lead = context.min(found.start);
    let window_end = found.end.saturating_add(context).min(hay.len());
    scratch.clear();
    scratch.extend_from_slice(&hay[found.start - lead..window_end]);
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
    use crate::matcher::Matcher;
    use crate::pass::Count;

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
        while let Some(step) = cursor.next(&matcher, &bytes, &mut crate::matcher::NoHoles) {
            if let crate::matcher::Step::Match(m) = step {
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
        while let Some(step) = cursor.next(&matcher, &bytes[..end], &mut crate::matcher::NoHoles) {
            expected += matches!(step, crate::matcher::Step::Match(_)) as u64;
        }
        assert_eq!((tally.matches, expected), (30, 30));
    }
}
