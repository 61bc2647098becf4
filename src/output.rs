//! What find and replace print on stdout: offsets, match context, and JSON
//! lines; buffered, with a closed pipe surfacing as an error that ends the
//! run quietly.

use std::io::{self, BufWriter, Stdout, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::pass::Hit;
use crate::pattern::to_hex;
use crate::render;

/// Buffered stdout.
pub struct Output(BufWriter<Stdout>);

impl Output {
    pub fn stdout() -> Output {
        Output(BufWriter::with_capacity(64 << 10, io::stdout()))
    }

    pub fn line(&mut self, text: impl std::fmt::Display) -> io::Result<()> {
        writeln!(self.0, "{text}")
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)
    }

    pub fn json(&mut self, object: Map<String, Value>) -> io::Result<()> {
        serde_json::to_writer(&mut self.0, &Value::Object(object))?;
        self.0.write_all(b"\n")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// How each match is shown.
#[derive(Debug, Clone, Copy)]
pub struct HitStyle {
    pub show_name: bool,
    pub hex_offsets: bool,
    pub json: bool,
    pub context: bool,
}

impl HitStyle {
    pub fn offset(&self, offset: u64) -> String {
        if self.hex_offsets {
            format!("{offset:#x}")
        } else {
            offset.to_string()
        }
    }

    /// `[PATH:]OFFSET`, the start of every text line about a match.
    fn label(&self, name: &str, offset: u64) -> String {
        if self.show_name {
            format!("{name}:{}", self.offset(offset))
        } else {
            self.offset(offset)
        }
    }

    /// Prints one match of `name` (whose path is `path`). A replacement
    /// with context shows two lines, before (`-`) and after (`+`).
    pub fn hit(&self, out: &mut Output, name: &str, path: &Path, hit: &Hit) -> io::Result<()> {
        let offset = hit.offset as u64;
        if self.json {
            let mut object = Map::new();
            object.insert("type".into(), json!("match"));
            insert_path(&mut object, path);
            object.insert("offset".into(), json!(offset));
            object.insert("bytes".into(), json!(to_hex(hit.old())));
            if let Some(new) = hit.replaced() {
                object.insert("old".into(), json!(to_hex(hit.old())));
                object.insert("new".into(), json!(to_hex(new)));
            }
            return out.json(object);
        }
        let label = self.label(name, offset);
        match (self.context, hit.after) {
            (false, _) => out.line(label),
            (true, None) => out.line(format_args!(
                "{label}: {}",
                render::context(hit.before, hit.lead, hit.len)
            )),
            (true, Some(after)) => {
                out.line(format_args!(
                    "{label}- {}",
                    render::context(hit.before, hit.lead, hit.len)
                ))?;
                out.line(format_args!(
                    "{label}+ {}",
                    render::context(after, hit.lead, hit.len)
                ))
            }
        }
    }
}

/// A JSON summary line for one file.
pub fn summary(path: &Path, matches: u64, scanned: u64, elapsed_ms: u128) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("type".into(), json!("summary"));
    insert_path(&mut object, path);
    object.insert("matches".into(), json!(matches));
    object.insert("bytes_scanned".into(), json!(scanned));
    object.insert("elapsed_ms".into(), json!(elapsed_ms as u64));
    object
}

/// `path`, lossy if it is not UTF-8, and then also `path_hex` with its bytes.
fn insert_path(object: &mut Map<String, Value>, path: &Path) {
    object.insert("path".into(), json!(path.to_string_lossy()));
    if path.to_str().is_none() {
        object.insert(
            "path_hex".into(),
            json!(to_hex(path.as_os_str().as_bytes())),
        );
    }
}
