//! docs/architecture.md's rules of the layers, each checked here on the
//! tree and each shown to fail on a small tree that breaks it:
//! - the crates depend app -> store -> core (cargo refuses a cycle between
//!   crates), and inside each crate no two modules reach each other,
//!   directly, around a loop, through a re-export, or a parent's code and a
//!   child's (`modules.rs`);
//! - the core has no I/O, time is injected, a change goes through the
//!   service, and text reaches a terminal through one output layer
//!   (`rules.rs`).

mod modules;
mod rules;

use modules::{Graph, cycles};
use rules::{Rule, violations};
use std::path::{Path, PathBuf};

fn crate_src(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join("src")
}

/// Loops the tree still has, each with what removes it. A loop found that
/// is not here fails; one here that is gone fails too, so the list shrinks.
const KNOWN_LOOPS: &[(&str, &str)] = &[(
    "(crate root)",
    "nexml-store's lib.rs holds the `Store` trait and the bulk rows the backends use; gone when they move to modules of their own",
)];

fn loops_in(dir: &str) -> Vec<Vec<String>> {
    cycles(&Graph::of(&crate_src(dir)))
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut unexplained = Vec::new();
    let mut seen = Vec::new();
    for dir in [".", "crates/core", "crates/store"] {
        for group in loops_in(dir) {
            match KNOWN_LOOPS
                .iter()
                .find(|(head, _)| group.contains(&head.to_string()))
            {
                Some((head, _)) => seen.push(*head),
                None => unexplained.push(format!("{dir}/src: {group:?}")),
            }
        }
    }
    assert!(unexplained.is_empty(), "module cycles: {unexplained:#?}");
    for (head, why) in KNOWN_LOOPS {
        assert!(
            seen.contains(head),
            "the loop at {head} is gone: remove it from KNOWN_LOOPS ({why})"
        );
    }
}

/// Writes `files` (path, text) under a fresh `src/` and returns it.
fn fixture(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn sorted(mut found: Vec<Vec<String>>) -> Vec<Vec<String>> {
    found.sort();
    found
}

#[test]
fn the_detector_sees_sibling_loops() {
    let dir = fixture(&[
        ("lib.rs", "pub mod a;\npub mod b;\n"),
        ("a/mod.rs", "mod x;\nmod y;\nuse crate::b::Thing;\n"),
        ("a/x.rs", "use super::y::Y;\n"),
        ("a/y.rs", "use super::{x, z};\n"),
        ("b.rs", "pub fn f() { crate::a::g() }\n"),
    ]);
    assert_eq!(
        sorted(cycles(&Graph::of(dir.path()))),
        vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["a::x".into(), "a::y".into()]
        ]
    );
}

#[test]
fn the_detector_follows_re_exports() {
    // `b` names `a::Thing`, which `a` only re-exports from `c`: b -> c. And
    // `c` names `b`, so b and c make a loop that `a` is not part of.
    let dir = fixture(&[
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("a.rs", "pub use crate::c::{\n    Other,\n    Thing,\n};\n"),
        ("b.rs", "use crate::a::Thing;\npub struct B;\n"),
        (
            "c.rs",
            "pub struct Thing;\npub struct Other;\nfn f(_: crate::b::B) {}\n",
        ),
    ]);
    assert_eq!(
        sorted(cycles(&Graph::of(dir.path()))),
        vec![vec!["b".to_string(), "c".into()]]
    );
    // Through a glob re-export too.
    let dir = fixture(&[
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("a.rs", "pub use crate::c::*;\n"),
        ("b.rs", "pub struct B;\nfn f(_: crate::a::Thing) {}\n"),
        ("c.rs", "pub struct Thing;\nfn f(_: crate::b::B) {}\n"),
    ]);
    assert_eq!(
        sorted(cycles(&Graph::of(dir.path()))),
        vec![vec!["b".to_string(), "c".into()]]
    );
}

#[test]
fn the_detector_sees_a_parent_and_child_loop() {
    // The parent's code uses its child, whose code uses the parent's.
    let dir = fixture(&[
        ("lib.rs", "pub mod p;\n"),
        (
            "p/mod.rs",
            "mod kid;\npub struct Shared;\npub fn run() { kid::go() }\n",
        ),
        ("p/kid.rs", "pub fn go() { let _ = super::Shared; }\n"),
    ]);
    assert_eq!(
        cycles(&Graph::of(dir.path())),
        vec![vec!["p".to_string(), "p::kid".into()]]
    );
    // A component's `view` child is part of it.
    let dir = fixture(&[
        ("lib.rs", "pub mod p;\n"),
        (
            "p/mod.rs",
            "mod view;\npub struct Shared;\npub fn draw() { view::render() }\n",
        ),
        ("p/view.rs", "pub fn render() { let _ = super::Shared; }\n"),
    ]);
    assert!(cycles(&Graph::of(dir.path())).is_empty());
    // A parent that only re-exports its child is a face, not a loop.
    let dir = fixture(&[
        ("lib.rs", "pub mod p;\n"),
        (
            "p/mod.rs",
            "mod kid;\nmod shared;\npub use shared::Shared;\npub fn run() { kid::go() }\n",
        ),
        ("p/shared.rs", "pub struct Shared;\n"),
        ("p/kid.rs", "pub fn go() { let _ = super::Shared; }\n"),
    ]);
    assert!(cycles(&Graph::of(dir.path())).is_empty());
    // A test module declared in the parent (`#[cfg(test)] mod tests;`)
    // hides none of the parent's code after it.
    let dir = fixture(&[
        ("lib.rs", "pub mod p;\n"),
        (
            "p/mod.rs",
            "mod kid;\n#[cfg(test)]\nmod tests;\npub struct Shared;\npub fn run() { kid::go() }\n",
        ),
        ("p/kid.rs", "pub fn go() { let _ = super::Shared; }\n"),
        ("p/tests.rs", "fn t() {}\n"),
    ]);
    assert_eq!(
        cycles(&Graph::of(dir.path())),
        vec![vec!["p".to_string(), "p::kid".into()]]
    );
}

#[test]
fn a_binary_beside_its_library_is_a_crate_of_its_own() {
    // main.rs's `crate::` is the binary's, not the library's root.
    let dir = fixture(&[
        ("lib.rs", "pub mod a;\n"),
        ("a.rs", "pub fn f() {}\n"),
        (
            "main.rs",
            "mod a { pub fn g() { crate::a::g() } }\nfn main() {}\n",
        ),
    ]);
    let graph = Graph::of(dir.path());
    assert!(!graph.mods.keys().any(|m| m == &vec!["main".to_string()]));
    assert!(cycles(&graph).is_empty());
}

const RULES: [(&str, &Rule); 6] = [
    ("crates/store", &rules::ROWS_ARE_DECODED_ONCE),
    ("crates/core", &rules::CORE_HAS_NO_IO),
    (".", &rules::TIME_IS_INJECTED),
    ("crates/store", &rules::TIME_IS_INJECTED),
    (".", &rules::CHANGES_GO_THROUGH_THE_SERVICE),
    (".", &rules::PRINTS_GO_THROUGH_OUTPUT),
];

#[test]
fn every_rule_of_the_layers_holds() {
    for (dir, rule) in RULES {
        let found = violations(&crate_src(dir), rule);
        assert!(
            found.is_empty(),
            "{dir}/src breaks \"{}\": {found:#?}",
            rule.claim
        );
    }
}

/// Each rule fails on a tree that breaks it, and not on one that keeps it.
#[test]
fn each_rule_fails_when_broken() {
    let cases: [(&Rule, &str, &str); 6] = [
        (
            &rules::ROWS_ARE_DECODED_ONCE,
            "sqlite.rs",
            "fn f(r: &SqliteRow) -> i64 { r.try_get(0).unwrap() }\n",
        ),
        (
            &rules::CORE_HAS_NO_IO,
            "drift/csv.rs",
            "fn f() { let _ = std::fs::read(\"x\"); }\n",
        ),
        (
            &rules::CORE_HAS_NO_IO,
            "drift/compare.rs",
            "fn f() { std::thread::scope(|_| {}); }\n",
        ),
        (
            &rules::TIME_IS_INJECTED,
            "serve/mlflow.rs",
            "fn f() { let _ = chrono::Utc::now(); }\n",
        ),
        (
            &rules::CHANGES_GO_THROUGH_THE_SERVICE,
            "seed/generate.rs",
            "async fn f(s: &dyn Store) { let w = s.write().await; }\n",
        ),
        (
            &rules::PRINTS_GO_THROUGH_OUTPUT,
            "cli/watch.rs",
            "fn f(p: &str) { eprintln!(\"{p}\"); }\n",
        ),
    ];
    for (rule, file, text) in cases {
        let dir = fixture(&[("lib.rs", "pub mod x;\n"), (file, text)]);
        let found = violations(dir.path(), rule);
        assert_eq!(
            found.len(),
            1,
            "\"{}\" missed {file}: {found:?}",
            rule.claim
        );
        assert!(found[0].starts_with(&format!("{file}:1:")), "{found:?}");
        // The same text in a test module, a comment or an allowed file passes.
        let in_tests = format!("pub fn g() {{}}\n#[cfg(test)]\nmod tests {{\n{text}}}\n");
        let commented = format!("// {text}");
        for kept in [in_tests.as_str(), commented.as_str()] {
            let dir = fixture(&[("lib.rs", "pub mod x;\n"), (file, kept)]);
            assert!(violations(dir.path(), rule).is_empty(), "{kept}");
        }
        let (allowed, _) = rule.allowed[0];
        let allowed = if allowed.ends_with('/') {
            format!("{allowed}x.rs")
        } else {
            allowed.to_string()
        };
        let dir = fixture(&[("lib.rs", "pub mod x;\n"), (&allowed, text)]);
        assert!(violations(dir.path(), rule).is_empty(), "{allowed}");
    }
}

/// The core crate knows nothing of storage, terminals or the network, and the
/// store knows nothing of the app.
#[test]
fn crates_depend_app_to_store_to_core() {
    let manifest = |dir: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(dir)
                .join("Cargo.toml"),
        )
        .unwrap()
    };
    let core = manifest("crates/core");
    for forbidden in [
        "nexml-store",
        "sqlx",
        "tokio",
        "ratatui",
        "crossterm",
        "reqwest",
    ] {
        assert!(
            !core.contains(forbidden),
            "nexml-core depends on {forbidden}"
        );
    }
    let store = manifest("crates/store");
    assert!(store.contains("nexml-core"));
    for forbidden in ["ratatui", "crossterm", "reqwest", "clap"] {
        assert!(
            !store.contains(forbidden),
            "nexml-store depends on {forbidden}"
        );
    }
    let app = manifest(".");
    assert!(app.contains("nexml-core") && app.contains("nexml-store"));
}

/// Whether PostgreSQL migration text creates objects without handing them
/// to `nexml_owner` and `nexml_app` (`SELECT nexml_secure_schema();`).
fn leaves_objects_unsecured(sql: &str) -> bool {
    let sql = sql.to_uppercase();
    let creates = [
        "CREATE TABLE",
        "CREATE SEQUENCE",
        "CREATE FUNCTION",
        "CREATE OR REPLACE FUNCTION",
    ]
    .iter()
    .any(|c| sql.contains(c));
    creates && !sql.contains("SELECT NEXML_SECURE_SCHEMA()")
}

/// A PostgreSQL migration after the roles (0010) that creates a table,
/// sequence or function hands it to `nexml_owner` and `nexml_app`, or the
/// app's role could not use it (or could bypass its guards).
#[test]
fn later_postgres_migrations_secure_what_they_create() {
    assert!(leaves_objects_unsecured("CREATE TABLE ml_x (id BIGINT);"));
    assert!(!leaves_objects_unsecured(
        "CREATE TABLE ml_x (id BIGINT);\nSELECT nexml_secure_schema();"
    ));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    for entry in std::fs::read_dir(&dir).expect("the migrations folder") {
        let path = entry.expect("a migration").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let number: u32 = name[..4].parse().expect("a numbered migration");
        let sql = std::fs::read_to_string(&path).unwrap();
        assert!(
            number < 10 || !leaves_objects_unsecured(&sql),
            "{name} creates objects but does not end with SELECT nexml_secure_schema();"
        );
    }
}

/// The router (everything in `tui/` but the screens and their drawing)
/// never names a screen: answers reach screens by what they show.
#[test]
fn the_router_names_no_screen() {
    let tui = crate_src(".").join("tui");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&tui).expect("src/tui") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        found.extend(screen_variants(&text).into_iter().map(|(line, word)| {
            format!(
                "{}:{line}: {word}",
                path.file_name().unwrap().to_string_lossy()
            )
        }));
    }
    assert!(found.is_empty(), "the router names screens: {found:#?}");
    assert_eq!(
        screen_variants("if let Some(Screen::Editor(e)) = top {}\nScreen::audit_scope"),
        vec![(1, "Screen::Editor".to_string())]
    );
}

/// A tab is one row of the tab table: `tui/tab.rs` says what differs
/// between tabs (titles, statuses, sort columns, and through
/// `with_row_type!` which rows each lists, whose traits say how they are
/// read, drawn and opened), and no other file matches on a tab.
#[test]
fn only_the_tab_table_matches_on_a_tab() {
    let table = ["tab.rs"];
    let mut found = Vec::new();
    let mut dirs = vec![crate_src(".").join("tui")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".rs") || (dir.ends_with("tui") && table.contains(&name.as_str())) {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            found.extend(
                tab_arms(&text)
                    .into_iter()
                    .map(|line| format!("{}:{line}", path.display())),
            );
        }
    }
    assert!(
        found.is_empty(),
        "a tab matched outside the tab table: {found:#?}"
    );
    assert_eq!(
        tab_arms(
            "match tab {\n    Tab::Runs => 1,\n    Tab::Models | Tab::Monitoring => 2,\n}\nif tab == Tab::Runs {}\napp.tab = Tab::Runs;"
        ),
        vec![2, 3, 5]
    );
}

/// The lines with a match arm on a `Tab` variant, or a comparison with one
/// (`tab == Tab::Runs`: what only one tab does is a method of the table).
fn tab_arms(text: &str) -> Vec<usize> {
    let arm = |rest: &str| {
        let rest = rest.trim_start_matches(char::is_alphanumeric).trim_start();
        rest.starts_with("=>") || rest.starts_with('|') && !rest.starts_with("||")
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.match_indices("Tab::").any(|(at, _)| {
                let before = line[..at].chars().next_back();
                let rest = &line[at + "Tab::".len()..];
                let compared = {
                    let head = line[..at].trim_end();
                    head.ends_with("==") || head.ends_with("!=")
                };
                before.is_none_or(|c| !c.is_alphanumeric())
                    && rest.starts_with(char::is_uppercase)
                    && (arm(rest) || compared)
            })
        })
        .map(|(n, _)| n + 1)
        .collect()
}

/// `Screen::<Variant>` (a capitalized name after `Screen::`) with its line.
fn screen_variants(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for (at, _) in line.match_indices("Screen::") {
            let before = line[..at].chars().next_back();
            let rest = &line[at + "Screen::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
            if before.is_none_or(|c| !c.is_alphanumeric()) && name.starts_with(char::is_uppercase) {
                out.push((n + 1, format!("Screen::{name}")));
            }
        }
    }
    out
}
