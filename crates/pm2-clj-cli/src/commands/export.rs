//! `pm2-clj export FILE|DIR... --target systemd|compose|kubernetes -o OUT`: the sources'
//! apps as another engine's definitions (`pm2_clj_export`), written safely into OUT with
//! a summary; `--install` puts systemd units where systemd reads them
//! (`pm2_clj_runtime::install`); `--explain` prints the mapping table.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::Report;
use pm2_clj_export::systemd::{OLDEST_SUPPORTED, Scope, SystemdSettings};
use pm2_clj_export::{Input, Settings, Target, ecosystem_name, export, table};
use pm2_clj_runtime::files::{Written, write_output, write_private_output};
use pm2_clj_runtime::install::{Plan, Unit, unit_dir};
use pm2_clj_sync::load::Input as Source;
use pm2_clj_sync::preflight::Preflight;
use pm2_dsl_reader::ProblemKind;

use crate::failure::{CliProblem, Failure};
use crate::input::{BuildInputs, expand, parse_env_pair};
use crate::report::{MessageFormat, emit_each, to_short};

/// The engines `export` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    /// systemd units: a service (or template) per app, a target per source file,
    /// timers for cron_restart.
    Systemd,
    /// a compose file (compose-spec) per source file: a service per app, for docker
    /// compose or podman compose.
    Compose,
    /// Kubernetes manifests: a Deployment (or Job) per app, with its Service, Secret
    /// and ConfigMap.
    #[value(alias = "k8s")]
    Kubernetes,
}

impl TargetArg {
    fn target(self) -> Target {
        match self {
            TargetArg::Systemd => Target::Systemd,
            TargetArg::Compose => Target::Compose,
            TargetArg::Kubernetes => Target::Kubernetes,
        }
    }
}

/// Arguments of `export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Source files, and folders (every *.pm2.edn under them); each file's apps are
    /// one ecosystem, named after the file (`shop.pm2.edn`: `shop.target`).
    #[arg(required_unless_present = "explain")]
    pub paths: Vec<PathBuf>,
    /// The engine to export to.
    #[arg(long, value_enum)]
    pub target: TargetArg,
    #[command(flatten)]
    pub inputs: BuildInputs,
    /// The folder to write into (made when missing): one profile's export. Files
    /// holding secrets are readable by you only; a .gitignore keeps them out of git.
    #[arg(long, short = 'o', value_name = "DIR", required_unless_present = "explain")]
    pub output: Option<PathBuf>,
    /// Options the target has no equivalent for are left out with a warning, not errors.
    #[arg(long)]
    pub lossy: bool,
    /// Print how each PM2 option maps to the target, and exit.
    #[arg(long)]
    pub explain: bool,
    /// The systemd version the units are for: settings newer than it are not written
    /// (RestartSteps= needs 254).
    #[arg(long, value_name = "VERSION", default_value_t = OLDEST_SUPPORTED)]
    pub systemd_version: u32,
    /// User units (`systemctl --user`, ~/.config/systemd/user) instead of system units.
    #[arg(long)]
    pub user: bool,
    /// The absolute path of a program on the machine that runs the units
    /// (`node=/usr/local/bin/node`); by default the one on this PATH. Repeatable.
    #[arg(long, value_name = "NAME=PATH", value_parser = parse_env_pair)]
    pub interpreter_path: Vec<(String, String)>,
    /// How many CPUs `instances: "max"` stands for (by default this machine's).
    #[arg(long, value_name = "N")]
    pub cpus: Option<u64>,
    /// Then copy the units where systemd reads them, make the log folders, run
    /// `systemctl daemon-reload` and enable each target (nothing is started). systemd
    /// only.
    #[arg(long)]
    pub install: bool,
}

/// Runs `export`.
pub fn run(args: &ExportArgs, message_format: MessageFormat) -> Result<(), Failure> {
    let target = args.target.target();
    if args.explain {
        print!("{}", table::explain(target));
        return Ok(());
    }
    let Some(out) = &args.output else {
        unreachable!("clap requires -o without --explain")
    };
    if args.install && target != Target::Systemd {
        return Err(Failure::Usage(Report::new(Failure::plain(
            CliProblem::Usage,
            format!("--install installs systemd units, not {target} files"),
            Some(match target {
                Target::Kubernetes => format!(
                    "apply them with kubectl: kubectl apply -f {}",
                    crate::printer::shown(out)
                ),
                _ => format!(
                    "start them with the engine: docker compose -f {}/NAME/compose.yaml up -d",
                    crate::printer::shown(out)
                ),
            }),
        ))));
    }
    let (files, unreadable) = expand(&args.paths);
    if !unreadable.is_empty() {
        return Err(Failure::Input(unreadable));
    }
    if files.is_empty() {
        return Err(Failure::Usage(Report::new(Failure::plain(
            CliProblem::Usage,
            "no *.pm2.edn file to export",
            Some("name a file, or a folder holding some".into()),
        ))));
    }
    let mut loaded = Vec::new();
    // A container's folder, script and interpreter are in its image, not on this
    // machine: the pre-flight looks only for systemd, whose units run here.
    let preflight = match target {
        Target::Systemd => Preflight::Warn,
        Target::Compose | Target::Kubernetes => Preflight::Off,
    };
    for file in &files {
        let l = Source::file(file)
            .load(&args.inputs.settings_at(preflight))
            .map_err(|f| Failure::from(f.reports))?;
        emit_each(l.built.warnings.iter(), message_format);
        emit_each(l.preflight.iter(), message_format);
        loaded.push(l);
    }
    let names: Vec<String> = files.iter().map(|f| ecosystem_name(f)).collect();
    let profile = args.inputs.settings().profile_name().map(str::to_string);
    let exported: Vec<Input> = (loaded.iter().zip(&files).zip(&names))
        .map(|((l, file), name)| {
            Input::new(name, &l.built.ecosystem, file, profile.as_deref())
                .with_sources(l.evaluated.evaluator.sources())
        })
        .collect();
    let programs = |name: &str| {
        (args.interpreter_path.iter())
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.clone())
            .or_else(|| which::which(name).ok().map(|p| p.display().to_string()))
    };
    let scope = if args.user { Scope::User } else { Scope::System };
    let settings = Settings {
        target,
        lossy: args.lossy,
        cpus: args
            .cpus
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64)),
        systemd: SystemdSettings {
            version: args.systemd_version,
            scope,
        },
        programs: &programs,
    };
    let result = export(&exported, &settings);

    // Notes one line each; warnings and errors as every diagnostic.
    let (notes, others): (Vec<_>, Vec<_>) = (result.problems.iter())
        .partition(|p| matches!(p.kind(), pm2_clj_export::ExportErrorKind::Approximate { .. }));
    if message_format == MessageFormat::Human {
        for note in &notes {
            let line = to_short(*note).replacen(
                &format!("warning[{}]", note.kind().code()),
                &format!("note[{}]", note.kind().code()),
                1,
            );
            eprintln!("{line}");
        }
    } else {
        emit_each(notes.iter().copied(), message_format);
    }
    let (warnings, errors): (Vec<_>, Vec<_>) = others.into_iter().partition(|p| p.is_warning());
    emit_each(warnings.iter().copied(), message_format);
    if !errors.is_empty() {
        return Err(Failure::Input(
            errors.into_iter().map(|e| Report::new(e.clone())).collect(),
        ));
    }

    // Write, refusing to replace a source or anything but a regular file.
    let read: Vec<PathBuf> = loaded.iter().flat_map(|l| l.files()).collect();
    let mut lines = Vec::new();
    for file in &result.files {
        let path = out.join(&file.name);
        let written = if file.private {
            write_private_output(&path, &file.content, &read)?
        } else {
            write_output(&path, &file.content, &read)?
        };
        let what = match written {
            Written::Changed => "wrote",
            Written::Unchanged => "unchanged",
        };
        let private = if file.private { "  (0600: secrets)" } else { "" };
        lines.push(format!("  {what:9} {}{private}", file.name));
    }
    let sources: Vec<String> = files.iter().map(|f| crate::printer::shown(f)).collect();
    let profile_text = profile.map(|p| format!(" (profile {p})")).unwrap_or_default();
    println!(
        "exported {}{profile_text} to {target}: {} files in {}",
        sources.join(", "),
        result.files.len(),
        crate::printer::shown(out)
    );
    for line in &lines {
        println!("{line}");
    }
    if target == Target::Kubernetes {
        println!("apply: kubectl apply -f {}", crate::printer::shown(out));
        return Ok(());
    }

    if target == Target::Compose {
        for entry in &result.entry_points {
            println!(
                "start everything: docker compose -f {} up -d",
                crate::printer::shown(&out.join(entry))
            );
        }
        return Ok(());
    }
    let plan = Plan {
        user: args.user,
        unit_dir: unit_dir(args.user),
        units: (result.files.iter())
            .filter(|f| f.name != ".gitignore")
            .map(|f| Unit {
                name: f.name.clone(),
                content: f.content.clone(),
                private: f.private,
            })
            .collect(),
        folders: result.folders.clone(),
        enable: result.entry_points.clone(),
    };
    let systemctl = scope.systemctl();
    let sudo = if args.user { "" } else { "sudo " };
    if args.install {
        for step in plan.install()? {
            println!("{step}");
        }
    } else {
        println!("install (or run again with --install):");
        for command in plan.commands(out) {
            println!("  {command}");
        }
    }
    for entry in &result.entry_points {
        println!("start everything: {sudo}{systemctl} start {entry}");
    }
    if loaded
        .iter()
        .any(|l| l.built.ecosystem.apps.iter().any(|a| a.health.is_some()))
    {
        println!("health checks: pm2-clj health --no-pm2 {}", sources.join(" "));
    }
    Ok(())
}
