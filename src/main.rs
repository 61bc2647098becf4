//! The mpatch binary: the command line (clap) turned into a plan once, run
//! by the library, and its exit status.

#![deny(unsafe_code)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::parse() {
        Ok(cli) => {
            mpatch::finish(cli::plan(cli).and_then(|command| mpatch::commands::run(&command)))
        }
        Err(exit) => exit,
    }
}
