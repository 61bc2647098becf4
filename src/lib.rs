//! mpatch: same-length, in-place byte patching of files of any size, as a
//! library: find with a [`Search`], patch with a [`Replace`], make and apply
//! patches of any format with [`Diff`] and [`Apply`]; the binary's commands
//! ([`commands`]) are the same code with printing.
//!
//! ```
//! use mpatch::{Matcher, Replace, Replacement, Search};
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("app.log");
//! std::fs::write(&path, "ERROR one\nok\nERROR two\n").unwrap();
//! let matcher = Matcher::literal(b"ERROR").unwrap();
//! assert_eq!(Search::new(&matcher).count_file(&path).unwrap().matches, 2);
//! // Same length in place: the file keeps its size, each match its offset;
//! // `expect(2)` writes only if there are two, as `--expect 2` does.
//! let fixed = Replacement::Table(vec![b"FIXED".to_vec()]);
//! Replace::new(&matcher, &fixed).expect(2).files(&[&path]).unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"FIXED one\nok\nFIXED two\n");
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
// Every line on stderr goes through `say`, which a closed stderr cannot panic.
#![deny(clippy::print_stderr)]

// The layers, each importing only those below it: commands, api, output,
// engine, io (and error and pool, which all use). The README's code map
// says more. The command-line parser is the binary's alone, in src/cli/.
mod api;
pub mod commands;
mod engine;
pub mod error;
mod io;
mod output;
pub mod pool;

pub use api::apply::{Applied, Apply, ApplyRegion, ApplyReport, FileApplied, RegionFilter};
pub use api::diff::{Diff, DiffReport};
pub use api::patterns::{self as patterns, PatternArgs};
pub use api::poke::{Poke, Poked, peek};
pub use api::replace::{FileReport, Replace, Report, Watch};
pub use api::search::{Matches, Search};
pub use api::undo::{FileUndone, Undo, Undone};
pub use api::walk::walk;
pub use engine::encoding::{EncodingError, encode, encode_folded};
pub use engine::formats::Format;
pub use engine::matcher::{Maker, Match, Matcher, Replacement};
pub use engine::offset::{Position, RangeSpec};
pub use engine::pattern::{Signature, Syntax, SyntaxError, parse as parse_bytes};
pub use engine::scan;
pub use error::{Error, Outcome, Scope, finish};

// The README's Rust examples compile with every `cargo test`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
