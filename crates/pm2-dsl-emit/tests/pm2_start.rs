//! End to end with the real pm2: the examples rendered in all three formats start under
//! pm2, and `pm2 jlist` shows the options as written, including the values PM2 would
//! otherwise lose (`max_restarts 0`, `merge_logs false`).

use std::path::{Path, PathBuf};

use pm2_clj_testkit::{Pm2, repo_root};
use pm2_dsl_emit::{Header, OutputFormat, Settings, build, render};
use pm2_dsl_eval::{Env, EvalOptions, Evaluator, FsLoader};

fn examples() -> PathBuf {
    repo_root().join("examples")
}

/// Renders an example with a profile to `out`.
fn render_example(example: &str, profile: Option<&str>, format: OutputFormat, out: &Path) {
    let path = examples().join(example);
    let options = match profile {
        Some(p) => EvalOptions::new().profile(p),
        None => EvalOptions::new(),
    };
    let mut evaluator = Evaluator::new(options.env(Env::empty()), FsLoader::new());
    let value = evaluator
        .eval_file(path.to_str().unwrap())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let seen: Vec<String> = evaluator.profiles_seen().map(str::to_string).collect();
    let base_dir = examples();
    let settings = Settings::new(evaluator.sources(), &base_dir)
        .profile(profile)
        .profiles_seen(&seen);
    let built = build(&value, &settings).unwrap_or_else(|e| panic!("{e:?}"));
    let header = Header {
        source: example.to_string(),
        profile: profile.map(str::to_string),
    };
    std::fs::write(out, render(&built.ecosystem, format, &header)).unwrap();
}

fn start(pm2: &Pm2, file: &Path) {
    let out = pm2.run(&["start", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "pm2 start {}: {}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rendered_examples_run_under_pm2_with_the_options_as_written() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let examples_dir = examples().canonicalize().unwrap();
    for (format, file) in [
        (OutputFormat::Json, "ecosystem.config.json"),
        (OutputFormat::Cjs, "ecosystem.config.cjs"),
        (OutputFormat::Mjs, "ecosystem.config.mjs"),
    ] {
        let out = dir.path().join(file);
        render_example("api.pm2.edn", Some("prod"), format, &out);
        start(&pm2, &out);
        let apps = pm2.wait_online(&["api"]);
        let api: Vec<_> = apps.iter().filter(|a| a.name() == "api").collect();
        assert_eq!(api.len(), 2, "{file}: instances 2 from the prod profile");
        for instance in api {
            assert_eq!(
                instance.env_field("max_restarts"),
                0,
                "{file}: max_restarts 0 kept"
            );
            assert_eq!(
                instance.env_field("merge_logs"),
                false,
                "{file}: merge_logs false kept"
            );
            assert_eq!(instance.env_field("exec_mode"), "cluster_mode", "{file}");
            assert_eq!(instance.env_field("instances"), 2, "{file}");
            assert_eq!(instance.env_field("min_uptime"), 5000, "{file}");
            assert_eq!(
                instance.env_var("NODE_ENV"),
                Some("production"),
                "{file}: the prod profile's env"
            );
            assert_eq!(
                instance.raw["pm2_env"]["env"]["PORT"], 3000,
                "{file}: numbers stay numbers"
            );
            assert_eq!(
                instance.env_field("pm_cwd").as_str().map(PathBuf::from),
                Some(examples_dir.clone()),
                "{file}: cwd resolved against the source file"
            );
        }
        let out = pm2.run(&["delete", "all"]);
        assert!(out.status.success());
    }
}

#[test]
fn a_python_worker_and_services_on_a_shared_base_run_under_pm2() {
    let pm2 = Pm2::start();
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("worker.pm2.edn", "worker.config.cjs"),
        ("services/billing.pm2.edn", "billing.config.cjs"),
        ("services/notifications.pm2.edn", "notifications.config.cjs"),
    ];
    for (example, file) in files {
        let out = dir.path().join(file);
        render_example(example, None, OutputFormat::Cjs, &out);
        start(&pm2, &out);
    }
    let apps = pm2.wait_online(&["queue-worker", "billing", "notifications"]);
    let worker = apps.iter().find(|a| a.name() == "queue-worker").unwrap();
    assert_eq!(worker.env_field("exec_interpreter"), "python3");
    assert_eq!(worker.env_var("QUEUE"), Some("emails"));
    assert_eq!(apps.iter().filter(|a| a.name() == "billing").count(), 2);
    let notifications = apps.iter().find(|a| a.name() == "notifications").unwrap();
    assert_eq!(notifications.env_var("LOG_LEVEL"), Some("debug"));
    assert_eq!(notifications.env_var("SMTP_HOST"), Some("localhost"));
    assert_eq!(
        notifications.env_field("pm_cwd").as_str().map(PathBuf::from),
        Some(examples().canonicalize().unwrap()),
        "the shared base's cwd resolves against the base file's folder"
    );
}
