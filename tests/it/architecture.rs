//! The shape of the code, checked from its source: imports run down the floors, capabilities
//! never import each other, and no files import each other in a circle. The floors are listed
//! here and nowhere else; a new top-level module must be given one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// From the bottom up. A module may import its own floor and those below.
const FLOORS: &[&[&str]] = &[
    &[
        "error",
        "clock",
        "config",
        "db",
        "metrics",
        "events",
        "jobs",
        "text",
        "throttle",
        "trail",
        "telemetry",
        "outbound",
    ],
    &["org"],
    &["auth"],
    CAPABILITIES,
    &["live", "http"],
    &["app", "cli", "lib", "main"],
];

/// The capabilities: each owns its tables, rules and audiences; none imports another.
const CAPABILITIES: &[&str] = &["helpdesk", "sla", "duty", "uptime", "alerting", "audit"];

fn floor(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

/// A source file and the module path it defines (`src/helpdesk/journal/mod.rs` → helpdesk::journal).
struct Source {
    file: String,
    module: Vec<String>,
    text: String,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).expect("under src");
            let mut module: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            if module == ["lib"] {
                module.clear();
            }
            let text = std::fs::read_to_string(&path).expect("readable source");
            Source {
                file: rel.to_string_lossy().into_owned(),
                module,
                text: without_tests_and_comments(&text),
            }
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code a file ships: line comments and the `#[cfg(test)]` module are left out.
fn without_tests_and_comments(text: &str) -> String {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    code.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path the file names from the crate: `use` trees expanded, and inline `crate::…` and
/// `super::…` paths. Each is made absolute (from the crate root).
fn imports(src: &Source, modules: &BTreeSet<Vec<String>>) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for stmt in use_statements(&src.text) {
        for path in expand(&stmt) {
            paths.push(path);
        }
    }
    for token in src
        .text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
    {
        if token.starts_with("crate::") || token.starts_with("super::") {
            paths.push(token.split("::").map(str::to_string).collect());
        }
    }
    paths
        .into_iter()
        .filter_map(|p| absolute(&src.module, p, modules))
        .collect()
}

fn use_statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = find_use(rest) {
        let after = &rest[at..];
        let end = after.find(';').unwrap_or(after.len());
        out.push(after[4..end].split_whitespace().collect::<String>());
        rest = &after[end..];
    }
    out
}

/// The next `use ` that starts a statement (after start of line, `pub`, or `pub(crate)`).
fn find_use(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("use ") {
        let at = from + i;
        let before = text[..at].trim_end_matches(' ');
        if before.is_empty()
            || before.ends_with('\n')
            || before.ends_with("pub")
            || before.ends_with(')')
        {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// `a::{b, c::{d, self}}` → a::b, a::c::d, a::c.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim_start_matches("::");
    match tree.find('{') {
        None => {
            let path = tree.split(" as ").next().unwrap_or(tree).trim();
            let segs: Vec<String> = path
                .split("::")
                .filter(|s| !s.is_empty() && *s != "*")
                .map(str::to_string)
                .collect();
            vec![segs]
        }
        Some(open) => {
            let prefix: Vec<String> = tree[..open]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut out = Vec::new();
            for part in split_top(inner) {
                for mut tail in expand(part.trim()) {
                    if tail.first().is_some_and(|s| s == "self") {
                        tail.remove(0);
                    }
                    let mut full = prefix.clone();
                    full.extend(tail);
                    out.push(full);
                }
            }
            out
        }
    }
}

/// Splits on commas that are not inside braces.
fn split_top(s: &str) -> Vec<String> {
    let (mut depth, mut cur, mut out) = (0, String::new(), Vec::new());
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Makes a path absolute, or `None` when it names another crate.
fn absolute(
    here: &[String],
    path: Vec<String>,
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let first = path.first()?.as_str();
    let mut base: Vec<String> = match first {
        "crate" => Vec::new(),
        "super" | "self" => here.to_vec(),
        _ => {
            // A child module named without `self::`.
            let mut child = here.to_vec();
            child.push(first.to_string());
            if modules.contains(&child) {
                here.to_vec()
            } else {
                return None;
            }
        }
    };
    let mut segs = path.into_iter().peekable();
    if matches!(segs.peek().map(String::as_str), Some("crate" | "self")) {
        segs.next();
    }
    while segs.peek().is_some_and(|s| s == "super") {
        segs.next();
        base.pop();
    }
    base.extend(segs);
    Some(base)
}

/// The file that defines the longest module prefix of `path`.
fn file_of<'a>(
    path: &[String],
    by_module: &'a BTreeMap<Vec<String>, String>,
) -> Option<&'a String> {
    (0..=path.len())
        .rev()
        .find_map(|n| by_module.get(&path[..n]))
}

#[test]
fn every_import_runs_down_the_floors_and_capabilities_stay_apart() {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut wrong = Vec::new();
    for src in &sources {
        let own = src.module.first().map_or("lib", String::as_str);
        let Some(own_floor) = floor(own) else {
            wrong.push(format!(
                "{}: module `{own}` has no floor in tests/it/architecture.rs",
                src.file
            ));
            continue;
        };
        let mut targets: BTreeSet<String> = BTreeSet::new();
        for path in imports(src, &modules) {
            if let Some(top) = path.first() {
                // `crate::Application`: an item of the crate root itself.
                let module = vec![top.clone()];
                targets.insert(if modules.contains(&module) {
                    top.clone()
                } else {
                    "lib".into()
                });
            }
        }
        for target in targets.iter().filter(|t| *t != own) {
            match floor(target) {
                None => wrong.push(format!(
                    "{}: imports `{target}`, which has no floor",
                    src.file
                )),
                Some(f) if f > own_floor => wrong.push(format!(
                    "{}: `{own}` imports `{target}` from a floor above",
                    src.file
                )),
                Some(_)
                    if CAPABILITIES.contains(&own) && CAPABILITIES.contains(&target.as_str()) =>
                {
                    wrong.push(format!(
                        "{}: capability `{own}` imports capability `{target}`",
                        src.file
                    ))
                }
                Some(_) => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the floors:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let by_module: BTreeMap<Vec<String>, String> = sources
        .iter()
        .map(|s| (s.module.clone(), s.file.clone()))
        .collect();
    let module_of: BTreeMap<&String, &Vec<String>> =
        sources.iter().map(|s| (&s.file, &s.module)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for src in &sources {
        let edges = graph.entry(src.file.clone()).or_default();
        for path in imports(src, &modules) {
            let Some(target) = file_of(&path, &by_module) else {
                continue;
            };
            // A module may use and re-export its own children: that is its shape, not a
            // dependency. Children using their parent, and everything else, counts.
            let child = module_of[target].starts_with(&src.module);
            if *target != src.file && !child {
                edges.insert(target.clone());
            }
        }
    }
    let circles: Vec<Vec<String>> = strongly_connected(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect();
    let text: Vec<String> = circles.iter().map(|c| c.join(" → ")).collect();
    assert!(
        circles.is_empty(),
        "files that import each other in a circle:\n{}",
        text.join("\n")
    );
}

/// Tarjan's algorithm: the groups of files that all reach each other.
fn strongly_connected(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.to_string());
                if w == v {
                    break;
                }
            }
            s.out.push(group);
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn use_trees_expand_to_every_path() {
    let paths = expand("crate::helpdesk::{repo::{self, Ticket}, view}");
    let text: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        text,
        [
            "crate::helpdesk::repo",
            "crate::helpdesk::repo::Ticket",
            "crate::helpdesk::view"
        ]
    );
}
