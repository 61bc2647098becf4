//! mpatch: same-length, in-place byte patching of files of any size through
//! a memory map. `main.rs` parses the command line and calls [`run`].

pub mod cli;
pub mod commands;
pub mod error;
pub mod generate;
pub mod journal;
pub mod map;
pub mod offset;
pub mod output;
pub mod pass;
pub mod pattern;
pub mod progress;
pub mod render;
pub mod scan;
pub mod target;

pub use error::{Outcome, finish};

/// Runs one parsed command line.
pub fn run(cli: &cli::Cli) -> anyhow::Result<Outcome> {
    use cli::Command;
    match &cli.command {
        Command::Find(args) => commands::find::run(args),
        Command::Replace(args) => commands::replace::run(args),
        Command::Peek(args) => commands::peek::run(args),
        Command::Poke(args) => commands::poke::run(args),
        Command::Undo(args) => commands::undo::run(args),
    }
}
