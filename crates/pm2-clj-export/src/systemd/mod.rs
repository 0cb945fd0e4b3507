//! The systemd target: one unit per app (`NAME.service`, or the template `NAME@.service`
//! with one instance per process), a `ECOSYSTEM.target` that `Wants=` every app and
//! timer (one `systemctl start ECOSYSTEM.target` starts everything, and its units are
//! `PartOf=` it, so stopping it stops them), a `NAME-restart.timer` and oneshot
//! `NAME-restart.service` per `cron_restart`, a private `NAME.env` per app whose
//! environment holds hidden values, and a `.gitignore` that keeps those out of git.
//!
//! Units stop apps as PM2 does: `KillSignal=SIGINT`, then SIGKILL after
//! `TimeoutStopSec=` (`kill_timeout`, 1600 ms by default). Every value is written per
//! systemd.syntax(7) ([`syntax`]); cron patterns become calendar events ([`calendar`]).

pub mod calendar;
pub mod syntax;

use std::path::{Path, PathBuf};
use std::time::Duration;

use pm2_dsl_emit::{AppSpec, Instances, LogFile, Principal, Setting};
use pm2_dsl_eval::{Value, ValueKind};
use pm2_dsl_reader::Span;

use crate::error::ExportErrorKind;
use crate::program::{self, Ctx, Report, app_name, args, by_extension, is_command};
use crate::table::{Fidelity, Target, row_of};
use crate::{Export, File, Input, Settings};

/// The first systemd version with `RestartSteps=` and `RestartMaxDelaySec=`.
pub const RESTART_STEPS_SINCE: u32 = 254;

/// The oldest systemd the units are written for by default: 249, Ubuntu 22.04 LTS's
/// (Debian 12 and RHEL 9 have 252).
pub const OLDEST_SUPPORTED: u32 = 249;

/// PM2's longest delay of `exp_backoff_restart_delay`.
const BACKOFF_MAX: Duration = Duration::from_millis(15_000);

/// Whether the units run under the system's manager or a user's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// `/etc/systemd/system`, started at boot (`multi-user.target`).
    #[default]
    System,
    /// `~/.config/systemd/user`, started with the user's manager (`default.target`).
    User,
}

impl Scope {
    /// The unit folder relative to the configuration folder systemd's `%E` names
    /// (`/etc` or `~/.config`), where the environment files are read from.
    fn unit_dir(self) -> &'static str {
        match self {
            Scope::System => "%E/systemd/system",
            Scope::User => "%E/systemd/user",
        }
    }

    /// `systemctl`, with `--user` for user units.
    pub fn systemctl(self) -> &'static str {
        match self {
            Scope::System => "systemctl",
            Scope::User => "systemctl --user",
        }
    }

    fn wanted_by(self) -> &'static str {
        match self {
            Scope::System => "multi-user.target",
            Scope::User => "default.target",
        }
    }
}

/// What systemd the units are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SystemdSettings {
    /// Its version (`--systemd-version`): settings newer than it are not written.
    pub version: u32,
    /// System or user units.
    pub scope: Scope,
}

impl Default for SystemdSettings {
    fn default() -> SystemdSettings {
        SystemdSettings {
            version: OLDEST_SUPPORTED,
            scope: Scope::System,
        }
    }
}

/// Exports every app of `inputs` to systemd units.
pub fn export(inputs: &[Input], settings: &Settings) -> Export {
    let mut out = Export::default();
    for input in inputs {
        ecosystem(input, settings, &mut out);
    }
    out.finish("the .env files", "*.env")
}

fn row(option: &str) -> &'static crate::table::Row {
    row_of(option, Target::Systemd).expect("every option has a systemd row (tested)")
}

fn ecosystem(input: &Input, settings: &Settings, out: &mut Export) {
    let mut ctx = Ctx {
        settings,
        problems: &mut out.problems,
        sources: input.sources,
        target: Target::Systemd,
    };
    let name = input.name;
    if !syntax::unit_name_ok(name) {
        ctx.push(
            ExportErrorKind::BadName {
                name: name.into(),
                target: Target::Systemd,
                of_file: true,
            },
            None,
        );
        return;
    }
    let header = header(input);
    let mut wants = Vec::new();
    for app in &input.ecosystem.apps {
        if let Some(units) = unit_files(app, input, &header, &mut ctx, &mut out.folders) {
            if app.autostart() {
                wants.extend(units.instances);
            }
            wants.extend(units.timer);
            out.files.extend(units.files);
        }
    }
    if let Some(logs) = &input.ecosystem.logs
        && logs.rotate.is_some()
    {
        let r = row(":logs :rotate");
        ctx.report(":logs :rotate", None, r.fidelity, r.note);
    }
    let profile = input
        .profile
        .map(|p| format!(", profile {p}"))
        .unwrap_or_default();
    let source = file_name(input.source);
    let target = format!(
        "{header}[Unit]\nDescription={} apps (pm2-clj export of {}{})\nWants={}\n\n[Install]\nWantedBy={}\n",
        name,
        syntax::value(&source),
        syntax::value(&profile),
        wants.join(" "),
        settings.systemd.scope.wanted_by()
    );
    out.files.push(File {
        name: format!("{name}.target"),
        content: target,
        private: false,
    });
    out.entry_points.push(format!("{name}.target"));
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    )
}

fn header(input: &Input) -> String {
    let profile = input
        .profile
        .map(|p| format!(" (profile {p})"))
        .unwrap_or_default();
    format!(
        "# Generated by pm2-clj export from {}{profile}: export again rather than edit.\n",
        file_name(input.source).replace('\n', " ")
    )
}

/// An app's files, and the units the ecosystem's target wants.
struct Units {
    files: Vec<File>,
    instances: Vec<String>,
    timer: Option<String>,
}

/// The environment an app gets, each variable plain or hidden, in order; later ones
/// replace earlier ones of the same name.
#[derive(Default)]
struct Env(Vec<(String, String, bool)>);

impl Env {
    fn set(&mut self, name: &str, text: String, hidden: bool) {
        self.0.retain(|(n, _, _)| n != name);
        self.0.push((name.to_string(), text, hidden));
    }
}

fn unit_files(
    app: &AppSpec,
    input: &Input,
    header: &str,
    ctx: &mut Ctx,
    folders: &mut Vec<String>,
) -> Option<Units> {
    let name = app_name(app)?;
    let name_at = app.name.as_deref().and_then(Setting::origin);
    if !syntax::unit_name_ok(&name) {
        ctx.push(
            ExportErrorKind::BadName {
                name,
                target: Target::Systemd,
                of_file: false,
            },
            name_at,
        );
        return None;
    }
    check_options(app, ctx);

    let count = match app.instances.as_ref().map(|s| s.value) {
        None => 1,
        Some(Instances::Count(n)) => n,
        Some(Instances::PerCpu) => ctx.settings.cpus,
        Some(Instances::PerCpuLess(n)) => ctx.settings.cpus.saturating_sub(n).max(1),
    };
    let template = count > 1;
    let instance = if template { "%i" } else { "0" };
    let unit = if template {
        format!("{name}@.service")
    } else {
        format!("{name}.service")
    };
    let scope = ctx.settings.systemd.scope;

    // The folder, and paths relative to it.
    let folder = pm2_dsl_emit::folder_of(input.source);
    let cwd = match &app.cwd {
        Some(s) if Path::new(&s.value).is_relative() => {
            ctx.push(ExportErrorKind::RelativePath { option: "cwd".into() }, s.origin());
            return None;
        }
        Some(s) => PathBuf::from(&s.value),
        None => folder,
    };
    let mut env = Env::default();
    let instance_var = app
        .instance_var
        .as_ref()
        .map_or("NODE_APP_INSTANCE", |s| s.value.as_str());

    // ExecStart=.
    let mut hidden_args = 0;
    let mut words = Vec::new();
    let mut command = |text: &str, hidden: bool, env: &mut Env| {
        if hidden {
            hidden_args += 1;
            let var = format!("PM2_CLJ_ARG_{hidden_args}");
            env.set(&var, text.to_string(), true);
            words.push(format!("${{{var}}}"));
        } else {
            words.push(syntax::word(text));
        }
    };
    let script = app.script.as_ref()?;
    let (program, script_is_program) = interpreter(app, ctx)?;
    if script_is_program {
        if script.written.contains_hidden() {
            ctx.push(
                ExportErrorKind::HiddenInline {
                    option: "script".into(),
                    target: Target::Systemd,
                },
                script.origin(),
            );
        }
        let path = if is_command(&script.value) {
            resolve(&script.value, script.origin(), ctx)?
        } else {
            cwd.join(&script.value).display().to_string()
        };
        command(&path, false, &mut env);
    } else {
        command(&program, false, &mut env);
        if let Some(a) = &app.interpreter_args {
            for (text, hidden) in args(a) {
                command(&text, hidden, &mut env);
            }
        }
        let path = cwd.join(&script.value).display().to_string();
        command(&path, script.written.contains_hidden(), &mut env);
    }
    if let Some(a) = &app.args {
        for (text, hidden) in args(a) {
            command(&text, hidden, &mut env);
        }
    }

    // The environment: the app's, PORT, and the instance number last, as PM2 sets them.
    for (var, value) in &app.env {
        env.set(var, value.text.clone(), value.hidden.is_some());
    }
    if let Some(port) = &app.port {
        env.set("PORT", port.value.to_string(), port.written.contains_hidden());
    }
    if let Some(var) = &app.increment_var
        && !template
        && !app.env.contains_key(&var.value)
    {
        // One process: PM2 counts from 0 when the environment has no base.
        env.set(&var.value, "0".into(), false);
    }
    env.set(instance_var, instance.to_string(), false);

    // Options held inline must not come from a hidden source.
    for (option, value) in app.written() {
        let inline = !matches!(
            option,
            "env" | "script" | "args" | "node_args" | "port" | "name" | "instances"
        ) && !option.starts_with("env_");
        if inline && value.contains_hidden() {
            ctx.push(
                ExportErrorKind::HiddenInline {
                    option: option.into(),
                    target: Target::Systemd,
                },
                value.origin(),
            );
        }
    }

    let mut service = String::new();
    let mut unit_section = vec![
        format!(
            "Description={name}{} (pm2-clj export of {})",
            if template { " %i" } else { "" },
            syntax::value(&file_name(input.source))
        ),
        "After=network.target".to_string(),
        format!("PartOf={}.target", input.name),
    ];
    // Restarts: PM2 gives up after max_restarts unstable restarts in a row.
    let restart_sec = restart_delay(app, ctx);
    let max_restarts = app.max_restarts.as_ref().map_or(16, |s| s.value.max(0) as u64);
    let window = (max_restarts + 1) as u128
        * (app.min_uptime() + restart_sec.unwrap_or(Duration::from_millis(100))).as_millis();
    unit_section.push(format!("StartLimitIntervalSec={window}ms"));
    unit_section.push(format!("StartLimitBurst={}", max_restarts + 1));

    let mut lines = vec![
        "Type=simple".to_string(),
        format!("WorkingDirectory={}", syntax::value(&cwd.display().to_string())),
    ];
    lines.push(format!("ExecStart={}", words.join(" ")));
    if let Some(uid) = &app.uid {
        lines.push(format!("User={}", principal(&uid.value)));
    }
    if let Some(gid) = &app.gid {
        lines.push(format!("Group={}", principal(&gid.value)));
    }
    let (plain, hidden): (Vec<_>, Vec<_>) = env.0.iter().partition(|(_, _, h)| !h);
    for (var, text, _) in &plain {
        if var == instance_var {
            // Unquoted, so that the instance's specifier (%i) is resolved.
            lines.push(format!("Environment={}={instance}", syntax::value(var)));
        } else {
            lines.push(format!("Environment={}", syntax::environment(var, text)));
        }
    }
    let mut files = Vec::new();
    if !hidden.is_empty() {
        lines.push(format!("EnvironmentFile={}/{name}.env", scope.unit_dir()));
        let content: String = hidden
            .iter()
            .map(|(v, t, _)| syntax::env_file_line(v, t))
            .collect();
        files.push(File {
            name: format!("{name}.env"),
            content: format!("{header}{content}"),
            private: true,
        });
    }
    let autorestart = app.autorestart.as_ref().is_none_or(|s| s.value);
    lines.push(format!("Restart={}", if autorestart { "always" } else { "no" }));
    if let Some(d) = restart_sec {
        lines.push(format!("RestartSec={}", syntax::millis(d)));
    }
    if let Some(d) = app.exp_backoff_restart_delay.as_ref().map(|s| s.value)
        && ctx.settings.systemd.version >= RESTART_STEPS_SINCE
        && d < BACKOFF_MAX
        && !d.is_zero()
    {
        let steps = ((BACKOFF_MAX.as_secs_f64() / d.as_secs_f64()).ln() / 1.5f64.ln()).ceil();
        lines.push(format!("RestartSteps={}", steps.max(1.0) as u64));
        lines.push(format!("RestartMaxDelaySec={}", syntax::millis(BACKOFF_MAX)));
    }
    if let Some(codes) = &app.stop_exit_codes {
        let codes: Vec<String> = codes.value.0.iter().map(i64::to_string).collect();
        lines.push(format!("RestartPreventExitStatus={}", codes.join(" ")));
    }
    lines.push("KillSignal=SIGINT".into());
    let treekill = app.treekill.as_ref().is_none_or(|s| s.value);
    lines.push(format!(
        "KillMode={}",
        if treekill { "control-group" } else { "mixed" }
    ));
    let kill_timeout = app
        .kill_timeout
        .as_ref()
        .map_or(Duration::from_millis(1600), |s| s.value);
    lines.push(format!("TimeoutStopSec={}", syntax::millis(kill_timeout)));
    if let Some(m) = &app.max_memory_restart {
        lines.push(format!("MemoryMax={}", m.value.0));
    }
    lines.extend(log_lines(app, template, folders));

    if let Some(escape) = app.escape("systemd")
        && !merge_escape(escape, &mut unit_section, &mut lines, ctx)
    {
        return None;
    }
    service.push_str(header);
    service.push_str("[Unit]\n");
    for l in &unit_section {
        service.push_str(l);
        service.push('\n');
    }
    service.push_str("\n[Service]\n");
    for l in &lines {
        service.push_str(l);
        service.push('\n');
    }
    files.push(File {
        name: unit.clone(),
        content: service,
        private: false,
    });

    let instances: Vec<String> = if template {
        (0..count).map(|i| format!("{name}@{i}.service")).collect()
    } else {
        vec![unit]
    };
    if template && let Some(var) = &app.increment_var {
        increments(app, var, &name, count, header, &mut files, ctx);
    }

    let timer = app.cron_restart.as_ref().and_then(|cron| {
        let events = match calendar::on_calendar(&cron.value) {
            Ok(events) => events,
            Err(why) => {
                ctx.report("cron_restart", cron.origin(), Fidelity::None, &why);
                return None;
            }
        };
        let restart = if template {
            format!("{name}@*.service")
        } else {
            format!("{name}.service")
        };
        let timer = format!("{name}-restart.timer");
        let on_calendar: String = events.iter().map(|e| format!("OnCalendar={e}\n")).collect();
        files.push(File {
            name: timer.clone(),
            content: format!(
                "{header}[Unit]\nDescription=The cron_restart of {name} ({})\nPartOf={}.target\n\n[Timer]\n{on_calendar}AccuracySec=1s\nUnit={name}-restart.service\n",
                syntax::value(&cron.value),
                input.name
            ),
            private: false,
        });
        files.push(File {
            name: format!("{name}-restart.service"),
            content: format!(
                "{header}[Unit]\nDescription=Restart {name} on its cron_restart schedule\n\n[Service]\nType=oneshot\nExecStart={} try-restart {restart}\n",
                scope.systemctl()
            ),
            private: false,
        });
        Some(timer)
    });

    if app.health.is_some() {
        let r = row(":health");
        ctx.report(":health", name_at, r.fidelity, r.note);
    }
    if let Some(mapped) = app
        .listens_on()
        .into_iter()
        .find(|p| p.published.is_some_and(|p2| p2 != p.container))
    {
        let r = row(":ports");
        ctx.report(":ports", mapped.at, r.fidelity, r.note);
    }

    Some(Units {
        files,
        instances,
        timer,
    })
}

/// The sections `:export {:systemd ...}` merges into.
pub const ESCAPE_SECTIONS: &[&str] = &[UNIT, SERVICE];
const UNIT: &str = "Unit";
const SERVICE: &str = "Service";

/// Merges `:export {:systemd {SECTION {KEY VALUE}}}` into the service's sections: a key
/// replaces the lines of that key (a vector gives one line per item, nil removes them),
/// a new key is appended. Section names, key names and values are checked; a hidden
/// value is refused (the unit would hold it inline). False when it cannot be merged.
fn merge_escape(escape: &Value, unit: &mut Vec<String>, service: &mut Vec<String>, ctx: &mut Ctx) -> bool {
    let bad = |ctx: &mut Ctx, problem: String, at: Option<Span>| {
        ctx.push(
            ExportErrorKind::BadEscape {
                target: Target::Systemd,
                problem,
            },
            at,
        );
    };
    if escape.contains_hidden() {
        bad(
            ctx,
            "holds a value from #secret, the environment, a .env file or an include, which the unit would hold inline (give secrets in :env: they go to the private EnvironmentFile=)".into(),
            escape.origin(),
        );
        return false;
    }
    let Some(sections) = escape.as_map() else {
        return false;
    };
    let mut ok = true;
    for (section_key, entries) in sections.iter() {
        let section = pm2_dsl_eval::key_text(section_key);
        let lines = match section.as_str() {
            UNIT => &mut *unit,
            SERVICE => &mut *service,
            _ => {
                let suggestion = pm2_dsl_eval::closest(&section, ESCAPE_SECTIONS.iter().copied())
                    .or_else(|| {
                        ESCAPE_SECTIONS
                            .iter()
                            .find(|s| s.eq_ignore_ascii_case(&section))
                            .map(|s| s.to_string())
                    })
                    .map(|s| format!(":{s}"));
                ctx.push(
                    ExportErrorKind::UnknownEscapeKey {
                        key: section_key.to_edn_short(),
                        target: Target::Systemd,
                        suggestion,
                    },
                    section_key.origin(),
                );
                ok = false;
                continue;
            }
        };
        let Some(entries) = entries.as_map() else {
            bad(
                ctx,
                format!(":{section} must be a map of settings, such as {{:LimitNOFILE 65536}}"),
                entries.origin(),
            );
            ok = false;
            continue;
        };
        for (k, v) in entries.iter() {
            let key = pm2_dsl_eval::key_text(k);
            let name_ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && key.chars().all(|c| c.is_ascii_alphanumeric());
            if !name_ok {
                bad(
                    ctx,
                    format!(
                        "{} is not a systemd setting name (letters and digits, such as LimitNOFILE)",
                        k.to_edn_short()
                    ),
                    k.origin(),
                );
                ok = false;
                continue;
            }
            let items: Vec<&Value> = match v.kind() {
                ValueKind::Vector(items) | ValueKind::List(items) => items.iter().collect(),
                ValueKind::Nil => Vec::new(),
                _ => vec![v],
            };
            let mut texts = Vec::with_capacity(items.len());
            for item in items {
                match item.kind() {
                    ValueKind::Str(t) => texts.push(t.to_string()),
                    ValueKind::Number(n) => texts.push(n.to_string()),
                    ValueKind::Bool(b) => texts.push(if *b { "yes" } else { "no" }.to_string()),
                    ValueKind::Keyword(t) | ValueKind::Symbol(t) => texts.push(t.as_str().to_string()),
                    _ => {
                        bad(
                            ctx,
                            format!(
                                "{} must be a string, number, boolean or a vector of them",
                                k.to_edn_short()
                            ),
                            item.origin(),
                        );
                        ok = false;
                    }
                }
            }
            let prefix = format!("{key}=");
            let first = lines.iter().position(|l| l.starts_with(&prefix));
            lines.retain(|l| !l.starts_with(&prefix));
            let new: Vec<String> = texts
                .iter()
                .map(|t| format!("{key}={}", syntax::value(t)))
                .collect();
            let at = first.unwrap_or(lines.len()).min(lines.len());
            lines.splice(at..at, new);
        }
    }
    ok
}

/// Per-instance drop-ins setting `increment_var` to its base plus the instance number.
fn increments(
    app: &AppSpec,
    var: &Setting<String>,
    name: &str,
    count: u64,
    header: &str,
    files: &mut Vec<File>,
    ctx: &mut Ctx,
) {
    let base = app.env.get(&var.value);
    if base.is_some_and(|b| b.hidden.is_some()) {
        ctx.push(
            ExportErrorKind::HiddenInline {
                option: "increment_var".into(),
                target: Target::Systemd,
            },
            var.origin(),
        );
        return;
    }
    let base: i64 = base.and_then(|b| b.text.trim().parse().ok()).unwrap_or(0);
    for i in 0..count {
        files.push(File {
            name: format!("{name}@{i}.service.d/increment.conf"),
            content: format!(
                "{header}[Service]\nEnvironment={}\n",
                syntax::environment(&var.value, &(base + i as i64).to_string())
            ),
            private: false,
        });
    }
}

fn principal(p: &Principal) -> String {
    match p {
        Principal::Id(id) => id.to_string(),
        Principal::Name(n) => syntax::value(n),
    }
}

fn resolve(program: &str, at: Option<Span>, ctx: &mut Ctx) -> Option<String> {
    match (ctx.settings.programs)(program) {
        Some(path) => Some(path),
        None => {
            ctx.push(
                ExportErrorKind::ProgramNotFound {
                    program: program.into(),
                },
                at,
            );
            None
        }
    }
}

/// The program that runs the script, and whether the script is that program itself
/// (`interpreter: "none"`, or a command with no interpreter): PM2's choice by the
/// script's extension when none is given.
fn interpreter(app: &AppSpec, ctx: &mut Ctx) -> Option<(String, bool)> {
    let script = app.script.as_ref()?;
    let (name, at) = match &app.interpreter {
        Some(i) if i.value == "none" => return Some((String::new(), true)),
        Some(i) => (i.value.clone(), i.origin()),
        None => {
            let Some(by_extension) = by_extension(&script.value) else {
                return Some((String::new(), true));
            };
            if by_extension == "python" && (ctx.settings.programs)("python").is_none() {
                ("python3".to_string(), script.origin())
            } else {
                (by_extension.to_string(), script.origin())
            }
        }
    };
    if Path::new(&name).is_absolute() {
        return Some((name, false));
    }
    if !is_command(&name) {
        ctx.push(
            ExportErrorKind::RelativePath {
                option: "exec_interpreter".into(),
            },
            at,
        );
        return None;
    }
    resolve(&name, at, ctx).map(|p| (p, false))
}

/// `RestartSec=`: `exp_backoff_restart_delay` (PM2 prefers it), else `restart_delay`.
fn restart_delay(app: &AppSpec, ctx: &mut Ctx) -> Option<Duration> {
    if let Some(b) = &app.exp_backoff_restart_delay {
        let how = if ctx.settings.systemd.version >= RESTART_STEPS_SINCE {
            format!(
                "RestartSteps= grows the delay from {} to 15 s in even ratios (PM2: ×1.5 each restart), and systemd 254 keeps it until a restart succeeds",
                syntax::millis(b.value)
            )
        } else {
            format!(
                "systemd {} has no RestartSteps= (254 has: --systemd-version 254): every restart waits {}",
                ctx.settings.systemd.version,
                syntax::millis(b.value)
            )
        };
        ctx.report(
            "exp_backoff_restart_delay",
            b.origin(),
            Fidelity::Approximate,
            &how,
        );
        return Some(b.value);
    }
    app.restart_delay.as_ref().map(|s| s.value)
}

fn log_lines(app: &AppSpec, template: bool, folders: &mut Vec<String>) -> Vec<String> {
    if app.disable_logs.as_ref().is_some_and(|s| s.value) {
        return vec!["StandardOutput=null".into(), "StandardError=null".into()];
    }
    let merged = app.merge_logs.as_ref().is_some_and(|s| s.value);
    let mut path_of = |path: &str| {
        let p = Path::new(path);
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            folders.push(dir.display().to_string());
        }
        let path = syntax::value(path);
        if !template || merged {
            return path;
        }
        match (Path::new(&path).extension(), path.rfind('.')) {
            (Some(_), Some(dot)) if dot > path.rfind('/').unwrap_or(0) => {
                format!("{}-%i{}", &path[..dot], &path[dot..])
            }
            _ => format!("{path}-%i"),
        }
    };
    if let Some(Setting {
        value: LogFile::Path(p),
        ..
    }) = app.log_file.as_deref()
    {
        let p = path_of(p);
        return vec![
            format!("StandardOutput=append:{p}"),
            format!("StandardError=append:{p}"),
        ];
    }
    let mut out = Vec::new();
    if let Some(o) = &app.out_file {
        out.push(format!("StandardOutput=append:{}", path_of(&o.value)));
    }
    if let Some(e) = &app.error_file {
        out.push(format!("StandardError=append:{}", path_of(&e.value)));
    }
    out
}

/// Reports every option the app sets as the table says ([`program::check_options`]),
/// but where the value makes it differ from the row on systemd.
fn check_options(app: &AppSpec, ctx: &mut Ctx) {
    let cpus = ctx.settings.cpus;
    program::check_options(app, ctx, |option, value| {
        let off = matches!(value.kind(), ValueKind::Bool(false) | ValueKind::Nil);
        match option {
            "log_file" if matches!(value.kind(), ValueKind::Bool(true)) => Report::As(
                Fidelity::None,
                "PM2 chooses the path of `log_file true`: give a path".into(),
            ),
            "exec_mode" if app.exec_mode.as_ref().is_some_and(|m| m.value == pm2_dsl_emit::ExecMode::Cluster) => Report::As(
                Fidelity::Approximate,
                "no cluster primary: each instance is a process of its own, and instances cannot share a listening port (give each its own, see increment_var)".into(),
            ),
            "instances" => match app.instances.as_ref().map(|s| s.value) {
                Some(Instances::PerCpu | Instances::PerCpuLess(_)) => Report::As(
                    Fidelity::Approximate,
                    format!("fixed at export for {cpus} CPUs (--cpus), not counted on the machine that runs it"),
                ),
                _ => Report::Skip,
            },
            "treekill" if off => Report::As(
                Fidelity::Approximate,
                "KillMode=mixed sends SIGINT to the main process only, as PM2 does, but the final SIGKILL reaches its children too".into(),
            ),
            // Reported where their units are written.
            "exp_backoff_restart_delay" | "cron_restart" => Report::Skip,
            "restart_delay" if app.exp_backoff_restart_delay.is_some() => Report::As(
                Fidelity::Approximate,
                "PM2 uses exp_backoff_restart_delay instead, and so does the export".into(),
            ),
            _ => Report::Row,
        }
    });
}
