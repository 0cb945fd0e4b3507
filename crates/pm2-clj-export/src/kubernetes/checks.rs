//! What the API server would refuse in an object its schema passes: names and label
//! values that are not DNS names, a `Deployment` whose pods do not restart `Always`
//! (kompose's `restartPolicy: OnFailure`), a `Job` whose pods do, a memory limit
//! `300MB`, a selector that does not select the pod template, ports out of range, an
//! environment variable with a value and a source, a service account's name that is not
//! a DNS name. The generated objects never break
//! these; the checks catch what `:export {:kubernetes …}` merges in.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec, Probe};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Object;
use super::names::Rule;
use super::units;

/// What the API server would say about `object`, one sentence per problem.
pub(crate) fn check(object: &Object) -> Vec<String> {
    let mut out = Vec::new();
    let name_rule = match object {
        Object::Service(_) => Rule::Dns1035Label,
        Object::Deployment(_) | Object::Job(_) => Rule::Dns1123Label,
        _ => Rule::Dns1123Subdomain,
    };
    meta(object.meta(), name_rule, "metadata", &mut out);
    match object {
        Object::Deployment(d) => {
            if let Some(spec) = &d.spec {
                if spec.replicas.is_some_and(|r| r < 0) {
                    out.push("spec.replicas is negative".into());
                }
                let restart = spec
                    .template
                    .spec
                    .as_ref()
                    .and_then(|s| s.restart_policy.as_deref());
                if restart.is_some_and(|r| r != "Always") {
                    out.push(format!(
                        "spec.template.spec.restartPolicy is {:?}: a Deployment's pods restart Always (an app that is not restarted is a Job: :export {{:kubernetes {{:kind :job}}}})",
                        restart.unwrap_or_default()
                    ));
                }
                let selects = spec.selector.match_labels.as_ref().is_some_and(|m| !m.is_empty())
                    || spec
                        .selector
                        .match_expressions
                        .as_ref()
                        .is_some_and(|m| !m.is_empty());
                if !selects {
                    out.push("spec.selector selects nothing".into());
                }
                let labels = spec.template.metadata.as_ref().and_then(|m| m.labels.as_ref());
                if let Some(wanted) = &spec.selector.match_labels
                    && !wanted
                        .iter()
                        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
                {
                    out.push("spec.selector does not match spec.template.metadata.labels".into());
                }
                template(&spec.template, "spec.template", &mut out);
            }
        }
        Object::Job(j) => {
            if let Some(spec) = &j.spec {
                job_restart(&spec.template, "spec.template", &mut out);
                template(&spec.template, "spec.template", &mut out);
            }
        }
        Object::CronJob(c) => {
            if let Some(spec) = &c.spec {
                if let Err(why) = units::schedule(&spec.schedule) {
                    out.push(format!("spec.schedule: {why}"));
                }
                if let Some(job) = &spec.job_template.spec {
                    let at = "spec.jobTemplate.spec.template";
                    job_restart(&job.template, at, &mut out);
                    template(&job.template, at, &mut out);
                }
            }
        }
        Object::Service(s) => {
            let ports = s
                .spec
                .as_ref()
                .and_then(|s| s.ports.as_deref())
                .unwrap_or_default();
            if ports.is_empty() {
                out.push("spec.ports is empty".into());
            }
            for (i, p) in ports.iter().enumerate() {
                if !(1..=65535).contains(&p.port) {
                    out.push(format!("spec.ports[{i}].port {} is not from 1 to 65535", p.port));
                }
                if let Some(t) = &p.target_port {
                    port_ok(t, &format!("spec.ports[{i}].targetPort"), &mut out);
                }
                if ports.len() > 1 && p.name.is_none() {
                    out.push(format!(
                        "spec.ports[{i}].name is required when a Service has several ports"
                    ));
                }
            }
        }
        Object::ConfigMap(c) => {
            for k in c.data.iter().flat_map(|d| d.keys()) {
                key(k, "data", &mut out);
            }
        }
        Object::Secret(s) => {
            for k in s.data.iter().flat_map(|d| d.keys()) {
                key(k, "data", &mut out);
            }
            for k in s.string_data.iter().flat_map(|d| d.keys()) {
                key(k, "stringData", &mut out);
            }
        }
        Object::ServiceAccount(_) | Object::Role(_) | Object::RoleBinding(_) => {}
    }
    out
}

fn key(k: &str, at: &str, out: &mut Vec<String>) {
    if !Rule::DataKey.allows(k) {
        out.push(format!("{at} key {k:?} is not {}", Rule::DataKey.says()));
    }
}

fn meta(m: &ObjectMeta, rule: Rule, at: &str, out: &mut Vec<String>) {
    match m.name.as_deref() {
        Some(n) if rule.allows(n) => {}
        Some(n) => out.push(format!("{at}.name {n:?} is not {}", rule.says())),
        None => out.push(format!("{at}.name is missing")),
    }
    if let Some(ns) = &m.namespace
        && !Rule::Dns1123Label.allows(ns)
    {
        out.push(format!(
            "{at}.namespace {ns:?} is not {}",
            Rule::Dns1123Label.says()
        ));
    }
    labels(m.labels.as_ref(), &format!("{at}.labels"), out);
}

fn labels(labels: Option<&BTreeMap<String, String>>, at: &str, out: &mut Vec<String>) {
    for (k, v) in labels.into_iter().flatten() {
        let (prefix, name) = match k.rsplit_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, k.as_str()),
        };
        let name_ok = !name.is_empty() && Rule::LabelValue.allows(name);
        if !name_ok || prefix.is_some_and(|p| !Rule::Dns1123Subdomain.allows(p)) {
            out.push(format!("{at} key {k:?} is not a label key (an optional DNS subdomain and '/', then a name of at most 63 letters, digits, '-', '_' and '.')"));
        }
        if !Rule::LabelValue.allows(v) {
            out.push(format!("{at}[{k:?}] {v:?} is not {}", Rule::LabelValue.says()));
        }
    }
}

fn job_restart(t: &PodTemplateSpec, at: &str, out: &mut Vec<String>) {
    let restart = t.spec.as_ref().and_then(|s| s.restart_policy.as_deref());
    if !matches!(restart, Some("Never" | "OnFailure")) {
        out.push(format!(
            "{at}.spec.restartPolicy is {:?}: a Job's pods restart Never or OnFailure",
            restart.unwrap_or("Always (the default)")
        ));
    }
}

fn template(t: &PodTemplateSpec, at: &str, out: &mut Vec<String>) {
    if let Some(m) = &t.metadata {
        labels(m.labels.as_ref(), &format!("{at}.metadata.labels"), out);
    }
    match &t.spec {
        Some(spec) => pod(spec, &format!("{at}.spec"), out),
        None => out.push(format!("{at}.spec is missing")),
    }
}

/// The service account a pod runs as, as the API server reads the spec, with the field
/// it comes from: its `serviceAccountName`, else the deprecated `serviceAccount` (empty
/// is unset); `None` for the namespace's `default` account.
pub(crate) fn service_account(spec: &PodSpec) -> Option<(&'static str, &str)> {
    [
        ("serviceAccountName", &spec.service_account_name),
        ("serviceAccount", &spec.service_account),
    ]
    .into_iter()
    .find_map(|(field, n)| n.as_deref().filter(|n| !n.is_empty()).map(|n| (field, n)))
}

fn pod(spec: &PodSpec, at: &str, out: &mut Vec<String>) {
    if spec.containers.is_empty() {
        out.push(format!("{at}.containers is empty"));
    }
    if spec.termination_grace_period_seconds.is_some_and(|s| s < 0) {
        out.push(format!("{at}.terminationGracePeriodSeconds is negative"));
    }
    if let Some((field, n)) = service_account(spec)
        && !Rule::Dns1123Subdomain.allows(n)
    {
        out.push(format!(
            "{at}.{field} {n:?} is not {}",
            Rule::Dns1123Subdomain.says()
        ));
    }
    let mut seen = Vec::new();
    for (i, c) in spec.containers.iter().enumerate() {
        if seen.contains(&&c.name) {
            out.push(format!("{at}.containers[{i}].name {:?} is taken twice", c.name));
        }
        seen.push(&c.name);
        container(c, &format!("{at}.containers[{i}]"), out);
    }
}

fn container(c: &Container, at: &str, out: &mut Vec<String>) {
    if !Rule::Dns1123Label.allows(&c.name) {
        out.push(format!(
            "{at}.name {:?} is not {}",
            c.name,
            Rule::Dns1123Label.says()
        ));
    }
    if c.image.as_deref().is_none_or(|i| i.trim().is_empty()) {
        out.push(format!("{at}.image is required"));
    }
    if let Some(dir) = &c.working_dir
        && !dir.starts_with('/')
    {
        out.push(format!(
            "{at}.workingDir {dir:?} is not an absolute path in the image"
        ));
    }
    for (i, e) in c.env.iter().flatten().enumerate() {
        if !Rule::EnvVar.allows(&e.name) {
            out.push(format!(
                "{at}.env[{i}].name {:?} is not {}",
                e.name,
                Rule::EnvVar.says()
            ));
        }
        if e.value.is_some() && e.value_from.is_some() {
            out.push(format!("{at}.env[{i}] has both value and valueFrom"));
        }
    }
    if let Some(r) = &c.resources {
        for (which, list) in [("limits", &r.limits), ("requests", &r.requests)] {
            for (k, q) in list.iter().flatten() {
                if !units::quantity_ok(&q.0) {
                    out.push(format!(
                        "{at}.resources.{which}.{k} {:?} is not a quantity (such as 300Mi, 1Gi or 500m)",
                        q.0
                    ));
                }
            }
        }
    }
    for (i, p) in c.ports.iter().flatten().enumerate() {
        if !(1..=65535).contains(&p.container_port) {
            out.push(format!(
                "{at}.ports[{i}].containerPort {} is not from 1 to 65535",
                p.container_port
            ));
        }
    }
    for (which, probe) in [
        ("readinessProbe", &c.readiness_probe),
        ("livenessProbe", &c.liveness_probe),
        ("startupProbe", &c.startup_probe),
    ] {
        if let Some(p) = probe {
            self::probe(p, &format!("{at}.{which}"), out);
        }
    }
}

fn probe(p: &Probe, at: &str, out: &mut Vec<String>) {
    let handlers = [
        p.exec.is_some(),
        p.http_get.is_some(),
        p.tcp_socket.is_some(),
        p.grpc.is_some(),
    ]
    .iter()
    .filter(|h| **h)
    .count();
    if handlers != 1 {
        out.push(format!(
            "{at} must have exactly one of exec, httpGet, tcpSocket and grpc, not {handlers}"
        ));
    }
    for (field, v) in [
        ("periodSeconds", p.period_seconds),
        ("timeoutSeconds", p.timeout_seconds),
    ] {
        if v.is_some_and(|v| v < 1) {
            out.push(format!("{at}.{field} is less than 1"));
        }
    }
    if let Some(h) = &p.http_get {
        port_ok(&h.port, &format!("{at}.httpGet.port"), out);
    }
    if let Some(t) = &p.tcp_socket {
        port_ok(&t.port, &format!("{at}.tcpSocket.port"), out);
    }
}

fn port_ok(p: &IntOrString, at: &str, out: &mut Vec<String>) {
    match p {
        IntOrString::Int(n) if !(1..=65535).contains(n) => {
            out.push(format!("{at} {n} is not from 1 to 65535"));
        }
        IntOrString::String(s)
            if !(s.len() <= 15
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && s.chars().any(|c| c.is_ascii_lowercase())) =>
        {
            out.push(format!("{at} {s:?} is neither a port number nor a port's name"));
        }
        _ => {}
    }
}
