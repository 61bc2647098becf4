//! The published crate: what `cargo package` puts in it, its metadata, and a
//! `rust-version` that no locked dependency contradicts. Runs offline.

mod common;

use std::process::Command;

use common::root;
use serde_json::Value;

/// The cargo that runs this test, so the check uses the same toolchain.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root()).env("CARGO_TERM_COLOR", "never");
    cmd
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_package_holds_the_licences_and_docs_and_no_bench_or_ci() {
    // --list reads only the manifest and the work tree (or git's index), so
    // it needs no network; --allow-dirty lets it run on uncommitted work.
    let listing = run(cargo().args([
        "package",
        "--list",
        "--allow-dirty",
        "--locked",
        "--offline",
    ]));
    let files: Vec<&str> = listing.lines().collect();
    for wanted in [
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "README.md",
        "CHANGELOG.md",
        "Cargo.lock",
        "src/main.rs",
        "man/mpatch.1",
        "man/mpatch-replace.1",
        "completions/mpatch.bash",
        "samples/app.log",
    ] {
        assert!(files.contains(&wanted), "{wanted} not packaged: {files:?}");
    }
    for file in &files {
        assert!(
            !["bench/", ".ci/", "target/"]
                .iter()
                .any(|dir| file.starts_with(dir)),
            "{file} should not be packaged"
        );
    }
}

#[test]
fn licence_files_name_the_copyright_holders() {
    for name in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let text = std::fs::read_to_string(root().join(name)).unwrap();
        assert!(text.contains("the mpatch developers"), "{name}");
    }
}

fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|part| part.parse::<u64>().unwrap());
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

/// The package's metadata and every package it builds with on this host
/// (normal, build and dev dependencies), as cargo resolved them from the lock.
fn metadata() -> Value {
    let host =
        run(Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())).arg("-vV"));
    let host = host
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .unwrap()
        .to_owned();
    // Filtered to this host, cargo needs only the sources `cargo test` has
    // already fetched; unfiltered it would want every platform's, offline.
    let json = run(cargo().args([
        "metadata",
        "--format-version",
        "1",
        "--locked",
        "--offline",
        "--filter-platform",
        &host,
    ]));
    serde_json::from_str(&json).unwrap()
}

#[test]
fn rust_version_is_no_older_than_any_locked_dependency_needs() {
    let metadata = metadata();
    let packages = metadata["packages"].as_array().unwrap();
    let ours = packages.iter().find(|p| p["name"] == "mpatch").unwrap();
    let claimed = version(ours["rust_version"].as_str().unwrap());
    for package in packages {
        if let Some(needed) = package["rust_version"].as_str() {
            assert!(
                version(needed) <= claimed,
                "{} {} needs Rust {needed}, but Cargo.toml says rust-version {:?}",
                package["name"],
                package["version"],
                ours["rust_version"]
            );
        }
    }
}

/// The crates a build with `features` (cargo's flags) links, by name.
fn linked(features: &[&str]) -> Vec<String> {
    let mut args = vec![
        "tree", "-e", "normal", "--prefix", "none", "--format", "{p}",
    ];
    args.extend_from_slice(&["--locked", "--offline"]);
    args.extend_from_slice(features);
    let tree = run(cargo().args(&args));
    let names = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next());
    names.map(str::to_owned).collect()
}

#[test]
fn a_program_that_uses_the_library_builds_no_command_line_and_no_bar() {
    // The binary's crates: clap's (feature cli) and the bar's (progress).
    let binary_only = [
        "clap",
        "clap_complete",
        "clap_mangen",
        "indicatif",
        "console",
    ];
    let full = linked(&[]);
    let library = linked(&["--no-default-features"]);
    for name in binary_only {
        assert!(full.iter().any(|n| n == name), "the binary links no {name}");
        assert!(
            !library.iter().any(|n| n == name),
            "the library without default features links {name}"
        );
    }
    assert!(library.iter().any(|n| n == "memchr"), "{library:?}");
}

#[test]
fn manifest_metadata_is_complete() {
    let metadata = metadata();
    let ours = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "mpatch")
        .unwrap();
    assert_eq!(ours["license"], "MIT OR Apache-2.0");
    assert!(ours["readme"].as_str().unwrap().ends_with("README.md"));
    let keywords = ours["keywords"].as_array().unwrap();
    // crates.io takes at most five keywords.
    assert!((1..=5).contains(&keywords.len()), "{keywords:?}");
    let categories = ours["categories"].as_array().unwrap();
    assert!(
        categories.contains(&Value::from("command-line-utilities")),
        "{categories:?}"
    );
}
