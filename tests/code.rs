//! The code's own rules: unsafe in one module and few, layers that never
//! reach up, short files and functions.

use std::fs;
use std::path::Path;

fn source_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The lines that follow `#[allow(unsafe_code)]` in `text`.
fn allowed_after(text: &str) -> Vec<&str> {
    text.lines()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|pair| pair[0].trim() == "#[allow(unsafe_code)]")
        .map(|pair| pair[1].trim())
        .collect()
}

#[test]
fn unsafe_code_is_denied_outside_the_mapping_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert!(
        lib.contains("#![deny(unsafe_code)]"),
        "lib.rs must deny unsafe_code"
    );
    let mut allowed: Vec<&str> = Vec::new();
    let io = fs::read_to_string(root.join("src/io/mod.rs")).unwrap();
    for text in [&lib, &io] {
        allowed.extend(allowed_after(text));
    }
    assert_eq!(
        allowed,
        ["pub mod map;"],
        "only io/map.rs may allow unsafe code"
    );
    let mut files = Vec::new();
    source_files(&root.join("src"), &mut files);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let is_map = file.ends_with("src/io/map.rs");
        for (n, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap();
            if !code.contains("unsafe {") && !code.contains("unsafe fn") {
                continue;
            }
            assert!(
                is_map,
                "{}:{}: unsafe outside map.rs",
                file.display(),
                n + 1
            );
            // The SAFETY comment sits in the lines just above the block.
            let above = &lines[n.saturating_sub(8)..n];
            assert!(
                code.contains("unsafe fn") || above.iter().any(|l| l.contains("// SAFETY:")),
                "{}:{}: unsafe block without a SAFETY comment",
                file.display(),
                n + 1
            );
        }
    }
}

/// The layers of `src/`, top to bottom: a module names only those below it
/// (and `error`, which every layer uses).
#[test]
fn lower_layers_never_import_higher_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers = ["commands", "cli", "api", "output", "engine", "io"];
    for (i, layer) in layers.iter().enumerate() {
        let mut files = Vec::new();
        source_files(&root.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ holds the layer");
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for higher in &layers[..i] {
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap();
                    assert!(
                        !code.contains(&format!("crate::{higher}::")),
                        "{}:{}: {layer} imports the higher layer {higher}",
                        file.display(),
                        n + 1
                    );
                }
            }
        }
    }
}

/// clap is the binary's (src/main.rs and src/cli/, the `cli` feature): the
/// library, which a program depends on with `default-features = false`,
/// names none of clap, clap_complete and clap_mangen in its code.
#[test]
fn the_library_never_imports_clap() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&root, &mut files);
    let library: Vec<_> = files
        .into_iter()
        .filter(|file| !file.starts_with(root.join("cli")) && *file != root.join("main.rs"))
        .collect();
    assert!(library.iter().any(|file| file.ends_with("src/lib.rs")));
    for file in library {
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            assert!(
                !code.contains("clap"),
                "{}:{}: the library names clap, which only the binary (feature cli) has",
                file.display(),
                n + 1
            );
        }
    }
}

/// Each function of `text` that is longer than `max` lines, as
/// (line, name, length): a function runs from its `fn` line to the brace
/// that closes the first one after it (braces in strings and comments are
/// rare enough in this code not to matter, and a miscount fails loudly).
fn long_functions(text: &str, max: usize) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut long = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let code = line.split("//").next().unwrap().trim_start();
        let code = code
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ");
        let code = code
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("unsafe ");
        let Some(rest) = code.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened) = (0i64, false);
        for (m, body) in lines[n..].iter().enumerate() {
            let body = body.split("//").next().unwrap();
            for c in body.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened && depth == 0 => break,
                    _ => {}
                }
            }
            if !opened && body.trim_end().ends_with(';') {
                break;
            }
            if opened && depth == 0 {
                if m + 1 > max {
                    long.push((n + 1, name.clone(), m + 1));
                }
                break;
            }
        }
    }
    long
}

#[test]
fn no_source_file_over_1000_lines_nor_function_over_100() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "examples", "python/src"] {
        if root.join(dir).is_dir() {
            source_files(&root.join(dir), &mut files);
        }
    }
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        let lines = text.lines().count();
        if lines > 1000 {
            found.push(format!("{shown}: {lines} lines"));
        }
        for (at, name, len) in long_functions(&text, 100) {
            found.push(format!("{shown}:{at}: fn {name} is {len} lines"));
        }
    }
    assert!(found.is_empty(), "too long:\n{}", found.join("\n"));
}

#[test]
fn unsafe_blocks_are_few() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    source_files(&root.join("src"), &mut files);
    let blocks: usize = files
        .iter()
        .map(|file| {
            let text = fs::read_to_string(file).unwrap();
            text.lines()
                .filter(|line| line.split("//").next().unwrap().contains("unsafe {"))
                .count()
        })
        .sum();
    assert!(blocks <= 11, "{blocks} unsafe blocks; at most 11");
}
