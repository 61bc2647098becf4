//! mpatch: same-length, in-place byte patching of files of any size.
//! `main.rs` parses the command line and calls [`run`]; the rest is private.

#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
// Every line on stderr goes through `say`, which a closed stderr cannot panic.
#![deny(clippy::print_stderr)]

pub mod cli;
pub mod error;
pub mod generate;

mod bytesink;
mod commands;
mod journal;
mod json;
// The one module with `unsafe` code: mapping files and the SIGBUS guard.
#[allow(unsafe_code)]
mod map;
mod matcher;
mod offset;
mod output;
mod pass;
mod patchfile;
mod pattern;
mod progress;
mod render;
mod signatures;
mod stream;
mod sys;
mod target;
mod template;
mod turns;
mod walk;

#[cfg(test)]
mod differential;

pub use error::{Error, Outcome, finish};

/// Runs one parsed command line.
pub fn run(cli: &cli::Cli) -> Result<Outcome, Error> {
    use cli::Command;
    map::raise_open_file_limit();
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
