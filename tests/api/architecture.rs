//! The layers point one way. Each top-level module of `src/` may import only from the
//! layers listed for it in [`ALLOWED`]; this test reads every `crate::` path in `src/`
//! (plain paths and `use crate::{…}` groups) and fails on any other, naming the file.
//!
//! ```text
//! domain ← config ← db ← wire ← error ← runtime ← state ← http ← handlers ← app, routes, openapi ← serve, jobs, seed, cli, commands, main
//! ```
//! (`←` reads "is imported by"; a layer may also import anything further left.)
//!
//! And the frameworks each layer must not know ([`FORBIDDEN`]): no HTTP or SQL crate in
//! `domain`, no HTTP or schema crate in `db`, no SQL or HTTP crate in `wire`.

use std::collections::BTreeSet;
use std::path::Path;

/// The layers, bottom first. A module may import its own layer and those before it.
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["config"],
    &["db"],
    &["wire"],
    &["error"],
    &["runtime"],
    &["state"],
    &["http"],
    &["handlers"],
    &["app", "routes", "openapi"],
    &["serve", "jobs", "seed", "cli", "commands", "main", "lib"],
];

/// Imports that still point up, each with what removing it takes. The list may only
/// shrink: an upward import not named here fails the test, and so does an entry that
/// no longer occurs (delete it).
const KNOWN: &[(&str, &str, &str)] = &[];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every top-level module named after `crate::` in `source`.
fn imports(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // A `use crate::{a, b::c, …}` group: the first name of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            for (i, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        rest = &group[i..];
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphabetic() || c == '_') => {
                        let name: String = group[i..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        out.insert(name);
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(file, module, imported module)` for every import that points up.
fn upward_imports() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src/");
        let module = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs").to_string())
            .expect("a module name");
        let Some(own) = layer_of(&module) else {
            panic!(
                "src/{}: module '{module}' is in no layer of LAYERS",
                rel.display()
            );
        };
        // Doc links count too: a doc that points up a layer describes a dependency.
        let text = std::fs::read_to_string(&file).expect("readable source");
        for imported in imports(&text) {
            match layer_of(&imported) {
                Some(theirs) if theirs > own => {
                    found.push((format!("src/{}", rel.display()), module.clone(), imported))
                }
                Some(_) => {}
                None => panic!(
                    "src/{}: imports crate::{imported}, which is in no layer of LAYERS",
                    rel.display()
                ),
            }
        }
    }
    found.sort();
    found
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let found = upward_imports();
    let unexpected: Vec<String> = found
        .iter()
        .filter(|(file, _, to)| !KNOWN.iter().any(|(f, t, _)| f == file && t == to))
        .map(|(file, from, to)| format!("{file} ({from}) imports crate::{to}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "imports pointing up a layer:\n  {}",
        unexpected.join("\n  ")
    );
    let gone: Vec<String> = KNOWN
        .iter()
        .filter(|(f, t, _)| !found.iter().any(|(file, _, to)| file == f && to == t))
        .map(|(f, t, _)| format!("{f} → {t}"))
        .collect();
    assert!(gone.is_empty(), "fixed, remove from KNOWN: {gone:?}");
}

/// Crates a layer must not name: the domain knows neither HTTP nor SQL, the store no
/// HTTP and no JSON schema, the wire shapes no SQL and no HTTP, and HTTP's layers no SQL
/// (they call the store's functions).
const FORBIDDEN: &[(&str, &[&[&str]])] = &[
    ("domain", &[HTTP, SQL]),
    ("db", &[HTTP, SCHEMA]),
    ("wire", &[HTTP, SQL]),
    ("http", &[SQL]),
    ("handlers", &[SQL]),
];
const HTTP: &[&str] = &["actix_web", "actix_multipart", "actix_cors"];
const SQL: &[&str] = &["diesel", "r2d2"];
const SCHEMA: &[&str] = &["utoipa"];

/// Each crate of `crates` that `source` names in a path (`name::…`, `use name::…`).
fn crates_named<'a>(source: &str, crates: &[&'a str]) -> Vec<&'a str> {
    crates
        .iter()
        .copied()
        .filter(|c| {
            source.match_indices(&format!("{c}::")).any(|(at, _)| {
                !source[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == ':')
            })
        })
        .collect()
}

#[test]
fn no_layer_names_a_framework_it_must_not_know() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for (layer, kinds) in FORBIDDEN {
        let crates = kinds.concat();
        let mut files = Vec::new();
        sources(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ has sources");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for c in crates_named(&text, &crates) {
                found.push(format!("{} names {c}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_framework_check_sees_paths_and_not_suffixes() {
    let text = "use diesel::prelude::*;\nlet x = my_diesel::y; let z = a::diesel::b;";
    assert_eq!(crates_named(text, &["diesel", "actix_web"]), ["diesel"]);
    assert!(crates_named("fn f() { actix_web::web::block(g) }", &["actix_web"]).len() == 1);
    assert!(crates_named("let a = my_diesel::y;", &["diesel"]).is_empty());
}

#[test]
fn the_reader_sees_groups_and_paths() {
    let found = imports(
        "use crate::{db::{self, x}, domain::article, error::ApiError};\nlet a = crate::wire::Article;",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["db", "domain", "error", "wire"]
    );
}
