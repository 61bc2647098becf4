//! The objects of `--json` output as types: `match`, `summary` and `total`,
//! their keys in the order printed. docs/REFERENCE.md's table is checked against them.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde::Serialize;

use crate::engine::pattern::to_hex;

/// One match (`"type":"match"`); replace adds the bytes before and after.
#[derive(Debug, Serialize)]
pub struct Match {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub path: PathName,
    pub offset: u64,
    pub bytes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// One file's summary (`"type":"summary"`); replace adds `dry_run`.
#[derive(Debug, Serialize)]
pub struct Summary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub path: PathName,
    pub matches: u64,
    pub bytes_scanned: u64,
    pub elapsed_ms: u64,
    /// Bytes appended to a live log during the run, not searched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appended: Option<u64>,
    pub patterns: Vec<PatternCount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// One pattern's own count, in a summary's `patterns`.
#[derive(Debug, Serialize)]
pub struct PatternCount {
    pub pattern: String,
    pub matches: u64,
}

/// The last line of a walk or list (`"type":"total"`); replace adds
/// `files_patched` and `dry_run`.
#[derive(Debug, Serialize)]
pub struct Total {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub files_searched: u64,
    pub files_matched: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files_patched: Option<u64>,
    pub files_failed: u64,
    /// Binary files the walk skipped.
    pub files_binary_skipped: u64,
    pub matches: u64,
    pub elapsed_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

/// A region `mpatch apply` wrote (`"type":"region"`).
#[derive(Debug, Serialize)]
pub struct AppliedRegion {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub path: PathName,
    pub offset: u64,
    pub old: String,
    pub new: String,
}

/// One file of `mpatch apply` (`"type":"summary"`): what became of it.
#[derive(Debug, Serialize)]
pub struct ApplySummary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub path: PathName,
    /// The patch's format (`--format`'s name).
    pub format: &'static str,
    pub status: String,
    pub regions: u64,
    pub bytes: u64,
}

/// The first region of a patch that holds neither its old nor its new
/// bytes (`"type":"mismatch"`).
#[derive(Debug, Serialize)]
pub struct Mismatch {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub path: String,
    pub offset: u64,
    pub expected: String,
    pub found: String,
}

/// A changed region `mpatch diff --json` found (`"type":"region"`): the
/// line of mpatch's patch format as an object.
#[derive(Debug, Serialize)]
pub struct DiffRegion {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub offset: u64,
    pub old: String,
    pub new: String,
}

/// The end of `mpatch diff --json` (`"type":"summary"`).
#[derive(Debug, Serialize)]
pub struct DiffSummary {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The format whose regions were shown (mpatch's).
    pub format: &'static str,
    /// The size of both files.
    pub size: u64,
    pub regions: u64,
    /// The bytes that differ (a region may hold unchanged ones).
    pub bytes_changed: u64,
}

/// Bytes `mpatch peek --json` shows (`"type":"bytes"`), one object for
/// each piece read.
#[derive(Debug, Serialize)]
pub struct Bytes {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub path: PathName,
    pub offset: u64,
    pub bytes: String,
}

/// What `mpatch poke --json` wrote (`"type":"poke"`).
#[derive(Debug, Serialize)]
pub struct Poked {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub path: PathName,
    pub offset: u64,
    pub old: String,
    pub new: String,
    pub dry_run: bool,
}

/// One file of `mpatch undo --json` (`"type":"restored"`).
#[derive(Debug, Serialize)]
pub struct Restored {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub path: PathName,
    /// Regions written back.
    pub regions: u64,
    /// Regions not restored: they lie past the end of the file.
    pub skipped: u64,
    /// The offsets of the first of them (1,000 at most).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub past_end: Vec<u64>,
    /// Why the file was not restored, if it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `path`, lossy if it is not UTF-8, and then also `path_hex` with its bytes.
#[derive(Debug, Serialize)]
pub struct PathName {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
}

impl PathName {
    pub fn of(path: &Path) -> PathName {
        PathName {
            path: path.to_string_lossy().into_owned(),
            path_hex: path
                .to_str()
                .is_none()
                .then(|| to_hex(path.as_os_str().as_bytes())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::ffi::OsStr;

    fn keys(value: &impl Serialize) -> Vec<String> {
        match serde_json::to_value(value).unwrap() {
            serde_json::Value::Object(object) => object.keys().cloned().collect(),
            other => panic!("not an object: {other}"),
        }
    }

    /// Every optional field filled, and a path that is not UTF-8.
    fn samples() -> Vec<(&'static str, Vec<String>)> {
        let name = || PathName::of(Path::new(OsStr::from_bytes(b"a\xff")));
        let summary = Summary {
            kind: "summary",
            path: name(),
            matches: 1,
            bytes_scanned: 2,
            elapsed_ms: 3,
            appended: Some(4),
            patterns: vec![PatternCount {
                pattern: "41".into(),
                matches: 1,
            }],
            dry_run: Some(true),
        };
        vec![
            (
                "match",
                keys(&Match {
                    kind: "match",
                    path: name(),
                    offset: 1,
                    bytes: "41".into(),
                    old: Some("41".into()),
                    new: Some("42".into()),
                }),
            ),
            ("summary", keys(&summary)),
            ("patterns", keys(&summary.patterns[0])),
            (
                "total",
                keys(&Total {
                    kind: "total",
                    files_searched: 1,
                    files_matched: 1,
                    files_patched: Some(1),
                    files_failed: 0,
                    files_binary_skipped: 0,
                    matches: 1,
                    elapsed_ms: 1,
                    dry_run: Some(false),
                }),
            ),
        ]
    }

    /// docs/REFERENCE.md's JSON table: each key and the objects it says hold it
    /// (`all`, `match`, `replace summary`, `summary patterns`, ...).
    fn readme_table() -> Vec<(String, BTreeSet<String>)> {
        let readme = include_str!("../../docs/REFERENCE.md");
        let section = readme
            .split("### JSON lines (`--json`)")
            .nth(1)
            .expect("docs/REFERENCE.md has a JSON section");
        let section = &section[..section.find("\n### ").unwrap_or(section.len())];
        let mut rows = Vec::new();
        for line in section.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let objects: BTreeSet<String> = cells[2]
                .split(',')
                .map(|o| {
                    let last = o.split_whitespace().last().unwrap_or("");
                    last.trim_matches('`').to_string()
                })
                .collect();
            for key in cells[1].split(',') {
                rows.push((key.trim().trim_matches('`').to_string(), objects.clone()));
            }
        }
        rows
    }

    #[test]
    fn the_readme_lists_every_key_of_every_object_and_no_other() {
        let table = readme_table();
        assert!(!table.is_empty());
        for (object, keys) in samples() {
            let listed: BTreeSet<&str> = table
                .iter()
                .filter(|(_, objects)| objects.contains(object) || objects.contains("all"))
                .map(|(key, _)| key.as_str())
                .collect();
            let printed: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
            assert_eq!(
                printed, listed,
                "docs/REFERENCE.md's JSON table and the `{object}` object differ"
            );
        }
    }

    #[test]
    fn keys_come_in_the_printed_order() {
        let samples = samples();
        assert_eq!(
            samples[0].1,
            ["type", "path", "path_hex", "offset", "bytes", "old", "new"]
        );
        assert_eq!(
            samples[1].1,
            [
                "type",
                "path",
                "path_hex",
                "matches",
                "bytes_scanned",
                "elapsed_ms",
                "appended",
                "patterns",
                "dry_run"
            ]
        );
        assert_eq!(
            samples[3].1,
            [
                "type",
                "files_searched",
                "files_matched",
                "files_patched",
                "files_failed",
                "files_binary_skipped",
                "matches",
                "elapsed_ms",
                "dry_run"
            ]
        );
    }
}
