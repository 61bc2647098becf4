//! `mpatch find`: offsets of the matches of a pattern, or their count, or
//! the names of the files that have one.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use crate::engine::matcher::Matcher;
use crate::engine::scan::stream::Stream;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::api::sinks::Binary;
use crate::engine::scan::{self, Plan, Scan, Settings, Sink, Sinks, Tally, View};
use crate::error::{Error, Outcome};
use crate::io::target::{Opened, Target};
use crate::output::lines::LinePrinter;
use crate::output::progress::Progress;
use crate::output::sniff::{SNIFF_LEN, looks_binary};
use crate::output::{self, HitStyle, Output, Printer};

use super::files::{self, Files};
use super::plan::{Context, FindPlan, ProgressMode};
use super::{Selection, names_r};

pub fn run(args: &FindPlan) -> Result<Outcome, Error> {
    let started = Instant::now();
    let (matcher, selection) = (&args.matcher, &args.select);
    let files = Files::new(args.files.clone(), &args.files_in)?;
    let many = files.is_many();
    let mut workers = files.workers(&args.files_in);
    workers.stops_when_closed = true;
    workers.stops_at_match = args.report.quiet;
    let search = Search {
        args,
        matcher,
        selection,
        style: HitStyle {
            show_name: (files.several() || args.with_filename) && !args.no_filename,
            hex_offsets: args.report.hex_offsets,
            json: args.report.json,
            context: matches!(args.report.context, Context::Bytes(_)),
            null: args.files_in.null,
            color: args.report.color,
        },
        many,
        read_max: crate::io::target::read_max(workers.threads),
        binary_skipped: AtomicU64::new(0),
        // Bars of files worked on at once would draw over each other.
        progress: match workers.threads {
            1 => args.report.progress,
            _ => ProgressMode::Never,
        },
    };
    let mut out = Output::stdout();
    // Like grep: a file that cannot be read is reported, the others go on.
    let totals = files::each(&mut out, files.paths(), workers, |_, entry, out| {
        search.file(out, &entry.path, entry.walked)
    })?;
    if many && args.report.json && !args.report.quiet {
        let mut total = files::total_json(&totals, None, started.elapsed().as_millis());
        total.files_binary_skipped = search.binary_skipped.into_inner();
        out.json(&total);
    }
    out.finish(if totals.failed > 0 {
        Outcome::Failed
    } else if totals.matched > 0 {
        Outcome::Done
    } else {
        Outcome::NothingDone
    })
}

/// How standard input is named in output, as grep names it.
const STDIN: &str = "(standard input)";

/// What every file of a find is searched for, and how it is shown.
struct Search<'a> {
    args: &'a FindPlan,
    matcher: &'a Matcher,
    selection: &'a Selection,
    style: HitStyle,
    /// A walk or a list: files without a match print nothing, as in rg.
    many: bool,
    /// Files up to this size are read, not mapped (the workers' share).
    read_max: u64,
    /// Binary files a walk met and skipped.
    binary_skipped: AtomicU64,
    progress: ProgressMode,
}

impl Search<'_> {
    /// The sink that prints the matches of the file shown as `path`
    /// (`each`: one by one, else only counted).
    fn printer<'p, W: Write>(
        &self,
        out: &'p mut Output<W>,
        path: &'p Path,
        each: bool,
    ) -> Box<dyn Sink + 'p> {
        let (context, style) = (self.args.report.context, self.style);
        if let (Context::Lines { before, after }, true, false) = (context, each, style.json) {
            let mut lines = LinePrinter::new(out, style, path, (before, after), false);
            lines.stops_when_closed = true;
            return Box::new(lines);
        }
        let mut printer = Printer::new(out, style, path);
        printer.each = each;
        printer.stops_when_closed = true;
        if let Context::Bytes(bytes) = context {
            printer.context = bytes;
        }
        Box::new(printer)
    }
    /// Searches the file at `path` (`walked`: found by a walk, so skipped
    /// if binary); returns its matches, or `None` if skipped.
    fn file<W: Write>(
        &self,
        out: &mut Output<W>,
        path: &Path,
        walked: bool,
    ) -> Result<Option<u64>, Error> {
        let args = self.args;
        let started = Instant::now();
        let stop_at_first = args.report.quiet || args.files_with_matches;
        let plan = |range| Plan {
            matcher: self.matcher,
            replacement: None,
            range,
            nth: self.selection.nth,
            max: match stop_at_first {
                true => Some(self.selection.max.unwrap_or(1).min(1)),
                false => self.selection.max,
            },
        };
        let each = !(args.count || stop_at_first);
        let settings = Settings::new();
        let (target, stream) = open(path)?;
        let (path, tally) = match (target, stream) {
            (_, Some(mut stream)) => {
                let (start, end) = self
                    .selection
                    .range
                    .resolve_stream()
                    .map_err(|e| Error::argument("--range", e))?;
                let plan = plan((start as usize, end.try_into().unwrap_or(usize::MAX)));
                let path = match path == Path::new("-") {
                    true => Path::new(STDIN),
                    false => path,
                };
                let mut printer = self.printer(&mut *out, path, each);
                let tally = stream.scan(&plan, &mut printer, &settings)?;
                (path, tally)
            }
            (target, None) => {
                let Some(target) = target else {
                    return Err(Error::file(
                        path.display().to_string(),
                        "is no longer a FIFO",
                    ));
                };
                match self.mapped(out, path, &target, walked, &plan, each)? {
                    Some(tally) => (path, tally),
                    None => return Ok(None),
                }
            }
        };
        self.report(out, path, &tally, started);
        Ok(Some(tally.matches))
    }

    /// The line (or JSON summary) of one file.
    fn report<W: Write>(&self, out: &mut Output<W>, path: &Path, tally: &Tally, started: Instant) {
        let (args, style) = (self.args, self.style);
        if args.report.quiet || (self.many && tally.matches == 0) {
            return;
        }
        if args.count {
            if style.show_name {
                style.name(out, path);
            }
            out.line(tally.matches);
        } else if args.files_with_matches {
            if tally.matches > 0 {
                style.listed(out, path);
            }
        } else if args.report.json {
            out.json(&output::summary(
                path,
                tally,
                self.matcher.patterns(),
                started.elapsed().as_millis(),
            ));
        }
    }

    /// Searches a file that can be mapped; `None` when it is a binary file
    /// a walk skips (a NUL byte in its first 64 KiB or near a match: the
    /// matches before that one are already printed, as ripgrep prints them).
    fn mapped<'p, W: Write>(
        &self,
        out: &mut Output<W>,
        path: &Path,
        target: &Target,
        walked: bool,
        plan: &dyn Fn((usize, usize)) -> Plan<'p>,
        each: bool,
    ) -> Result<Option<Tally>, Error> {
        let view = target.view_reading(self.read_max)?;
        let skips_binary = walked && !self.args.files_in.binary;
        if skips_binary && looks_binary(View::bytes(&view)) {
            self.binary_skipped.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        let plan = plan(self.selection.range_in(target));
        let progress = Progress::new(self.progress, target.len(), &target.name);
        let mut holes = target.holes();
        let printer = self.printer(&mut *out, path, each);
        let mut guard = Binary::new(printer);
        let sink: &mut dyn Sink = match skips_binary && target.len() > SNIFF_LEN as u64 {
            true => &mut guard,
            false => &mut guard.inner,
        };
        let tally = scan::file(
            &plan,
            &view,
            Sinks::One(sink),
            Scan {
                name: &target.name,
                holes: target.has_holes.then_some(&mut holes as _),
                settings: Settings::new(),
                meter: &progress,
                fault: &|| target.fault(),
            },
        )?;
        drop(progress);
        if guard.found.is_some() {
            self.binary_skipped.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        let mut tally = tally;
        tally.appended = target.appended_after(&view)?;
        Ok(Some(tally))
    }
}

/// Opens `path` to search it: a file, or a stream (`-`, a FIFO, read from
/// the descriptor that found it, waiting for a writer as grep does).
fn open(path: &Path) -> Result<(Option<Target>, Option<Stream>), Error> {
    if path == Path::new("-") {
        return Ok((None, Stream::open(path.as_os_str())?));
    }
    match Target::open_to_search(path.as_os_str()).map_err(names_r)? {
        Opened::File(target) => Ok((Some(target), None)),
        Opened::Fifo(file) => Ok((None, Some(Stream::fifo(path.display().to_string(), file)))),
    }
}
