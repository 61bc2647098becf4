//! The paths of a run over many files: directory trees walked as ripgrep
//! walks them (the `ignore` crate) and lists of names, read one at a time.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use ignore::overrides::{Override, OverrideBuilder};
use ignore::{
    DirEntry, ParallelVisitor, ParallelVisitorBuilder, Walk, WalkBuilder, WalkParallel, WalkState,
};

use crate::error::{Error, plain_reason};

/// How a tree is walked; the defaults are ripgrep's.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Walk hidden entries too.
    pub hidden: bool,
    /// Do not honour `.gitignore`, `.ignore` and `.rgignore` files.
    pub no_ignore: bool,
    /// Follow symbolic links.
    pub follow: bool,
    /// Only paths matching these globs (see [`globs`]).
    pub globs: Override,
    pub max_depth: Option<usize>,
}

/// The longest line of a pattern, pair or list file: an endless input
/// (`/dev/zero`) is an error, not unbounded memory.
pub const LINE_LIMIT: usize = 1 << 20;

/// What [`read_line`] read.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line, without its separator.
    Read,
    /// A line longer than [`LINE_LIMIT`]; the input is left inside it.
    TooLong,
    /// The end of the input.
    End,
}

/// Reads the next line ending in `separator` (or at the end) into `line`,
/// reading no more than [`LINE_LIMIT`] bytes past its start.
pub fn read_line(input: &mut dyn BufRead, separator: u8, line: &mut Vec<u8>) -> io::Result<Line> {
    line.clear();
    let mut any = false;
    loop {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(if any { Line::Read } else { Line::End });
        }
        any = true;
        let (take, ends) = match memchr::memchr(separator, buf) {
            Some(at) => (at, true),
            None => (buf.len(), false),
        };
        if line.len() + take > LINE_LIMIT {
            return Ok(Line::TooLong);
        }
        line.extend_from_slice(&buf[..take]);
        input.consume(take + usize::from(ends));
        if ends {
            return Ok(Line::Read);
        }
    }
}

/// The error of line `number` of the file `name`, past the line limit.
pub fn too_long(name: &str, number: u64) -> Error {
    Error::file(
        format!("{name}:{number}"),
        "is longer than 1 MiB (the line limit)",
    )
}

/// A list of paths, one per line or NUL-terminated.
pub struct List {
    name: String,
    input: Box<dyn BufRead + Send>,
    separator: u8,
    done: bool,
    /// Lines read so far, for errors.
    lines: u64,
}

impl List {
    /// Opens the list at `path`; `-` is standard input.
    pub fn open(path: &OsStr, null: bool) -> Result<List, Error> {
        let name = Path::new(path).display().to_string();
        let input: Box<dyn BufRead + Send> = if path.as_bytes() == b"-" {
            Box::new(BufReader::new(io::stdin()))
        } else {
            let file = File::open(path).map_err(|e| Error::io(&name, e))?;
            if file.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(Error::file(name, "is a directory, not a list of files"));
            }
            Box::new(BufReader::new(file))
        };
        Ok(List {
            name,
            input,
            separator: if null { 0 } else { b'\n' },
            done: false,
            lines: 0,
        })
    }
}

/// Why a listed path is refused before it is opened: only what can be
/// mapped without waiting is worked on, as in a walk (a FIFO would wait
/// for a writer). A path that cannot be looked at is left to the open,
/// which says why.
fn refusal(path: &Path) -> Option<&'static str> {
    let kind = std::fs::metadata(path).ok()?.file_type();
    if kind.is_fifo() {
        Some("is a FIFO (named pipe), not a regular file")
    } else if kind.is_socket() {
        Some("is a socket, not a regular file")
    } else if kind.is_char_device() {
        Some("is a character device, not a regular file")
    } else if kind.is_block_device() {
        Some("is a block device, not a regular file")
    } else {
        None
    }
}

impl Iterator for List {
    type Item = Result<PathBuf, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        let mut empty = 0;
        while !self.done {
            match read_line(&mut self.input, self.separator, &mut line) {
                Ok(Line::End) => self.done = true,
                Ok(Line::TooLong) => {
                    self.done = true;
                    return Some(Err(too_long(&self.name, self.lines + 1)));
                }
                Ok(Line::Read) => {
                    self.lines += 1;
                    // An empty name names no file (a list ending in a
                    // blank line, or `find -print0` output with a stray NUL).
                    if line.is_empty() {
                        // As many empty names in a row as a line may
                        // hold bytes: an endless input (`/dev/zero -0`).
                        empty += 1;
                        if empty > LINE_LIMIT {
                            self.done = true;
                            return Some(Err(Error::file(
                                format!("{}:{}", self.name, self.lines),
                                "is the end of more than 1048576 empty names in a row (an endless input?)",
                            )));
                        }
                        continue;
                    }
                    let path = PathBuf::from(OsString::from_vec(std::mem::take(&mut line)));
                    return Some(match refusal(&path) {
                        Some(reason) => Err(Error::file(path.display().to_string(), reason)),
                        None => Ok(path),
                    });
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(Error::io(&self.name, e)));
                }
            }
        }
        None
    }
}

/// Every path of a run: the roots given, then the list's, each walked when
/// a walk is asked for; errors (an unreadable directory, a broken link to
/// follow) come in their place, so the run can report them and go on.
pub struct Paths {
    roots: std::vec::IntoIter<PathBuf>,
    /// A sorted list's refused names, reported first.
    refused: std::vec::IntoIter<Error>,
    list: Option<List>,
    walk: Option<WalkOptions>,
    sorted: bool,
    /// The walk in hand, on top of the walks it was found inside (a
    /// repository found in a tree outside any is walked on its own).
    walks: Vec<Level>,
    /// Whether the walk is of the current directory, none being named:
    /// then paths are shown without `./`, as ripgrep shows them.
    implicit: bool,
}

impl Paths {
    /// The paths of `roots` and `list`, walked with `walk` if given. A walk
    /// without any root walks the current directory. `sorted` puts each
    /// directory's entries in name order and the list in path order.
    pub fn new(
        roots: Vec<PathBuf>,
        list: Option<List>,
        walk: Option<WalkOptions>,
        sorted: bool,
    ) -> Result<Paths, Error> {
        let implicit = walk.is_some() && roots.is_empty() && list.is_none();
        let mut roots = match implicit {
            true => vec![PathBuf::from(".")],
            false => roots,
        };
        let mut list = list;
        let mut refused = Vec::new();
        if sorted && let Some(names) = list.take() {
            // In path order the whole list must be read first.
            let mut paths = Vec::new();
            for name in names {
                match name {
                    Ok(path) => paths.push(path),
                    Err(error) => refused.push(error),
                }
            }
            paths.sort_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
            roots.extend(paths);
        }
        Ok(Paths {
            roots: roots.into_iter(),
            refused: refused.into_iter(),
            list,
            walk,
            sorted,
            walks: Vec::new(),
            implicit,
        })
    }

    /// Whether names come from a list (`--files-from`), perhaps a pipe.
    pub fn has_list(&self) -> bool {
        self.list.is_some()
    }

    /// The next root, from the command line and then from the list.
    fn next_root(&mut self) -> Option<Result<PathBuf, Error>> {
        if let Some(error) = self.refused.next() {
            return Some(Err(error));
        }
        self.roots
            .next()
            .map(Ok)
            .or_else(|| self.list.as_mut()?.next())
    }

    /// The next file of the walk in hand, if any.
    fn next_walked(&mut self) -> Option<Result<Entry, Error>> {
        while let Some(level) = self.walks.last_mut() {
            let entry = level.held.take().or_else(|| level.walk.next());
            let found = level
                .nested
                .as_ref()
                .map(|nested| std::mem::take(&mut *crate::pool::lock(nested)));
            if let Some(found) = found.filter(|found| !found.is_empty()) {
                // The repositories skipped come before `entry` in the walk.
                match entry {
                    Some(entry) => level.held = Some(entry),
                    None => drop(self.walks.pop()),
                }
                let options = self.walk.as_ref()?;
                for (root, depth) in found.into_iter().rev() {
                    let options = WalkOptions {
                        max_depth: options.max_depth.map(|max| max.saturating_sub(depth)),
                        ..options.clone()
                    };
                    self.walks.push(walker(&root, &options, self.sorted));
                }
                continue;
            }
            let Some(entry) = entry else {
                self.walks.pop();
                continue;
            };
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => return Some(Err(walk_error(error))),
            };
            let kind = entry.file_type();
            // A root is the user's choice whatever it is (opening it says
            // what is wrong with a FIFO); below it, only regular files are
            // worked on, as ripgrep searches only those.
            // A root given as a link to a directory is walked, as rg does.
            let wanted = match entry.depth() {
                0 => !entry.path().is_dir(),
                _ => kind.is_some_and(|kind| kind.is_file()),
            };
            if wanted {
                let walked = entry.depth() > 0;
                let path = entry.into_path();
                let path = match self.implicit {
                    true => path
                        .strip_prefix("./")
                        .map(Path::to_path_buf)
                        .unwrap_or(path),
                    false => path,
                };
                return Some(Ok(Entry { path, walked }));
            }
        }
        None
    }
}

/// Repositories a walk skipped, with their depth, shared with its filter.
type Found = Arc<Mutex<Vec<(PathBuf, usize)>>>;

/// One walk of a run, and what it found that is walked on its own.
struct Level {
    walk: Entries,
    /// Outside any repository: the repositories met below the root (path
    /// and depth), skipped by this walk and each walked as ripgrep walks a
    /// repository, so the `.gitignore` files above it do not apply inside.
    nested: Option<Found>,
    /// The entry that came after such repositories, waiting for them.
    held: Option<Walked>,
}

/// A path to work on, and whether a walk found it below a directory (a
/// file named, listed or given as a root is the user's own choice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    pub walked: bool,
}

impl Iterator for Paths {
    type Item = Result<Entry, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(found) = self.next_walked() {
                return Some(found);
            }
            let root = match self.next_root()? {
                Ok(root) => root,
                Err(error) => return Some(Err(error)),
            };
            match &self.walk {
                // `-` is standard input, never walked (the walker would
                // name it `<stdin>`).
                Some(options) if root.as_os_str() != "-" => {
                    self.walks.push(walker(&root, options, self.sorted))
                }
                _ => {
                    let walked = false;
                    return Some(Ok(Entry { path: root, walked }));
                }
            }
        }
    }
}

/// The walk of one root, as ripgrep would walk it with these options.
fn walker(root: &Path, options: &WalkOptions, sorted: bool) -> Level {
    let honour = !options.no_ignore;
    let in_repository = in_repository(root);
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(!options.hidden)
        .parents(honour)
        .ignore(honour)
        .git_ignore(honour)
        .git_global(honour)
        .git_exclude(honour)
        // ripgrep honours .gitignore only inside a git repository; mpatch
        // honours it in any folder, so a plain copy of a project walks the
        // same as its checkout. Inside a repository it is ripgrep's walk:
        // a .gitignore above the repository's root does not apply.
        .require_git(in_repository)
        .follow_links(options.follow)
        .max_depth(options.max_depth)
        // A run's output redirected into the tree is not input, as in rg.
        .skip_stdout(true)
        // The parallel walk on one thread: the run's workers search.
        .threads(1)
        .overrides(options.globs.clone());
    if honour {
        builder.add_custom_ignore_filename(".rgignore");
    }
    if sorted {
        builder.sort_by_file_name(|a, b| a.as_bytes().cmp(b.as_bytes()));
    }
    let nested = (honour && !in_repository).then(|| {
        let nested = Arc::new(Mutex::new(Vec::new()));
        let found = Arc::clone(&nested);
        builder.filter_entry(move |entry| {
            let repository = entry.depth() > 0
                && entry.file_type().is_some_and(|kind| kind.is_dir())
                && entry.path().join(".git").symlink_metadata().is_ok();
            if repository {
                let mut found = crate::pool::lock(&found);
                found.push((entry.path().to_path_buf(), entry.depth()));
            }
            !repository
        });
        nested
    });
    // The sequential walk keeps a sorted order, and walks a root that is a
    // link to a directory (as rg does); the parallel one does neither.
    let walk = match sorted || root.is_symlink() {
        true => Entries::Sequential(builder.build()),
        false => Entries::Listed(Listed::new(builder.build_parallel())),
    };
    Level {
        walk,
        nested,
        held: None,
    }
}

/// A walk's entry, or what went wrong instead.
type Walked = Result<DirEntry, ignore::Error>;

/// The entries of one walk, in the order it finds them.
enum Entries {
    /// `ignore`'s sequential walk, which asks for each ignore file by name
    /// in each directory (six lookups that mostly fail).
    Sequential(Walk),
    /// `ignore`'s parallel walk, on one thread of its own, which finds a
    /// directory's ignore files among the entries it lists anyway: in a
    /// tree of small files those lookups were an eighth of the work.
    Listed(Listed),
}

impl Iterator for Entries {
    type Item = Walked;

    fn next(&mut self) -> Option<Walked> {
        match self {
            Entries::Sequential(walk) => walk.next(),
            Entries::Listed(listed) => listed.next(),
        }
    }
}

/// Entries a walking thread hands over at once.
const LISTED_BATCH: usize = 64;

/// A parallel walk run on a thread of its own, started when its first
/// entry is asked for (a walk of many repositories holds a walk for each),
/// its entries handed over in batches through a channel of a few: memory
/// stays bounded however far it runs ahead. Dropped, it stops the walk and
/// waits for it.
struct Listed {
    walk: Option<WalkParallel>,
    batches: Option<Receiver<Vec<Walked>>>,
    batch: std::vec::IntoIter<Walked>,
    thread: Option<JoinHandle<()>>,
}

impl Listed {
    fn new(walk: WalkParallel) -> Listed {
        Listed {
            walk: Some(walk),
            batches: None,
            batch: Vec::new().into_iter(),
            thread: None,
        }
    }
}

impl Iterator for Listed {
    type Item = Walked;

    fn next(&mut self) -> Option<Walked> {
        if let Some(walk) = self.walk.take() {
            let (sender, batches) = sync_channel(4);
            let started = std::thread::Builder::new()
                .name("walk".into())
                .spawn(move || walk.visit(&mut Batches(sender)));
            match started {
                Ok(thread) => (self.batches, self.thread) = (Some(batches), Some(thread)),
                Err(error) => return Some(Err(error.into())),
            }
        }
        loop {
            if let Some(entry) = self.batch.next() {
                return Some(entry);
            }
            match self.batches.as_ref()?.recv() {
                Ok(batch) => self.batch = batch.into_iter(),
                // Every sender is gone: the walk has ended, or failed.
                Err(_) => {
                    self.batches = None;
                    let thread = self.thread.take()?;
                    let failed = io::Error::other("the walk stopped part-way");
                    return thread.join().is_err().then(|| Err(failed.into()));
                }
            }
        }
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        // Without a receiver, the walk's next hand-over fails and it quits.
        drop(self.batches.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Makes the walk's visitor: one batch, sent when full and at the end.
struct Batches(SyncSender<Vec<Walked>>);

impl<'s> ParallelVisitorBuilder<'s> for Batches {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Batch {
            entries: Vec::with_capacity(LISTED_BATCH),
            sender: self.0.clone(),
        })
    }
}

struct Batch {
    entries: Vec<Walked>,
    sender: SyncSender<Vec<Walked>>,
}

impl ParallelVisitor for Batch {
    fn visit(&mut self, entry: Walked) -> WalkState {
        self.entries.push(entry);
        if self.entries.len() < LISTED_BATCH {
            return WalkState::Continue;
        }
        let full = std::mem::replace(&mut self.entries, Vec::with_capacity(LISTED_BATCH));
        match self.sender.send(full) {
            Ok(()) => WalkState::Continue,
            Err(_) => WalkState::Quit,
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if !self.entries.is_empty() {
            let _ = self.sender.send(std::mem::take(&mut self.entries));
        }
    }
}

/// Whether `root` is in a git repository: it or a folder above it holds a
/// `.git` (a directory, or a file as in a submodule or worktree).
fn in_repository(root: &Path) -> bool {
    let Ok(root) = root.canonicalize() else {
        return false;
    };
    root.ancestors()
        .any(|folder| folder.join(".git").symlink_metadata().is_ok())
}

/// Globs that keep only the paths they match (`!GLOB` excludes), matched
/// as ripgrep matches them: relative to the current directory, with
/// gitignore syntax. A bad glob is named with what is wrong with it.
pub fn globs(globs: &[String]) -> Result<Override, String> {
    let mut builder = OverrideBuilder::new(".");
    for glob in globs {
        builder.add(glob).map_err(|error| match error {
            ignore::Error::Glob { err, .. } => format!("{glob:?}: {err}"),
            other => format!("{glob:?}: {other}"),
        })?;
    }
    builder.build().map_err(|error| error.to_string())
}

/// A walk's error as mpatch says errors: `PATH: reason`, in plain words.
fn walk_error(error: ignore::Error) -> Error {
    match error {
        ignore::Error::WithPath { path, err } => {
            let name = path.display().to_string();
            let mut err = *err;
            while let ignore::Error::WithDepth { err: inner, .. } = err {
                err = *inner;
            }
            match err {
                ignore::Error::Io(source) => Error::io(name, source),
                other => Error::file(name, reason(other)),
            }
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(*err)
        }
        ignore::Error::Loop { ancestor, child } => Error::file(
            child.display().to_string(),
            format!(
                "is a link to {}, which holds it; not followed again",
                ancestor.display()
            ),
        ),
        ignore::Error::Partial(errors) => match errors.into_iter().next() {
            Some(first) => walk_error(first),
            None => Error::file("walk", "unknown error"),
        },
        other => Error::file("walk", reason(other)),
    }
}

fn reason(error: ignore::Error) -> String {
    match error {
        ignore::Error::Io(source) => plain_reason(&source),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(bytes: &[u8], null: bool) -> Vec<Vec<u8>> {
        let list = List {
            name: "list".into(),
            input: Box::new(io::Cursor::new(bytes.to_vec())),
            separator: if null { 0 } else { b'\n' },
            done: false,
            lines: 0,
        };
        list.map(|p| p.unwrap().into_os_string().into_vec())
            .collect()
    }

    #[test]
    fn lists_keep_every_byte_of_a_name() {
        assert_eq!(
            list(b"a\n\nb c\n\xff\xfe\n", false),
            vec![b"a".to_vec(), b"b c".to_vec(), b"\xff\xfe".to_vec()]
        );
        assert_eq!(
            list(b"new\nline\0 x\0\0last", true),
            vec![b"new\nline".to_vec(), b" x".to_vec(), b"last".to_vec()]
        );
    }

    #[test]
    fn a_line_is_read_up_to_the_limit_and_no_further() {
        let mut text = vec![b'a'; LINE_LIMIT];
        text.push(b'\n');
        text.extend(vec![b'b'; LINE_LIMIT + 1]);
        // A small buffer, so that lines and separators fall across fills.
        let mut input = BufReader::with_capacity(7, io::Cursor::new(text));
        let mut line = Vec::new();
        assert_eq!(read_line(&mut input, b'\n', &mut line).unwrap(), Line::Read);
        assert_eq!(line.len(), LINE_LIMIT);
        assert_eq!(
            read_line(&mut input, b'\n', &mut line).unwrap(),
            Line::TooLong
        );
        let mut input = BufReader::with_capacity(3, io::Cursor::new(b"ab\ncd\n\nef".to_vec()));
        let mut lines = Vec::new();
        while read_line(&mut input, b'\n', &mut line).unwrap() == Line::Read {
            lines.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(lines, ["ab", "cd", "", "ef"]);
    }

    fn options() -> WalkOptions {
        WalkOptions {
            hidden: false,
            no_ignore: false,
            follow: false,
            globs: Override::empty(),
            max_depth: None,
        }
    }

    /// A tree of `n` files, ten to a folder, whose `.gitignore` leaves out
    /// every name that ends in 7.
    fn many_files(n: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "f*7\n").unwrap();
        for i in 0..n {
            let folder = dir.path().join(format!("d{}", i / 10));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join(format!("f{i}")), "x").unwrap();
        }
        dir
    }

    fn walked(root: &Path, sorted: bool) -> Vec<PathBuf> {
        let paths = Paths::new(vec![root.into()], None, Some(options()), sorted).unwrap();
        let mut names: Vec<_> = paths.map(|entry| entry.unwrap().path).collect();
        names.sort();
        names
    }

    #[test]
    fn an_unsorted_walk_lists_folders_and_finds_what_the_sorted_walk_finds() {
        let dir = many_files(700);
        let root = dir.path();
        assert!(matches!(
            walker(root, &options(), false).walk,
            Entries::Listed(_)
        ));
        assert!(matches!(
            walker(root, &options(), true).walk,
            Entries::Sequential(_)
        ));
        let listed = walked(root, false);
        assert_eq!(listed.len(), 630, "700 files, the 70 ending in 7 ignored");
        assert_eq!(listed, walked(root, true));
    }

    #[test]
    fn a_walk_dropped_part_way_stops_its_thread() {
        let dir = many_files(2000);
        // The walk's filter holds `alive` until the walk's thread has ended.
        let alive = Arc::new(());
        let held = Arc::clone(&alive);
        let mut builder = WalkBuilder::new(dir.path());
        builder.threads(1).filter_entry(move |_| {
            let _ = &held;
            true
        });
        let mut listed = Listed::new(builder.build_parallel());
        drop(builder);
        assert!(listed.next().unwrap().is_ok());
        assert!(Arc::strong_count(&alive) > 1, "walking, far from its end");
        drop(listed);
        assert_eq!(
            Arc::strong_count(&alive),
            1,
            "the thread quit and was joined"
        );
    }

    #[test]
    fn a_walk_quits_once_nobody_takes_its_entries() {
        let (sender, receiver) = sync_channel(1);
        let mut visitor = Batches(sender).build();
        drop(receiver);
        let quit: Vec<bool> = (0..LISTED_BATCH)
            .map(|_| visitor.visit(Err(io::Error::other("x").into())))
            .map(|state| matches!(state, WalkState::Quit))
            .collect();
        let mut expected = vec![false; LISTED_BATCH];
        expected[LISTED_BATCH - 1] = true;
        assert_eq!(quit, expected, "the full batch cannot be handed over");
    }

    #[test]
    fn a_walk_whose_thread_fails_ends_with_an_error() {
        let dir = many_files(30);
        let mut builder = WalkBuilder::new(dir.path());
        builder.threads(1).filter_entry(|entry| {
            assert!(entry.depth() < 2, "a walk that fails part-way");
            true
        });
        let walked: Vec<Walked> = Listed::new(builder.build_parallel()).collect();
        let last = walked.last().expect("an entry at least");
        let error = last.as_ref().expect_err("the failure, last");
        assert!(
            error.to_string().contains("the walk stopped part-way"),
            "{error}"
        );
        assert!(walked[..walked.len() - 1].iter().all(Result::is_ok));
    }
}
