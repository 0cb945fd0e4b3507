//! The Kubernetes target: per app, `NAME.yaml` holding its objects as YAML documents —
//! a `Deployment` (or, chosen with `:kind :job`, a `Job`), a `Service` when it listens on
//! ports, a `ConfigMap` of its plain environment when chosen with `:env-from
//! :config-map`, and for `cron_restart` (when chosen) a `CronJob` running `kubectl
//! rollout restart` with its `ServiceAccount`, `Role` and `RoleBinding` — and
//! `NAME.secret.yaml` (private) holding the `Secret` of its hidden values, which the
//! container reads through `secretKeyRef`. A `.gitignore` keeps those out of git.
//!
//! Every object is a typed struct of `k8s-openapi` (API 1.33, so the manifests are for
//! every version from 1.33 to 1.37), merged with the app's `:export {:kubernetes …}`
//! ([`hatch`]) and read back into its type, then checked for what the API server would
//! refuse though its schema passes ([`checks`]), and only then written as YAML.

pub mod checks;
pub mod hatch;
pub mod names;
pub mod units;

use std::collections::BTreeMap;

use indexmap::IndexMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, Container, ContainerPort, EnvFromSource, EnvVar, EnvVarSource, ExecAction,
    HTTPGetAction, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, Secret,
    SecretKeySelector, Service, ServiceAccount, ServicePort, ServiceSpec, TCPSocketAction,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::{ByteString, Resource};
use pm2_dsl_emit::health::Probe as Check;
use pm2_dsl_emit::{AppSpec, Instances, Principal, Setting};
use pm2_dsl_eval::ValueKind;
use pm2_dsl_reader::Span;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ExportErrorKind;
use crate::program::{self, Ctx, Report, app_name};
use crate::table::{Fidelity, Target, row_of};
use crate::{Export, File, Input, Settings};

use hatch::{EnvFrom, Hatch, Kind};
use names::Rule;

const TARGET: Target = Target::Kubernetes;

/// The longest name of a `CronJob` (its Jobs add 11 characters to it).
const CRON_JOB_NAME_MAX: usize = 52;

/// Exports every app of `inputs` to Kubernetes manifests.
pub fn export(inputs: &[Input], settings: &Settings) -> Export {
    let mut out = Export::default();
    for input in inputs {
        ecosystem(input, settings, &mut out);
    }
    out.finish("the Secrets", "*.secret.yaml")
}

/// Kubernetes's name rules, checked into the export's problems.
trait Names {
    /// Whether `name` follows `rule`; an error with the nearest name when not.
    fn name_ok(&mut self, name: &str, what: &str, rule: Rule, at: Option<Span>) -> bool;
}

impl Names for Ctx<'_, '_> {
    fn name_ok(&mut self, name: &str, what: &str, rule: Rule, at: Option<Span>) -> bool {
        if rule.allows(name) {
            return true;
        }
        let max = match rule {
            Rule::Dns1123Subdomain | Rule::DataKey => 253,
            _ => 63,
        };
        let suggestion = match rule {
            Rule::EnvVar | Rule::DataKey | Rule::LabelValue => None,
            _ => names::suggest_label(name, max)
                .filter(|s| rule != Rule::Dns1035Label || s.starts_with(|c: char| c.is_ascii_lowercase())),
        };
        self.push(
            ExportErrorKind::KubernetesName {
                name: name.into(),
                what: what.into(),
                rule: rule.says().into(),
                suggestion,
            },
            at,
        );
        false
    }
}

fn row(option: &str) -> &'static crate::table::Row {
    row_of(option, TARGET).expect("every option has a kubernetes row (tested)")
}

fn ecosystem(input: &Input, settings: &Settings, out: &mut Export) {
    let mut ctx = Ctx {
        settings,
        problems: &mut out.problems,
        sources: input.sources,
        target: TARGET,
    };
    if !ctx.name_ok(
        input.name,
        "the ecosystem (its apps' app.kubernetes.io/part-of label)",
        Rule::LabelValue,
        None,
    ) {
        return;
    }
    let header = header(input);
    for app in &input.ecosystem.apps {
        if let Some(files) = app_files(app, input, &header, &mut ctx) {
            out.files.extend(files);
        }
    }
    if let Some(logs) = &input.ecosystem.logs
        && logs.rotate.is_some()
    {
        let r = row(":logs :rotate");
        ctx.report(":logs :rotate", None, r.fidelity, r.note);
    }
}

fn header(input: &Input) -> String {
    let source = input.source.file_name().map_or_else(
        || input.source.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let profile = input
        .profile
        .map(|p| format!(" (profile {p})"))
        .unwrap_or_default();
    let line = format!("Generated by pm2-clj export from {source}{profile}: export again rather than edit.");
    format!("# {}\n", line.replace(['\n', '\r'], " "))
}

/// One environment variable: its text, and whether it is hidden.
struct Var {
    name: String,
    text: String,
    hidden: bool,
    at: Option<Span>,
}

/// The environment in order; a later variable replaces an earlier one of its name.
#[derive(Default)]
struct Env(IndexMap<String, Var>);

impl Env {
    fn set(&mut self, name: &str, text: String, hidden: bool, at: Option<Span>) {
        self.0.shift_remove(name);
        let var = Var {
            name: name.to_string(),
            text,
            hidden,
            at,
        };
        self.0.insert(name.to_string(), var);
    }
}

/// A text as Kubernetes reads it in `command`, `args` and `env` values, where `$(VAR)`
/// is expanded and `$$` is one `$`: every `$` doubled, so it stays as written.
fn literal(text: &str) -> String {
    text.replace('$', "$$")
}

/// What the app's container runs: `command` and `args`, hidden words going through
/// variables of the Secret.
fn command(app: &AppSpec, env: &mut Env, ctx: &mut Ctx) -> Option<(Vec<String>, Vec<String>)> {
    let script = app.script.as_ref()?;
    let mut hidden_args = 0;
    let mut word = |text: &str, hidden: bool, at: Option<Span>, env: &mut Env| {
        if hidden {
            hidden_args += 1;
            let var = format!("PM2_CLJ_ARG_{hidden_args}");
            env.set(&var, text.to_string(), true, at);
            format!("$({var})")
        } else {
            literal(text)
        }
    };
    let mut command = Vec::new();
    let program = match &app.interpreter {
        Some(i) if i.value == "none" => None,
        Some(i) => Some((i.value.clone(), i.origin(), i.written.contains_hidden())),
        None => crate::program::by_extension(&script.value).map(|p| (p.to_string(), script.origin(), false)),
    };
    match program {
        None => {
            if script.written.contains_hidden() {
                ctx.push(
                    ExportErrorKind::HiddenInline {
                        option: "script".into(),
                        target: TARGET,
                    },
                    script.origin(),
                );
                return None;
            }
            command.push(literal(&script.value));
        }
        Some((program, program_at, hidden)) => {
            if hidden {
                ctx.push(
                    ExportErrorKind::HiddenInline {
                        option: "exec_interpreter".into(),
                        target: TARGET,
                    },
                    program_at,
                );
                return None;
            }
            command.push(literal(&program));
            if let Some(a) = &app.interpreter_args {
                for (text, hidden) in crate::program::args(a) {
                    command.push(word(&text, hidden, a.origin(), env));
                }
            }
            command.push(word(
                &script.value,
                script.written.contains_hidden(),
                script.origin(),
                env,
            ));
        }
    }
    let mut args = Vec::new();
    if let Some(a) = &app.args {
        for (text, hidden) in crate::program::args(a) {
            args.push(word(&text, hidden, a.origin(), env));
        }
    }
    Some((command, args))
}

/// The objects of one app, in the order they are written.
pub(crate) enum Object {
    ConfigMap(ConfigMap),
    Secret(Secret),
    Deployment(Box<Deployment>),
    Job(Box<Job>),
    Service(Box<Service>),
    ServiceAccount(ServiceAccount),
    Role(Role),
    RoleBinding(RoleBinding),
    CronJob(Box<CronJob>),
}

impl Object {
    fn meta(&self) -> &ObjectMeta {
        match self {
            Object::ConfigMap(o) => &o.metadata,
            Object::Secret(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::Job(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
            Object::Role(o) => &o.metadata,
            Object::RoleBinding(o) => &o.metadata,
            Object::CronJob(o) => &o.metadata,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Object::ConfigMap(_) => ConfigMap::KIND,
            Object::Secret(_) => Secret::KIND,
            Object::Deployment(_) => Deployment::KIND,
            Object::Job(_) => Job::KIND,
            Object::Service(_) => Service::KIND,
            Object::ServiceAccount(_) => ServiceAccount::KIND,
            Object::Role(_) => Role::KIND,
            Object::RoleBinding(_) => RoleBinding::KIND,
            Object::CronJob(_) => CronJob::KIND,
        }
    }

    /// The key of the `:export :kubernetes` map merged into it.
    fn hatch_key(&self) -> Option<&'static str> {
        match self {
            Object::ConfigMap(_) => Some("config-map"),
            Object::Secret(_) => Some("secret"),
            Object::Deployment(_) => Some("deployment"),
            Object::Job(_) => Some("job"),
            Object::Service(_) => Some("service"),
            Object::CronJob(_) => Some("cron-job"),
            Object::ServiceAccount(_) | Object::Role(_) | Object::RoleBinding(_) => None,
        }
    }

    fn describe(&self) -> String {
        format!("{} {}", self.kind(), self.meta().name.as_deref().unwrap_or(""))
    }

    fn patched(self, patch: &serde_json::Value) -> Result<Object, String> {
        fn p<T: Serialize + DeserializeOwned>(o: &T, patch: &serde_json::Value) -> Result<T, String> {
            hatch::apply(o, patch)
        }
        Ok(match &self {
            Object::ConfigMap(o) => Object::ConfigMap(p(o, patch)?),
            Object::Secret(o) => Object::Secret(p(o, patch)?),
            Object::Deployment(o) => Object::Deployment(Box::new(p(o.as_ref(), patch)?)),
            Object::Job(o) => Object::Job(Box::new(p(o.as_ref(), patch)?)),
            Object::Service(o) => Object::Service(Box::new(p(o.as_ref(), patch)?)),
            Object::CronJob(o) => Object::CronJob(Box::new(p(o.as_ref(), patch)?)),
            Object::ServiceAccount(_) | Object::Role(_) | Object::RoleBinding(_) => self,
        })
    }

    /// The object as YAML that YAML 1.1 readers (kubectl's go-yaml, PyYAML) read as
    /// YAML 1.2 does: `on`, `1_000` or `2001-12-14` as strings, quoted.
    fn yaml(&self) -> Result<String, serde_norway::Error> {
        self.yaml12().map(|y| crate::yaml::yaml11_safe(&y))
    }

    fn yaml12(&self) -> Result<String, serde_norway::Error> {
        match self {
            Object::ConfigMap(o) => serde_norway::to_string(o),
            Object::Secret(o) => serde_norway::to_string(o),
            Object::Deployment(o) => serde_norway::to_string(o),
            Object::Job(o) => serde_norway::to_string(o),
            Object::Service(o) => serde_norway::to_string(o),
            Object::ServiceAccount(o) => serde_norway::to_string(o),
            Object::Role(o) => serde_norway::to_string(o),
            Object::RoleBinding(o) => serde_norway::to_string(o),
            Object::CronJob(o) => serde_norway::to_string(o),
        }
    }
}

fn app_files(app: &AppSpec, input: &Input, header: &str, ctx: &mut Ctx) -> Option<Vec<File>> {
    let name = app_name(app)?;
    let name_at = app.name.as_deref().and_then(Setting::origin);
    let ports = app.listens_on();
    let rule = if ports.is_empty() {
        Rule::Dns1123Label
    } else {
        Rule::Dns1035Label
    };
    let what = if ports.is_empty() {
        "a Deployment and its container"
    } else {
        "a Deployment and its Service"
    };
    if !ctx.name_ok(&name, what, rule, name_at) {
        return None;
    }
    let hatch = match app.escape("kubernetes").map(hatch::read) {
        None => Hatch::default(),
        Some(Ok(h)) => h,
        Some(Err(problems)) => {
            for (path, why, at) in problems {
                ctx.push(ExportErrorKind::BadOverride { path, why }, at);
            }
            return None;
        }
    };
    let before = ctx.problems.iter().filter(|p| !p.is_warning()).count();
    check_options(app, &hatch, ctx);
    // Options the manifest holds inline must not come from a hidden source (the
    // environment, the arguments and the script run by an interpreter go through the
    // Secret; the script and interpreter are checked where the command is made).
    for (option, value) in app.written() {
        let through_secret = matches!(
            option,
            "env" | "args" | "node_args" | "script" | "exec_interpreter"
        ) || option.starts_with("env_");
        if !through_secret && value.contains_hidden() {
            ctx.push(
                ExportErrorKind::HiddenInline {
                    option: option.into(),
                    target: TARGET,
                },
                value.origin(),
            );
        }
    }
    if let Some(image) = &app.image
        && image.written.contains_hidden()
    {
        ctx.push(
            ExportErrorKind::HiddenInline {
                option: ":image".into(),
                target: TARGET,
            },
            image.origin(),
        );
    }
    let image = match &app.image {
        Some(i) => Some(i.value.clone()),
        None => {
            ctx.push(
                ExportErrorKind::MissingImage {
                    app: name.clone(),
                    target: TARGET,
                },
                name_at,
            );
            None
        }
    };
    let count = match app.instances.as_ref().map(|s| s.value) {
        None => 1,
        Some(Instances::Count(n)) => n,
        Some(Instances::PerCpu) => ctx.settings.cpus,
        Some(Instances::PerCpuLess(n)) => ctx.settings.cpus.saturating_sub(n).max(1),
    };
    let replicas = i32::try_from(count).unwrap_or(i32::MAX);
    let autorestart = app.autorestart.as_ref().is_none_or(|s| s.value);
    match (autorestart, hatch.kind) {
        (false, Kind::Deployment) => ctx.push(
            ExportErrorKind::NeedsChoice {
                option: "autorestart".into(),
                target: TARGET,
                why: "an app that is not restarted is not a Deployment (whose pods always restart); a Job runs it once".into(),
                choice: ":export {:kubernetes {:kind :job}}".into(),
            },
            app.autorestart.as_deref().and_then(Setting::origin),
        ),
        (true, Kind::Job) => ctx.push(
            ExportErrorKind::BadOverride {
                path: ":export :kubernetes :kind".into(),
                why: "a Job is for an app with :autorestart false; this one is restarted, which a Deployment does".into(),
            },
            hatch.at,
        ),
        _ => {}
    }
    let names_of = |suffix: &str| format!("{name}-{suffix}");
    let secret_name = names_of("secret");
    let config_name = names_of("config");

    // The environment: the app's, PORT, the instance number, as PM2 sets them.
    let mut env = Env::default();
    let (command, args) = command(app, &mut env, ctx)?;
    environment(app, count, &mut env, ctx);
    let (env_vars, config, secret) = env_sources(&env, hatch.env_from, &secret_name, ctx);
    let mut objects = Vec::new();

    let labels: BTreeMap<String, String> = [
        ("app.kubernetes.io/name", name.as_str()),
        ("app.kubernetes.io/part-of", input.name),
        ("app.kubernetes.io/managed-by", "pm2-clj"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let selector: BTreeMap<String, String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "app.kubernetes.io/managed-by")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // The app's restart on a schedule, when this target makes one (a kubectl image
    // chosen, a Deployment, a schedule it reads): the image and the schedule.
    let schedule = app.cron_restart.as_ref().map(|cron| units::schedule(&cron.value));
    let scheduled = match (&hatch.cron_image, hatch.kind, &schedule) {
        (Some(kubectl), Kind::Deployment, Some(Ok(schedule))) => Some((kubectl.as_str(), schedule.as_str())),
        _ => None,
    };
    // A restart's RoleBinding must name its account's namespace: an app restarted on a
    // schedule names its namespace (`default` too) in every object, so that applying it
    // to another namespace (`kubectl apply -n prod`) is refused for the mismatch instead
    // of binding an account of `default` while the job runs as the one in `prod`.
    let restarted = scheduled.is_some();
    let namespace = app
        .namespace
        .as_ref()
        .map(|n| n.value.clone())
        .filter(|n| n != "default" || restarted)
        .or_else(|| restarted.then(|| "default".to_string()));
    if let Some(ns) = &namespace
        && !ctx.name_ok(
            ns,
            "a namespace",
            Rule::Dns1123Label,
            app.namespace.as_deref().and_then(Setting::origin),
        )
    {
        return None;
    }
    let meta = |name: &str| ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.clone(),
        labels: Some(labels.clone()),
        ..ObjectMeta::default()
    };

    if !config.is_empty() {
        objects.push(Object::ConfigMap(ConfigMap {
            metadata: meta(&config_name),
            data: Some(config),
            ..ConfigMap::default()
        }));
    }
    let secret_object = (!secret.is_empty()).then(|| {
        Object::Secret(Secret {
            metadata: meta(&secret_name),
            type_: Some("Opaque".into()),
            data: Some(secret),
            ..Secret::default()
        })
    });

    let mut container = Container {
        name: name.clone(),
        image: image.clone(),
        command: Some(command),
        args: (!args.is_empty()).then_some(args),
        working_dir: app.cwd.as_ref().map(|c| c.value.clone()),
        env: (!env_vars.is_empty()).then_some(env_vars),
        env_from: (objects.iter().any(|o| matches!(o, Object::ConfigMap(_)))).then(|| {
            vec![EnvFromSource {
                config_map_ref: Some(ConfigMapEnvSource {
                    name: config_name.clone(),
                    optional: None,
                }),
                ..EnvFromSource::default()
            }]
        }),
        ports: (!ports.is_empty()).then(|| {
            ports
                .iter()
                .map(|p| ContainerPort {
                    container_port: i32::from(p.container),
                    protocol: Some(p.protocol.name().to_uppercase()),
                    ..ContainerPort::default()
                })
                .collect()
        }),
        resources: app.max_memory_restart.as_ref().map(|m| ResourceRequirements {
            limits: Some(BTreeMap::from([(
                "memory".to_string(),
                Quantity(units::memory(m.value.0)),
            )])),
            ..ResourceRequirements::default()
        }),
        readiness_probe: app.health.as_ref().map(readiness),
        ..Container::default()
    };
    if let Some(m) = &app.max_memory_restart {
        let r = row("max_memory_restart");
        ctx.report(
            "max_memory_restart",
            m.origin(),
            r.fidelity,
            &format!(
                "resources.limits.memory: {}, {}",
                units::memory(m.value.0),
                r.note
            ),
        );
    }
    if let Some(h) = &app.health {
        let r = row(":health");
        ctx.report(":health", name_at, r.fidelity, r.note);
        if let Check::Http { status: Some(s), .. } = &h.probe
            && !(200..400).contains(s)
        {
            ctx.report(
                ":health",
                name_at,
                Fidelity::None,
                &format!("Kubernetes counts 200 to 399 as ready, not {s}"),
            );
        }
    }
    if let Some((patch, patch_at)) = hatch.patch("container") {
        match hatch::apply(&container, patch) {
            Ok(c) => container = c,
            Err(why) => {
                ctx.push(
                    ExportErrorKind::BadOverride {
                        path: ":export :kubernetes :container".into(),
                        why,
                    },
                    patch_at,
                );
                return None;
            }
        }
    }
    let kill_timeout = app
        .kill_timeout
        .as_ref()
        .map_or(std::time::Duration::from_millis(1600), |s| s.value);
    {
        let r = row("kill_timeout");
        ctx.report(
            "kill_timeout",
            app.kill_timeout.as_deref().and_then(Setting::origin).or(name_at),
            r.fidelity,
            &format!(
                "terminationGracePeriodSeconds: {}; {}",
                units::seconds(kill_timeout, 0),
                r.note
            ),
        );
    }
    let security_context = {
        let id = |p: Option<&Setting<Principal>>, option: &str, ctx: &mut Ctx| match p {
            Some(Setting {
                value: Principal::Id(id),
                ..
            }) => Some(i64::from(*id)),
            Some(
                s @ Setting {
                    value: Principal::Name(n),
                    ..
                },
            ) => {
                ctx.report(option, s.origin(), Fidelity::None, &format!("Kubernetes takes a number, not the name {n:?} (the image's users are not known at export)"));
                None
            }
            None => None,
        };
        let user = id(app.uid.as_deref(), "uid", ctx);
        let group = id(app.gid.as_deref(), "gid", ctx);
        (user.is_some() || group.is_some()).then(|| PodSecurityContext {
            run_as_user: user,
            run_as_group: group,
            ..PodSecurityContext::default()
        })
    };
    let pod = |restart: &str, container: Container| PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            containers: vec![container],
            restart_policy: Some(restart.to_string()),
            termination_grace_period_seconds: Some(units::seconds(kill_timeout, 0)),
            security_context: security_context.clone(),
            ..PodSpec::default()
        }),
    };
    let workload = match hatch.kind {
        Kind::Deployment => Object::Deployment(Box::new(Deployment {
            metadata: meta(&name),
            spec: Some(DeploymentSpec {
                replicas: Some(if app.autostart() { replicas } else { 0 }),
                selector: LabelSelector {
                    match_labels: Some(selector.clone()),
                    ..LabelSelector::default()
                },
                template: pod("Always", container),
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        })),
        Kind::Job => Object::Job(Box::new(Job {
            metadata: meta(&name),
            spec: Some(JobSpec {
                parallelism: Some(replicas),
                completions: Some(replicas),
                backoff_limit: Some(0),
                suspend: (!app.autostart()).then_some(true),
                template: pod("Never", container),
                ..JobSpec::default()
            }),
            ..Job::default()
        })),
    };
    objects.push(workload);
    if !ports.is_empty() {
        objects.push(Object::Service(Box::new(Service {
            metadata: meta(&name),
            spec: Some(ServiceSpec {
                selector: Some(selector.clone()),
                ports: Some(
                    ports
                        .iter()
                        .map(|p| ServicePort {
                            name: (ports.len() > 1).then(|| format!("{}-{}", p.protocol.name(), p.container)),
                            port: i32::from(p.published.unwrap_or(p.container)),
                            target_port: Some(IntOrString::Int(i32::from(p.container))),
                            protocol: Some(p.protocol.name().to_uppercase()),
                            ..ServicePort::default()
                        })
                        .collect(),
                ),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        })));
    }
    if let (Some(cron), Some(schedule)) = (&app.cron_restart, &schedule) {
        match (scheduled, hatch.kind, schedule) {
            (_, _, Err(why)) => ctx.report("cron_restart", cron.origin(), Fidelity::None, why),
            (_, Kind::Job, _) => ctx.report(
                "cron_restart",
                cron.origin(),
                Fidelity::None,
                "a Job runs once; restarting it on a schedule would be a CronJob of the app",
            ),
            (None, _, _) => ctx.push(
                ExportErrorKind::NeedsChoice {
                    option: "cron_restart".into(),
                    target: TARGET,
                    why: "Kubernetes restarts nothing on a schedule; a CronJob can run `kubectl rollout restart` (a rolling restart) with a ServiceAccount allowed to do only that".into(),
                    choice: ":export {:kubernetes {:cron-restart {:image \"registry.k8s.io/kubectl:v1.33.0\"}}}".into(),
                },
                cron.origin(),
            ),
            (Some((kubectl, schedule)), _, _) => {
                let restart = names_of("restart");
                if restart.len() > CRON_JOB_NAME_MAX {
                    ctx.push(
                        ExportErrorKind::KubernetesName {
                            name: restart.clone(),
                            what: "the restart CronJob".into(),
                            rule: format!("at most {CRON_JOB_NAME_MAX} characters (its Jobs' names add 11)"),
                            suggestion: None,
                        },
                        name_at,
                    );
                } else {
                    let r = row("cron_restart");
                    ctx.report("cron_restart", cron.origin(), r.fidelity, r.note);
                    objects.extend(restart_objects(&name, &restart, schedule, kubectl, namespace.as_deref(), &meta));
                }
            }
        }
    }

    let done = merged(objects.into_iter().chain(secret_object).collect(), &hatch, ctx);
    // What the API server would refuse though the schema passes.
    image.as_ref()?;
    for object in &done {
        for why in checks::check(object) {
            ctx.push(
                ExportErrorKind::Rejected {
                    object: object.describe(),
                    why,
                },
                hatch.at.or(name_at),
            );
        }
    }
    // A restart reaches one namespace: its CronJob runs `kubectl rollout restart` there
    // as the account its RoleBinding names there. An override that moves an object of
    // the app elsewhere would leave a restart that can never happen.
    if restarted {
        for object in &done {
            let own = object.meta().namespace.as_deref();
            if let Some(key) = object.hatch_key()
                && own != namespace.as_deref()
            {
                ctx.push(
                    ExportErrorKind::BadOverride {
                        path: format!(":export :kubernetes :{key}"),
                        why: format!(
                            "it puts {} in namespace {} while the app's scheduled restart (its CronJob, ServiceAccount and RoleBinding) acts in {}; give the app its namespace with :namespace instead",
                            object.describe(),
                            own.unwrap_or("(none)"),
                            namespace.as_deref().unwrap_or("(none)")
                        ),
                    },
                    hatch.patch(key).and_then(|(_, at)| at).or(hatch.at).or(name_at),
                );
            }
        }
        // An override may run the restart as an account of the user's own; the rights
        // made for it then go unused, and that account needs them.
        let made = done.iter().find_map(|o| match o {
            Object::ServiceAccount(a) => a.metadata.name.clone(),
            _ => None,
        });
        let runs_as = done.iter().find_map(|o| match o {
            Object::CronJob(c) => Some(
                (c.spec.as_ref())
                    .and_then(|s| s.job_template.spec.as_ref()?.template.spec.as_ref())
                    .and_then(checks::service_account)
                    .map_or("default", |(_, account)| account)
                    .to_string(),
            ),
            _ => None,
        });
        if let (Some(made), Some(runs_as)) = (made, runs_as)
            && runs_as != made
        {
            ctx.push(
                ExportErrorKind::Approximate {
                    option: ":export :kubernetes :cron-job".into(),
                    target: TARGET,
                    how: format!(
                        "it runs the scheduled restart as ServiceAccount {runs_as}, so the ServiceAccount, Role and RoleBinding {made} made for the restart go unused; that account must be allowed to get and patch deployment/{name}"
                    ),
                },
                hatch.patch("cron-job").and_then(|(_, at)| at).or(hatch.at).or(name_at),
            );
        }
    }
    if ctx.problems.iter().filter(|p| !p.is_warning()).count() > before {
        return None;
    }

    written(&name, header, &done, ctx, name_at)
}

/// `objects` with the hatch's maps merged in and read back into their types; a map that
/// does not fit, or names an object the app does not have, is an error.
fn merged(objects: Vec<Object>, hatch: &Hatch, ctx: &mut Ctx) -> Vec<Object> {
    let mut done = Vec::new();
    let mut refused = Vec::new();
    for object in objects {
        let key = object.hatch_key();
        let patch = key.and_then(|k| hatch.patch(k));
        let object = match patch {
            Some((patch, patch_at)) => match object.patched(patch) {
                Ok(o) => o,
                Err(why) => {
                    let path = format!(":export :kubernetes :{}", key.unwrap_or_default());
                    ctx.push(ExportErrorKind::BadOverride { path, why }, patch_at);
                    refused.extend(key);
                    continue;
                }
            },
            None => object,
        };
        done.push(object);
    }
    for (key, _, patch_at) in &hatch.patches {
        if *key != "container" && !refused.contains(key) && !done.iter().any(|o| o.hatch_key() == Some(key)) {
            ctx.push(
                ExportErrorKind::BadOverride {
                    path: format!(":export :kubernetes :{key}"),
                    why: format!("this app has no {key} to merge it into"),
                },
                *patch_at,
            );
        }
    }
    done
}

/// The app's files: `NAME.yaml` with its objects, `NAME.secret.yaml` (private) with its
/// Secret.
fn written(
    name: &str,
    header: &str,
    done: &[Object],
    ctx: &mut Ctx,
    name_at: Option<Span>,
) -> Option<Vec<File>> {
    let mut public = Vec::new();
    let mut private = Vec::new();
    for object in done {
        let yaml = match object.yaml() {
            Ok(y) => y,
            Err(e) => {
                ctx.push(
                    ExportErrorKind::Rejected {
                        object: object.describe(),
                        why: e.to_string(),
                    },
                    name_at,
                );
                return None;
            }
        };
        if matches!(object, Object::Secret(_)) {
            private.push(yaml);
        } else {
            public.push(yaml);
        }
    }
    let document = |docs: Vec<String>| {
        format!(
            "{header}{}",
            docs.iter().map(|d| format!("---\n{d}")).collect::<String>()
        )
    };
    let mut files = vec![File {
        name: format!("{name}.yaml"),
        content: document(public),
        private: false,
    }];
    if !private.is_empty() {
        files.push(File {
            name: format!("{name}.secret.yaml"),
            content: document(private),
            private: true,
        });
    }
    Some(files)
}

/// Sets the app's environment in `env` after what `command` put there: its `env`, `PORT`,
/// `increment_var` and the instance variable, as PM2 sets them.
fn environment(app: &AppSpec, count: u64, env: &mut Env, ctx: &mut Ctx) {
    let env_at = app
        .written()
        .find(|(k, _)| *k == "env")
        .and_then(|(_, v)| v.origin());
    for (var, value) in &app.env {
        if ctx.name_ok(var, "an environment variable", Rule::EnvVar, env_at) {
            env.set(var, value.text.clone(), value.hidden.is_some(), env_at);
        }
    }
    if let Some(port) = &app.port {
        env.set(
            "PORT",
            port.value.to_string(),
            port.written.contains_hidden(),
            port.origin(),
        );
    }
    if let Some(var) = &app.increment_var {
        if count > 1 {
            ctx.report(
                "increment_var",
                var.origin(),
                Fidelity::None,
                "a Deployment's pods are alike: none has a number of its own to add",
            );
        } else if !app.env.contains_key(&var.value) {
            env.set(&var.value, "0".into(), false, var.origin());
        }
    }
    let instance_var = app
        .instance_var
        .as_ref()
        .map_or("NODE_APP_INSTANCE", |s| s.value.as_str());
    if count > 1 {
        let r = row("instance_var");
        ctx.report(
            "instance_var",
            app.instances.as_deref().and_then(Setting::origin),
            r.fidelity,
            r.note,
        );
    }
    env.set(instance_var, "0".into(), false, None);
}

/// Where each variable is read from: hidden ones from the Secret `secret_name`
/// (`secretKeyRef`), plain ones inline or, with `:env-from :config-map`, from the
/// ConfigMap. The container's `env`, the ConfigMap's data and the Secret's.
fn env_sources(
    env: &Env,
    env_from: EnvFrom,
    secret_name: &str,
    ctx: &mut Ctx,
) -> (
    Vec<EnvVar>,
    BTreeMap<String, String>,
    BTreeMap<String, ByteString>,
) {
    let mut env_vars = Vec::new();
    let mut config = BTreeMap::new();
    let mut secret = BTreeMap::new();
    for var in env.0.values() {
        if var.hidden {
            if !ctx.name_ok(&var.name, "a key of the Secret", Rule::DataKey, var.at) {
                continue;
            }
            secret.insert(var.name.clone(), ByteString(var.text.clone().into_bytes()));
            env_vars.push(EnvVar {
                name: var.name.clone(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: secret_name.to_string(),
                        key: var.name.clone(),
                        optional: None,
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            });
        } else if env_from == EnvFrom::ConfigMap {
            if ctx.name_ok(&var.name, "a key of the ConfigMap", Rule::DataKey, var.at) {
                config.insert(var.name.clone(), var.text.clone());
            }
        } else {
            env_vars.push(EnvVar {
                name: var.name.clone(),
                value: Some(literal(&var.text)),
                ..EnvVar::default()
            });
        }
    }
    (env_vars, config, secret)
}

/// The `CronJob` that restarts `name` on `schedule`, and the rights it needs: a
/// `ServiceAccount` bound to a `Role` that may only get and patch that `Deployment`.
fn restart_objects(
    name: &str,
    restart: &str,
    schedule: &str,
    kubectl: &str,
    namespace: Option<&str>,
    meta: &dyn Fn(&str) -> ObjectMeta,
) -> Vec<Object> {
    let mut command = vec![
        "kubectl".to_string(),
        "rollout".into(),
        "restart".into(),
        format!("deployment/{name}"),
    ];
    if let Some(ns) = namespace {
        command.extend(["--namespace".to_string(), ns.to_string()]);
    }
    vec![
        Object::ServiceAccount(ServiceAccount {
            metadata: meta(restart),
            ..ServiceAccount::default()
        }),
        Object::Role(Role {
            metadata: meta(restart),
            rules: Some(vec![PolicyRule {
                api_groups: Some(vec!["apps".into()]),
                resources: Some(vec!["deployments".into()]),
                resource_names: Some(vec![name.to_string()]),
                verbs: vec!["get".into(), "patch".into()],
                ..PolicyRule::default()
            }]),
        }),
        Object::RoleBinding(RoleBinding {
            metadata: meta(restart),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: "Role".into(),
                name: restart.to_string(),
            },
            subjects: Some(vec![Subject {
                kind: "ServiceAccount".into(),
                name: restart.to_string(),
                namespace: namespace.map(str::to_string),
                ..Subject::default()
            }]),
        }),
        Object::CronJob(Box::new(CronJob {
            metadata: meta(restart),
            spec: Some(CronJobSpec {
                schedule: schedule.to_string(),
                concurrency_policy: Some("Forbid".into()),
                job_template: JobTemplateSpec {
                    metadata: None,
                    spec: Some(JobSpec {
                        backoff_limit: Some(2),
                        template: PodTemplateSpec {
                            metadata: None,
                            spec: Some(PodSpec {
                                service_account_name: Some(restart.to_string()),
                                restart_policy: Some("Never".into()),
                                containers: vec![Container {
                                    name: "kubectl".into(),
                                    image: Some(kubectl.to_string()),
                                    command: Some(command),
                                    ..Container::default()
                                }],
                                ..PodSpec::default()
                            }),
                        },
                        ..JobSpec::default()
                    }),
                },
                ..CronJobSpec::default()
            }),
            ..CronJob::default()
        })),
    ]
}

/// The readinessProbe of a `:health` check.
fn readiness(h: &pm2_dsl_emit::health::Health) -> Probe {
    let local = |host: &str| matches!(host, "127.0.0.1" | "localhost" | "::1" | "[::1]");
    let mut probe = Probe {
        timeout_seconds: h.timeout.map(|t| units::seconds(t, 1) as i32),
        period_seconds: h.interval.map(|t| units::seconds(t, 1) as i32),
        initial_delay_seconds: h.grace.map(|t| units::seconds(t, 0) as i32),
        ..Probe::default()
    };
    match &h.probe {
        Check::Http { url, .. } => {
            let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            };
            let (host, port) = match authority.rsplit_once(':') {
                Some((h, p)) if !h.ends_with(']') || authority.ends_with(']') => (h, p.parse::<i32>().ok()),
                _ => (authority, None),
            };
            let https = scheme.eq_ignore_ascii_case("https");
            probe.http_get = Some(HTTPGetAction {
                host: (!local(host)).then(|| host.to_string()),
                path: Some(path.to_string()),
                port: IntOrString::Int(port.unwrap_or(if https { 443 } else { 80 })),
                scheme: Some(if https { "HTTPS" } else { "HTTP" }.into()),
                ..HTTPGetAction::default()
            });
        }
        Check::Tcp { host, port } => {
            probe.tcp_socket = Some(TCPSocketAction {
                host: (!local(host)).then(|| host.clone()),
                port: IntOrString::Int(i32::from(*port)),
            });
        }
        Check::Command { argv } => {
            probe.exec = Some(ExecAction {
                command: Some(argv.clone()),
            });
        }
    }
    probe
}

/// Reports every option the app sets as the table says ([`program::check_options`]),
/// but where the value makes it differ from the row on Kubernetes, or where the export
/// reports it itself.
fn check_options(app: &AppSpec, hatch: &Hatch, ctx: &mut Ctx) {
    let cpus = ctx.settings.cpus;
    program::check_options(app, ctx, |option, value| {
        let off = matches!(value.kind(), ValueKind::Bool(false) | ValueKind::Nil);
        match option {
            "exec_mode" if app.exec_mode.as_ref().is_some_and(|m| m.value == pm2_dsl_emit::ExecMode::Cluster) => Report::As(
                Fidelity::Approximate,
                "each instance is a pod of its own, without a cluster primary; a Service spreads connections over them".into(),
            ),
            "instances" => match app.instances.as_ref().map(|s| s.value) {
                Some(Instances::PerCpu | Instances::PerCpuLess(_)) => Report::As(
                    Fidelity::Approximate,
                    format!("fixed at export for {cpus} CPUs (--cpus), not counted on the node that runs it"),
                ),
                _ => Report::Skip,
            },
            "autostart" if !off => Report::Skip,
            "treekill" if off => Report::Skip,
            // Reported where their objects are made.
            "cron_restart" | "autorestart" | "max_memory_restart" | "kill_timeout" | "increment_var"
            | "instance_var" | "uid" | "gid" | "port" => Report::Skip,
            "restart_delay" | "exp_backoff_restart_delay" | "min_uptime" | "max_restarts"
                if hatch.kind == Kind::Job =>
            {
                Report::Skip
            }
            _ => Report::Row,
        }
    });
}
