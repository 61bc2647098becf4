//! The files of a find or replace (those named, or trees and lists of
//! names) and the one loop that works on many of them in parallel.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use super::plan::FileOptions;
use crate::error::{Error, Scope};
use crate::io::walk::{self, Entry, List, Paths, WalkOptions};
use crate::output::Output;
use crate::output::json;
use crate::output::turns::{Part, Shared};
use crate::pool::{self, MAX_THREADS};

/// Where a run's files come from.
pub enum Files {
    /// Files named on the command line: a write checks and locks them all
    /// before it writes any.
    Named(Vec<OsString>),
    /// A walk (`-r`) or a list (`--files-from`): each file on its own.
    Many(Box<Paths>),
}

impl Files {
    pub fn new(named: Vec<OsString>, args: &FileOptions) -> Result<Files, Error> {
        if !args.recursive && args.files_from.is_none() {
            return Ok(Files::Named(named));
        }
        let list = args
            .files_from
            .as_deref()
            .map(|path| List::open(path, args.null))
            .transpose()?;
        let walk = match args.recursive {
            true => Some(WalkOptions {
                hidden: args.hidden,
                no_ignore: args.no_ignore,
                follow: args.follow,
                globs: walk::globs(&args.globs).map_err(|e| Error::argument("--glob", e))?,
                max_depth: args.max_depth,
            }),
            false => None,
        };
        let roots = named.into_iter().map(PathBuf::from).collect();
        Ok(Files::Many(Box::new(Paths::new(
            roots,
            list,
            walk,
            args.sort_by_path,
        )?)))
    }

    pub fn is_many(&self) -> bool {
        matches!(self, Files::Many(_))
    }

    /// Whether there may be more than one file, so lines name theirs.
    pub fn several(&self) -> bool {
        match self {
            Files::Named(files) => files.len() > 1,
            Files::Many(_) => true,
        }
    }

    /// The loop over these files: named files print in the order named.
    pub fn workers(&self, args: &FileOptions) -> Workers {
        let threads = args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_THREADS)
        });
        match self {
            Files::Named(files) => Workers {
                threads: threads.min(files.len()).max(1),
                ordered: true,
                ..Workers::default()
            },
            Files::Many(paths) => Workers {
                threads,
                ordered: args.sort_by_path,
                batch: match paths.has_list() {
                    true => 1,
                    false => WALK_BATCH,
                },
                ..Workers::default()
            },
        }
    }

    /// Every path, in order, each saying whether a walk found it.
    pub fn paths(self) -> Box<dyn Iterator<Item = Result<Entry, Error>> + Send> {
        match self {
            Files::Named(files) => Box::new(files.into_iter().map(|file| {
                Ok(Entry {
                    path: PathBuf::from(file),
                    walked: false,
                })
            })),
            Files::Many(paths) => Box::new(paths),
        }
    }
}

/// Paths of a walk taken at once by the worker that finds few left: a
/// batch's walk costs about one small file's search.
const WALK_BATCH: usize = 64;

/// How [`each`] works through its files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Workers {
    /// Files worked on at once.
    pub threads: usize,
    /// Whether files print in the order they come (else as they finish).
    pub ordered: bool,
    /// Whether a closed stdout ends the run (find) or not (replace, which
    /// its output never cuts short).
    pub stops_when_closed: bool,
    /// Whether the first match ends the run (`find -q`).
    pub stops_at_match: bool,
    /// Whether the first file that fails ends the run (the files named for
    /// a replace: all or nothing).
    pub stops_at_error: bool,
    /// Paths a worker takes from a walk at once for all (1: a list, whose
    /// next name may be slow to come from a pipe).
    pub batch: usize,
}

/// What [`each`] did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Files worked on to the end.
    pub files: u64,
    /// Of these, the files with a match.
    pub matched: u64,
    pub matches: u64,
    /// Files that could not be used; each was reported.
    pub failed: u64,
}

/// Works on every item on `workers.threads` threads, each taking the next
/// item when done with one, so a run holds at most that many files open
/// however many there are. `work` gets the item's number, the item and the
/// file's share of `out`; it returns the file's matches, or `None` for a
/// file passed over. A file's error is printed after its output and the
/// others go on; an error of the run stops every thread after its file,
/// and is returned.
pub fn each<T, I, F>(out: &mut Output, items: I, workers: Workers, work: F) -> Result<Totals, Error>
where
    T: Send,
    I: Iterator<Item = Result<T, Error>> + Send,
    F: Fn(u64, T, &mut Output<Part>) -> Result<Option<u64>, Error> + Sync,
{
    let feed = pool::Feed::new(items, workers.batch);
    let shared = Shared::new(out, workers.ordered);
    let [files, matched, matches, failed] = [(); 4].map(|()| AtomicU64::new(0));
    pool::run(workers.threads, |stop| {
        while !stop.is_set() {
            shared.room();
            // Numbered in the order they come: the walk's, the list's.
            let Some((seq, item)) = feed.next() else {
                break;
            };
            let mut part = Output::new(shared.part(seq));
            let result = item.and_then(|item| work(seq, item, &mut part));
            let part = part.into_inner();
            match result {
                Ok(found) => {
                    part.finish(None);
                    if let Some(n) = found {
                        files.fetch_add(1, Ordering::Relaxed);
                        matched.fetch_add(u64::from(n > 0), Ordering::Relaxed);
                        matches.fetch_add(n, Ordering::Relaxed);
                        if n > 0 && workers.stops_at_match {
                            stop.set();
                        }
                    }
                }
                Err(error) if error.scope() == Scope::File => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    part.finish(Some(error.to_string()));
                    if workers.stops_at_error {
                        stop.set();
                    }
                }
                // An error of the run ends it: the pool stops the others.
                Err(error) => {
                    part.finish(None);
                    return Err(error);
                }
            }
            if workers.stops_when_closed && !shared.is_open() {
                stop.set();
            }
        }
        Ok(())
    })?;
    Ok(Totals {
        files: files.into_inner(),
        matched: matched.into_inner(),
        matches: matches.into_inner(),
        failed: failed.into_inner(),
    })
}

/// The JSON line that ends a walk or a list: how many files were searched,
/// matched and (replace) patched.
pub fn total_json(totals: &Totals, patched: Option<u64>, elapsed_ms: u128) -> json::Total {
    json::Total {
        kind: "total",
        files_searched: totals.files,
        files_matched: totals.matched,
        files_patched: patched,
        files_failed: totals.failed,
        files_binary_skipped: 0,
        matches: totals.matches,
        elapsed_ms: elapsed_ms as u64,
        dry_run: None,
    }
}
