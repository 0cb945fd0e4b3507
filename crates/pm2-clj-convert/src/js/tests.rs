//! The translator on small files.

use std::path::Path;

use super::*;
use crate::edn::Edn;

fn translated(js: &str) -> Translated {
    translate("ecosystem.config.js", Path::new("/srv/app"), js, false).unwrap()
}

fn text(edn: &Edn) -> String {
    crate::edn::file_text(&[], &[(vec![], edn.clone())])
}

#[test]
fn env_reads_and_fallbacks_are_tags() {
    let t = translated(
        "module.exports = { apps: [{ name: 'api', script: 'a.js', env: { PORT: process.env.PORT || 3000, HOST: process.env['HOST'] ?? 'localhost', X: process.env.X } }] };",
    );
    assert!(t.holes.is_empty());
    let out = text(&t.config);
    assert!(out.contains(":PORT #or [#env PORT 3000]"), "{out}");
    assert!(out.contains(":HOST #or [#env HOST \"localhost\"]"), "{out}");
    assert!(out.contains(":X #env X"), "{out}");
}

#[test]
fn templates_spreads_and_consts() {
    let t = translated(
        "const base = { script: 'a.js', env: { A: '1' } };\nconst port = parseInt(process.env.PORT, 10);\nmodule.exports = { apps: [{ ...base, name: `api-${process.env.SUFFIX}`, args: `--port ${port}` }] };",
    );
    assert!(t.holes.is_empty(), "{:?}", t.holes);
    assert_eq!(t.defs.len(), 2);
    assert_eq!(text(&t.defs[1].value), "#long #env PORT\n");
    let out = text(&t.config);
    // JavaScript writes an unset variable as "undefined": `api-undefined`, as pm2 reads it.
    assert!(
        out.contains("(merge base\n               {:name (str \"api-\" #or [#env SUFFIX \"undefined\"]) :args (str \"--port \" port)})"),
        "{out}"
    );
}

#[test]
fn dirname_paths_are_relative_to_the_file() {
    let t = translated(
        "const path = require('path');\nmodule.exports = { apps: [{ name: 'a', cwd: path.join(__dirname, 'srv'), script: path.resolve(__dirname, './dist/index.js'), out_file: __dirname + '/logs/out.log' }] };",
    );
    assert!(t.holes.is_empty(), "{:?}", t.holes);
    let out = text(&t.config);
    assert!(out.contains(&format!(":cwd #{PATH_TAG} \"srv\"")), "{out}");
    assert!(
        out.contains(&format!(":script #{PATH_TAG} \"dist/index.js\"")),
        "{out}"
    );
}

#[test]
fn untranslatable_expressions_are_holes() {
    let t = translated(
        "module.exports = { apps: [{ name: 'a', script: 'a.js', instances: require('os').cpus().length }] };",
    );
    let holes: Vec<(&str, usize)> = t.holes.iter().map(|h| (h.js.as_str(), h.line)).collect();
    assert_eq!(holes, [("require('os').cpus().length", 1)]);
}

#[test]
fn comments_stay_with_their_entries() {
    let t = translated(
        "// top\nmodule.exports = {\n  apps: [{\n    name: 'a', // the name\n    // production mode\n    script: 'a.js',\n  }],\n};\n",
    );
    assert_eq!(t.header, ["top"]);
    let out = text(&t.config);
    assert!(out.contains(":name \"a\" ; the name"), "{out}");
    assert!(out.contains(";; production mode\n"), "{out}");
    assert_eq!(t.comments.len(), 3);
}

#[test]
fn esm_exports_and_default() {
    let t = translate(
        "e.config.mjs",
        Path::new("/srv/app"),
        "export const apps = [{ name: 'a', script: 'a.js' }];",
        false,
    )
    .unwrap();
    assert_eq!(t.shape, Shape::Module);
    assert!(text(&t.config).starts_with("{:apps [{:name \"a\""));
    let t = translate(
        "e.config.mjs",
        Path::new("/srv/app"),
        "const config = { apps: [] };\nexport default config;",
        false,
    )
    .unwrap();
    assert!(t.default_export);
    assert_eq!(t.config, Edn::Symbol("config".into()));
}

#[test]
fn json_files_are_expressions_with_comments() {
    let t = translate(
        "conf.json",
        Path::new("/srv/app"),
        "// TG!\n[{\n  // Application 1\n  name: 'echo', env: { TOTO: process.env.NODE_ENV || 'vazytg' }\n}]",
        true,
    )
    .unwrap();
    assert_eq!(t.header, ["TG!"]);
    let out = text(&t.config);
    assert!(out.contains(";; Application 1"), "{out}");
    assert!(out.contains("#or [#env NODE_ENV \"vazytg\"]"), "{out}");
}

#[test]
fn syntax_errors_are_labelled() {
    let error = translate(
        "bad.config.js",
        Path::new("/srv/app"),
        "module.exports = { apps: [ }",
        false,
    )
    .unwrap_err();
    assert_eq!(error.code(), "convert::js-syntax");
}
