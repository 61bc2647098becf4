//! Replaces every match of a regex in files, in place, with a journal to
//! undo it and a sink that prints each change before it is written:
//! `cargo run --example replace -- '\bid=([0-9]+)' 'ID=$1' fix.mpj a.log`.

use std::io::Write;
use std::process::ExitCode;

use mpatch::scan::{At, Edit, Flow, Sink, Wants};
use mpatch::{Error, Matcher, Replace, Replacement, Watch};

/// Shows each change as it is made (the scan gives it before the writer).
struct Show;

impl Sink for Show {
    fn wants(&self) -> Wants {
        Wants::Ordered
    }

    fn edit(&mut self, edit: &Edit, _: &At) -> Result<Flow, Error> {
        let new = edit.new.unwrap_or_default();
        // A closed stdout must not stop the patch half-way: no println!.
        let _ = writeln!(
            std::io::stdout(),
            "  {:>8}: {:?} -> {:?}",
            edit.start,
            String::from_utf8_lossy(edit.old),
            String::from_utf8_lossy(new)
        );
        Ok(Flow::Go)
    }
}

/// The run as it goes: a sink for each file's edits, a line when done.
struct Printed;

impl Watch for Printed {
    fn edits<'w>(&'w mut self, path: &'w std::path::Path) -> Option<Box<dyn Sink + 'w>> {
        let _ = writeln!(std::io::stdout(), "{}:", path.display());
        Some(Box::new(Show))
    }

    fn done(&mut self, path: &std::path::Path, tally: &mpatch::scan::Tally) {
        let _ = writeln!(
            std::io::stdout(),
            "{}: {} replaced",
            path.display(),
            tally.matches
        );
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [expression, template, journal, files @ ..] = &args[..] else {
        eprintln!("usage: replace REGEX TEMPLATE JOURNAL FILE...");
        return ExitCode::from(2);
    };
    let run = || -> Result<mpatch::Report, Error> {
        let matcher = Matcher::regex(expression.as_bytes(), false)?;
        let replacement = Replacement::Expand(template.as_bytes().to_vec());
        let files: Vec<std::ffi::OsString> = files.iter().map(Into::into).collect();
        // Every file is checked (every expansion as long as its match) and
        // locked before any is written: all or nothing.
        Replace::new(&matcher, &replacement)
            .journal(journal)
            .files_watched(&files, &mut Printed)
    };
    match run() {
        Ok(report) if report.matches > 0 => {
            let _ = writeln!(std::io::stdout(), "undo with: mpatch undo {journal}");
            ExitCode::SUCCESS
        }
        Ok(_) => ExitCode::from(1),
        Err(error) => {
            eprintln!("replace: {error}");
            ExitCode::from(2)
        }
    }
}
