//! A tool that keeps its own configuration in pm2-clj's language, as an embedder would:
//! `pm2-clj-embedder CONFIG [PROFILE]` loads CONFIG into its own serde type with an
//! explicit environment, and `pm2-clj-embedder --ecosystem FILE` loads a PM2 ecosystem
//! into pm2-clj's typed model. Errors are returned with `?` under `miette::Result`.

use serde::Deserialize;

/// The tool's own configuration.
#[derive(Debug, Deserialize)]
struct Config {
    name: String,
    port: u16,
    workers: u32,
    #[serde(default)]
    tags: Vec<String>,
}

fn config(path: &str, profile: Option<&str>) -> miette::Result<()> {
    let mut options = pm2_clj::Options::new().env([("PORT", "9000"), ("REGION", "eu")]);
    if let Some(profile) = profile {
        options = options.profile(profile);
    }
    let config: Config = pm2_clj::from_file(path, &options)?;
    println!(
        "{} port={} workers={} tags={}",
        config.name,
        config.port,
        config.workers,
        config.tags.join(",")
    );
    Ok(())
}

fn ecosystem(path: &str) -> miette::Result<()> {
    let ecosystem = pm2_clj::load_ecosystem(path, &pm2_clj::Options::new().profile("prod"))?;
    for app in &ecosystem.apps {
        let instances = match app.instances.as_ref().map(|s| s.value) {
            Some(pm2_clj::Instances::Count(n)) => n.to_string(),
            Some(_) => "per cpu".to_string(),
            None => "1".to_string(),
        };
        let memory = app.max_memory_restart.as_ref().map_or(0, |s| s.value.0);
        let port = app.env.get("PORT").map_or("-", |v| v.text.as_str());
        println!(
            "{} instances={instances} max_memory={memory} min_uptime={}ms PORT={port}",
            app.name().unwrap_or("?"),
            app.min_uptime().as_millis()
        );
    }
    println!("{}", ecosystem.to_json().len() > 2);
    Ok(())
}

fn main() -> miette::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, path] if flag == "--ecosystem" => ecosystem(path),
        [path] => config(path, None),
        [path, profile] => config(path, Some(profile)),
        _ => Err(miette::miette!(
            "usage: pm2-clj-embedder CONFIG [PROFILE] | --ecosystem FILE"
        )),
    }
}
