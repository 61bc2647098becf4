//! The command line turned into a plan, once, as ripgrep's HiArgs: patterns
//! compiled, offsets and ranges read, colour decided. Nothing below sees clap.

use std::io::IsTerminal;

use mpatch::commands::plan::{
    ApplyPlan, Command, Context, DiffPlan, FileOptions, FindPlan, PeekFormat, PeekPlan, PokePlan,
    ReplacePlan, Report, Review, Selection, UndoPlan, WriteOptions,
};
use mpatch::patterns::{self, PatternArgs};
use mpatch::{Error, Position, RangeSpec, Syntax};

use super::{
    ApplyArgs, Cli, ColorMode, DiffArgs, FilesArgs, FindArgs, PeekArgs, PokeArgs, ReplaceArgs,
    ReportArgs, ReviewArgs, SelectArgs, SyntaxArgs, UndoArgs, WriteArgs,
};

/// The plan of a parsed command line.
pub fn plan(cli: Cli) -> Result<Command, Error> {
    Ok(match cli.command {
        super::Command::Find(args) => Command::Find(find(args)?),
        super::Command::Replace(args) => Command::Replace(replace(args)?),
        super::Command::Peek(args) => Command::Peek(peek(args)?),
        super::Command::Poke(args) => Command::Poke(poke(args)?),
        super::Command::Undo(args) => Command::Undo(undo(args)),
        super::Command::Diff(args) => Command::Diff(diff(args)?),
        super::Command::Apply(args) => Command::Apply(apply(args)),
    })
}

fn syntax(args: SyntaxArgs) -> Syntax {
    if args.hex {
        Syntax::Hex
    } else if args.escapes {
        Syntax::Escapes
    } else {
        Syntax::Literal
    }
}

fn select(args: &SelectArgs) -> Result<Selection, Error> {
    let range = match &args.range {
        Some(text) => RangeSpec::parse(text).map_err(|e| Error::argument("--range", e))?,
        None => RangeSpec::default(),
    };
    Ok(Selection {
        range,
        nth: args.nth,
        max: args.max_count,
    })
}

/// Lines (`-C`, and `-A`/`-B` for one side) or bytes around each match.
fn context(args: &ReportArgs) -> Context {
    if let Some(bytes) = args.byte_context {
        return Context::Bytes(bytes);
    }
    let (before, after) = (
        args.before_context.or(args.context),
        args.after_context.or(args.context),
    );
    match (before, after) {
        (None, None) => Context::None,
        _ => Context::Lines {
            before: before.unwrap_or(0),
            after: after.unwrap_or(0),
        },
    }
}

/// Whether output to stdout is coloured: on a terminal, unless NO_COLOR;
/// JSON never is.
fn stdout_color(mode: ColorMode, json: bool) -> bool {
    !json
        && match mode {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => std::io::stdout().is_terminal() && no_color_unset(),
        }
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn report(args: &ReportArgs) -> Report {
    let color = stdout_color(args.color, args.json);
    Report {
        quiet: args.quiet,
        context: context(args),
        hex_offsets: args.hex_offsets,
        json: args.json,
        color,
        progress: args.progress.into(),
    }
}

/// How changes are reviewed: a diff is a dry run; the questions of `-I`
/// go to the terminal, coloured unless `--color never` or `NO_COLOR`.
fn review(args: &ReviewArgs, color: ColorMode) -> Review {
    if args.diff {
        return Review::Diff {
            context: args.unified.unwrap_or(3),
        };
    }
    if args.interactive {
        let color = match color {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => no_color_unset(),
        };
        return Review::Interactive { color };
    }
    Review::None
}

fn write(args: WriteArgs) -> WriteOptions {
    WriteOptions {
        dry_run: args.dry_run,
        journal: args.journal,
        no_sync: args.no_sync,
        lock_timeout: args.lock_timeout,
        allow_device: args.allow_device,
    }
}

fn files(args: FilesArgs) -> FileOptions {
    FileOptions {
        recursive: args.recursive,
        hidden: args.hidden,
        no_ignore: args.no_ignore,
        follow: args.follow,
        globs: args.globs,
        max_depth: args.max_depth,
        files_from: args.files_from,
        null: args.null,
        sort_by_path: args.sort.is_some(),
        threads: args.threads,
        binary: args.binary,
    }
}

/// What the pattern builders need to know of the files.
fn pattern_args(syntax: Syntax, files_in: &FilesArgs) -> PatternArgs {
    PatternArgs {
        syntax,
        other_files: files_in.recursive || files_in.files_from.is_some(),
        files_on_stdin: files_in.files_from.as_deref().is_some_and(|f| f == "-"),
        ..PatternArgs::default()
    }
}

/// Arguments given in the wrong order: the PATTERN names an existing file
/// while no FILE after the first `before_files` arguments exists.
fn swapped(
    positional: &[std::ffi::OsString],
    before_files: usize,
    usage: &str,
) -> Result<(), Error> {
    // `-` is standard input, which is there.
    let exists = |arg: &std::ffi::OsString| arg == "-" || std::path::Path::new(arg).exists();
    match positional {
        [pattern, ..]
            if positional.len() > before_files
                && std::path::Path::new(pattern).is_file()
                && !positional[before_files..].iter().any(exists) =>
        {
            Err(Error::argument(
                pattern.to_string_lossy(),
                format!(
                    "the first argument is the PATTERN, but this names a file and no FILE given \
                     exists; the order is {usage}"
                ),
            ))
        }
        _ => Ok(()),
    }
}

fn find(args: FindArgs) -> Result<FindPlan, Error> {
    let patterns = PatternArgs {
        regex: args.matching.regex,
        ignore_case: args.matching.ignore_case,
        encoding: args.matching.encoding,
        positional: args.pattern.into_iter().chain(args.files).collect(),
        patterns: args.patterns,
        patterns_from: args.patterns_from,
        ..pattern_args(syntax(args.syntax), &args.files_in)
    };
    if patterns.patterns.is_empty() && patterns.patterns_from.is_none() {
        swapped(&patterns.positional, 1, "PATTERN FILE...")?;
    }
    let (matcher, files) = patterns::for_find(&patterns)?;
    if files == ["-"] && std::io::stdin().is_terminal() {
        // As ripgrep-like tools do: a run that waits for typing says why.
        mpatch::say!("reading standard input, as no FILE was given (Ctrl-D ends it)");
    }
    let mut files_in = self::files(args.files_in);
    // A hex pattern is for binaries.
    files_in.binary |= args.syntax.hex;
    Ok(FindPlan {
        matcher,
        files,
        select: select(&args.select)?,
        report: report(&args.report),
        files_in,
        count: args.count,
        files_with_matches: args.files_with_matches,
        with_filename: args.with_filename,
        no_filename: args.no_filename,
    })
}

fn replace(args: ReplaceArgs) -> Result<ReplacePlan, Error> {
    let patterns = PatternArgs {
        regex: args.matching.regex,
        ignore_case: args.matching.ignore_case,
        encoding: args.matching.encoding,
        positional: args
            .pattern
            .into_iter()
            .chain(args.replacement)
            .chain(args.files)
            .collect(),
        pairs: args.pairs,
        pairs_from: args.pairs_from,
        mask: args.mask,
        pad: args.pad,
        ..pattern_args(syntax(args.syntax), &args.files_in)
    };
    if patterns.pairs.is_empty() && patterns.pairs_from.is_none() {
        let (before_files, usage) = match patterns.mask {
            Some(_) => (1, "--mask BYTE PATTERN FILE..."),
            None => (2, "PATTERN REPLACEMENT FILE..."),
        };
        swapped(&patterns.positional, before_files, usage)?;
    }
    let (matcher, replacement, files) = patterns::for_replace(&patterns)?;
    let mut files_in = self::files(args.files_in);
    files_in.binary |= args.syntax.hex;
    let review = review(&args.review, args.report.color);
    let mut write = write(args.write);
    write.dry_run |= matches!(review, Review::Diff { .. });
    Ok(ReplacePlan {
        matcher,
        replacement,
        files,
        select: select(&args.select)?,
        report: report(&args.report),
        files_in,
        write,
        expect: args.expect,
        expect_total: args.expect_total,
        review,
    })
}

fn offset(text: &str) -> Result<Position, Error> {
    Position::parse(text).map_err(|e| Error::argument("OFFSET", e))
}

fn peek(args: PeekArgs) -> Result<PeekPlan, Error> {
    let length =
        mpatch::commands::parse_number(&args.length).map_err(|e| Error::argument("LENGTH", e))?;
    Ok(PeekPlan {
        format: match args.format {
            _ if args.json => PeekFormat::Json,
            super::PeekFormat::Hexdump => PeekFormat::Hexdump,
            super::PeekFormat::Hex => PeekFormat::Hex,
            super::PeekFormat::Text => PeekFormat::Text,
            super::PeekFormat::Raw => PeekFormat::Raw,
        },
        offset: offset(&args.offset)?,
        file: args.file,
        length,
    })
}

fn poke(args: PokeArgs) -> Result<PokePlan, Error> {
    let syntax = syntax(args.syntax);
    let bytes = patterns::read_bytes("BYTES", &args.bytes, syntax)?;
    let expect = args
        .expect
        .as_ref()
        .map(|e| patterns::read_bytes("--expect", e, syntax))
        .transpose()?;
    Ok(PokePlan {
        json: args.json,
        offset: offset(&args.offset)?,
        offset_text: args.offset,
        write: write(args.write),
        expect,
        quiet: args.quiet,
        file: args.file,
        bytes,
    })
}

fn undo(args: UndoArgs) -> UndoPlan {
    UndoPlan {
        json: args.json,
        force: args.force,
        trust: args.trust_journal,
        lock_timeout: args.lock_timeout,
        no_sync: args.no_sync,
        progress: args.progress.into(),
        journal: args.journal,
    }
}

fn diff(args: DiffArgs) -> Result<DiffPlan, Error> {
    let format = args.format.into();
    if args.json && format != mpatch::Format::Mpatch {
        return Err(Error::argument(
            "--json",
            format!(
                "prints the changed regions as JSON in place of a patch, so it takes no --format {format}; \
                 write the patch without --json, or the regions with --json alone"
            ),
        ));
    }
    Ok(DiffPlan {
        quiet: args.quiet,
        threads: args.threads,
        format,
        name: args.name,
        json: args.json,
        old: args.old,
        new: args.new,
    })
}

fn apply(args: ApplyArgs) -> ApplyPlan {
    let review = review(
        &ReviewArgs {
            diff: args.diff,
            unified: args.unified,
            interactive: args.interactive,
        },
        args.color,
    );
    let mut write = write(args.write);
    write.dry_run |= matches!(review, Review::Diff { .. });
    ApplyPlan {
        review,
        color: stdout_color(args.color, args.json),
        write,
        reverse: args.reverse,
        any_size: args.any_size,
        format: args.format.map(Into::into),
        json: args.json,
        quiet: args.quiet,
        patch: args.patch,
        files: args.files,
    }
}
