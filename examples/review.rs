//! Review before writing, by hand: `diff` prints the unified diff of edits
//! to a file, `prompt` asks about each edit on the terminal; nothing is written.
//!
//! ```text
//! cargo run --example review -- diff [-U N] [--color] PATH OFFSET:HEX...
//! cargo run --example review -- prompt [--color] PATH:OFFSET:HEX...
//! cargo run --example review -- prompt [--color] -   < changes
//! ```
//!
//! `prompt` reads the changes from its arguments or, with `-`, one a line
//! from stdin (the keys come from the terminal, so stdin stays free), and
//! prints each decision (`PATH OFFSET write|skip|stop`) then the summary on
//! stdout. Without a terminal it fails with exit status 2, as `-I` does.
//! tests/review.rs runs it under a pseudo-terminal and feeds its diffs to
//! `git apply` and `patch`.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// The pieces are private to the library until replace and apply use them;
// the example compiles the same files (side by side, as `super::sniff`
// in prompt.rs expects).
#[allow(dead_code)]
#[path = "../src/output/prompt.rs"]
mod prompt;
#[allow(dead_code)]
#[path = "../src/output/sniff.rs"]
mod sniff;
#[allow(dead_code)]
#[path = "../src/output/unidiff.rs"]
mod unidiff;

use prompt::{Change, Decision, Keys, Review, show};
use unidiff::{FileDiff, Options};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("diff") => diff(&args[1..]),
        Some("prompt") => prompt(&args[1..]),
        _ => Err("usage: review diff|prompt ... (see examples/review.rs)".into()),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("review: {error}");
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// `OFFSET:HEX` as an offset and bytes.
fn edit(spec: &str) -> Result<(usize, Vec<u8>)> {
    let (offset, hex) = spec.split_once(':').ok_or("an edit is OFFSET:HEX")?;
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("?"), 16))
        .collect::<std::result::Result<_, _>>()?;
    Ok((offset.parse()?, bytes))
}

fn diff(args: &[String]) -> Result<ExitCode> {
    let mut options = Options::default();
    let mut rest = args;
    loop {
        match rest {
            [flag, n, tail @ ..] if flag == "-U" => {
                options.context = n.parse()?;
                rest = tail;
            }
            [flag, tail @ ..] if flag == "--color" => {
                options.color = true;
                rest = tail;
            }
            _ => break,
        }
    }
    let [path, edits @ ..] = rest else {
        return Err("diff needs PATH".into());
    };
    let old = std::fs::read(path)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut diff = FileDiff::new(&mut out, Path::new(path), &old, options);
    for spec in edits {
        let (offset, new) = edit(spec)?;
        diff.edit(offset, &new)?;
    }
    let summary = diff.finish()?;
    out.flush()?;
    eprintln!("{summary:?}");
    Ok(ExitCode::SUCCESS)
}

fn prompt(args: &[String]) -> Result<ExitCode> {
    let color = args.first().is_some_and(|a| a == "--color");
    let specs: Vec<String> = match &args[usize::from(color)..] {
        [dash] if dash == "-" => io::stdin().lock().lines().collect::<io::Result<_>>()?,
        specs => specs.to_vec(),
    };
    let mut changes = Vec::new();
    for spec in &specs {
        let (path, edit_spec) = spec.split_once(':').ok_or("a change is PATH:OFFSET:HEX")?;
        let (offset, new) = edit(edit_spec)?;
        changes.push((PathBuf::from(path), offset, new));
    }
    let mut keys = match Keys::open() {
        Ok(keys) => keys,
        Err(no_terminal) => {
            eprintln!("review: {no_terminal}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut files: HashMap<PathBuf, Vec<u8>> = HashMap::new();
    let mut review = Review::new();
    let mut previous: Option<&Path> = None;
    for (path, offset, new) in &changes {
        if !files.contains_key(path) {
            files.insert(path.clone(), std::fs::read(path)?);
        }
        let file = &files[path];
        let change = Change {
            path,
            file,
            offset: *offset,
            old: &file[*offset..offset + new.len()],
            new,
        };
        let mut decision = review.decide(previous != Some(path));
        while decision == Decision::Ask {
            show(keys.terminal(), &change, color)?;
            decision = review.answer(keys.ask()?);
        }
        let word = match decision {
            Decision::Write => "write",
            Decision::Skip | Decision::Ask => "skip",
            Decision::Stop => "stop",
        };
        println!("{} {offset} {word}", path.display());
        if decision == Decision::Stop {
            break;
        }
        previous = Some(path);
    }
    println!("{}", review.summary());
    Ok(ExitCode::SUCCESS)
}
