//! `mpatch replace`: same-length replacement of every match, in place, or
//! on a private copy-on-write mapping for a dry run; guarded by `--expect`
//! and recorded by `--journal` before the first byte changes.

use std::collections::HashSet;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use crate::cli::{ProgressMode, ReplaceArgs};
use crate::engine::matcher::{Matcher, Replacement};
use crate::engine::pass::{self, Count, Hit, Plan, Sink, Tally};
use crate::error::{Error, Outcome};
use crate::io::map::Mapping;
use crate::io::target::{Access, Identity, Target};
use crate::output::progress::Progress;
use crate::output::{self, HitStyle, Output, Printer};

use super::files::{self, Files, Totals, Workers};
use super::{Recorder, Selection, open_all, patterns, wants_sync};

pub fn run(args: &ReplaceArgs) -> Result<Outcome, Error> {
    let started = Instant::now();
    let (matcher, replacement, files) = patterns::for_replace(args)?;
    let selection = Selection::parse(&args.select)?;
    let files = Files::new(files, &args.files_in)?;
    let workers = files.workers(&args.files_in);
    let job = Job {
        args,
        matcher: &matcher,
        replacement: &replacement,
        selection: &selection,
        style: HitStyle {
            show_name: files.several(),
            hex_offsets: args.report.hex_offsets,
            json: args.report.json,
            context: args.report.context.is_some(),
            null: args.files_in.null,
            color: args.report.colored(),
        },
        check_lengths: !matcher.same_length(&replacement),
        many: files.is_many(),
        // Bars of files worked on at once would draw over each other.
        progress: match (&files, workers.threads) {
            (Files::Named(_), _) | (_, 1) => args.report.progress,
            _ => ProgressMode::Never,
        },
    };
    match files {
        Files::Named(files) => job.named(&files),
        many => job.many(many, workers, started),
    }
}

/// What every file of a replace gets, and how it is shown.
struct Job<'a> {
    args: &'a ReplaceArgs,
    matcher: &'a Matcher,
    replacement: &'a Replacement,
    selection: &'a Selection,
    style: HitStyle,
    /// Whether a regex replacement's expansions must be checked for length.
    check_lengths: bool,
    /// A walk or a list: files without a match print nothing.
    many: bool,
    progress: ProgressMode,
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

/// A lock whose holder may have panicked: what it guards is whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn modified(target: &Target) -> Option<SystemTime> {
    target.file.metadata().and_then(|m| m.modified()).ok()
}

impl Job<'_> {
    fn plan(&self, target: &Target) -> Plan<'_> {
        Plan {
            matcher: self.matcher,
            replacement: Some(self.replacement),
            range: self.selection.range_in(target),
            nth: self.selection.nth,
            max: self.selection.max,
            context: self.args.report.context.unwrap_or(0),
        }
    }

    /// Files named on the command line: every file is opened, checked and
    /// locked before any is written, so one unusable file stops the run
    /// with nothing changed.
    fn named(&self, files: &[std::ffi::OsString]) -> Result<Outcome, Error> {
        let args = self.args;
        let targets = open_all(files, &args.write)?;
        // The check phase: nothing is written until every file has passed
        // it. A guard needs the counts; a match that may lie in a hole
        // needs its blocks provided now, so that a full disk stops the run
        // here; a regex replacement's every expansion must be as long as
        // its match.
        let guarded = args.expect.is_some() || args.expect_total.is_some();
        let mut counts = Vec::with_capacity(targets.len());
        if guarded || self.check_lengths || targets.iter().any(|target| self.reserves(target)) {
            for target in &targets {
                counts.push((target.path.as_path(), self.check(target)?));
            }
            if !self.guards_hold(&counts) {
                return Ok(Outcome::NothingDone);
            }
        }
        let recorder = self.recorder()?;
        let mut out = Output::stdout();
        // The write phase is the one loop over files that walks and lists
        // use too; the all-or-nothing policy of named files is its order
        // (as named) and its stop at the first file that fails.
        let workers = Workers {
            threads: 1,
            ordered: true,
            stops_at_error: true,
            ..Workers::default()
        };
        let items = targets
            .iter()
            .enumerate()
            .map(|(i, target)| Ok((target, counts.get(i).map(|&(_, n)| n))));
        let written = files::each(&mut out, items, workers, |_, (target, counted), out| {
            self.patch(target, out, recorder.as_ref(), counted)
                .map(|tally| Some(tally.matches))
        });
        // What was written is in the journal, which ends here.
        if let Some(recorder) = recorder {
            recorder.finish()?;
        }
        let written = written?;
        out.finish(if written.failed > 0 {
            Outcome::Failed
        } else if written.matches > 0 {
            Outcome::Done
        } else {
            Outcome::NothingDone
        })
    }

    /// The run's journal, if one is asked for (never for a dry run).
    fn recorder(&self) -> Result<Option<Recorder>, Error> {
        let write = &self.args.write;
        write
            .journal
            .as_ref()
            .filter(|_| !write.dry_run)
            .map(|path| Recorder::create(path))
            .transpose()
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
        let recorder = self.recorder()?;
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
        if !args.report.quiet {
            let totals = Totals { failed, ..searched };
            if args.report.json {
                let mut total = files::total_json(
                    &totals,
                    Some(written.matched),
                    started.elapsed().as_millis(),
                );
                total.matches = written.matches;
                total.dry_run = Some(args.write.dry_run);
                out.json(&total);
            } else {
                out.line(self.total_line(&totals, &written));
            }
        }
        out.finish(if failed > 0 {
            Outcome::Failed
        } else if written.matched > 0 {
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
        files::each(out, files.paths(), workers, |_, path, out| {
            let Some((target, cannot_write)) = self.open(seen, &path)? else {
                return Ok(None);
            };
            if let Some(error) = cannot_write {
                // A file that cannot be written is no error unless there
                // is something to write.
                return match self.check(&target)? {
                    0 => Ok(Some(0)),
                    _ => Err(error),
                };
            }
            if !write.dry_run {
                target.lock(write.lock_timeout)?;
            }
            self.patch_locked(&target, out, journal, None)
                .map(|tally| Some(tally.matches))
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
        let searched = files::each(out, files.paths(), workers, |seq, path, _| {
            let Some((target, cannot_write)) = self.open(seen, &path)? else {
                return Ok(None);
            };
            let matches = self.check(&target)?;
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
        let mut checked = checked.into_inner().unwrap_or_else(|e| e.into_inner());
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
                .map(|tally| Some(tally.matches))
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

    /// Whether the check pass provides blocks in `target`: a match may lie
    /// in a hole (it may hold a zero byte) and will be written.
    fn reserves(&self, target: &Target) -> bool {
        target.has_holes && self.matcher.may_match_zeros() && !self.args.write.dry_run
    }

    /// The check pass of one file (see `named`); returns its matches.
    fn check(&self, target: &Target) -> Result<u64, Error> {
        let view = target.view()?;
        let reserve = self.reserves(target);
        let mut check = Check {
            target,
            reserve,
            lengths: self
                .check_lengths
                .then_some((self.matcher, self.replacement, &view)),
            with: Vec::new(),
        };
        let sink: &mut dyn Sink = match reserve || self.check_lengths {
            true => &mut check,
            false => &mut Count,
        };
        let read_only = Plan {
            context: 0,
            ..self.plan(target)
        };
        Ok(pass::run(target, &view, &read_only, sink, None, &Progress::none())?.matches)
    }

    /// Checks (when a hole or a regex needs it) and patches one locked
    /// file of a walk or list.
    fn patch_locked<W: Write>(
        &self,
        target: &Target,
        out: &mut Output<W>,
        journal: Option<&Recorder>,
        counted: Option<u64>,
    ) -> Result<Tally, Error> {
        let counted = match self.check_lengths || self.reserves(target) {
            true => Some(self.check(target)?),
            false => counted,
        };
        self.patch(target, out, journal, counted)
    }

    /// Writes every replacement into `target` (a dry run: counts them),
    /// reporting each match and then the file's line. `counted`: the
    /// matches a check pass found, which this pass must find again.
    fn patch<W: Write>(
        &self,
        target: &Target,
        out: &mut Output<W>,
        journal: Option<&Recorder>,
        counted: Option<u64>,
    ) -> Result<Tally, Error> {
        let (args, style) = (self.args, self.style);
        let started = Instant::now();
        let view = target.view()?;
        let mut bytes = super::byte_sink(target, args.write.dry_run, journal)?;
        let progress = Progress::new(self.progress.into(), target.len(), &target.name);
        let mut printer = Printer {
            out,
            style,
            path: &target.path,
            each: !args.report.quiet && (style.json || style.context),
            stops_when_closed: false,
        };
        let tally = pass::run(
            target,
            &view,
            &self.plan(target),
            &mut printer,
            Some(&mut bytes),
            &progress,
        )?;
        // A file with nothing written has nothing to wait for.
        let mut tally = tally;
        tally.appended = bytes.finish(wants_sync(&args.write) && tally.matches > 0)?;
        drop(progress);
        if let Some(counted) = counted
            && counted != tally.matches
        {
            return Err(target.problem(format!(
                "changed while being patched: {counted} matches counted, {} found when writing",
                tally.matches
            )));
        }
        if args.report.quiet || (self.many && tally.matches == 0) {
            return Ok(tally);
        }
        if style.json {
            let mut summary = output::summary(
                &target.path,
                &tally,
                self.matcher.patterns(),
                started.elapsed().as_millis(),
            );
            summary.dry_run = Some(args.write.dry_run);
            out.json(&summary);
        } else {
            let verb = match args.write.dry_run {
                true => "would be replaced",
                false => "replaced",
            };
            style.name(out, &target.path);
            match tally.appended {
                0 => out.line(format_args!(" {} {verb}", tally.matches)),
                n => out.line(format_args!(
                    " {} {verb} ({n} bytes appended during the run, not searched)",
                    tally.matches
                )),
            }
        }
        Ok(tally)
    }
}

/// The sink of the check pass: provides the blocks of every match that
/// lies in a hole of a sparse file, and checks that every expansion of a
/// regex replacement is as long as its match.
struct Check<'a> {
    target: &'a Target,
    reserve: bool,
    lengths: Option<(&'a Matcher, &'a Replacement, &'a Mapping)>,
    with: Vec<u8>,
}

impl Sink for Check<'_> {
    fn wants_hits(&self) -> bool {
        true
    }

    fn hit(&mut self, hit: &Hit) -> Result<bool, Error> {
        if let Some((matcher, replacement, view)) = self.lengths {
            let new = matcher.replacement(replacement, view.bytes(), hit.found(), &mut self.with);
            if new.len() != hit.len {
                return Err(self.target.problem(format!(
                    "the replacement at offset {} is {} bytes but the match is {} bytes; they must be the same length; nothing written",
                    hit.offset,
                    new.len(),
                    hit.len
                )));
            }
        }
        if self.reserve {
            self.target.reserve(hit.offset as u64, hit.len as u64)?;
        }
        Ok(true)
    }
}
