//! The README's language table lists exactly the names in the evaluator's tables. Its
//! three rows are generated from them: run with `UPDATE_README=1` to rewrite them.

use pm2_dsl_eval::docs::{EntryKind, entries};

fn row(label: &str, kind: EntryKind, prefix: &str) -> String {
    let names: Vec<String> = entries()
        .filter(|e| e.kind == kind)
        .map(|e| format!("`{prefix}{}`", e.name))
        .collect();
    format!("| {label} | {} |", names.join(" "))
}

#[test]
fn the_readme_language_table_matches_the_tables() {
    let path = pm2_clj_testkit::repo_root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let rows = [
        row("Special forms", EntryKind::SpecialForm, ""),
        row("Functions", EntryKind::Function, ""),
        row("Tags", EntryKind::Tag, "#"),
    ];
    let mut updated = readme.clone();
    for expected in &rows {
        let label = &expected[..expected[2..].find(" |").unwrap() + 4];
        let Some(line) = readme.lines().find(|l| l.starts_with(label)) else {
            panic!("README.md has no row starting with {label:?}");
        };
        updated = updated.replace(line, expected);
    }
    if std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(&path, &updated).expect("write README.md");
    } else {
        assert!(
            updated == readme,
            "README.md's language table differs from the tables; run with UPDATE_README=1 to rewrite it"
        );
    }
}
