//! The mpatch binary: parse the command line, run it, exit with its status.

#![deny(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    match mpatch::cli::parse() {
        Ok(cli) => mpatch::finish(mpatch::run(&cli)),
        Err(exit) => exit,
    }
}
