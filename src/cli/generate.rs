//! The man pages in `man/` and the shell completions in `completions/`, made
//! from the command-line definition; `mpatch --generate KIND` prints one.

use std::io::Write;
use std::process::ExitCode;

use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};

use crate::cli;

/// The date in every man page's title line. It is bumped with the version,
/// not taken from the clock, or the committed pages would go stale each day.
pub const MAN_DATE: &str = "2026-11-29";

/// What `--generate` prints: `man` is mpatch(1), `man-COMMAND` the page of
/// one command, and the rest are completion scripts for those shells.
pub const KINDS: &[&str] = &[
    "man",
    "man-find",
    "man-replace",
    "man-peek",
    "man-poke",
    "man-undo",
    "man-diff",
    "man-apply",
    "bash",
    "zsh",
    "fish",
    "elvish",
    "powershell",
];

/// The bytes of the file that `kind` names, or `None` for an unknown kind.
pub fn generate(kind: &str) -> Option<Vec<u8>> {
    let shell = match kind {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        "elvish" => Shell::Elvish,
        "powershell" => Shell::PowerShell,
        "man" => return Some(main_page()),
        _ => return command_page(kind.strip_prefix("man-")?),
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cli::command(), "mpatch", &mut out);
    Some(out)
}

/// Writes the file of `kind` to stdout, for `--generate`. A closed pipe ends
/// the run quietly, as it does for find.
pub fn print(kind: &str) -> ExitCode {
    let Some(bytes) = generate(kind) else {
        mpatch::say!("--generate: unknown kind {kind:?}");
        return ExitCode::from(2);
    };
    let mut stdout = std::io::stdout().lock();
    printed(stdout.write_all(&bytes).and_then(|()| stdout.flush()))
}

/// How a run that only prints (help, version, `--generate`) ends: a closed
/// pipe quietly, as find does; another failed write to stdout, with exit 2.
pub fn printed(result: std::io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            mpatch::say!("stdout: {}", mpatch::error::plain_reason(&error));
            ExitCode::from(2)
        }
    }
}

/// The command as the man pages describe it: built, so that every
/// subcommand knows its full name, and without the `help` subcommand, which
/// has no page.
fn built() -> clap::Command {
    let mut cmd = cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// mpatch(1): the whole tool, its commands, exit status and examples.
fn main_page() -> Vec<u8> {
    let cmd = built();
    let pages: Vec<String> = cmd
        .get_subcommands()
        .map(|sub| format!("mpatch-{}(1)", sub.get_name()))
        .collect();
    page(&cmd, "mpatch", &pages)
}

/// mpatch-COMMAND(1), or `None` if there is no such command.
fn command_page(name: &str) -> Option<Vec<u8>> {
    let cmd = built();
    let sub = cmd.find_subcommand(name)?;
    let mut see_also = vec!["mpatch(1)".to_owned()];
    see_also.extend(
        cmd.get_subcommands()
            .filter(|other| other.get_name() != name)
            .map(|other| format!("mpatch-{}(1)", other.get_name())),
    );
    Some(page(sub, &format!("mpatch-{name}"), &see_also))
}

/// One page: clap_mangen's sections where they serve, our own where they do
/// not (its SYNOPSIS drops the `...` of repeated arguments).
fn page(cmd: &clap::Command, title: &str, see_also: &[String]) -> Vec<u8> {
    let man = Man::new(cmd.clone())
        .title(title.to_uppercase())
        .date(MAN_DATE)
        .source(concat!("mpatch ", env!("CARGO_PKG_VERSION")))
        .manual("User Commands");
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    synopsis(cmd).to_writer(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    // Positional arguments get their own section, as in --help, where a
    // repeated one keeps its `...`.
    let options = cmd.clone().mut_args(|arg| {
        if arg.is_positional() {
            arg.hide(true)
        } else {
            arg
        }
    });
    Man::new(options).render_options_section(&mut out).unwrap();
    arguments(cmd).to_writer(&mut out).unwrap();
    if cmd.has_subcommands() {
        let mut roff = Roff::default();
        roff.control("SH", ["COMMANDS"]);
        for sub in cmd.get_subcommands() {
            roff.control("TP", [])
                .text([bold(format!("mpatch-{}", sub.get_name())), roman("(1)")]);
            if let Some(about) = sub.get_about() {
                roff.text([roman(about.to_string())]);
            }
        }
        roff.to_writer(&mut out).unwrap();
    }
    let mut roff = Roff::default();
    exit_status(&mut roff, cmd.get_name());
    examples(&mut roff, cmd);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(see_also.join(", "))]);
    roff.to_writer(&mut out).unwrap();
    out
}

/// SYNOPSIS: the usage lines that `--help` shows, with the command name in
/// bold and each placeholder (`FILE` in `<FILE>...`) in italics.
fn synopsis(cmd: &clap::Command) -> Roff {
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.strip_prefix("Usage:").unwrap_or(&usage);
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name()).to_owned();
    let mut roff = Roff::default();
    roff.control("SH", ["SYNOPSIS"]);
    for (i, form) in usage.lines().map(str::trim).enumerate() {
        if i > 0 {
            roff.control("br", []);
        }
        let rest = form.strip_prefix(name.as_str()).unwrap_or(form);
        let mut line = vec![bold(name.clone())];
        line.extend(placeholders_in_italics(rest));
        roff.text(line);
    }
    roff
}

/// Splits usage text into runs: upper-case words (placeholders) in italics,
/// options in bold, everything else roman.
fn placeholders_in_italics(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Inline>| {
        if word.is_empty() {
            return;
        }
        let taken = std::mem::take(word);
        if taken.starts_with('-') {
            out.push(bold(taken));
        } else if taken.chars().any(|c| c.is_ascii_uppercase())
            && !taken.chars().any(|c| c.is_ascii_lowercase())
        {
            out.push(italic(taken));
        } else {
            out.push(roman(taken));
        }
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':') {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(roman(c.to_string()));
        }
    }
    flush(&mut word, &mut out);
    out
}

/// ARGUMENTS: each positional argument as `--help` names it (`<FILE>...`,
/// `[LENGTH]`), with its help and default.
fn arguments(cmd: &clap::Command) -> Roff {
    let mut roff = Roff::default();
    let positionals: Vec<&clap::Arg> = cmd
        .get_positionals()
        .filter(|arg| !arg.is_hide_set())
        .collect();
    if positionals.is_empty() {
        return roff;
    }
    roff.control("SH", ["ARGUMENTS"]);
    for arg in positionals {
        let name = arg
            .get_value_names()
            .map(|names| names.join(" "))
            .unwrap_or_else(|| arg.get_id().to_string());
        let (open, close) = if arg.is_required_set() {
            ("<", ">")
        } else {
            ("[", "]")
        };
        let repeated = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        let mut tag = vec![roman(open), italic(name), roman(close)];
        if repeated {
            tag.push(roman("..."));
        }
        roff.control("TP", []).text(tag);
        let mut body = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() {
            body.push_str(&format!(" [default: {}]", defaults.join(", ")));
        }
        roff.text([roman(body)]);
    }
    roff
}

/// EXIT STATUS, from the table that `--help` shows.
fn exit_status(roff: &mut Roff, command: &str) {
    let table = match command {
        "diff" => cli::DIFF_EXIT_STATUS,
        "apply" => cli::APPLY_EXIT_STATUS,
        _ => cli::EXIT_STATUS,
    };
    roff.control("SH", ["EXIT STATUS"]);
    for line in table.lines().skip(1) {
        let (code, meaning) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        roff.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning.trim())]);
    }
}

/// EXAMPLES, from the text that `--help` shows after the options: command
/// lines indented two spaces, what they do indented six.
fn examples(roff: &mut Roff, cmd: &clap::Command) {
    let Some(text) = cmd.get_after_help().map(|text| text.to_string()) else {
        return;
    };
    let mut entries: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    for line in text.lines().skip(1) {
        let described = line.starts_with("      ");
        match entries.last_mut() {
            Some((_, what)) if described => what.push(line.trim()),
            Some((commands, what)) if what.is_empty() => commands.push(line.trim()),
            _ => entries.push((vec![line.trim()], Vec::new())),
        }
    }
    roff.control("SH", ["EXAMPLES"]);
    for (commands, what) in entries {
        roff.control("PP", []).control("nf", []);
        for command in commands {
            roff.text([bold(command)]);
        }
        roff.control("fi", []);
        if !what.is_empty() {
            roff.control("RS", ["4"])
                .text([roman(what.join(" "))])
                .control("RE", []);
        }
    }
}
