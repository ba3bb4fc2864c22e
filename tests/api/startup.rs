//! A `DATABASE_URL` newsdesk cannot serve stops it at once: exit status 1 and one line
//! naming the path and the cause; nothing on disk is changed.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn migrate(database_url: &str) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("migrate")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the newsdesk binary runs");
    (out, started.elapsed())
}

/// Asserts a failed start: non-zero, quick, one line of stderr containing each of `want`.
fn assert_refused(database_url: &str, want: &[&str]) {
    let (out, took) = migrate(database_url);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{database_url}: exit 0; {stderr}");
    assert!(
        took < Duration::from_secs(3),
        "{database_url}: took {took:?}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{database_url}: not one line: {stderr}");
    for w in want {
        assert!(
            lines[0].contains(w),
            "{database_url}: '{w}' not in: {}",
            lines[0]
        );
    }
}

#[test]
fn a_path_through_a_regular_file_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, "not a folder").unwrap();
    let url = file.join("sub/newsdesk.db");
    assert_refused(
        url.to_str().unwrap(),
        &[file.to_str().unwrap(), "database folder"],
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.db");
    let text = "These are notes, not a database. ".repeat(200);
    std::fs::write(&file, &text).unwrap();
    assert_refused(
        file.to_str().unwrap(),
        &[file.to_str().unwrap(), "not a usable SQLite database"],
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        text,
        "the file was modified"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "files appeared beside it: {names:?}");
}

#[test]
fn a_folder_where_the_file_should_be_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert_refused(dir.path().to_str().unwrap(), &["is a folder"]);
}

#[test]
fn a_server_url_is_refused_instead_of_becoming_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    // A PostgreSQL URL selects PostgreSQL: unreachable here (port 1), it fails at once
    // naming the server; a scheme newsdesk has no engine for is refused by name.
    for (url, says) in [
        (
            "postgres://127.0.0.1:1/newsdesk",
            "cannot connect to PostgreSQL",
        ),
        ("mysql://localhost/newsdesk", "DATABASE_URL"),
    ] {
        let (out, _) = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .arg("migrate")
            .current_dir(dir.path())
            .env("DATABASE_URL", url)
            .output()
            .map(|o| (o, ()))
            .unwrap();
        assert!(!out.status.success(), "{url}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{url} made files"
        );
    }
    // A sqlite:// URL is a path.
    let db = dir.path().join("ok.db");
    let (out, _) = migrate(&format!("sqlite://{}", db.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
}
