//! The mpatch binary: the command line (clap) turned into a plan once, run
//! by the library, and its exit status.

#![deny(unsafe_code)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // A write past the file size limit (`ulimit -f`) then fails with EFBIG,
    // an error naming its file, instead of killing mpatch by SIGXFSZ (as
    // Python does too). Failing to catch it leaves only the default.
    let caught = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, caught);
    match cli::parse() {
        Ok(cli) => {
            mpatch::finish(cli::plan(cli).and_then(|command| mpatch::commands::run(&command)))
        }
        Err(exit) => exit,
    }
}
