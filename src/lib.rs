//! mpatch: same-length, in-place byte patching of files of any size.
//! `main.rs` parses the command line and calls [`run`]; the rest is private.

#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
// Every line on stderr goes through `say`, which a closed stderr cannot panic.
#![deny(clippy::print_stderr)]

// The layers, each importing only those below it: commands, cli, output,
// engine, io (and error, which all use). The README's code map says more.
mod api;
pub mod cli;
mod commands;
mod engine;
pub mod error;
mod io;
mod output;
pub mod pool;

pub use api::replace::{FileReport, Replace, Report, Watch};
pub use api::search::{Matches, Search};
pub use cli::generate;
pub use engine::matcher::{Maker, Match, Matcher, Replacement};
pub use engine::offset::{Position, RangeSpec};
pub use engine::pattern::{Signature, Syntax, SyntaxError};
pub use engine::scan;
pub use error::{Error, Outcome, Scope, finish};

/// Runs one parsed command line.
pub fn run(cli: &cli::Cli) -> Result<Outcome, Error> {
    use cli::Command;
    io::map::raise_open_file_limit();
    match &cli.command {
        Command::Find(args) => commands::find::run(args),
        Command::Replace(args) => commands::replace::run(args),
        Command::Peek(args) => commands::peek::run(args),
        Command::Poke(args) => commands::poke::run(args),
        Command::Undo(args) => commands::undo::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Apply(args) => commands::apply::run(args),
    }
}
