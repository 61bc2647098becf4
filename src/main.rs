//! The mpatch binary: parse the command line, run it, exit with its status.

use std::process::ExitCode;

fn main() -> ExitCode {
    match mpatch::cli::parse() {
        Ok(cli) => mpatch::finish(mpatch::run(&cli)),
        Err(exit) => exit,
    }
}
