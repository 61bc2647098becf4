//! Prints the offset of every match of a pattern in a file, as
//! `mpatch find` does: `cargo run --example find -- ERROR samples/app.log`.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [pattern, path] = &args[..] else {
        eprintln!("usage: find PATTERN FILE");
        return ExitCode::from(2);
    };
    let matcher = match mpatch::Matcher::literal(pattern.as_bytes()) {
        Ok(matcher) => matcher,
        Err(error) => {
            eprintln!("find: {error}");
            return ExitCode::from(2);
        }
    };
    // Lazily, in bounded memory however many matches there are.
    let matches = match mpatch::Search::new(&matcher).find_file(path.as_ref()) {
        Ok(matches) => matches,
        Err(error) => {
            eprintln!("find: {error}");
            return ExitCode::from(2);
        }
    };
    let mut found = 0;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for m in matches {
        match m {
            // A closed pipe (`| head`) ends the search quietly.
            Ok(m) if writeln!(out, "{}", m.start).is_err() => break,
            Ok(_) => found += 1,
            Err(error) => {
                eprintln!("find: {error}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::from(if found > 0 { 0 } else { 1 })
}
