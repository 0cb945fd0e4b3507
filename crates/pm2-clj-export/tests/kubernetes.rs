//! The Kubernetes export, checked: golden manifests of the example; every manifest
//! validates with `kubernetes-validate --strict` against every Kubernetes version from
//! 1.33 to 1.37 it knows; pm2-clj's own checks refuse what the schema passes but the API
//! server would not (a bad name, `restartPolicy: OnFailure` in a Deployment, `memory:
//! 300MB`), and the schema is shown to pass them; options without an equivalent, or
//! that need a choice, fail naming the option and the target; hidden values never land
//! in a public file; and any app the language accepts either exports to manifests that
//! read back into Kubernetes's types, or fails with such a diagnostic.
//!
//! The schema test says in one line that it was skipped where `kubernetes-validate` is
//! missing, unless `PM2_CLJ_REQUIRE_SCHEMAS=1` (set by `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::Command;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use pm2_clj_export::table::{Fidelity, Target};
use pm2_clj_export::{Export, ExportErrorKind, Input, Settings, ecosystem_name, export};
use pm2_clj_sync::load::{Input as Source, LoadSettings, Loaded};
use pm2_dsl_eval::{Env, FsLoader};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn repo() -> PathBuf {
    pm2_clj_testkit::repo_root()
}

fn settings(profile: Option<&str>) -> LoadSettings {
    LoadSettings {
        profile: profile.map(str::to_string),
        env: Env::empty(),
        ..LoadSettings::default()
    }
}

/// Container targets resolve no program on this machine.
fn no_programs(_: &str) -> Option<String> {
    None
}

fn exported(loaded: &Loaded, source: &Path, profile: Option<&str>, lossy: bool) -> Export {
    let name = ecosystem_name(source);
    let input = Input::new(&name, &loaded.built.ecosystem, source, profile)
        .with_sources(loaded.evaluated.evaluator.sources());
    let mut s = Settings::new(Target::Kubernetes, &no_programs);
    s.lossy = lossy;
    s.cpus = 4;
    export(&[input], &s)
}

fn load_text(text: &str) -> Result<Loaded, String> {
    let path = Path::new("/srv/shop/shop.pm2.edn");
    Source::text(path, text)
        .loader(FsLoader::new())
        .load(&settings(None))
        .map_err(|e| format!("{:?}", e.reports))
}

fn export_text(text: &str) -> Export {
    let loaded = load_text(text).unwrap_or_else(|e| panic!("{e}"));
    exported(&loaded, Path::new("/srv/shop/shop.pm2.edn"), None, false)
}

fn shown(export: &Export) -> String {
    let mut out = String::new();
    for file in &export.files {
        let private = if file.private { " (private)" } else { "" };
        out.push_str(&format!("===== {}{private}\n{}\n", file.name, file.content));
    }
    for problem in &export.problems {
        out.push_str(&format!("----- {}: {}\n", problem.code(), problem));
    }
    out
}

fn errors(export: &Export) -> Vec<String> {
    (export.problems.iter())
        .filter(|p| !p.is_warning())
        .map(|p| format!("{}: {p}", p.code()))
        .collect()
}

/// Every document of every manifest, read back into its `k8s-openapi` type; the kinds
/// in order.
fn read_back(export: &Export) -> Vec<String> {
    let mut kinds = Vec::new();
    for file in export.files.iter().filter(|f| f.name.ends_with(".yaml")) {
        for doc in serde_norway::Deserializer::from_str(&file.content) {
            let json: serde_json::Value = serde::Deserialize::deserialize(doc)
                .unwrap_or_else(|e| panic!("{}: not YAML: {e}\n{}", file.name, file.content));
            let kind = json["kind"].as_str().unwrap_or_default().to_string();
            let read = match kind.as_str() {
                "Deployment" => serde_json::from_value::<Deployment>(json).map(|d| {
                    // Never a restartPolicy a Deployment refuses, never a size like 300MB.
                    let pod = d.spec.unwrap().template.spec.unwrap();
                    assert_eq!(pod.restart_policy.as_deref(), Some("Always"), "{}", file.name);
                    for c in &pod.containers {
                        let limits = c.resources.as_ref().and_then(|r| r.limits.as_ref());
                        for q in limits.into_iter().flat_map(|l| l.values()) {
                            assert!(!q.0.ends_with('B') && !q.0.contains('.'), "{}: {q:?}", file.name);
                        }
                    }
                }),
                "Job" => serde_json::from_value::<Job>(json).map(drop),
                "CronJob" => serde_json::from_value::<CronJob>(json).map(drop),
                "Service" => serde_json::from_value::<Service>(json).map(drop),
                "Secret" => serde_json::from_value::<Secret>(json).map(drop),
                "ConfigMap" => serde_json::from_value::<ConfigMap>(json).map(drop),
                "ServiceAccount" => serde_json::from_value::<ServiceAccount>(json).map(drop),
                "Role" => serde_json::from_value::<Role>(json).map(drop),
                "RoleBinding" => serde_json::from_value::<RoleBinding>(json).map(drop),
                other => panic!("{}: unexpected kind {other:?}", file.name),
            };
            read.unwrap_or_else(|e| panic!("{}: {kind} does not read back: {e}", file.name));
            kinds.push(kind);
        }
    }
    kinds
}

/// The examples with images, and their profiles.
const EXAMPLES: &[(&str, &[Option<&str>])] = &[
    ("examples/export/cluster.pm2.edn", &[None, Some("prod")]),
    ("examples/containers.pm2.edn", &[None, Some("prod")]),
];

/// Each example's export under each of its profiles, with its name for the snapshot.
fn examples() -> Vec<(String, Export)> {
    let mut out = Vec::new();
    for (file, profiles) in EXAMPLES {
        let source = repo().join(file);
        for profile in *profiles {
            let loaded = Source::file(&source)
                .load(&settings(*profile))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            let export = exported(&loaded, &source, *profile, false);
            assert!(!export.failed(), "{file}: {}", shown(&export));
            out.push((
                format!("{}-{}", ecosystem_name(&source), profile.unwrap_or("default")),
                export,
            ));
        }
    }
    out
}

#[test]
fn golden_manifests_of_the_examples() {
    for (name, export) in examples() {
        read_back(&export);
        insta::assert_snapshot!(name, shown(&export));
    }
}

/// An app with each object the target makes: ports (two, one published elsewhere),
/// every kind of health check, a ConfigMap, a restart CronJob in a namespace, a Job,
/// hidden arguments and a uid.
const EVERYTHING: &str = r#"
(def token #secret "t0ken")
{:apps [{:name "web" :image "registry.example.com/web:1" :script "server.js" :cwd "/srv/web"
         :instances 3 :port 3000 :ports [{:container 9229 :published 9230}]
         :max-memory-restart "1536K" :kill-timeout 1600 :uid 1000 :gid 1000
         :interpreter-args ["--enable-source-maps"] :args ["--token" token "$(HOME)"]
         :health {:http "https://example.com:8443/ready" :interval "250ms" :timeout "3s" :grace "1500ms"}
         :env {:NODE_ENV "production" :DB_PASSWORD #secret "pw" :COST "$5"
               :FLAG "on" :N "1_000" :DAY "2001-12-14" :EQ "=" :HOST_PORT "22:22" :Y "y"}
         :export {:kubernetes {:deployment {:spec {:revisionHistoryLimit 3}}
                               :service {:spec {:type "NodePort"}}}}}
        {:name "tcp" :image "registry.example.com/tcp:1" :script "tcp.py" :health {:tcp 7000}
         :namespace "shop" :cron-restart "0 0 4 * * 1"
         :export {:kubernetes {:cron-restart {:image "registry.k8s.io/kubectl:v1.33.0"}
                               :env-from :config-map :cron-job {:spec {:timeZone "Europe/Paris"}}}}
         :env {:A "1" :B "2"}}
        {:name "once" :image "registry.example.com/once:1" :script "migrate" :interpreter "none"
         :autorestart false :instances 2 :health {:command ["test" "-f" "/tmp/ok"]}
         :export {:kubernetes {:kind :job :job {:spec {:ttlSecondsAfterFinished 600}}}}}]}
"#;

/// A restart's RoleBinding names its account's namespace; an app restarted on a
/// schedule without `:namespace` names `default` in every object, the binding's subject
/// included, so `kubectl apply -n other` refuses it instead of binding the wrong account.
/// An app without a restart still names none (it goes where it is applied).
#[test]
fn a_restarted_app_without_namespace_names_default_everywhere() {
    let export = export_text(
        r#"{:apps [{:name "web" :image "i:1" :script "a.js" :port 3000 :cron-restart "0 3 * * *"
                    :export {:kubernetes {:cron-restart {:image "registry.k8s.io/kubectl:v1.33.0"}}}}
                   {:name "plain" :image "i:1" :script "b.js" :port 3001}]}"#,
    );
    assert!(!export.failed(), "{}", shown(&export));
    let docs = |name: &str| -> Vec<serde_json::Value> {
        let file = export.files.iter().find(|f| f.name == name).unwrap();
        serde_norway::Deserializer::from_str(&file.content)
            .map(|doc| serde::Deserialize::deserialize(doc).unwrap())
            .collect()
    };
    let web = docs("web.yaml");
    assert!(web.len() >= 6, "{}", shown(&export));
    for doc in &web {
        assert_eq!(doc["metadata"]["namespace"], "default", "{doc}");
        if doc["kind"] == "RoleBinding" {
            assert_eq!(doc["subjects"][0]["namespace"], "default", "{doc}");
        }
    }
    for doc in &docs("plain.yaml") {
        assert!(doc["metadata"].get("namespace").is_none(), "{doc}");
    }
    // An override that moves one of its objects elsewhere is refused at the override.
    for (moved, object) in [
        (
            ":deployment {:metadata {:namespace nil}}",
            "Deployment web in namespace (none)",
        ),
        (
            ":service {:metadata {:namespace \"x\"}}",
            "Service web in namespace x",
        ),
        (
            ":cron-job {:metadata {:namespace \"x\"}}",
            "CronJob web-restart in namespace x",
        ),
    ] {
        let export = export_text(&format!(
            r#"{{:apps [{{:name "web" :image "i:1" :script "a.js" :port 3000 :namespace "shop" :cron-restart "0 3 * * *"
                        :export {{:kubernetes {{:cron-restart {{:image "k:1"}} {moved}}}}}}}]}}"#
        ));
        let e = errors(&export);
        assert!(
            e.len() == 1
                && e[0].starts_with("export::bad-override")
                && e[0].contains(object)
                && e[0].contains("acts in shop"),
            "{moved}: {e:?}"
        );
    }
}

/// An override that runs the restart CronJob as another account exports, with a warning
/// at the override that the rights made for the restart go unused and that account
/// needs them; without it, or naming the made account, there is no such warning.
#[test]
fn a_restart_run_as_another_account_says_its_rights_go_unused() {
    let with = |patch: &str| {
        export_text(&format!(
            r#"{{:apps [{{:name "web" :image "i:1" :script "a.js" :port 3000 :cron-restart "0 3 * * *"
                        :export {{:kubernetes {{:cron-restart {{:image "k:1"}} {patch}}}}}}}]}}"#
        ))
    };
    let unused = |export: &Export| -> Vec<String> {
        (export.problems.iter())
            .filter(|p| p.is_warning() && p.to_string().contains("go unused"))
            .map(|p| format!("{}: {p}", p.code()))
            .collect()
    };
    let long = "a".repeat(200);
    let account =
        |spec: &str| format!(":cron-job {{:spec {{:jobTemplate {{:spec {{:template {{:spec {spec}}}}}}}}}}}");
    for (patch, runs_as) in [
        (account(r#"{:serviceAccountName "ops"}"#), "ops"),
        (account("{:serviceAccountName nil}"), "default"),
        (account(r#"{:serviceAccountName ""}"#), "default"),
        // The deprecated field stands in for an unset name.
        (
            account(r#"{:serviceAccountName nil :serviceAccount "ops"}"#),
            "ops",
        ),
        // A subdomain's parts have no limit of 63 of their own.
        (
            account(&format!("{{:serviceAccountName \"{long}\"}}")),
            long.as_str(),
        ),
    ] {
        let export = with(&patch);
        assert!(!export.failed(), "{}", shown(&export));
        let said = unused(&export);
        assert!(
            said.len() == 1
                && said[0].contains(&format!("ServiceAccount {runs_as},"))
                && said[0].contains("web-restart made for the restart")
                && said[0].contains("get and patch deployment/web"),
            "{patch}: {said:?}"
        );
    }
    for patch in [
        String::new(),
        account(r#"{:serviceAccountName "web-restart"}"#),
        // The name wins over the deprecated field, which is then not read at all.
        account(r#"{:serviceAccount "ops"}"#),
        account(r#"{:serviceAccount "a_b"}"#),
    ] {
        let export = with(&patch);
        assert!(!export.failed(), "{patch}: {}", shown(&export));
        assert_eq!(unused(&export), Vec::<String>::new(), "{patch}");
    }
    // A name the API server refuses is refused here; a value of the wrong type is one
    // error, at its override.
    for (spec, error) in [
        (
            r#"{:serviceAccountName "Ops Bad!"}"#,
            "serviceAccountName \"Ops Bad!\" is not",
        ),
        (
            r#"{:serviceAccountName "  "}"#,
            "serviceAccountName \"  \" is not",
        ),
        (
            r#"{:serviceAccountName nil :serviceAccount "a_b"}"#,
            "serviceAccount \"a_b\" is not",
        ),
        ("{:serviceAccountName 5}", "export::bad-override"),
    ] {
        let e = errors(&with(&account(spec)));
        assert!(e.len() == 1 && e[0].contains(error), "{spec}: {e:?}");
    }
}

#[test]
fn every_object_the_target_makes_reads_back_and_keeps_secrets_private() {
    let export = export_text(EVERYTHING);
    assert!(!export.failed(), "{}", shown(&export));
    let kinds = read_back(&export);
    for kind in [
        "Deployment",
        "Service",
        "Secret",
        "ConfigMap",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "CronJob",
        "Job",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }
    let public: String = (export.files.iter())
        .filter(|f| !f.private)
        .map(|f| f.content.as_str())
        .collect();
    for secret in ["t0ken", "dDBrZW4", "pw", "cHc"] {
        assert!(!public.contains(secret), "{secret} in a public file:\n{public}");
    }
    let web = &export
        .files
        .iter()
        .find(|f| f.name == "web.yaml")
        .unwrap()
        .content;
    // Exact: PM2's 1536K is 1536 × 1024 bytes.
    assert!(web.contains("memory: 1536Ki\n"), "{web}");
    assert!(web.contains("terminationGracePeriodSeconds: 2\n"), "{web}");
    // $ doubled, a hidden argument through the Secret.
    assert!(
        web.contains("- $(PM2_CLJ_ARG_1)\n") && web.contains("- $$(HOME)\n"),
        "{web}"
    );
    assert!(web.contains("value: $$5\n"), "{web}");
    // What YAML 1.1 readers (kubectl, PyYAML) would read as a boolean, a number or a date
    // is quoted.
    for value in [
        "\"on\"",
        "\"1_000\"",
        "\"2001-12-14\"",
        "\"=\"",
        "\"22:22\"",
        "\"y\"",
    ] {
        assert!(web.contains(&format!("value: {value}\n")), "{value} in {web}");
    }
    assert!(
        web.contains("periodSeconds: 1\n") && web.contains("initialDelaySeconds: 2\n"),
        "{web}"
    );
    assert!(
        web.contains("host: example.com\n") && web.contains("scheme: HTTPS\n"),
        "{web}"
    );
    let secret = &export.files.iter().find(|f| f.name == "web.secret.yaml").unwrap();
    assert!(secret.private);
    assert!(
        export
            .files
            .iter()
            .any(|f| f.name == ".gitignore" && f.content.contains("*.secret.yaml"))
    );
    let tcp = &export
        .files
        .iter()
        .find(|f| f.name == "tcp.yaml")
        .unwrap()
        .content;
    assert!(tcp.contains("schedule: 0 4 * * 1\n"), "{tcp}");
    assert!(tcp.contains("namespace: shop\n"), "{tcp}");
    assert!(tcp.contains("- --namespace\n"), "{tcp}");
    let once = &export
        .files
        .iter()
        .find(|f| f.name == "once.yaml")
        .unwrap()
        .content;
    assert!(
        once.contains("restartPolicy: Never\n") && once.contains("backoffLimit: 0\n"),
        "{once}"
    );
    assert!(
        once.contains("completions: 2\n") && once.contains("ttlSecondsAfterFinished: 600\n"),
        "{once}"
    );
}

/// Whether kubernetes-validate can run here; one line when it cannot.
fn kubernetes_validate() -> bool {
    let found = Command::new("kubernetes-validate")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        if std::env::var_os("PM2_CLJ_REQUIRE_SCHEMAS").is_some_and(|v| v == "1") {
            panic!("kubernetes-validate is not installed (pip install kubernetes-validate)");
        }
        eprintln!("skipped: kubernetes-validate is not installed (pip install kubernetes-validate)");
    }
    found
}

/// `kubernetes-validate --strict` of `files` for `version`: `None` when it does not know
/// the version, else whether they passed and what it said.
fn validate(files: &[PathBuf], version: &str) -> Option<(bool, String)> {
    let out = Command::new("kubernetes-validate")
        .args(["--strict", "--no-warn", "-k", version])
        .args(files)
        .output()
        .expect("run kubernetes-validate");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if said.contains("does not support kubernetes version") {
        return None;
    }
    Some((out.status.success(), said))
}

fn write_all(export: &Export, dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    (export.files.iter())
        .filter(|f| f.name.ends_with(".yaml"))
        .map(|f| {
            let path = dir.join(&f.name);
            std::fs::write(&path, &f.content).unwrap();
            path
        })
        .collect()
}

#[test]
fn every_manifest_validates_for_kubernetes_1_33_to_1_37() {
    if !kubernetes_validate() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = write_all(&export_text(EVERYTHING), &dir.path().join("everything"));
    for (name, export) in examples() {
        files.extend(write_all(&export, &dir.path().join(name)));
    }
    let mut validated = Vec::new();
    for minor in 33..=37 {
        let version = format!("1.{minor}.0");
        match validate(&files, &version) {
            None => eprintln!("kubernetes-validate does not know Kubernetes {version}: not validated"),
            Some((ok, said)) => {
                assert!(ok, "Kubernetes {version}:\n{said}");
                validated.push(version);
            }
        }
    }
    assert!(
        !validated.is_empty(),
        "kubernetes-validate knows none of 1.33 to 1.37"
    );
    eprintln!(
        "{} manifests valid (--strict) for Kubernetes {}",
        files.len(),
        validated.join(", ")
    );
}

/// The schema passes a Deployment named `Billing_API` that restarts `OnFailure` with a
/// memory limit `300MB`; the API server would refuse each, and so does pm2-clj.
#[test]
fn what_the_schema_passes_and_the_api_server_refuses_is_refused() {
    let base = r#"{:apps [{:name NAME :image "r.example.com/a:1" :script "a.js" EXTRA}]}"#;
    let app = |name: &str, extra: &str| base.replace("NAME", name).replace("EXTRA", extra);

    // The name: never rewritten, the nearest good one suggested.
    let export = export_text(&app("\"Billing_API\"", ""));
    assert!(export.failed());
    let problem = export
        .problems
        .iter()
        .find(|p| p.code() == "export::kubernetes-name")
        .unwrap();
    assert!(
        problem
            .to_string()
            .contains("\"Billing_API\" cannot name a Deployment"),
        "{problem}"
    );
    match problem.kind() {
        ExportErrorKind::KubernetesName { suggestion, .. } => {
            assert_eq!(suggestion.as_deref(), Some("billing-api"));
        }
        other => panic!("{other:?}"),
    }
    assert!(export.files.is_empty());
    // With a port, the Service's rule: a DNS-1035 label starts with a letter.
    let export = export_text(&app("\"0api\"", ":port 3000"));
    assert!(
        errors(&export).iter().any(|e| e.contains("DNS-1035")),
        "{:?}",
        errors(&export)
    );

    // restartPolicy: OnFailure merged into a Deployment.
    let export = export_text(&app(
        "\"api\"",
        r#":export {:kubernetes {:deployment {:spec {:template {:spec {:restartPolicy "OnFailure"}}}}}}"#,
    ));
    let e = errors(&export);
    assert!(
        e.iter()
            .any(|e| e.contains("export::rejected") && e.contains("restartPolicy is \"OnFailure\"")),
        "{e:?}"
    );
    // memory: 300MB merged into the container.
    let export = export_text(&app(
        "\"api\"",
        r#":export {:kubernetes {:container {:resources {:limits {:memory "300MB"}}}}}"#,
    ));
    let e = errors(&export);
    assert!(
        e.iter().any(|e| e.contains("\"300MB\" is not a quantity")),
        "{e:?}"
    );
    // A field Kubernetes does not have.
    let export = export_text(&app(
        "\"api\"",
        r#":export {:kubernetes {:deployment {:spec {:replica 2}}}}"#,
    ));
    let e = errors(&export);
    assert!(
        e.iter()
            .any(|e| e.contains("export::bad-override") && e.contains("spec.replica ")),
        "{e:?}"
    );
    // pm2-clj itself never writes OnFailure into a Deployment, nor a size with B.
    let export = export_text(&app("\"api\"", r#":max-memory-restart "300M" :autorestart true"#));
    let text: String = export.files.iter().map(|f| f.content.as_str()).collect();
    assert!(
        text.contains("memory: 300Mi\n") && text.contains("restartPolicy: Always\n"),
        "{text}"
    );
    assert!(!text.contains("OnFailure") && !text.contains("MB"), "{text}");

    // The schema alone passes all three.
    if !kubernetes_validate() {
        return;
    }
    let bad = text
        .replace("memory: 300Mi", "memory: 300MB")
        .replace("restartPolicy: Always", "restartPolicy: OnFailure")
        .replace("name: api\n", "name: Billing_API\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, &bad).unwrap();
    let (ok, said) = validate(&[path], "1.37.0")
        .or_else(|| validate(&[dir.path().join("bad.yaml")], "1.33.0"))
        .unwrap();
    assert!(
        ok,
        "the schema was expected to pass what only the API server refuses:\n{said}"
    );
}

#[test]
fn options_kubernetes_cannot_do_fail_naming_option_and_target() {
    let export =
        export_text(r#"{:apps [{:name "a" :image "i:1" :script "a.js" :watch true :wait-ready true}]}"#);
    let e = errors(&export);
    assert!(
        e.iter()
            .any(|e| e.starts_with("export::no-equivalent: watch has no kubernetes equivalent")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|e| e.contains("wait_ready has no kubernetes equivalent")),
        "{e:?}"
    );
    assert!(export.files.is_empty());
    // --lossy leaves them out with a warning.
    let loaded = load_text(r#"{:apps [{:name "a" :image "i:1" :script "a.js" :watch true}]}"#).unwrap();
    let export = exported(&loaded, Path::new("/srv/shop/shop.pm2.edn"), None, true);
    assert!(!export.failed(), "{}", shown(&export));

    // --lossy makes no choice for the user.
    let loaded =
        load_text(r#"{:apps [{:name "a" :image "i:1" :script "a.js" :autorestart false}]}"#).unwrap();
    let export = exported(&loaded, Path::new("/srv/shop/shop.pm2.edn"), None, true);
    assert!(export.failed() && export.files.is_empty(), "{}", shown(&export));

    // No image.
    let e = errors(&export_text(r#"{:apps [{:name "a" :script "a.js"}]}"#));
    assert_eq!(
        e,
        ["export::missing-image: app \"a\" has no :image, which kubernetes needs to run it"]
    );
    // autorestart false is a Job only when chosen; cron_restart a CronJob only when chosen.
    let e = errors(&export_text(
        r#"{:apps [{:name "a" :image "i:1" :script "a.js" :autorestart false}]}"#,
    ));
    assert!(
        e[0].starts_with("export::needs-choice: autorestart on kubernetes needs a choice"),
        "{e:?}"
    );
    let e = errors(&export_text(
        r#"{:apps [{:name "a" :image "i:1" :script "a.js" :cron-restart "0 3 * * *"}]}"#,
    ));
    assert!(
        e[0].starts_with("export::needs-choice: cron_restart on kubernetes"),
        "{e:?}"
    );
    // A hidden value the manifest would hold inline.
    let e = errors(&export_text(
        r#"{:apps [{:name "a" :image "i:1" :script "a.js" :cwd #secret "/srv/x"}]}"#,
    ));
    assert!(
        e.iter()
            .any(|e| e.contains("cwd holds a value from #secret") && e.contains("kubernetes")),
        "{e:?}"
    );
    // An unknown key of the hatch, with a did-you-mean.
    let e = errors(&export_text(
        r#"{:apps [{:name "a" :image "i:1" :script "a.js" :export {:kubernetes {:deploy {}}}}]}"#,
    ));
    assert!(
        e[0].contains(":export :kubernetes :deploy") && e[0].contains(":deployment"),
        "{e:?}"
    );
}

#[test]
fn the_stop_signal_is_a_one_line_note() {
    let export = export_text(r#"{:apps [{:name "a" :image "i:1" :script "a.js"}]}"#);
    assert!(!export.failed());
    let notes: Vec<String> = export.problems.iter().map(ToString::to_string).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("the app receives SIGTERM, not PM2's SIGINT") && !n.contains('\n')),
        "{notes:?}"
    );
}

/// Options and values an app may have, for the property test: each alone is valid in the
/// language; some are for Kubernetes, some not, some need a choice.
const PIECES: &[&str] = &[
    ":instances 3",
    ":instances \"max\"",
    ":instances -1",
    ":autorestart false",
    ":autostart false",
    ":cron-restart \"0 3 * * *\"",
    ":cron-restart \"30 0 3 * * *\"",
    ":max-memory-restart \"300M\"",
    ":max-memory-restart 1000",
    ":kill-timeout 1",
    ":kill-timeout 100000000",
    ":port 8080",
    ":ports [9229 {:container 53 :protocol :udp}]",
    ":cwd \"/srv/x\"",
    ":cwd \"rel\"",
    ":uid 1000",
    ":uid \"www-data\"",
    ":namespace \"Shop\"",
    ":namespace \"shop\"",
    ":watch true",
    ":increment-var \"PORT\"",
    ":health {:tcp 3000}",
    ":health {:http \"http://127.0.0.1:3000/x\" :status 204}",
    ":args [\"$(X)\" #secret \"s\"]",
    ":env {:A \"1\" :S #secret \"s\" \"1BAD\" \"x\"}",
    ":env {:A.B \"$\"}",
    ":env {:F \"off\" :D \"2001-12-14\" :N \"1_0\" :E \"=\" :B \"<<\"}",
    ":interpreter \"none\"",
    ":exec-mode :cluster",
    ":export {:kubernetes {:kind :job}}",
    ":export {:kubernetes {:env-from :config-map}}",
    ":export {:kubernetes {:cron-restart {:image \"k:1\"}}}",
    ":export {:kubernetes {:deployment {:spec {:replicas -1}}}}",
    ":export {:kubernetes {:container {:ports [{:containerPort 70000}]}}}",
    ":export {:kubernetes {:service {:spec {:ports []}}}}",
    ":export {:kubernetes {:secret {:data {\"bad key\" \"eA==\"}}}}",
];

const NAMES: &[&str] = &["api", "Billing_API", "a.b", "x", "0web", "all", "-a"];

fn names_option_and_target(problem: &pm2_clj_export::ExportProblem) -> bool {
    let text = problem.to_string();
    let target = text.contains("kubernetes") || text.contains("Kubernetes") || text.contains("API server");
    let option = match problem.kind() {
        ExportErrorKind::NoEquivalent { option, .. }
        | ExportErrorKind::NeedsChoice { option, .. }
        | ExportErrorKind::HiddenInline { option, .. } => text.contains(option.as_str()),
        ExportErrorKind::KubernetesName { name, .. } => text.contains(&format!("{name:?}")),
        ExportErrorKind::BadOverride { path, .. } => path.starts_with(":export :kubernetes"),
        ExportErrorKind::Rejected { object, .. } => !object.is_empty(),
        ExportErrorKind::MissingImage { .. } => text.contains(":image"),
        _ => false,
    };
    target && option
}

/// A source of one app: a name, usually an image, and up to three of [`PIECES`] (one
/// of each option).
fn app_text() -> impl Strategy<Value = String> {
    (
        prop_oneof![6 => Just("api"), 1 => prop::sample::select(NAMES)],
        prop::bool::weighted(0.9),
        prop::sample::subsequence(PIECES, 0..4),
    )
        .prop_map(|(name, image, pieces)| {
            let mut seen = Vec::new();
            let pieces: Vec<&str> = pieces
                .into_iter()
                .filter(|p| {
                    let key = p.split_whitespace().next().unwrap_or("");
                    let fresh = !seen.contains(&key);
                    seen.push(key);
                    fresh
                })
                .collect();
            let image = if image { ":image \"r.example.com/x:1\"" } else { "" };
            format!(
                "{{:apps [{{:name {name:?} :script \"app.js\" {image} {}}}]}}",
                pieces.join(" ")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_app_exports_or_fails_naming_option_and_target(text in app_text()) {
        let Ok(loaded) = load_text(&text) else {
            // The language refused it: nothing to export.
            return Ok(());
        };
        let export = exported(&loaded, Path::new("/srv/shop/shop.pm2.edn"), None, false);
        if export.failed() {
            prop_assert!(export.files.is_empty(), "{text}: files despite errors");
            for p in export.problems.iter().filter(|p| !p.is_warning()) {
                prop_assert!(names_option_and_target(p), "{text}: {} {p}", p.code());
            }
        } else {
            prop_assert!(!export.files.is_empty(), "{text}");
            read_back(&export);
        }
    }
}

/// The manifests of generated apps that export, validated by the schema too: 80 apps
/// drawn as the property test draws them, every success written out and validated in
/// one run per version.
#[test]
fn generated_apps_that_export_validate_for_kubernetes_1_33_to_1_37() {
    if !kubernetes_validate() {
        return;
    }
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = app_text();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for case in 0..80 {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        let Ok(loaded) = load_text(&text) else { continue };
        let export = exported(&loaded, Path::new("/srv/shop/shop.pm2.edn"), None, false);
        if !export.failed() {
            files.extend(write_all(&export, &dir.path().join(case.to_string())));
        }
    }
    assert!(
        files.len() >= 20,
        "only {} manifests from 80 generated apps",
        files.len()
    );
    for minor in 33..=37 {
        let version = format!("1.{minor}.0");
        if let Some((ok, said)) = validate(&files, &version) {
            assert!(ok, "Kubernetes {version}:\n{said}");
        }
    }
    eprintln!("{} manifests of generated apps valid (--strict)", files.len());
}

/// Apps that set every option the table has a row for: the first the ones Kubernetes
/// does, the second those it cannot (left out with `--lossy`), the third a Job.
const EVERY_OPTION: &str = r#"
{:logs {:dir "/var/log/all" :rotate {:max-size "10M"}}
 :apps [{:name "every" :image "r.example.com/every:1" :script "app.js" :cwd "/srv/all"
         :args ["a b" "50%"] :interpreter "node" :interpreter-args ["--max-old-space-size=64"]
         :out-file "/var/log/all/out.log" :error-file "/var/log/all/err.log" :time true
         :log-date-format "YYYY" :max-memory-restart "100M" :restart-delay 500 :instances 2
         :kill-timeout 3000 :cron-restart "0 3 * * *" :merge-logs false :autostart false
         :autorestart true :min-uptime 2000 :max-restarts 5 :exec-mode :cluster
         :increment-var "PORT" :instance-var "INSTANCE" :treekill true :port 3000 :ports [9229]
         :uid 1000 :gid 1000 :filter-env true :namespace "shop" :vizion false :force true
         :execute-command false :append-env-to-name true :post-update ["npm i"]
         :disable-trace true :v8 true :event-loop-inspector true :write true :windows-hide true
         :username "me" :disable-source-map-support true :kill-retry-time 200
         :env {:A "1" :S #secret "s"} :env_production {:A "2"}
         :health {:tcp 3000}
         :export {:kubernetes {:cron-restart {:image "registry.k8s.io/kubectl:v1.33.0"}}}}
        {:name "rest" :image "r.example.com/rest:1" :script "b.js" :watch true
         :ignore-watch ["x"] :watch-delay 100 :watch-options {:usePolling true} :wait-ready true
         :log-type "json" :pid-file "/run/b.pid" :source-map-support true :listen-timeout 100
         :shutdown-with-message true :trace true :deep-monitoring true :pmx true :automation true
         :io {:conf {}} :name-prefix "x" :install-url "u" :log-file "/var/log/b.log"
         :exp-backoff-restart-delay 100 :disable-logs true :stop-exit-codes [3 4]}
        {:name "once" :image "r.example.com/once:1" :script "c.js" :autorestart false
         :env {:B "2"}
         :export {:kubernetes {:kind :job :env-from :config-map}}}]}
"#;

#[test]
fn the_manifests_do_what_the_table_says() {
    let loaded = load_text(EVERY_OPTION).unwrap_or_else(|e| panic!("{e}"));
    let export = exported(&loaded, Path::new("/srv/shop/shop.pm2.edn"), None, true);
    assert!(!export.failed(), "{}", shown(&export));
    read_back(&export);
    let written: Vec<String> = (loaded.built.ecosystem.apps.iter())
        .flat_map(|a| a.written().map(|(k, _)| k.to_string()).collect::<Vec<_>>())
        .collect();
    let yaml: String = export.files.iter().map(|f| f.content.as_str()).collect();
    let reported = |code: &str, option: &str| {
        export.problems.iter().any(|p| {
            p.code() == code
                && match p.kind() {
                    ExportErrorKind::NoEquivalent { option: o, .. }
                    | ExportErrorKind::Approximate { option: o, .. } => {
                        o == option || (option == "env_<name>" && o.starts_with("env_"))
                    }
                    _ => false,
                }
        })
    };
    let kinds = [
        "Deployment",
        "Job",
        "CronJob",
        "Service",
        "Secret",
        "ConfigMap",
        "ServiceAccount",
        "Role",
        "RoleBinding",
    ];
    for row in pm2_clj_export::table::rows(Target::Kubernetes) {
        let option = row.option;
        let set = written
            .iter()
            .any(|w| w == option || (option == "env_<name>" && w == "env_production"))
            || option.starts_with(':');
        assert!(set, "the fixture does not set {option}");
        // Every field the row names is in the manifests (but the alternatives it names in
        // parentheses): a path's last key, a field, an object's kind.
        let field = row.field.split('(').next().unwrap_or("");
        let mut checked = 0;
        for word in field.split([',', ' ']).filter(|w| !w.is_empty()) {
            let word = word.trim_end_matches(':');
            let camel = word.starts_with(|c: char| c.is_ascii_lowercase())
                && word.chars().any(|c| c.is_ascii_uppercase());
            if kinds.contains(&word) {
                checked += 1;
                assert!(yaml.contains(&format!("kind: {word}\n")), "{option}: no {word}");
            } else if word.contains('.') || word.ends_with("[]") || camel {
                checked += 1;
                let key = word.rsplit('.').next().unwrap().trim_end_matches("[]");
                assert!(
                    yaml.contains(&format!("{key}:")),
                    "{option}: no {key} in the manifests"
                );
            }
        }
        let nothing = ["", "—", "the objects it names"].contains(&row.field);
        assert!(
            nothing || checked > 0,
            "{option}: nothing of {:?} checked",
            row.field
        );
        let by_value = ["exec_mode", "increment_var"];
        match row.fidelity {
            Fidelity::None => assert!(reported("export::no-equivalent", option), "{option} not reported"),
            Fidelity::Approximate => assert!(reported("export::approximate", option), "{option} not noted"),
            // A faithful row says nothing, unless its value makes it differ.
            Fidelity::Faithful if by_value.contains(&option) => assert!(
                reported("export::approximate", option) || reported("export::no-equivalent", option),
                "{option}'s value not reported"
            ),
            Fidelity::Faithful => assert!(
                !reported("export::approximate", option) && !reported("export::no-equivalent", option),
                "{option} is faithful, but reported"
            ),
        }
    }
    let every = &export
        .files
        .iter()
        .find(|f| f.name == "every.yaml")
        .unwrap()
        .content;
    for line in [
        "- --max-old-space-size=64\n",
        "- a b\n",
        "- 50%\n",
        "namespace: shop\n",
        "replicas: 0\n",
        "runAsUser: 1000\n",
        "memory: 100Mi\n",
        "terminationGracePeriodSeconds: 3\n",
        "name: INSTANCE\n",
        "schedule: 0 3 * * *\n",
    ] {
        assert!(every.contains(line), "no {line:?} in\n{every}");
    }
}
