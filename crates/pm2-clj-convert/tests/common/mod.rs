//! What the convert tests share: a conversion loaded and rendered as `pm2-clj check` and
//! `pm2-clj render --format json` load and render it.

use std::path::{Path, PathBuf};

use pm2_clj_sync::load::{Input, LoadSettings, Loaded};
use pm2_dsl_emit::{OutputFormat, render};
use pm2_dsl_eval::{Env, FsLoader};

/// The converted `text`, as the file `edn`, loaded with `profile` and `env`; `Err`: the
/// reports that stop it (what `check` prints).
pub fn load(edn: &Path, text: &str, profile: Option<&str>, env: Env) -> Result<Loaded, String> {
    let settings = LoadSettings {
        profile: profile.map(str::to_string),
        env,
        ..LoadSettings::default()
    };
    Input::text(edn, text)
        .loader(FsLoader::new())
        .load(&settings)
        .map_err(|failure| {
            failure
                .reports
                .iter()
                .map(|r| format!("{r:?}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
}

/// The JSON file `render --format json` writes for `text` (as the file `edn`), beside
/// it, for `profile` under `env`.
pub fn render_json(edn: &Path, text: &str, profile: Option<&str>, env: Env) -> Result<PathBuf, String> {
    let loaded = load(edn, text, profile, env)?;
    let json = edn.with_extension(format!("{}.json", profile.unwrap_or("default")));
    let rendered = render(&loaded.built.ecosystem, OutputFormat::Json, &loaded.header);
    std::fs::write(&json, rendered).map_err(|e| e.to_string())?;
    Ok(json)
}
