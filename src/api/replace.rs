//! Replacing, the library's way: a plan of what replaces each match, run
//! over bytes in memory or over files in place, with a guard, a journal, a
//! dry run and a sink of one's own; the command line runs the same code.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::journal::Recorder;
use super::sinks::{Check, Write};
use crate::engine::matcher::{Matcher, Replacement};
use crate::engine::offset::RangeSpec;
use crate::engine::scan::{
    self, At, Counter, Edit, Filter, Filtered, Flow, MakeSink, Meter, Plan, Scan, Settings, Sink,
    Sinks, Tally, Tee, Wants,
};
use crate::error::Error;
use crate::io::target::Target;
use crate::io::writer::{BUFFER, FileSink, STORE_MIN};

/// What a look at a file found (see `Replace::look`).
pub(crate) enum Look {
    /// A file a walk skips as binary.
    Binary,
    /// Its matches.
    Matches(u64),
}

/// A replace: what replaces each match, which matches, and how the files
/// are written (see [`Replace::files`]).
///
/// ```
/// use mpatch::{Matcher, Replace, Replacement};
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("app.log");
/// std::fs::write(&path, "ERROR one\nERROR two\n").unwrap();
/// let matcher = Matcher::literal(b"ERROR").unwrap();
/// let fixed = Replacement::Table(vec![b"FIXED".to_vec()]);
/// let report = Replace::new(&matcher, &fixed).files(&[&path]).unwrap();
/// assert_eq!(report.matches, 2);
/// assert_eq!(std::fs::read(&path).unwrap(), b"FIXED one\nFIXED two\n");
/// ```
#[derive(Clone)]
pub struct Replace<'m> {
    pub(crate) matcher: &'m Matcher,
    pub(crate) replacement: &'m Replacement,
    pub(crate) range: RangeSpec,
    pub(crate) nth: Option<u64>,
    pub(crate) max: Option<u64>,
    pub(crate) expect: Option<u64>,
    pub(crate) expect_total: Option<u64>,
    pub(crate) journal: Option<PathBuf>,
    pub(crate) dry_run: bool,
    pub(crate) sync: bool,
    pub(crate) lock_timeout: Duration,
    pub(crate) allow_device: bool,
    pub(crate) settings: Settings,
    pub(crate) buffer: usize,
    pub(crate) store_min: usize,
}

/// What a replace did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The file, as named.
    pub path: PathBuf,
    /// Its matches (each replaced, or in a dry run counted), and the bytes
    /// appended to it during the run, which were not searched.
    pub tally: Tally,
}

/// What a replace did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Each file, in the order named.
    pub files: Vec<FileReport>,
    /// Matches in all.
    pub matches: u64,
    /// Files whose count did not hold `expect` (then nothing was written
    /// anywhere), with the count each had.
    pub refused: Vec<(PathBuf, u64)>,
    /// The matches of all the files together, when they did not hold
    /// `expect_total` (then nothing was written anywhere).
    pub refused_total: Option<u64>,
}

/// How a caller sees a replace of named files as it runs (the command line
/// prints what it sees); every method has a default that does nothing.
pub trait Watch {
    /// A sink shown every edit of `path`, in file order (a printer).
    fn edits<'w>(&'w mut self, path: &'w Path) -> Option<Box<dyn Sink + 'w>> {
        let _ = path;
        None
    }
    /// A filter in front of the writer of `path`: only the edits it passes
    /// are written (a review, one change at a time).
    fn filter<'w>(&'w mut self, path: &'w Path) -> Option<Box<dyn Filter + 'w>> {
        let _ = path;
        None
    }
    /// The progress meter of `path`, `len` bytes.
    fn meter(&self, path: &Path, len: u64) -> Box<dyn Meter> {
        let _ = (path, len);
        Box::new(())
    }
    /// `path` is done (patched, or counted in a dry run).
    fn done(&mut self, path: &Path, tally: &Tally) {
        let _ = (path, tally);
    }
}

/// A watch that sees nothing.
impl Watch for () {}

impl<'m> Replace<'m> {
    /// Every match of `matcher` replaced by `replacement`, durably (each
    /// file flushed to the disk), without a journal.
    pub fn new(matcher: &'m Matcher, replacement: &'m Replacement) -> Replace<'m> {
        Replace {
            matcher,
            replacement,
            range: RangeSpec::default(),
            nth: None,
            max: None,
            expect: None,
            expect_total: None,
            journal: None,
            dry_run: false,
            sync: true,
            lock_timeout: Duration::from_secs(10),
            allow_device: false,
            settings: Settings::new(),
            buffer: BUFFER,
            store_min: STORE_MIN,
        }
    }

    /// Only matches lying entirely inside `range`.
    pub fn range(mut self, range: RangeSpec) -> Replace<'m> {
        self.range = range;
        self
    }

    /// Only the `nth` match (1-based) of each file.
    pub fn nth(mut self, nth: u64) -> Replace<'m> {
        self.nth = Some(nth);
        self
    }

    /// At most `max` matches of each file.
    pub fn max(mut self, max: u64) -> Replace<'m> {
        self.max = Some(max);
        self
    }

    /// Write only if each file has exactly `count` matches; otherwise
    /// nothing is written and the report names the files that did not.
    pub fn expect(mut self, count: u64) -> Replace<'m> {
        self.expect = Some(count);
        self
    }

    /// Writes only if the files named, all together, hold exactly `count`
    /// matches; otherwise nothing is written anywhere (see
    /// [`Report::refused_total`]).
    ///
    /// ```
    /// use mpatch::{Matcher, Replace, Replacement};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    /// std::fs::write(&a, "ERROR").unwrap();
    /// std::fs::write(&b, "ERROR").unwrap();
    /// let matcher = Matcher::literal(b"ERROR").unwrap();
    /// let fixed = Replacement::Table(vec![b"FIXED".to_vec()]);
    /// let report = Replace::new(&matcher, &fixed).expect_total(3).files(&[&a, &b]).unwrap();
    /// assert_eq!(report.refused_total, Some(2));
    /// assert_eq!(std::fs::read(&a).unwrap(), b"ERROR");
    /// ```
    pub fn expect_total(mut self, count: u64) -> Replace<'m> {
        self.expect_total = Some(count);
        self
    }

    /// Before the first byte changes, record every changed region in the
    /// journal at `path` (created; never overwritten) that
    /// [`crate::Undo`] reverts.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Replace<'m> {
        self.journal = Some(path.into());
        self
    }

    /// Count what would be replaced and write nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Replace<'m> {
        self.dry_run = dry_run;
        self
    }

    /// Whether each file is flushed to the disk before the run reports
    /// success (the default; `false` leaves it to the kernel, as `sed -i`).
    pub fn sync(mut self, sync: bool) -> Replace<'m> {
        self.sync = sync;
        self
    }

    /// How long to wait for another process's lock on a file.
    pub fn lock_timeout(mut self, timeout: Duration) -> Replace<'m> {
        self.lock_timeout = timeout;
        self
    }

    /// Whether block devices may be written.
    pub fn allow_device(mut self, allow: bool) -> Replace<'m> {
        self.allow_device = allow;
        self
    }

    /// How the scans run (see [`Settings`]).
    pub fn settings(mut self, settings: Settings) -> Replace<'m> {
        self.settings = settings;
        self
    }

    /// The most bytes a writer holds before it writes (tests make it small).
    pub fn buffer(mut self, bytes: usize) -> Replace<'m> {
        self.buffer = bytes.max(1);
        self
    }

    /// The fewest runs of changes in neighbouring blocks that a writer
    /// stores through a mapping of their stretch rather than writing each
    /// with `pwrite` (0: never; the default is 32). Either way only the
    /// changed bytes are written.
    pub fn stores(mut self, runs: usize) -> Replace<'m> {
        self.store_min = runs;
        self
    }

    pub(crate) fn plan(&self, len: u64) -> Plan<'m> {
        let (start, end) = self.range.resolve(len);
        Plan {
            matcher: self.matcher,
            replacement: Some(self.replacement),
            range: (start as usize, end as usize),
            nth: self.nth,
            max: self.max,
        }
    }

    /// The bytes of `hay` with every selected match replaced, each edit
    /// made from the bytes as they were (a regex's `\b` and captures
    /// included); the tally says what was found.
    ///
    /// ```
    /// use mpatch::{Matcher, Replace, Replacement};
    /// let matcher = Matcher::regex(br"\b([a-z])(-)", false).unwrap();
    /// let swap = Replacement::Expand(b"$2$1".to_vec());
    /// let (out, tally) = Replace::new(&matcher, &swap).bytes(b"a-b-c").unwrap();
    /// assert_eq!((out.as_slice(), tally.matches), (&b"-a-bc"[..], 2));
    /// ```
    pub fn bytes(&self, hay: &[u8]) -> Result<(Vec<u8>, Tally), Error> {
        /// A thread's edits, written into the copy at the end (the scan
        /// reads `hay`, never the copy).
        struct Apply<'o> {
            out: &'o std::sync::Mutex<Vec<u8>>,
            edits: Vec<(usize, Vec<u8>)>,
        }
        impl Sink for Apply<'_> {
            fn wants(&self) -> Wants {
                Wants::Edits
            }
            fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
                let new = edit.new.expect("a replace's edit");
                self.edits.push((edit.start, new.to_vec()));
                Ok(Flow::Go)
            }
            fn finish(&mut self, _: &Tally) -> Result<(), Error> {
                let mut out = crate::pool::lock(self.out);
                for (start, new) in self.edits.drain(..) {
                    out[start..start + new.len()].copy_from_slice(&new);
                }
                Ok(())
            }
        }
        let out = std::sync::Mutex::new(hay.to_vec());
        let make: &MakeSink = &|| {
            Box::new(Apply {
                out: &out,
                edits: Vec::new(),
            })
        };
        let tally = self.scan(hay, Sinks::PerThread(make))?;
        Ok((crate::pool::unpoison(out.into_inner()), tally))
    }

    /// Shows every edit of this replace in `hay` to `sinks` (one sink in
    /// file order, or one per thread of a split), writing nothing.
    pub fn scan(&self, hay: &[u8], sinks: Sinks) -> Result<Tally, Error> {
        let fault = || Error::file("bytes", "changed while being searched");
        let scan = Scan {
            name: "bytes",
            holes: None,
            settings: self.settings,
            meter: &(),
            fault: &fault,
        };
        scan::file(&self.plan(hay.len() as u64), &hay, sinks, scan)
    }

    /// The edits this replace would make in a stream (standard input, a
    /// pipe), shown to `sink` in bounded memory: the dry run of a stream,
    /// which cannot be written in place.
    pub fn scan_stream(
        &self,
        input: impl std::io::Read + Send + 'static,
        sink: &mut dyn Sink,
    ) -> Result<Tally, Error> {
        super::search::stream(self.plan(0), &self.range, input, sink, &self.settings)
    }

    /// Replaces in the files named: every file is opened, checked and
    /// locked before any is written, so one unusable file (or a guard that
    /// does not hold) stops the run with nothing changed.
    pub fn files(&self, paths: &[impl AsRef<Path>]) -> Result<Report, Error> {
        let paths: Vec<OsString> = paths
            .iter()
            .map(|p| p.as_ref().as_os_str().to_owned())
            .collect();
        self.files_watched(&paths, &mut ())
    }

    /// [`Replace::files`], showing the run to `watch` as it goes.
    pub fn files_watched(
        &self,
        paths: &[OsString],
        watch: &mut dyn Watch,
    ) -> Result<Report, Error> {
        let targets = self.open_all(paths)?;
        // The check phase: nothing is written until every file has passed
        // it. A guard needs the counts; a match that may lie in a hole
        // needs its blocks provided now, so that a full disk stops the run
        // here; a regex replacement's every expansion must be as long as
        // its match.
        let mut counts = Vec::with_capacity(targets.len());
        if self.expect.is_some()
            || self.expect_total.is_some()
            || self.checks_lengths()
            || targets.iter().any(|t| self.reserves(t))
        {
            for target in &targets {
                counts.push(self.check(target)?);
            }
        }
        let mut report = Report::default();
        if let Some(expected) = self.expect {
            for (target, &found) in targets.iter().zip(&counts) {
                if found != expected {
                    report.refused.push((target.path.clone(), found));
                }
            }
        }
        let total = counts.iter().sum::<u64>();
        if self.expect_total.is_some_and(|expected| expected != total) {
            report.refused_total = Some(total);
        }
        if !report.refused.is_empty() || report.refused_total.is_some() {
            return Ok(report);
        }
        let recorder = self.recorder()?;
        let mut written = Ok(());
        for (i, target) in targets.iter().enumerate() {
            let meter = watch.meter(&target.path, target.len());
            let counted = counts.get(i).copied();
            let patched = {
                // The printer comes first: a filter that borrows the watch
                // too (a review) is asked for only without one.
                let mut edits = watch.edits(&target.path);
                match edits.as_deref_mut() {
                    Some(edits) => {
                        let sinks = (Some(edits), None);
                        self.patch(target, recorder.as_ref(), counted, sinks, &*meter)
                    }
                    None => {
                        drop(edits);
                        let mut filter = watch.filter(&target.path);
                        let sinks = (None, filter.as_deref_mut());
                        self.patch(target, recorder.as_ref(), counted, sinks, &*meter)
                    }
                }
            };
            match patched {
                Ok(tally) => {
                    watch.done(&target.path, &tally);
                    report.matches += tally.matches;
                    report.files.push(FileReport {
                        path: target.path.clone(),
                        tally,
                    });
                }
                Err(error) => {
                    written = Err(error);
                    break;
                }
            }
        }
        // What was written is in the journal, which ends here.
        if let Some(recorder) = recorder {
            recorder.finish()?;
        }
        written.map(|()| report)
    }

    /// Opens every file, checks each and (for a real run) locks it.
    fn open_all(&self, paths: &[OsString]) -> Result<Vec<Target>, Error> {
        super::open_all(paths, self.dry_run, self.allow_device, self.lock_timeout)
    }

    /// The run's journal, if one is asked for (never for a dry run).
    pub(crate) fn recorder(&self) -> Result<Option<Recorder>, Error> {
        self.journal
            .as_ref()
            .filter(|_| !self.dry_run)
            .map(|path| Recorder::create(path))
            .transpose()
    }

    /// Whether a regex replacement's expansions must be checked for length
    /// before anything is written.
    pub(crate) fn checks_lengths(&self) -> bool {
        !self.replacement.same_length(self.matcher)
    }

    /// Whether the check pass provides blocks in `target`: a match may lie
    /// in a hole (it may hold a zero byte) and will be written.
    pub(crate) fn reserves(&self, target: &Target) -> bool {
        target.has_holes && self.matcher.may_match_zeros() && !self.dry_run
    }

    fn file_scan<'s>(
        &self,
        target: &'s Target,
        holes: &'s mut crate::io::target::FileHoles<'s>,
        meter: &'s dyn Meter,
        fault: &'s (dyn Fn() -> Error + Sync),
    ) -> Scan<'s> {
        Scan {
            name: &target.name,
            holes: target.has_holes.then_some(holes as _),
            settings: self.settings,
            meter,
            fault,
        }
    }

    /// The check pass of one file: every edit is made (a regex expansion's
    /// length checked), the blocks of matches in holes provided; otherwise
    /// matches are counted. Returns the file's matches.
    pub(crate) fn check(&self, target: &Target) -> Result<u64, Error> {
        let view = target.view_reading(self.settings.read_max)?;
        let reserve = self.reserves(target).then_some(target);
        let plan = self.plan(target.len());
        let mut holes = target.holes();
        let fault = || super::search::fault(target, &view);
        let scan = self.file_scan(target, &mut holes, &(), &fault);
        let tally = match reserve.is_some() || self.checks_lengths() {
            true => {
                let make: &MakeSink = &|| Box::new(Check(reserve));
                scan::file(&plan, &view, Sinks::PerThread(make), scan)?
            }
            false => scan::file(&plan, &view, Sinks::One(&mut Counter), scan)?,
        };
        Ok(tally.matches)
    }

    /// Whether `target` is binary, as a walk skips it: a NUL byte in its
    /// first 64 KiB, or near a match further on (found by a scan that
    /// writes nothing, before anything is written).
    pub(crate) fn is_binary(&self, target: &Target) -> Result<bool, Error> {
        Ok(matches!(self.look(target, true)?, Look::Binary))
    }

    /// Whether `target` is read, not mapped, to be scanned: a look at it
    /// costs one read, and a second scan of it little.
    pub(crate) fn reads(&self, target: &Target) -> bool {
        !target.is_device && target.len() <= self.settings.read_max
    }

    /// A look at `target` from one view of it, by a scan that writes
    /// nothing: binary, when `sniff` and [`Replace::is_binary`] says so,
    /// else its matches.
    pub(crate) fn look(&self, target: &Target, sniff: bool) -> Result<Look, Error> {
        use crate::output::sniff::{SNIFF_LEN, looks_binary};
        let view = target.view_reading(self.settings.read_max)?;
        if sniff && looks_binary(scan::View::bytes(&view)) {
            return Ok(Look::Binary);
        }
        let plan = self.plan(target.len());
        let mut holes = target.holes();
        let fault = || super::search::fault(target, &view);
        let scan = self.file_scan(target, &mut holes, &(), &fault);
        let mut guard = super::sinks::Binary::new(Counter);
        let sink: &mut dyn Sink = match sniff && target.len() > SNIFF_LEN as u64 {
            true => &mut guard,
            false => &mut guard.inner,
        };
        let tally = scan::file(&plan, &view, Sinks::One(sink), scan)?;
        Ok(match guard.found {
            Some(_) => Look::Binary,
            None => Look::Matches(tally.matches),
        })
    }

    /// Writes every replacement into `target` (a dry run: counts them),
    /// showing each edit to `edits` when given and writing only those that
    /// `filter` passes. `counted`: the matches a check pass found, which
    /// this pass must find again.
    pub(crate) fn patch(
        &self,
        target: &Target,
        journal: Option<&Recorder>,
        counted: Option<u64>,
        (edits, filter): (Option<&mut (dyn Sink + '_)>, Option<&mut (dyn Filter + '_)>),
        meter: &dyn Meter,
    ) -> Result<Tally, Error> {
        let view = target.view_reading(self.settings.read_max)?;
        let file = match (self.dry_run, journal) {
            (true, _) => None,
            (false, None) => Some(FileSink::new(target, None, self.buffer)),
            (false, Some(journal)) => Some(FileSink::new(
                target,
                Some(journal.section(target)?),
                self.buffer,
            )),
        }
        .map(|file| file.store_min(self.store_min));
        let plan = self.plan(target.len());
        let (fault, mut holes) = (|| super::search::fault(target, &view), target.holes());
        let scan = self.file_scan(target, &mut holes, meter, &fault);
        let scanned = match (&file, edits, filter) {
            (Some(file), None, None) => {
                let make: &MakeSink = &|| Box::new(Write(file.writer()));
                scan::file(&plan, &view, Sinks::PerThread(make), scan)
            }
            (None, None, None) => scan::file(&plan, &view, Sinks::One(&mut Counter), scan),
            (file, edits, filter) => {
                // One chain in file order: the printer, the filter, then
                // the writer (or the dry run's count), each held behind
                // what the ones before it still read.
                let mut last: Box<dyn Sink> = match file {
                    Some(file) => Box::new(Write(file.writer())),
                    None => Box::new(Counter),
                };
                if let Some(filter) = filter {
                    last = Box::new(Filtered(filter, last));
                }
                match edits {
                    Some(edits) => {
                        scan::file(&plan, &view, Sinks::One(&mut Tee(edits, last)), scan)
                    }
                    None => scan::file(&plan, &view, Sinks::One(&mut *last), scan),
                }
            }
        };
        let mut tally = match scanned {
            Ok(tally) => tally,
            Err(error) => {
                // What was written before the stop is flushed all the same.
                let Some(file) = &file else {
                    return Err(error);
                };
                if self.sync {
                    let _ = file.sync();
                }
                return Err(file.stopped(error));
            }
        };
        // A file with nothing written has nothing to wait for.
        tally.appended = match &file {
            Some(file) => file.finish(self.sync && tally.matches > 0)?,
            None => target.appended_after(&view)?,
        };
        tally.stored = file.as_ref().map_or(0, FileSink::stored);
        if let Some(counted) = counted
            && counted != tally.matches
        {
            return Err(target.problem(format!(
                "changed while being patched: {counted} matches counted, {} found when writing",
                tally.matches
            )));
        }
        Ok(tally)
    }
}
