//! The shell completions in `completions/` and the man pages in `man/` are
//! generated from the command-line definition; this test fails when the
//! committed files are out of date. Regenerate them with:
//!
//!     MPATCH_REGENERATE=1 cargo test --test generated

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, roman};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every generated file, by path relative to the repository.
fn generate() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut cmd = mpatch::cli::command();
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut cmd, "mpatch", &mut out);
        let name = match shell {
            Shell::Bash => "mpatch.bash",
            Shell::Zsh => "_mpatch",
            Shell::Fish => "mpatch.fish",
            Shell::Elvish => "mpatch.elv",
            _ => "_mpatch.ps1",
        };
        files.push((PathBuf::from("completions").join(name), out));
    }

    let mut cmd = mpatch::cli::command().disable_help_subcommand(true);
    cmd.build();
    files.push((PathBuf::from("man/mpatch.1"), main_page(&cmd)));
    for sub in cmd.get_subcommands() {
        let man = Man::new(sub.clone()).date("");
        let mut out = Vec::new();
        man.render(&mut out).unwrap();
        files.push((PathBuf::from("man").join(man.get_filename()), out));
    }
    files
}

/// mpatch.1: the generated sections plus EXIT STATUS and EXAMPLES, written
/// from the same text that `--help` shows.
fn main_page(cmd: &clap::Command) -> Vec<u8> {
    let man = Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    man.render_options_section(&mut out).unwrap();
    man.render_subcommands_section(&mut out).unwrap();
    let mut roff = Roff::default();
    for (heading, text) in [
        ("EXIT STATUS", mpatch::cli::EXIT_STATUS),
        ("EXAMPLES", mpatch::cli::EXAMPLES),
    ] {
        roff.control("SH", [heading]);
        for line in text.lines().skip(1) {
            roff.control("TP", []).text([roman(line.trim())]);
        }
    }
    roff.control("SH", ["SEE ALSO"]);
    let pages: Vec<String> = cmd
        .get_subcommands()
        .map(|sub| format!("mpatch-{}(1)", sub.get_name()))
        .collect();
    roff.text([roman(pages.join(", "))]);
    roff.to_writer(&mut out).unwrap();
    man.render_version_section(&mut out).unwrap();
    out
}

#[test]
fn completions_and_man_pages_are_current() {
    let regenerate = std::env::var_os("MPATCH_REGENERATE").is_some();
    let mut stale = Vec::new();
    for (relative, content) in generate() {
        let path = root().join(&relative);
        if regenerate {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::File::create(&path)
                .unwrap()
                .write_all(&content)
                .unwrap();
        } else if fs::read(&path).ok().as_deref() != Some(&content[..]) {
            stale.push(relative.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {}; regenerate with: MPATCH_REGENERATE=1 cargo test --test generated",
        stale.join(", ")
    );
}

#[test]
fn man_page_has_exit_status_and_examples() {
    let page = String::from_utf8(main_page(&mpatch::cli::command())).unwrap();
    assert!(
        page.contains(".SH \"EXIT STATUS\"") || page.contains(".SH EXIT STATUS"),
        "{page}"
    );
    assert!(page.contains(".SH EXAMPLES"));
    assert!(
        page.contains("mpatch poke \\-\\-hex firmware.bin"),
        "{page}"
    );
}
