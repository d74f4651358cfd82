//! The layers hold: the crates depend app -> store -> core (cargo refuses a
//! cycle between crates), and inside each crate no two sibling modules
//! reach each other, directly or around a loop (`a -> b -> a`), at any
//! level. A module reaches another by naming it in a path (`crate::x`,
//! `super::x`, `self::x`, or inside a `use crate::{...}` group); test
//! modules do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every module of a crate's `src/`, with its source (tests cut off).
fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("reading src") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(src)
                .expect("under src")
                .with_extension("");
            let mut module: Module = rel.iter().map(|p| p.to_string_lossy().into()).collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).expect("reading a source file");
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            out.insert(module, text);
        }
    }
    out
}

/// The paths a source names: `crate::a::b`, `super::a`, `self::a`, and
/// the first name of each item in a `use crate::{a, b::c}` group.
fn named_paths(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for base in ["crate", "super", "self"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(base).map(|i| i + from) {
            from = at + base.len();
            let before_ok = at == 0
                || !(bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b'$');
            if !before_ok || !text[from..].starts_with("::") {
                continue;
            }
            let rest = &text[from + 2..];
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find("};").unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let first: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !first.is_empty() {
                        out.push((base.to_string(), vec![first]));
                    }
                }
                continue;
            }
            let path: Vec<String> = rest
                .split("::")
                .map(|seg| {
                    seg.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .take_while(|seg| !seg.is_empty())
                .collect();
            if !path.is_empty() {
                out.push((base.to_string(), path));
            }
        }
    }
    out
}

/// Which modules each module names, resolved to the longest existing one.
fn edges(mods: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut out: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in mods {
        for (base, path) in named_paths(text) {
            let mut target: Module = match base.as_str() {
                "crate" => path,
                "super" => {
                    let mut t = module[..module.len().saturating_sub(1)].to_vec();
                    t.extend(path);
                    t
                }
                _ => {
                    let mut t = module.clone();
                    t.extend(path);
                    t
                }
            };
            while !target.is_empty() && !mods.contains_key(&target) {
                target.pop();
            }
            if !target.is_empty() && &target != module {
                out.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    out
}

/// Groups of sibling modules that reach each other, at every level.
fn cycles(src: &Path) -> Vec<Vec<String>> {
    let mods = modules(src);
    let edges = edges(&mods);
    let parents: BTreeSet<Module> = mods
        .keys()
        .filter(|m| !m.is_empty())
        .map(|m| m[..m.len() - 1].to_vec())
        .collect();
    let mut found = Vec::new();
    for parent in parents {
        let depth = parent.len() + 1;
        let child = |m: &Module| -> Option<Module> {
            (m.len() >= depth && m[..parent.len()] == parent[..]).then(|| m[..depth].to_vec())
        };
        let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (from, targets) in &edges {
            let Some(a) = child(from) else { continue };
            for to in targets {
                if let Some(b) = child(to).filter(|b| *b != a) {
                    graph.entry(a.clone()).or_default().insert(b);
                }
            }
        }
        // Two siblings are in one cycle when each reaches the other.
        let reach = |start: &Module| -> BTreeSet<Module> {
            let mut seen = BTreeSet::new();
            let mut todo = vec![start.clone()];
            while let Some(m) = todo.pop() {
                for n in graph.get(&m).into_iter().flatten() {
                    if seen.insert(n.clone()) {
                        todo.push(n.clone());
                    }
                }
            }
            seen
        };
        let mut grouped = BTreeSet::new();
        for m in graph.keys() {
            if grouped.contains(m) {
                continue;
            }
            let from_m = reach(m);
            let group: Vec<Module> = from_m
                .iter()
                .filter(|n| reach(n).contains(m))
                .cloned()
                .collect();
            if !group.is_empty() {
                grouped.extend(group.iter().cloned());
                found.push(group.iter().map(|g| g.join("::")).collect());
            }
        }
    }
    found
}

fn crate_src(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join("src")
}

#[test]
fn no_crate_has_a_module_cycle() {
    for dir in [".", "crates/core", "crates/store"] {
        let found = cycles(&crate_src(dir));
        assert!(found.is_empty(), "module cycles in {dir}/src: {found:?}");
    }
}

#[test]
fn the_detector_sees_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(
        src.join("a/mod.rs"),
        "mod x;\nmod y;\nuse crate::b::Thing;\n",
    )
    .unwrap();
    std::fs::write(src.join("a/x.rs"), "use super::y::Y;\n").unwrap();
    std::fs::write(src.join("a/y.rs"), "use super::{x, z};\n").unwrap();
    std::fs::write(src.join("b.rs"), "pub fn f() { crate::a::g() }\n").unwrap();
    let mut found = cycles(src);
    found.sort();
    assert_eq!(
        found,
        vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["a::x".into(), "a::y".into()]
        ]
    );
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
