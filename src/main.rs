//! The mpatch binary: parse the command line, run it, exit with its status.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = mpatch::cli::Cli::parse();
    mpatch::finish(mpatch::run(&cli))
}
