//! The stream driver: standard input and FIFOs, which cannot be mapped, read
//! in bounded memory with the same offsets and edits as a file of the bytes.
//!
//! ```
//! use mpatch::scan::stream::Stream;
//! use mpatch::scan::{At, Driver, Edit, Flow, Plan, Settings, Sink, Wants};
//! use mpatch::{Error, Matcher, Search};
//!
//! /// Keeps each match's offset.
//! struct Starts(Vec<usize>);
//!
//! impl Sink for Starts {
//!     fn wants(&self) -> Wants {
//!         Wants::Ordered
//!     }
//!     fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
//!         self.0.push(edit.start);
//!         Ok(Flow::Go)
//!     }
//! }
//!
//! let matcher = Matcher::literal(b"abc").unwrap();
//! let bytes: &'static [u8] = b"abc abcabc ab";
//! let plan = Plan {
//!     matcher: &matcher,
//!     replacement: None,
//!     range: (0, usize::MAX),
//!     nth: None,
//!     max: None,
//! };
//! // Two bytes a read: every match crosses a read, and is found all the same.
//! let settings = Settings { chunk: 2, ..Settings::new() };
//! let mut stream = Stream { name: "-".into(), input: Box::new(bytes) };
//! let mut starts = Starts(Vec::new());
//! let tally = stream.scan(&plan, &mut starts, &settings).unwrap();
//! assert_eq!(tally.driver, Driver::Stream);
//! let in_memory: Vec<usize> = Search::new(&matcher).find(bytes).map(|m| m.start).collect();
//! assert_eq!(starts.0, in_memory);
//! assert_eq!(starts.0, [0, 4, 7]);
//! ```

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;

use super::{At, Core, Driver, Flow, Plan, Settings, Sink, Tally, Wants, Window};
use crate::engine::matcher::Match;
use crate::error::Error;

/// A stream to read: standard input, or a FIFO opened by name.
pub struct Stream {
    /// The name in messages (`-` for standard input).
    pub name: String,
    /// Where the bytes come from.
    pub input: Box<dyn Read + Send>,
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

    /// A FIFO already opened without waiting for a writer (see
    /// `Target::open_to_search`): read as it is, its first read waiting for
    /// a writer's bytes as a blocking open would have waited for the writer.
    pub fn fifo(name: String, file: File) -> Stream {
        Stream {
            name,
            input: Box::new(Fifo {
                file,
                waited: false,
            }),
        }
    }

    /// Reads some bytes into `buf`; 0 at the end.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        loop {
            match self.input.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(&self.name, e)),
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
            match self.read(&mut buf[filled..]) {
                Ok(0) => break Ok(true),
                Ok(n) => filled += n,
                Err(e) => break Err(e),
            }
        };
        buf.truncate(filled);
        result
    }

    /// Scans `plan` over the stream (its range resolved: an end past the
    /// stream's end is fine), with the selection, offsets and edits of a
    /// file holding the same bytes. Only the bytes the matcher's look-behind
    /// or a sink (a window of context) still needs are kept.
    pub fn scan(
        &mut self,
        plan: &Plan,
        sink: &mut dyn Sink,
        settings: &Settings,
    ) -> Result<Tally, Error> {
        let matcher = plan.matcher;
        let Some(reach) = matcher.bounded_reach() else {
            return Err(Error::argument(
                "pattern",
                "a regular expression without a longest match cannot search a stream",
            ));
        };
        let (start, end) = plan.range;
        let look = matcher.look_behind();
        // A match starting before the last `hold` bytes read cannot reach
        // past them, nor can a regex's look past its end.
        let hold = reach.saturating_add(1 + look);
        let name = self.name.clone();
        let mut core = Core::new(*plan, &name, Driver::Stream);
        let runs = sink.wants() != Wants::Ordered && Core::selects_all(plan) && plan.gives_runs();
        let (mut buf, mut base, mut pos) = (Vec::new(), 0usize, start);
        let mut scanned = None;
        let mut ended = false;
        if plan.selects_none() || end <= start || sink.begin(start..end)? == Flow::Stop {
            return finish(core, sink, 0);
        }
        while scanned.is_none() {
            ended = self.fill(&mut buf, settings.chunk.max(1))?;
            let total = base + buf.len();
            let last = ended || total >= end;
            // The haystack ends at the range's end, as a file's does.
            let hay_end = total.min(end).saturating_sub(base);
            let safe = if last {
                hay_end
            } else {
                hay_end.saturating_sub(hold)
            };
            let mut from = pos.saturating_sub(base);
            let hay = &buf[..hay_end];
            while let Some(found) = matcher.find_in(hay, from).filter(|m| m.start < safe) {
                // One literal's matches back to back come as one run (an
                // empty match never: the walk must move on).
                let count = match runs && found.end > found.start {
                    true => matcher.next_run(hay, found.start, safe, hay_end),
                    false => None,
                };
                let count = count.map_or(1, |(_, count)| count);
                from = found.start + found.len() * count as usize;
                let at = at(base, &buf, base + from, look);
                let flow = match count {
                    1 => core.found(hay, base, found, &at, sink)?,
                    _ => {
                        let old = &hay[found.start..found.end];
                        let (start, end) = (base + found.start, base + found.end);
                        let first = Match {
                            start,
                            end,
                            ..found
                        };
                        core.run(first, count, old, &at, sink)?
                    }
                };
                if flow == Flow::Stop {
                    scanned = Some(base + from);
                    break;
                }
            }
            if scanned.is_some() {
                break;
            }
            pos = base + from.max(safe);
            if sink.progress(&at(base, &buf, pos, look))? == Flow::Stop || last {
                scanned = Some(if last { total.min(end) } else { pos });
            }
            // Bytes the matcher looks back at, and one more, so that a
            // search never starts at the buffer's first byte, which a
            // regex would take for the start of the stream; and what a
            // sink still reads.
            let keep = pos.saturating_sub(look + 1).min(sink.needs_from());
            let drop = keep.saturating_sub(base).min(buf.len());
            buf.drain(..drop);
            base += drop;
        }
        // As in a file, a window of context may reach past the range's end,
        // up to the end of the stream.
        while !ended && sink.needs_from() != usize::MAX {
            ended = self.fill(&mut buf, settings.chunk.max(1))?;
            sink.progress(&at(base, &buf, base + buf.len(), look))?;
            let drop = sink.needs_from().saturating_sub(base).min(buf.len());
            buf.drain(..drop);
            base += drop;
        }
        sink.progress(&At {
            frontier: usize::MAX,
            settled: usize::MAX,
            window: Window { base, bytes: &buf },
        })?;
        finish(core, sink, scanned.unwrap_or(start).saturating_sub(start))
    }
}

fn at(base: usize, buf: &[u8], frontier: usize, look: usize) -> At<'_> {
    At {
        frontier,
        settled: frontier.saturating_sub(look),
        window: Window { base, bytes: buf },
    }
}

fn finish(core: Core, sink: &mut dyn Sink, scanned: usize) -> Result<Tally, Error> {
    let mut tally = core.finish();
    tally.scanned = scanned as u64;
    sink.finish(&tally)?;
    Ok(tally)
}

/// A FIFO opened non-blocking: each read waits (poll) for bytes, or for the
/// last writer to go, before reading; the first waits for a writer at all.
struct Fifo {
    file: File,
    waited: bool,
}

impl Read for Fifo {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.waited {
                self.wait()?;
                self.waited = true;
            }
            match (&self.file).read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.waited = false,
                other => return other,
            }
        }
    }
}

impl Fifo {
    /// Waits until there are bytes to read or no writer is left (a writer
    /// that came and went).
    fn wait(&self) -> io::Result<()> {
        use rustix::event::{PollFd, PollFlags, poll};
        let mut fds = [PollFd::new(&self.file, PollFlags::IN)];
        loop {
            match poll(&mut fds, None) {
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
                Ok(_) => return Ok(()),
            }
        }
    }
}
