//! A crate's modules as a graph: which module names which, with paths that
//! go through a re-export (`pub use`) followed to where the item is defined.
//! Read from the source text, not the compiler: what counts is a module
//! naming another in a path (`crate::x`, `super::x`, `self::x`, a child
//! `x::`, or inside a `use` group); test modules do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub type Module = Vec<String>;

/// One module's source.
pub struct Source {
    /// Its text, with its `#[cfg(test)] mod tests` cut off.
    pub text: String,
    /// Its file, relative to the crate's `src/`.
    pub file: String,
    /// Whether the whole file is a test module (`#[cfg(test)] mod x;`).
    pub test_only: bool,
}

/// Every module of a crate's `src/`. A binary's `main.rs` beside `lib.rs`
/// is a crate of its own (it names the library by its name), so it is left
/// out of the library's graph.
pub fn modules(src: &Path) -> BTreeMap<Module, Source> {
    let mut all = sources(src);
    if src.join("lib.rs").exists() {
        all.retain(|_, s| s.file != "main.rs");
    }
    all
}

/// Every source file of a crate's `src/`, a binary's `main.rs` as module
/// `main`.
pub fn sources(src: &Path) -> BTreeMap<Module, Source> {
    let mut out = BTreeMap::new();
    let has_lib = src.join("lib.rs").exists();
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
            let rel = path.strip_prefix(src).expect("under src");
            let binary = has_lib && rel == Path::new("main.rs");
            let mut module: Module = rel
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into())
                .collect();
            if !binary
                && matches!(
                    module.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                )
            {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).expect("reading a source file");
            // The tail `mod tests { .. }`; a declared `mod tests;` stays, so
            // its file is known to be test code (below).
            let text = match text.find("#[cfg(test)]\nmod tests {") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            let file = rel.to_string_lossy().into_owned();
            out.insert(
                module,
                Source {
                    text,
                    file,
                    test_only: false,
                },
            );
        }
    }
    // A child declared `#[cfg(test)] mod x;` is a test module.
    let declared_for_tests: Vec<Module> = out
        .iter()
        .flat_map(|(m, s)| {
            test_children(&s.text).into_iter().map(move |c| {
                let mut child = m.clone();
                child.push(c);
                child
            })
        })
        .collect();
    for child in declared_for_tests {
        for (m, s) in out.iter_mut() {
            if m.starts_with(&child) {
                s.test_only = true;
            }
        }
    }
    out
}

fn test_children(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        rest = &rest[at + "#[cfg(test)]".len()..];
        let line = rest.trim_start();
        let line = line.strip_prefix("pub ").unwrap_or(line);
        if let Some(decl) = line.strip_prefix("mod ") {
            let name: String = decl.chars().take_while(|c| is_ident(*c)).collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                out.push(name);
            }
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A path as written: where it starts and its segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub base: Base,
    pub segments: Vec<String>,
    /// Written on a `pub use` line (a re-export, not a use of the item).
    pub reexport: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Crate,
    Super,
    SelfMod,
    /// A name of the module's own: a child module (`child::x`).
    Child,
}

/// The paths a source names: `crate::a::b`, `super::a`, `self::a`, `child::a`
/// (a declared child module), each item of a `use ...::{a, b::c}` group in
/// full.
pub fn written_paths(text: &str, children: &BTreeSet<String>) -> Vec<Written> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let reexports: Vec<std::ops::Range<usize>> = reexport_statements(text)
        .into_iter()
        .map(|r| {
            let start = r.as_ptr() as usize - text.as_ptr() as usize;
            start..start + r.len()
        })
        .collect();
    let mut at = 0;
    while at < text.len() {
        let starts_word = at == 0 || {
            let b = bytes[at - 1];
            !(b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b':')
        };
        let word: String = text[at..].chars().take_while(|c| is_ident(*c)).collect();
        if word.is_empty() {
            at += text[at..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let after = at + word.len();
        if starts_word && text[after..].starts_with("::") {
            let base = match word.as_str() {
                "crate" => Some(Base::Crate),
                "super" => Some(Base::Super),
                "self" => Some(Base::SelfMod),
                w if children.contains(w) => Some(Base::Child),
                _ => None,
            };
            if let Some(base) = base {
                let reexport = reexports.iter().any(|r| r.contains(&at));
                let lead = if base == Base::Child {
                    vec![word.clone()]
                } else {
                    Vec::new()
                };
                let (paths, end) = expand(&text[after + 2..], lead);
                for segments in paths {
                    out.push(Written {
                        base,
                        segments,
                        reexport,
                    });
                }
                at = after + 2 + end;
                continue;
            }
        }
        at = after;
    }
    out
}

/// The full paths at the start of `rest` (after a `::`), a `{...}` group
/// expanded item by item, and how many bytes they took.
fn expand(rest: &str, lead: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut segments = lead;
    let mut at = 0;
    loop {
        if rest[at..].starts_with('{') {
            let close = matching_brace(&rest[at..]).map_or(rest.len(), |c| at + c);
            let mut out = Vec::new();
            for item in split_top(&rest[at + 1..close]) {
                let item = item.trim();
                let (inner, _) = expand(item, segments.clone());
                out.extend(inner);
            }
            return (out, close + 1);
        }
        let name: String = rest[at..].chars().take_while(|c| is_ident(*c)).collect();
        if name.is_empty() || name == "self" {
            break;
        }
        segments.push(name.clone());
        at += name.len();
        if rest[at..].starts_with("::") {
            at += 2;
        } else {
            break;
        }
    }
    let out = if segments.is_empty() {
        Vec::new()
    } else {
        vec![segments]
    };
    (out, at)
}

fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn split_top(text: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// The modules a module declares (`mod x;`, `pub mod x;`, `mod x {`).
fn children(module: &Module, mods: &BTreeMap<Module, Source>) -> BTreeSet<String> {
    mods.keys()
        .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
        .map(|m| m[module.len()].clone())
        .collect()
}

/// A crate's graph: for each module, the modules its paths lead to once
/// re-exports are followed; the parent's own body is the parent itself.
pub struct Graph {
    pub mods: BTreeMap<Module, Source>,
    /// Edges from each module (all its paths).
    pub edges: BTreeMap<Module, BTreeSet<Module>>,
    /// Edges from each module leaving out its re-export lines, which make
    /// a facade, not a use.
    pub uses: BTreeMap<Module, BTreeSet<Module>>,
}

impl Graph {
    pub fn of(src: &Path) -> Graph {
        let mods: BTreeMap<Module, Source> = modules(src)
            .into_iter()
            .filter(|(_, s)| !s.test_only)
            .collect();
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        let mut uses: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        let resolver = Resolver::new(&mods);
        for (module, source) in &mods {
            let kids = children(module, &mods);
            for written in written_paths(&source.text, &kids) {
                let Some(target) = resolver.resolve(module, &written, 0) else {
                    continue;
                };
                if &target == module {
                    continue;
                }
                edges
                    .entry(module.clone())
                    .or_default()
                    .insert(target.clone());
                // A re-exported name the module's own code also uses is a use.
                let used_here = written
                    .segments
                    .last()
                    .is_some_and(|name| word_count(&source.text, name) > 1);
                if !written.reexport || used_here {
                    uses.entry(module.clone()).or_default().insert(target);
                }
            }
        }
        Graph { mods, edges, uses }
    }
}

/// Follows paths to the module that defines what they name.
struct Resolver<'a> {
    mods: &'a BTreeMap<Module, Source>,
    /// Each module's re-exports: name (or "*") to the path it comes from.
    reexports: BTreeMap<Module, Vec<(String, Written)>>,
}

impl<'a> Resolver<'a> {
    fn new(mods: &'a BTreeMap<Module, Source>) -> Resolver<'a> {
        let mut reexports: BTreeMap<Module, Vec<(String, Written)>> = BTreeMap::new();
        for (module, source) in mods {
            let kids = children(module, mods);
            for line in reexport_statements(&source.text) {
                for written in written_paths(line, &kids) {
                    let name = written.segments.last().cloned().unwrap_or_default();
                    reexports
                        .entry(module.clone())
                        .or_default()
                        .push((name, written.clone()));
                }
                // `pub use x::*` (the path ends before the star) and
                // `pub use a::b as c`.
                if line.contains("::*") {
                    for written in written_paths(line, &kids) {
                        reexports
                            .entry(module.clone())
                            .or_default()
                            .push(("*".into(), written));
                    }
                }
                if let Some((_, alias)) = line.split_once(" as ") {
                    let alias: String = alias.trim().chars().take_while(|c| is_ident(*c)).collect();
                    for written in written_paths(line, &kids) {
                        reexports
                            .entry(module.clone())
                            .or_default()
                            .push((alias.clone(), written));
                    }
                }
            }
        }
        Resolver { mods, reexports }
    }

    /// The module `written` (in `from`) leads to, or None outside the crate.
    fn resolve(&self, from: &Module, written: &Written, depth: usize) -> Option<Module> {
        let mut path: Module = match written.base {
            Base::Crate => Vec::new(),
            Base::Super => from[..from.len().saturating_sub(1)].to_vec(),
            Base::SelfMod | Base::Child => from.clone(),
        };
        path.extend(written.segments.iter().cloned());
        self.resolve_absolute(path, depth)
    }

    fn resolve_absolute(&self, path: Module, depth: usize) -> Option<Module> {
        let mut module = path.clone();
        while !module.is_empty() && !self.mods.contains_key(&module) {
            module.pop();
        }
        if module.is_empty() && !self.mods.contains_key(&module) {
            return None;
        }
        let rest = &path[module.len()..];
        let Some(name) = rest.first() else {
            return Some(module);
        };
        if depth > 8 {
            return Some(module);
        }
        for (exported, source) in self.reexports.get(&module).into_iter().flatten() {
            if exported == name
                && let Some(target) = self.resolve(&module, source, depth + 1)
            {
                let mut full = target.clone();
                // What follows the re-exported name is inside it.
                if self
                    .mods
                    .contains_key(&[full.clone(), rest.to_vec()].concat())
                {
                    full.extend(rest.iter().cloned());
                }
                if full != module {
                    return Some(full);
                }
            }
        }
        for (exported, source) in self.reexports.get(&module).into_iter().flatten() {
            if exported != "*" {
                continue;
            }
            let Some(glob) = self.resolve(&module, source, depth + 1) else {
                continue;
            };
            if glob != module && defines(&self.mods[&glob].text, name) {
                return Some(glob);
            }
        }
        Some(module)
    }
}

/// Each `pub use ...;` statement of `text` (one may span lines).
fn reexport_statements(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("pub use ") || trimmed.starts_with("pub(crate) use ") {
            let start = at + (line.len() - trimmed.len());
            let end = text[start..]
                .find(';')
                .map_or(text.len(), |e| start + e + 1);
            out.push(&text[start..end]);
        }
        at += line.len();
    }
    out
}

/// How many times `word` stands alone in `text`.
fn word_count(text: &str, word: &str) -> usize {
    text.match_indices(word)
        .filter(|(at, _)| {
            let before = text[..*at].chars().next_back();
            let after = text[at + word.len()..].chars().next();
            before.is_none_or(|c| !is_ident(c)) && after.is_none_or(|c| !is_ident(c))
        })
        .count()
}

/// Whether `text` defines an item named `name` at any level.
fn defines(text: &str, name: &str) -> bool {
    [
        "struct", "enum", "fn", "trait", "type", "const", "static", "mod", "use",
    ]
    .iter()
    .any(|kw| {
        text.match_indices(&format!("{kw} {name}")).any(|(at, m)| {
            let end = at + m.len();
            text[end..].chars().next().is_none_or(|c| !is_ident(c))
        })
    })
}

/// Groups of modules at one level that reach each other: siblings, and a
/// parent's own body with its children (a parent that uses a child whose
/// code uses the parent's). Re-export lines do not make a parent use a child;
/// a child named `view` is part of its parent.
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let parents: BTreeSet<Module> = graph
        .mods
        .keys()
        .filter(|m| !m.is_empty())
        .map(|m| m[..m.len() - 1].to_vec())
        .collect();
    let mut found = Vec::new();
    for parent in parents {
        let depth = parent.len() + 1;
        // The node a module belongs to at this level: a child (with all
        // below it), or the parent's own body ("(self)"). A child named
        // `view` is its parent's drawing, part of it: a component reads
        // its state there and draws through it.
        let node = |m: &Module| -> Option<String> {
            if m == &parent {
                return Some("(self)".into());
            }
            let child = (m.len() >= depth && m[..parent.len()] == parent[..])
                .then(|| m[depth - 1].clone())?;
            Some(if child == "view" {
                "(self)".into()
            } else {
                child
            })
        };
        let mut links: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        // A parent's re-exports are its face, not its use of a child; between
        // siblings, a re-export is a dependency like any other.
        let from_edges = graph.edges.iter().filter(|(m, _)| **m != parent);
        let from_parent = graph.uses.get_key_value(&parent);
        for (from, targets) in from_edges.chain(from_parent) {
            let Some(a) = node(from) else { continue };
            for to in targets {
                if let Some(b) = node(to).filter(|b| *b != a) {
                    links.entry(a.clone()).or_default().insert(b);
                }
            }
        }
        let reach = |start: &String| -> BTreeSet<String> {
            let mut seen = BTreeSet::new();
            let mut todo = vec![start.clone()];
            while let Some(m) = todo.pop() {
                for n in links.get(&m).into_iter().flatten() {
                    if seen.insert(n.clone()) {
                        todo.push(n.clone());
                    }
                }
            }
            seen
        };
        let mut grouped = BTreeSet::new();
        for m in links.keys() {
            if grouped.contains(m) {
                continue;
            }
            let group: Vec<String> = reach(m)
                .into_iter()
                .filter(|n| reach(n).contains(m))
                .collect();
            if !group.is_empty() {
                grouped.extend(group.iter().cloned());
                let name = |n: &String| match n.as_str() {
                    "(self)" if parent.is_empty() => "(crate root)".to_string(),
                    "(self)" => parent.join("::"),
                    child => [parent.clone(), vec![child.to_string()]]
                        .concat()
                        .join("::"),
                };
                found.push(group.iter().map(name).collect());
            }
        }
    }
    found
}
