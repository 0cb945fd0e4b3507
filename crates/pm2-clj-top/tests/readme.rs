//! The README's table of `top`'s keys is the bindings table the view runs on.

use std::path::Path;

#[test]
fn the_readme_keys_table_is_the_bindings_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (open, close) = ("<!-- top-keys:start -->\n", "<!-- top-keys:end -->");
    let (Some(a), Some(b)) = (readme.find(open), readme.find(close)) else {
        panic!("README.md has no {open:?} ... {close:?} markers");
    };
    let updated = format!(
        "{}{open}{}{}",
        &readme[..a],
        pm2_clj_top::keys::markdown(),
        &readme[b..]
    );
    if std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(&path, &updated).unwrap();
    } else {
        assert!(
            updated == readme,
            "README.md's table of top's keys differs from keys::BINDINGS; run with UPDATE_README=1 to rewrite it"
        );
    }
}
