//! `mpatch replace`: same-length replacement of every match, in place (a dry
//! run: counted), guarded by `--expect` and recorded by `--journal` before
//! the first byte changes. The work is the library's [`Replace`]; this
//! module prints it, and walks trees and lists.

use std::collections::HashSet;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use crate::api::replace::{Look, Replace, Watch};
use crate::engine::matcher::Matcher;
use crate::engine::scan::{Filter, Meter, Settings, Sink, Tally};
use crate::error::{Error, Outcome};
use crate::io::target::{Access, Identity, Target};
use crate::output::lines::LinePrinter;
use crate::output::progress::Progress;
use crate::output::review::{Asker, DiffPrinter, diff_path};
use crate::output::unidiff;
use crate::output::{self, HitStyle, Output, Printer};
use crate::pool::lock;

use super::files::{self, Files, Totals, Workers};
use super::plan::{Context, ProgressMode, ReplacePlan, Review};
use super::{Recorder, wants_sync};

pub fn run(args: &ReplacePlan) -> Result<Outcome, Error> {
    let started = Instant::now();
    let (matcher, replacement, selection) = (&args.matcher, &args.replacement, &args.select);
    let files = Files::new(args.files.clone(), &args.files_in)?;
    let mut workers = files.workers(&args.files_in);
    // One terminal asks about one change at a time, in order.
    let asker = match args.review {
        Review::Interactive { color } => {
            workers.threads = 1;
            Some(Mutex::new(Asker::open(color)?))
        }
        _ => None,
    };
    let mut replace = Replace::new(matcher, replacement)
        .range(selection.range)
        .dry_run(args.write.dry_run || args.review.is_dry())
        .sync(wants_sync(&args.write))
        .lock_timeout(args.write.lock_timeout)
        .allow_device(args.write.allow_device)
        .settings(Settings {
            read_max: crate::io::target::read_max(workers.threads),
            ..Settings::new()
        });
    replace.nth = selection.nth;
    replace.max = selection.max;
    replace.expect = args.expect;
    replace.expect_total = args.expect_total;
    replace.journal = args.write.journal.clone();
    let job = Job {
        args,
        replace,
        matcher,
        style: HitStyle {
            show_name: files.several(),
            hex_offsets: args.report.hex_offsets,
            json: args.report.json,
            context: matches!(args.report.context, Context::Bytes(_)),
            null: args.files_in.null,
            color: args.report.color,
        },
        many: files.is_many(),
        // Bars of files worked on at once would draw over each other, and
        // over the questions of a review.
        progress: match (&files, workers.threads) {
            _ if asker.is_some() => ProgressMode::Never,
            (Files::Named(_), _) | (_, 1) => args.report.progress,
            _ => ProgressMode::Never,
        },
        asker,
        binary_skipped: AtomicU64::new(0),
        diff_changes: AtomicU64::new(0),
    };
    match files {
        Files::Named(files) => job.named(&files),
        many => job.many(many, workers, started),
    }
}

/// What every file of a replace gets, and how it is shown.
struct Job<'a> {
    args: &'a ReplacePlan,
    replace: Replace<'a>,
    matcher: &'a Matcher,
    style: HitStyle,
    /// A walk or a list: files without a match print nothing.
    many: bool,
    progress: ProgressMode,
    /// `-I`: the terminal and the answers so far.
    asker: Option<Mutex<Asker>>,
    /// Binary files a walk met and skipped.
    binary_skipped: AtomicU64,
    /// `--diff`: edits that change a byte (exit 0 if any, else 1).
    diff_changes: AtomicU64,
}

/// A file of a walk or list as the check phase found it: it is written
/// later only if it is still the same file, unchanged.
struct Checked {
    seq: u64,
    path: PathBuf,
    identity: Identity,
    len: u64,
    modified: Option<SystemTime>,
    matches: u64,
}

fn modified(target: &Target) -> Option<SystemTime> {
    target.file.metadata().and_then(|m| m.modified()).ok()
}

/// The command line's view of a replace of named files: each change as the
/// printer shows it, a bar for a large file, a line for each file.
struct Shown<'j, 'o> {
    job: &'j Job<'j>,
    out: &'o mut Output,
    started: Instant,
    asker: Option<std::sync::MutexGuard<'j, Asker>>,
}

impl Watch for Shown<'_, '_> {
    fn edits<'w>(&'w mut self, path: &'w Path) -> Option<Box<dyn Sink + 'w>> {
        self.started = Instant::now();
        self.job.edits(self.out, path)
    }

    fn filter<'w>(&'w mut self, path: &'w Path) -> Option<Box<dyn Filter + 'w>> {
        let asker = self.asker.as_deref_mut()?;
        Some(Box::new(asker.file(path)))
    }

    fn meter(&self, path: &Path, len: u64) -> Box<dyn Meter> {
        let label = path.display().to_string();
        Box::new(Progress::new(self.job.progress, len, &label))
    }

    fn done(&mut self, path: &Path, tally: &Tally) {
        let asked = self
            .asker
            .as_deref()
            .map(|a| (a.file_accepted, a.file_skipped));
        self.job.report(self.out, path, tally, self.started, asked);
    }
}

impl Job<'_> {
    /// The sink that shows each change of the file at `path`, if any: the
    /// printer (context, JSON) or the diff.
    fn edits<'o, W: Write>(
        &'o self,
        out: &'o mut Output<W>,
        path: &'o Path,
    ) -> Option<Box<dyn Sink + 'o>> {
        if let Review::Diff { context } = self.args.review {
            let options = unidiff::Options {
                context,
                color: self.style.color,
            };
            let changes = &self.diff_changes;
            let printer = DiffPrinter::new(out, diff_path(path), options, changes);
            return Some(Box::new(printer));
        }
        let report = &self.args.report;
        if report.quiet {
            return None;
        }
        if let (Context::Lines { before, after }, false) = (report.context, self.style.json) {
            let lines = LinePrinter::new(out, self.style, path, (before, after), true);
            return Some(Box::new(lines));
        }
        let mut printer = Printer::new(out, self.style, path);
        printer.each = self.style.json || self.style.context;
        if let Context::Bytes(bytes) = report.context {
            printer.context = bytes;
        }
        printer
            .each
            .then(|| Box::new(printer) as Box<dyn Sink + 'o>)
    }

    /// Files named on the command line: every file is opened, checked and
    /// locked before any is written, so one unusable file stops the run
    /// with nothing changed.
    fn named(&self, files: &[std::ffi::OsString]) -> Result<Outcome, Error> {
        let mut out = Output::stdout();
        let mut shown = Shown {
            job: self,
            out: &mut out,
            started: Instant::now(),
            asker: self.asker.as_ref().map(lock),
        };
        let report = self.replace.files_watched(files, &mut shown);
        let accepted = shown.asker.as_deref().map(Asker::accepted);
        drop(shown);
        let report = match report {
            Ok(report) => report,
            Err(error) => {
                out.flush();
                return Err(super::names_r(error));
            }
        };
        if let Some(expected) = self.args.expect {
            for (path, found) in &report.refused {
                crate::say!(
                    "{}: {found} matches, --expect {expected}; no file written",
                    path.display()
                );
            }
        }
        if let (Some(expected), Some(total)) = (self.args.expect_total, report.refused_total) {
            crate::say!("{total} matches in all, --expect-total {expected}; no file written");
        }
        let refused = !report.refused.is_empty() || report.refused_total.is_some();
        let written = match self.args.review {
            Review::Diff { .. } => self.diff_changes.load(Ordering::Relaxed),
            _ => accepted.unwrap_or(report.matches),
        };
        out.finish(if !refused && written > 0 {
            Outcome::Done
        } else {
            Outcome::NothingDone
        })
    }

    /// A walk or a list: each file is checked, locked and patched on its
    /// own, in parallel; a file that cannot be used is reported and the
    /// others go on. A guard or a journal first counts (and records) every
    /// file, writing none; the journal is complete and on the disk before
    /// the first byte of any file changes.
    fn many(&self, files: Files, workers: Workers, started: Instant) -> Result<Outcome, Error> {
        let args = self.args;
        let mut out = Output::stdout();
        let seen = Mutex::new(HashSet::new());
        let guarded = args.expect.is_some() || args.expect_total.is_some();
        let recorder = self.replace.recorder()?;
        if let Some(recorder) = &recorder
            && let Ok(meta) = std::fs::metadata(recorder.path())
        {
            // The journal holds the old bytes: a walk that meets it
            // passes it over, as if already taken.
            lock(&seen).insert((meta.dev(), meta.ino()));
        }
        let journal = recorder.as_ref();
        let ran = if guarded {
            self.check_each(&mut out, files, workers, &seen)
                .and_then(
                    |(searched, checked)| match self.refusal(&searched, &checked) {
                        Some(outcome) => Ok(Err(outcome)),
                        None => self
                            .write_checked(&mut out, checked, workers, journal)
                            .map(|written| Ok((searched, written))),
                    },
                )
        } else {
            self.patch_each(&mut out, files, workers, &seen, journal)
                .map(|patched| {
                    Ok((
                        patched,
                        Totals {
                            failed: 0,
                            ..patched
                        },
                    ))
                })
        };
        // The journal holds what was written, whatever happened since.
        if let Some(recorder) = recorder {
            recorder.finish()?;
        }
        let (searched, written) = match ran? {
            Ok(totals) => totals,
            Err(outcome) => return out.finish(outcome),
        };
        let failed = searched.failed + written.failed;
        let diff = matches!(args.review, Review::Diff { .. });
        if !args.report.quiet && !diff {
            let totals = Totals { failed, ..searched };
            if args.report.json {
                let mut total = files::total_json(
                    &totals,
                    Some(written.matched),
                    started.elapsed().as_millis(),
                );
                total.matches = written.matches;
                total.dry_run = Some(args.write.dry_run);
                total.files_binary_skipped = self.binary_skipped.load(Ordering::Relaxed);
                out.json(&total);
            } else {
                out.line(self.total_line(&totals, &written));
            }
        }
        let changed = match diff {
            true => self.diff_changes.load(Ordering::Relaxed) > 0,
            false => written.matched > 0,
        };
        out.finish(if failed > 0 {
            Outcome::Failed
        } else if changed {
            Outcome::Done
        } else {
            Outcome::NothingDone
        })
    }

    /// Patches each file of a walk or list on its own.
    fn patch_each(
        &self,
        out: &mut Output,
        files: Files,
        workers: Workers,
        seen: &Mutex<HashSet<(u64, u64)>>,
        journal: Option<&Recorder>,
    ) -> Result<Totals, Error> {
        let write = &self.args.write;
        files::each(out, files.paths(), workers, |_, entry, out| {
            // After `q`, nothing more is asked or written.
            if self.asker.as_ref().is_some_and(|a| lock(a).stopped()) {
                return Ok(None);
            }
            let Some((target, cannot_write)) = self.open(seen, &entry.path)? else {
                return Ok(None);
            };
            // A small file (most of a tree's) is looked at once before it
            // is locked: one without a match is neither locked nor read
            // again, and prints nothing (one of many).
            if self.many && journal.is_none() && self.replace.reads(&target) {
                let sniff = entry.walked && !self.args.files_in.binary;
                match self.replace.look(&target, sniff)? {
                    Look::Binary => {
                        self.binary_skipped.fetch_add(1, Ordering::Relaxed);
                        return Ok(None);
                    }
                    Look::Matches(0) => return Ok(Some(0)),
                    Look::Matches(_) => {}
                }
                if let Some(error) = cannot_write {
                    return Err(error);
                }
            } else {
                if self.skips_binary(&target, entry.walked)? {
                    return Ok(None);
                }
                if let Some(error) = cannot_write {
                    // A file that cannot be written is no error unless
                    // there is something to write.
                    return match self.replace.check(&target)? {
                        0 => Ok(Some(0)),
                        _ => Err(error),
                    };
                }
            }
            if !write.dry_run {
                target.lock(write.lock_timeout)?;
            }
            self.patch_locked(&target, out, journal, None).map(Some)
        })
    }

    /// The check phase of a walk or list: counts every file, writing none;
    /// returns the files with a match.
    fn check_each(
        &self,
        out: &mut Output,
        files: Files,
        workers: Workers,
        seen: &Mutex<HashSet<(u64, u64)>>,
    ) -> Result<(Totals, Vec<Checked>), Error> {
        let checked = Mutex::new(Vec::new());
        let searched = files::each(out, files.paths(), workers, |seq, entry, _| {
            let Some((target, cannot_write)) = self.open(seen, &entry.path)? else {
                return Ok(None);
            };
            if self.skips_binary(&target, entry.walked)? {
                return Ok(None);
            }
            let path = entry.path;
            let matches = self.replace.check(&target)?;
            if matches == 0 {
                return Ok(Some(0));
            }
            if let Some(error) = cannot_write {
                return Err(error);
            }
            lock(&checked).push(Checked {
                seq,
                path,
                identity: target.identity,
                len: target.len(),
                modified: modified(&target),
                matches,
            });
            Ok(Some(matches))
        })?;
        let mut checked = crate::pool::unpoison(checked.into_inner());
        checked.sort_by_key(|file| file.seq);
        Ok((searched, checked))
    }

    /// The write phase after [`Job::check_each`]: patches each file with a
    /// match that is still the file that was counted.
    fn write_checked(
        &self,
        out: &mut Output,
        checked: Vec<Checked>,
        workers: Workers,
        journal: Option<&Recorder>,
    ) -> Result<Totals, Error> {
        files::each(out, checked.into_iter().map(Ok), workers, |_, file, out| {
            let target = self.open_to_write(&file.path)?;
            if target.identity != file.identity
                || target.len() != file.len
                || modified(&target) != file.modified
            {
                return Err(target.problem("changed since it was counted; not written"));
            }
            self.patch_locked(&target, out, journal, Some(file.matches))
                .map(Some)
        })
    }

    /// `N files searched, M matched, K patched, T replaced`.
    fn total_line(&self, searched: &Totals, written: &Totals) -> String {
        let files = |n: u64| if n == 1 { "file" } else { "files" };
        let would = if self.args.write.dry_run {
            "would be "
        } else {
            ""
        };
        let mut line = format!(
            "{} {} searched, {} matched, {} {would}patched, {} {would}replaced",
            searched.files,
            files(searched.files),
            searched.matched,
            written.matched,
            written.matches
        );
        if let Some(asker) = &self.asker {
            line.push_str(&format!(", {} skipped", lock(asker).skipped()));
        }
        let binary = self.binary_skipped.load(Ordering::Relaxed);
        if binary > 0 {
            let files = plural(binary, "file", "files");
            line.push_str(&format!(", {binary} binary {files} skipped"));
        }
        if searched.failed > 0 {
            line.push_str(&format!(", {} failed", searched.failed));
        }
        line
    }

    /// Opens a file of a walk or list to patch it: for writing (reading,
    /// for a dry run), or else for reading, with the reason it cannot be
    /// written, which counts only if the file has a match. `None`: the
    /// file was already taken under another name (a hard link).
    fn open(
        &self,
        seen: &Mutex<HashSet<(u64, u64)>>,
        path: &Path,
    ) -> Result<Option<(Target, Option<Error>)>, Error> {
        let write = &self.args.write;
        let (target, cannot_write) = match write.dry_run {
            true => (Target::open(path.as_os_str(), Access::Read, true)?, None),
            false => match Target::open(path.as_os_str(), Access::Write, write.allow_device) {
                Ok(target) => (target, None),
                Err(error) => (
                    Target::open(path.as_os_str(), Access::Read, true)?,
                    Some(error),
                ),
            },
        };
        let mut seen = lock(seen);
        if !seen.insert((target.identity.dev, target.identity.ino)) {
            return Ok(None);
        }
        Ok(Some((target, cannot_write)))
    }

    /// Whether `target`, found by a walk when `walked`, is a binary file
    /// the walk skips (counted).
    fn skips_binary(&self, target: &Target, walked: bool) -> Result<bool, Error> {
        if !walked || self.args.files_in.binary || !self.replace.is_binary(target)? {
            return Ok(false);
        }
        self.binary_skipped.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }

    /// Opens and (unless a dry run) locks a file the check phase counted.
    fn open_to_write(&self, path: &Path) -> Result<Target, Error> {
        let write = &self.args.write;
        let access = if write.dry_run {
            Access::Read
        } else {
            Access::Write
        };
        let target = Target::open(path.as_os_str(), access, write.allow_device)?;
        if !write.dry_run {
            target.lock(write.lock_timeout)?;
        }
        Ok(target)
    }

    /// Why the check phase of a walk or list stops the run, if it does: a
    /// guard needs every file counted, and its counts to hold.
    fn refusal(&self, searched: &Totals, checked: &[Checked]) -> Option<Outcome> {
        let args = self.args;
        if (args.expect.is_some() || args.expect_total.is_some()) && searched.failed > 0 {
            crate::say!("not every file could be counted; no file written");
            return Some(Outcome::Failed);
        }
        let counts: Vec<(&Path, u64)> = checked
            .iter()
            .map(|file| (file.path.as_path(), file.matches))
            .collect();
        (!self.guards_hold(&counts)).then_some(Outcome::NothingDone)
    }

    /// Checks the guards on the counts of the files with a match, naming
    /// each file that fails `--expect` on stderr.
    fn guards_hold(&self, counts: &[(&Path, u64)]) -> bool {
        let args = self.args;
        let mut holds = true;
        if let Some(expected) = args.expect {
            for &(path, found) in counts.iter().filter(|&&(_, found)| found != expected) {
                crate::say!(
                    "{}: {found} matches, --expect {expected}; no file written",
                    path.display()
                );
                holds = false;
            }
        }
        let total: u64 = counts.iter().map(|&(_, found)| found).sum();
        if let Some(expected) = args.expect_total
            && total != expected
        {
            crate::say!("{total} matches in all, --expect-total {expected}; no file written");
            holds = false;
        }
        holds
    }

    /// Checks (when a hole or a regex needs it) and patches one locked
    /// file of a walk or list; returns the changes written (or that a dry
    /// run would write).
    fn patch_locked<W: Write>(
        &self,
        target: &Target,
        out: &mut Output<W>,
        journal: Option<&Recorder>,
        counted: Option<u64>,
    ) -> Result<u64, Error> {
        let counted = match self.replace.checks_lengths() || self.replace.reserves(target) {
            true => Some(self.replace.check(target)?),
            false => counted,
        };
        self.patch(target, out, journal, counted)
    }

    /// Patches one file of a walk or list, printing it; returns the
    /// changes written.
    fn patch<W: Write>(
        &self,
        target: &Target,
        out: &mut Output<W>,
        journal: Option<&Recorder>,
        counted: Option<u64>,
    ) -> Result<u64, Error> {
        let started = Instant::now();
        let progress = Progress::new(self.progress, target.len(), &target.name);
        let mut asker = self.asker.as_ref().map(lock);
        let mut edits = self.edits(out, &target.path);
        let mut asking = asker.as_deref_mut().map(|a| a.file(&target.path));
        let sinks = (
            edits.as_deref_mut(),
            asking.as_mut().map(|a| a as &mut dyn Filter),
        );
        let tally = self
            .replace
            .patch(target, journal, counted, sinks, &progress)?;
        drop((edits, asking, progress));
        let asked = asker.as_deref().map(|a| (a.file_accepted, a.file_skipped));
        self.report(out, &target.path, &tally, started, asked);
        Ok(asked.map_or(tally.matches, |(accepted, _)| accepted))
    }

    /// The line (or JSON summary) of one file; `asked`: the changes
    /// accepted and skipped at the terminal.
    fn report<W: Write>(
        &self,
        out: &mut Output<W>,
        path: &Path,
        tally: &Tally,
        started: Instant,
        asked: Option<(u64, u64)>,
    ) {
        let (args, style) = (self.args, self.style);
        let diff = matches!(args.review, Review::Diff { .. });
        if args.report.quiet || diff || (self.many && tally.matches == 0) {
            return;
        }
        if style.json {
            let mut summary = output::summary(
                path,
                tally,
                self.matcher.patterns(),
                started.elapsed().as_millis(),
            );
            summary.dry_run = Some(args.write.dry_run);
            out.json(&summary);
            return;
        }
        let verb = match args.write.dry_run {
            true => "would be replaced",
            false => "replaced",
        };
        style.name(out, path);
        let done = match asked {
            Some((accepted, skipped)) => format!("{accepted} {verb}, {skipped} skipped"),
            None => format!("{} {verb}", tally.matches),
        };
        match tally.appended {
            0 => out.line(format_args!(" {done}")),
            n => out.line(format_args!(
                " {done} ({n} {} appended during the run, not searched)",
                plural(n, "byte", "bytes")
            )),
        }
    }
}

/// `n` and the word for one or for several.
pub fn plural(n: u64, one: &str, several: &str) -> String {
    match n {
        1 => one.to_string(),
        _ => several.to_string(),
    }
}
