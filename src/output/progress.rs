//! The progress bar on stderr for large files: bytes, throughput and time
//! left, fed from the scanner's segment steps rather than from each match.

use std::io::IsTerminal;

#[cfg(feature = "progress")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// When the bar is drawn.
///
/// ```
/// use mpatch::commands::plan::{ProgressMode, Report};
/// // `--progress auto`: a bar for large files, when stderr is a terminal.
/// assert_eq!(ProgressMode::default(), ProgressMode::Auto);
/// assert_eq!(Report::default().progress, ProgressMode::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// For large files, when stderr is a terminal.
    #[default]
    Auto,
    /// Always, on stderr.
    Always,
    /// Never.
    Never,
}

/// Files smaller than this finish before a bar would be worth drawing.
pub const MIN_SIZE: u64 = 256 << 20;

pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn new(mode: ProgressMode, len: u64, label: &str) -> Progress {
        Progress::from(mode, len, MIN_SIZE, label)
    }

    /// A bar of `len` bytes, drawn in `Auto` mode from `min` bytes (an
    /// undo does more per byte of its journal than a scan per byte).
    pub fn from(mode: ProgressMode, len: u64, min: u64, label: &str) -> Progress {
        let show = match mode {
            ProgressMode::Never => false,
            ProgressMode::Always => true,
            ProgressMode::Auto => len >= min && std::io::stderr().is_terminal(),
        };
        match show {
            true => Progress(bar(mode, len, label)),
            false => Progress(None),
        }
    }

    pub fn add(&self, done: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(done);
        }
    }
}

/// A bar drawn on stderr.
#[cfg(feature = "progress")]
fn bar(mode: ProgressMode, len: u64, label: &str) -> Option<ProgressBar> {
    // indicatif hides a bar whose stderr is no terminal; `always` means
    // always, so then it draws through a plain handle on stderr.
    let target = match mode {
        ProgressMode::Always => {
            ProgressDrawTarget::term_like_with_hz(Box::new(console::Term::stderr()), 20)
        }
        _ => ProgressDrawTarget::stderr(),
    };
    let bar = ProgressBar::with_draw_target(Some(len), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    Some(bar)
}

/// Without the `progress` feature (a library user's build, Python's) no
/// bar is drawn.
#[cfg(not(feature = "progress"))]
fn bar(_: ProgressMode, _: u64, _: &str) -> Option<NoBar> {
    None
}

#[cfg(not(feature = "progress"))]
type ProgressBar = NoBar;

/// What stands for a bar where none can be drawn.
#[cfg(not(feature = "progress"))]
struct NoBar;

#[cfg(not(feature = "progress"))]
impl NoBar {
    fn inc(&self, _: u64) {}
    fn finish_and_clear(&self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl crate::engine::scan::Meter for Progress {
    fn add(&self, done: u64) {
        Progress::add(self, done);
    }
}
