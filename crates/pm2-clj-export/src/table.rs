//! The mapping table: for every PM2 option (and pm2-clj's own `:health`, `:logs
//! :rotate` and export keys `:image`, `:ports`, `:export`) and every [`Target`], the field it becomes and how faithfully
//! ([`Fidelity`]). The exporters take each option's fidelity from here, so what they
//! report is what the table says; the README's export section and `pm2-clj export
//! --explain` are generated from it ([`markdown`], [`explain`]) and a test keeps the
//! README equal to it.

use std::fmt;

/// An engine apps are exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// systemd units: one service (or template) per app, a target per ecosystem,
    /// timers for `cron_restart`.
    Systemd,
    /// A compose file (compose-spec): one service per app, run by `docker compose` or
    /// `podman compose`.
    Compose,
    /// Kubernetes manifests: a `Deployment` (or `Job`) per app, with its `Service`,
    /// `Secret` and `ConfigMap`, built from `k8s-openapi`'s typed objects.
    Kubernetes,
}

impl Target {
    /// Every target, in the order the docs list them.
    pub const ALL: &[Target] = &[Target::Systemd, Target::Compose, Target::Kubernetes];

    /// The target's name on the command line (`systemd`).
    pub fn name(self) -> &'static str {
        match self {
            Target::Systemd => "systemd",
            Target::Compose => "compose",
            Target::Kubernetes => "kubernetes",
        }
    }

    /// The target whose name is `name`.
    pub fn named(name: &str) -> Option<Target> {
        Target::ALL.iter().copied().find(|t| t.name() == name)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How faithfully a target does what an option asks of PM2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fidelity {
    /// The target does the same (or there is nothing to do: the option only concerns
    /// PM2's own records).
    Faithful,
    /// The target does something close; the row's note says how it differs, and an
    /// export prints it as a one-line note.
    Approximate,
    /// The target has no equivalent: an export that meets the option (set to a value
    /// that does something) fails naming it, unless `--lossy`.
    None,
}

impl Fidelity {
    /// `faithful`, `approximate` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            Fidelity::Faithful => "faithful",
            Fidelity::Approximate => "approximate",
            Fidelity::None => "none",
        }
    }
}

/// One row: an option on one target.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// PM2's canonical option name (`max_memory_restart`), `env_<name>` for the
    /// per-environment blocks, or pm2-clj's key (`:health`, `:logs :rotate`).
    pub option: &'static str,
    /// The target.
    pub target: Target,
    /// What it becomes there: the keys it sets (`MemoryMax=`), or `—` when nothing is
    /// written.
    pub field: &'static str,
    /// How faithfully.
    pub fidelity: Fidelity,
    /// How it differs, or what to do instead (empty when there is nothing to say).
    pub note: &'static str,
}

const fn row(option: &'static str, field: &'static str, fidelity: Fidelity, note: &'static str) -> Row {
    Row {
        option,
        target: Target::Systemd,
        field,
        fidelity,
        note,
    }
}

const fn compose(option: &'static str, field: &'static str, fidelity: Fidelity, note: &'static str) -> Row {
    Row {
        option,
        target: Target::Compose,
        field,
        fidelity,
        note,
    }
}

const fn k8s(option: &'static str, field: &'static str, fidelity: Fidelity, note: &'static str) -> Row {
    Row {
        option,
        target: Target::Kubernetes,
        field,
        fidelity,
        note,
    }
}

use Fidelity::{Approximate as A, Faithful as F, None as N};

/// The table, PM2's options in the order of its schema.
#[rustfmt::skip]
pub const ROWS: &[Row] = &[
    row("script", "ExecStart=", F, "made absolute against cwd"),
    row("name", "NAME.service (NAME@.service with instances)", F, "a name systemd cannot take as a unit name is an error"),
    row("name_prefix", "", N, "PM2 sets it for its modules"),
    row("filter_env", "", A, "systemd passes none of the caller's environment to a unit: every variable is filtered"),
    row("namespace", "ECOSYSTEM.target", A, "systemd has no namespaces: the ecosystem's target groups its apps"),
    row("install_url", "", N, "PM2 sets it for modules installed from a URL"),
    row("cwd", "WorkingDirectory=", F, "the source file's folder when not set, as pm2-clj starts apps"),
    row("args", "ExecStart=", F, "quoted per systemd.syntax(7); a hidden value becomes ${VAR} from the EnvironmentFile="),
    row("exec_interpreter", "ExecStart=", F, "resolved to an absolute path at export (or --interpreter-path NAME=PATH); PM2's choice by extension when not set"),
    row("node_args", "ExecStart=", F, "between the interpreter and the script"),
    row("out_file", "StandardOutput=append:", F, "with instances and no merge_logs, -%i before the extension (PM2 puts its pm2 id there); the folder must exist: --install makes it"),
    row("error_file", "StandardError=append:", F, "with instances and no merge_logs, -%i before the extension; the folder must exist: --install makes it"),
    row("log_file", "StandardOutput=append: StandardError=append:", A, "both streams go to this one file, and no longer also to out_file and error_file: systemd writes a stream to one place"),
    row("disable_logs", "StandardOutput=null StandardError=null", F, ""),
    row("log_type", "", N, "systemd does not wrap lines in JSON"),
    row("log_date_format", "", N, "append: files get lines as written, without a time; the journal (without out_file) has one"),
    row("time", "", N, "append: files get lines as written, without a time; the journal (without out_file) has one"),
    row("env", "Environment= EnvironmentFile=", F, "values from #secret, #env, .env files and includes go to NAME.env (0600, beside the units), never inline"),
    row("env_<name>", "", N, "only `pm2 start --env <name>` merges it: use a :profiles overlay and --profile"),
    row("max_memory_restart", "MemoryMax=", A, "the kernel kills the app (SIGKILL) past the limit and Restart= starts it again; PM2 restarts it gracefully (SIGINT, then kill_timeout)"),
    row("pid_file", "", N, "systemd keeps the main pid itself (systemctl show -p MainPID) and writes no file"),
    row("restart_delay", "RestartSec=", F, ""),
    row("exp_backoff_restart_delay", "RestartSec= (RestartSteps= RestartMaxDelaySec= from systemd 254)", A, "from systemd 254 the delay grows in steps to 15 s, as PM2's ×1.5 per restart does; before 254 (--systemd-version) it stays at the first delay"),
    row("source_map_support", "", N, "PM2 loads source-map-support into node apps; pass --enable-source-maps in node_args instead"),
    row("disable_source_map_support", "—", F, "systemd loads nothing into the app"),
    row("wait_ready", "", N, "the app tells PM2 it is ready over PM2's IPC channel; systemd would need Type=notify and sd_notify"),
    row("instances", "NAME@.service, Wants=NAME@0.service …", F, "one template instance per process, %i in instance_var; \"max\" is fixed at export to --cpus (approximate)"),
    row("kill_timeout", "TimeoutStopSec=", F, "1600 ms when not set, as PM2's default; the stop signal is SIGINT (KillSignal=), as PM2's"),
    row("shutdown_with_message", "", N, "PM2 sends a 'shutdown' message over its IPC channel instead of SIGINT"),
    row("listen_timeout", "", N, "it bounds PM2's wait for 'ready' or 'listening' on reload; systemd has no reload of a plain process"),
    row("cron_restart", "NAME-restart.timer OnCalendar=", F, "a timer runs `systemctl try-restart` of the app; the cron pattern is converted and checked against croner's next runs; L, W and # are errors"),
    row("merge_logs", "StandardOutput=append:", F, "every instance appends to one file"),
    row("vizion", "—", F, "PM2's record of the app's git state; nothing runs differently"),
    row("autostart", "Wants=", F, "false: the target does not pull the app in; `systemctl start` starts it"),
    row("autorestart", "Restart=", F, "Restart=always, or Restart=no"),
    row("stop_exit_codes", "RestartPreventExitStatus=", F, ""),
    row("watch_delay", "", N, "systemd does not restart on file changes (with watch on)"),
    row("watch", "", N, "systemd does not restart on file changes (a .path unit could)"),
    row("ignore_watch", "", N, "systemd does not restart on file changes (with watch on)"),
    row("watch_options", "", N, "systemd does not restart on file changes (with watch on)"),
    row("min_uptime", "StartLimitIntervalSec=", A, "StartLimitIntervalSec=(max_restarts + 1) × (min_uptime + RestartSec): more starts than that in it fail the unit; PM2 counts restarts in a row of runs shorter than min_uptime"),
    row("max_restarts", "StartLimitBurst=", A, "StartLimitBurst=max_restarts + 1 starts within StartLimitIntervalSec=, then the unit fails; PM2 counts restarts in a row of runs shorter than min_uptime (its defaults, 16 and 1 s, are written when not set)"),
    row("execute_command", "—", F, "the app runs as one process, as in fork mode"),
    row("exec_mode", "—", F, "cluster is approximate: no cluster primary, each instance is a process of its own and instances cannot share a listening port (give each its own, see increment_var)"),
    row("force", "—", F, "it concerns `pm2 start` only"),
    row("append_env_to_name", "—", F, "it concerns `pm2 start --env` only"),
    row("post_update", "—", F, "it concerns PM2's dashboard only"),
    row("trace", "", N, "PM2's transaction tracing (@pm2/io) is not loaded"),
    row("disable_trace", "—", F, "nothing is traced"),
    row("v8", "—", F, "PM2 7 does nothing with it"),
    row("event_loop_inspector", "—", F, "PM2 7 does nothing with it"),
    row("deep_monitoring", "", N, "PM2's deep monitoring (@pm2/io) is not loaded"),
    row("increment_var", "NAME@N.service.d/increment.conf Environment=", F, "each instance's drop-in sets the variable to its value plus N"),
    row("instance_var", "Environment=", F, "NODE_APP_INSTANCE (or this name) is %i, 0 without instances"),
    row("pmx", "", N, "PM2's @pm2/io agent (metrics, actions) is not loaded"),
    row("automation", "", N, "PM2's @pm2/io agent (metrics, actions) is not loaded"),
    row("treekill", "KillMode=", F, "KillMode=control-group: SIGINT to every process of the app, as PM2's tree kill; false is approximate: KillMode=mixed sends SIGINT to the main process only, but the final SIGKILL reaches its children too"),
    row("port", "Environment=PORT=", F, ""),
    row("username", "—", F, "PM2 records who started the app; User= comes from uid"),
    row("uid", "User=", F, ""),
    row("gid", "Group=", F, ""),
    row("windowsHide", "—", F, "Windows only"),
    row("kill_retry_time", "", A, "systemd sends SIGKILL once, TimeoutStopSec= after SIGINT; PM2 retries every kill_retry_time"),
    row("write", "—", F, "PM2 7 does nothing with it"),
    row("io", "", N, "PM2's @pm2/io settings: the agent is not loaded"),
    row(":health", "", A, "systemd does not run it: `pm2-clj health --no-pm2 FILE` asks the exported apps"),
    row(":logs :rotate", "", N, "pm2-logrotate does not run: rotate the files with logrotate(8) (copytruncate)"),
    row(":image", "—", F, "systemd runs the app on the host, not in a container"),
    row(":ports", "—", A, "the app listens on the host itself: a :published port other than its container port is not mapped"),
    row(":export", "[Unit] [Service]", F, "{:Service {:LimitNOFILE 65536}}: a setting replaces the lines of that setting (a vector gives one line per item, nil removes them), a new one is appended; % is written %% (no specifiers)"),
    // Compose: one service per app in ECOSYSTEM/compose.yaml (project ECOSYSTEM, or
    // ECOSYSTEM-PROFILE); every string is written so that compose interpolates nothing.
    compose("script", "command", F, "exec form: [interpreter, node_args..., script, args...] as PM2 runs them; the image's ENTRYPOINT, if it has one, gets them as arguments"),
    compose("name", "services.NAME", F, "a name compose cannot take as a service name (letters, digits, ., _ and - only) is an error"),
    compose("name_prefix", "", N, "PM2 sets it for its modules"),
    compose("filter_env", "", A, "a container gets none of the caller's environment: every variable is filtered"),
    compose("namespace", "name (the project)", A, "compose has no namespaces: the ecosystem's project groups its apps"),
    compose("install_url", "", N, "PM2 sets it for modules installed from a URL"),
    compose("cwd", "working_dir", F, "absolute, as PM2 makes it: the image must hold the app there; without cwd the image's WORKDIR is used and the script is relative to it"),
    compose("args", "command", F, "one item each; a hidden value is an error (a compose file cannot read a private file into a command)"),
    compose("exec_interpreter", "command", F, "found on the image's PATH; PM2's choice by extension when not set"),
    compose("node_args", "command", F, "between the interpreter and the script"),
    compose("out_file", "", A, "the engine keeps the app's output (docker compose logs); no file is written in the container"),
    compose("error_file", "", A, "the engine keeps the app's errors (docker compose logs); no file is written in the container"),
    compose("log_file", "", A, "the engine keeps both streams (docker compose logs); no file is written in the container"),
    compose("disable_logs", "logging.driver: none", F, ""),
    compose("log_type", "", A, "the engine's log driver (json-file) wraps lines in JSON its own way"),
    compose("log_date_format", "", A, "the engine stamps each line: docker compose logs --timestamps"),
    compose("time", "", A, "the engine stamps each line: docker compose logs --timestamps"),
    compose("env", "environment env_file", F, "values from #secret, #env, .env files and includes go to ECOSYSTEM/NAME.env (0600), never into compose.yaml"),
    compose("env_<name>", "", N, "only `pm2 start --env <name>` merges it: use a :profiles overlay and --profile"),
    compose("max_memory_restart", "deploy.resources.limits.memory memswap_limit", A, "the kernel kills the app (OOM) past the limit and the restart policy starts it again; PM2 restarts it gracefully (SIGINT, then kill_timeout); under 6 MB docker refuses it (an error)"),
    compose("pid_file", "", N, "the engine keeps the main pid itself (docker inspect) and writes no file"),
    compose("restart_delay", "", A, "the engine waits on its own: 100 ms, doubling to 1 min, back to 100 ms after 10 s up"),
    compose("exp_backoff_restart_delay", "", A, "the engine waits on its own: 100 ms, doubling to 1 min (PM2: this delay ×1.5 to 15 s)"),
    compose("source_map_support", "", N, "PM2 loads source-map-support into node apps; pass --enable-source-maps in node_args instead"),
    compose("disable_source_map_support", "—", F, "the engine loads nothing into the app"),
    compose("wait_ready", "", N, "the app tells PM2 it is ready over PM2's IPC channel; use :health, which becomes the healthcheck"),
    compose("instances", "deploy.replicas", F, "one container per instance; \"max\" is fixed at export to --cpus (approximate); more than one: every replica has NODE_APP_INSTANCE 0 (approximate) and none may publish a port"),
    compose("kill_timeout", "stop_grace_period", F, "rounded up to whole seconds (2s for PM2's 1600 ms default); the stop signal is SIGINT (stop_signal), as PM2's"),
    compose("shutdown_with_message", "", N, "PM2 sends a 'shutdown' message over its IPC channel instead of SIGINT"),
    compose("listen_timeout", "", N, "it bounds PM2's wait for 'ready' or 'listening' on reload; compose has no reload"),
    compose("cron_restart", "", N, "compose has no schedule: run `docker compose restart NAME` from cron or a systemd timer"),
    compose("merge_logs", "—", F, "the engine keeps one log per container"),
    compose("vizion", "—", F, "PM2's record of the app's git state; nothing runs differently"),
    compose("autostart", "profiles: [manual]", F, "false: `docker compose up` leaves it out; `docker compose up NAME` starts it"),
    compose("autorestart", "restart", F, "unless-stopped, or \"no\""),
    compose("stop_exit_codes", "", N, "the engine's restart policies restart on any exit (unless-stopped) or any failing one (on-failure)"),
    compose("watch_delay", "", N, "the engine does not restart on file changes (with watch on)"),
    compose("watch", "", N, "the engine does not restart on file changes (docker compose watch syncs a build context, not this)"),
    compose("ignore_watch", "", N, "the engine does not restart on file changes (with watch on)"),
    compose("watch_options", "", N, "the engine does not restart on file changes (with watch on)"),
    compose("min_uptime", "", A, "the engine restarts without limit (unless-stopped); its delay starts again at 100 ms after 10 s up"),
    compose("max_restarts", "", A, "the engine restarts without limit (unless-stopped); PM2 gives up after max_restarts unstable restarts"),
    compose("execute_command", "—", F, "the app runs as one process, as in fork mode"),
    compose("exec_mode", "—", F, "cluster is approximate: no cluster primary, each instance is a container of its own (each with its own network address, so the container port is not shared)"),
    compose("force", "—", F, "it concerns `pm2 start` only"),
    compose("append_env_to_name", "—", F, "it concerns `pm2 start --env` only"),
    compose("post_update", "—", F, "it concerns PM2's dashboard only"),
    compose("trace", "", N, "PM2's transaction tracing (@pm2/io) is not loaded"),
    compose("disable_trace", "—", F, "nothing is traced"),
    compose("v8", "—", F, "PM2 7 does nothing with it"),
    compose("event_loop_inspector", "—", F, "PM2 7 does nothing with it"),
    compose("deep_monitoring", "", N, "PM2's deep monitoring (@pm2/io) is not loaded"),
    compose("increment_var", "environment", F, "one instance: the variable's value (0 when unset); with more, replicas cannot get a value each (an error)"),
    compose("instance_var", "environment", F, "NODE_APP_INSTANCE (or this name) is 0; every replica gets 0"),
    compose("pmx", "", N, "PM2's @pm2/io agent (metrics, actions) is not loaded"),
    compose("automation", "", N, "PM2's @pm2/io agent (metrics, actions) is not loaded"),
    compose("treekill", "init: true", A, "docker's init (PID 1) passes SIGINT to the app only; the container's other processes are killed with it after stop_grace_period"),
    compose("port", "environment PORT, expose", F, "PORT as PM2 sets it; the port is exposed to the project's network (publish it with :ports)"),
    compose("username", "—", F, "PM2 records who started the app; user comes from uid"),
    compose("uid", "user", F, "the image must know a user given by name"),
    compose("gid", "user (UID:GID)", F, "with uid; without it, an error: compose sets a group only with a user"),
    compose("windowsHide", "—", F, "Windows only"),
    compose("kill_retry_time", "", A, "the engine sends SIGKILL once, stop_grace_period after SIGINT; PM2 retries every kill_retry_time"),
    compose("write", "—", F, "PM2 7 does nothing with it"),
    compose("io", "", N, "PM2's @pm2/io settings: the agent is not loaded"),
    compose(":health", "healthcheck", A, ":command runs as is (CMD); :http and :tcp run a small probe with the app's own interpreter (node -e, python -c), as compose has no HTTP or TCP check; :interval is the interval and each try's timeout, :grace + :timeout the start_period, all rounded up to whole seconds"),
    compose(":logs :rotate", "", A, "the engine's json-file driver keeps its own files (docker's log-opts max-size, max-file); pm2-logrotate does not run"),
    compose(":image", "image", F, "required: pm2-clj never builds images (a missing :image is an error naming it)"),
    compose(":ports", "ports expose", F, "a port with :published goes to ports (long syntax), one without to expose; a published port with more than one replica is an error"),
    compose(":export", "services.NAME", F, "deep-merged into the service (nil removes a key); its keys are checked against the compose-spec service keys, and the result with pm2-clj's checks"),
    // Kubernetes.
    k8s("script", "containers[].command", F, "the interpreter (PM2's choice by extension) and its arguments, then the script as written, relative to workingDir; a program named without a folder is found on the image's PATH"),
    k8s("name", "metadata.name, the container's name, app.kubernetes.io/name", F, "a name Kubernetes does not take (a DNS-1123 label; a Service's a DNS-1035 label) is an error with the nearest one it takes, never rewritten"),
    k8s("name_prefix", "", N, "PM2 sets it for its modules"),
    k8s("filter_env", "", A, "a container gets none of the exporter's environment: every variable is filtered"),
    k8s("namespace", "metadata.namespace", A, "a Kubernetes namespace, which must exist; PM2's only groups apps"),
    k8s("install_url", "", N, "PM2 sets it for modules installed from a URL"),
    k8s("cwd", "containers[].workingDir", F, "a folder in the image, so write it absolute; not set: the image's WORKDIR (the source file's folder is a path on this machine)"),
    k8s("args", "containers[].args", F, "$ is written $$ (Kubernetes expands $(VAR)); a hidden value becomes $(PM2_CLJ_ARG_N), read from the Secret"),
    k8s("exec_interpreter", "containers[].command", F, "a program named without a folder is found on the image's PATH; PM2's choice by extension when not set"),
    k8s("node_args", "containers[].command", F, "between the interpreter and the script"),
    k8s("out_file", "", A, "the container's output goes to its log (kubectl logs), not to a file"),
    k8s("error_file", "", A, "the container's output goes to its log (kubectl logs), not to a file"),
    k8s("log_file", "", A, "the container's output goes to its log (kubectl logs), not to a file"),
    k8s("disable_logs", "", N, "the kubelet keeps every container's output"),
    k8s("log_type", "", N, "the container's log is not wrapped in JSON"),
    k8s("log_date_format", "", A, "the container's log has the time of each line in RFC 3339 (kubectl logs --timestamps), in no other format"),
    k8s("time", "", A, "the container's log has the time of each line (kubectl logs --timestamps)"),
    k8s("env", "containers[].env, Secret NAME-secret (secretKeyRef), ConfigMap NAME-config (envFrom)", F, "values from #secret, #env, .env files and includes go to the Secret (NAME.secret.yaml, 0600), never inline; plain values go to a ConfigMap with :export {:kubernetes {:env-from :config-map}}; $ is written $$"),
    k8s("env_<name>", "", N, "only `pm2 start --env <name>` merges it: use a :profiles overlay and --profile"),
    k8s("max_memory_restart", "resources.limits.memory", A, "exact (PM2's K, M and G are powers of 1024: 300M is 300Mi); the kernel kills the container (OOMKilled) past the limit and Kubernetes starts it again, where PM2 restarts it gracefully"),
    k8s("pid_file", "", N, "the app is its container's first process; no pid file is written"),
    k8s("restart_delay", "", A, "Kubernetes restarts a container that exits after its own back-off (10 s, doubled up to 5 min), not after this delay"),
    k8s("exp_backoff_restart_delay", "", A, "Kubernetes restarts a container that exits after its own back-off (10 s, doubled up to 5 min), not from this delay"),
    k8s("source_map_support", "", N, "PM2 loads source-map-support into node apps; pass --enable-source-maps in node_args instead"),
    k8s("disable_source_map_support", "—", F, "nothing is loaded into the app"),
    k8s("wait_ready", "", N, "the app tells PM2 it is ready over PM2's IPC channel; give :health for a readinessProbe instead"),
    k8s("instances", "spec.replicas (a Job: parallelism, completions)", F, "one pod per instance; \"max\" is fixed at export to --cpus (approximate)"),
    k8s("kill_timeout", "terminationGracePeriodSeconds", A, "rounded up to whole seconds (PM2's default 1600 ms: 2); the app receives SIGTERM, not PM2's SIGINT: stable Kubernetes cannot set the stop signal"),
    k8s("shutdown_with_message", "", N, "PM2 sends a 'shutdown' message over its IPC channel instead of SIGINT"),
    k8s("listen_timeout", "", N, "it bounds PM2's wait for 'ready' on reload; a rollout waits for the readinessProbe (progressDeadlineSeconds)"),
    k8s("cron_restart", "CronJob NAME-restart, ServiceAccount, Role, RoleBinding", A, "only with :export {:kubernetes {:cron-restart {:image KUBECTL-IMAGE}}}: a CronJob runs `kubectl rollout restart` of the Deployment (a rolling restart, one pod at a time) in the controller's time zone (UTC unless spec.timeZone is set), as a ServiceAccount of the app's namespace that may only get and patch it (the app's objects then name their namespace, default when none is set, so applying them to another namespace is refused rather than binding the wrong account); without it an error"),
    k8s("merge_logs", "—", F, "each pod has its log; kubectl logs -l app.kubernetes.io/name=NAME reads them all"),
    k8s("vizion", "—", F, "PM2's record of the app's git state; nothing runs differently"),
    k8s("autostart", "spec.replicas: 0", A, "false: no pod runs until `kubectl scale deployment NAME --replicas=N`"),
    k8s("autorestart", "Deployment, or Job", F, "true: a Deployment (its pods always restart); false: an error unless :export {:kubernetes {:kind :job}} makes it a Job that runs once (restartPolicy Never, backoffLimit 0)"),
    k8s("stop_exit_codes", "", N, "a Deployment restarts its containers whatever their exit code"),
    k8s("watch_delay", "", N, "Kubernetes does not restart on file changes (with watch on)"),
    k8s("watch", "", N, "Kubernetes does not restart on file changes: roll out a new image instead"),
    k8s("ignore_watch", "", N, "Kubernetes does not restart on file changes (with watch on)"),
    k8s("watch_options", "", N, "Kubernetes does not restart on file changes (with watch on)"),
    k8s("min_uptime", "", A, "Kubernetes never gives up: a container that keeps exiting is restarted with a growing back-off (CrashLoopBackOff)"),
    k8s("max_restarts", "", A, "Kubernetes never gives up: a container that keeps exiting is restarted with a growing back-off (CrashLoopBackOff)"),
    k8s("execute_command", "—", F, "the app runs as one process, as in fork mode"),
    k8s("exec_mode", "—", F, "cluster is approximate: each instance is a pod of its own, without a cluster primary; a Service spreads connections over them"),
    k8s("force", "—", F, "it concerns `pm2 start` only"),
    k8s("append_env_to_name", "—", F, "it concerns `pm2 start --env` only"),
    k8s("post_update", "—", F, "it concerns PM2's dashboard only"),
    k8s("trace", "", N, "PM2's transaction tracing (@pm2/io) is not loaded"),
    k8s("disable_trace", "—", F, "nothing is traced"),
    k8s("v8", "—", F, "PM2 7 does nothing with it"),
    k8s("event_loop_inspector", "—", F, "PM2 7 does nothing with it"),
    k8s("deep_monitoring", "", N, "PM2's deep monitoring (@pm2/io) is not loaded"),
    k8s("increment_var", "containers[].env", F, "one instance: its value; with more, an error: a Deployment's pods are alike, none has a number of its own"),
    k8s("instance_var", "containers[].env", A, "NODE_APP_INSTANCE (or this name) is 0 in every pod: a Deployment's pods are alike"),
    k8s("pmx", "", N, "PM2's @pm2/io agent (metrics, actions) is not loaded"),
    k8s("automation", "", N, "PM2's @pm2/io agent (metrics, actions) is not loaded"),
    k8s("treekill", "", A, "the kubelet sends SIGTERM to the container's first process only; after the grace period every process of the container is killed"),
    k8s("port", "containers[].env PORT, containers[].ports, Service", F, "as :ports: a containerPort and a Service port"),
    k8s("username", "—", F, "PM2 records who started the app"),
    k8s("uid", "securityContext.runAsUser", F, "a number: the image's /etc/passwd is not read at export, so a name is an error"),
    k8s("gid", "securityContext.runAsGroup", F, "a number: a name is an error"),
    k8s("windowsHide", "—", F, "Windows only"),
    k8s("kill_retry_time", "", A, "the kubelet sends SIGKILL once, terminationGracePeriodSeconds after SIGTERM; PM2 retries every kill_retry_time"),
    k8s("write", "—", F, "PM2 7 does nothing with it"),
    k8s("io", "", N, "PM2's @pm2/io settings: the agent is not loaded"),
    k8s(":health", "readinessProbe (httpGet, tcpSocket, exec)", A, ":timeout (each try's), :interval and :grace rounded up to whole seconds; Kubernetes keeps probing and takes a failing pod out of its Service, and counts any status from 200 to 399 as ready; a probe of 127.0.0.1 or localhost asks the pod"),
    k8s(":logs :rotate", "", A, "the kubelet rotates container logs itself (containerLogMaxSize, containerLogMaxFiles)"),
    k8s(":image", "containers[].image", F, "required: pm2-clj never builds images; an app without it is an error"),
    k8s(":ports", "containers[].ports, Service NAME", F, "a containerPort each and a Service (ClusterIP) with a port each: :published is the Service's port, the container port its targetPort"),
    k8s(":export", "the objects it names", F, ":kubernetes {:kind :job, :env-from :config-map, :cron-restart {:image …}, :container {…}, :deployment {…}, :job {…}, :service {…}, :config-map {…}, :secret {…}, :cron-job {…}}: each map deep-merged into that object (lists of maps with a name by name), then read back into its type (an unknown field is an error) and checked"),
];

/// The row of `option` on `target`.
pub fn row_of(option: &str, target: Target) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.option == option && r.target == target)
}

/// The rows of one target.
pub fn rows(target: Target) -> impl Iterator<Item = &'static Row> {
    ROWS.iter().filter(move |r| r.target == target)
}

fn field_text(row: &Row) -> String {
    match row.field {
        "" => "—".to_string(),
        "—" => "— (nothing to write)".to_string(),
        field => field.to_string(),
    }
}

/// The README's table of one target, in Markdown.
pub fn markdown(target: Target) -> String {
    let mut out = format!("| PM2 option | {target} | fidelity | how it differs |\n|---|---|---|---|\n");
    for r in rows(target) {
        let field = match r.field {
            "" | "—" => field_text(r),
            f => format!("`{f}`"),
        };
        out.push_str(&format!(
            "| `{}` | {field} | {} | {} |\n",
            r.option,
            r.fidelity.name(),
            r.note.replace('|', "\\|")
        ));
    }
    out
}

/// `pm2-clj export --explain`: the table of one target as text, one option a line.
pub fn explain(target: Target) -> String {
    let width = rows(target).map(|r| r.option.len()).max().unwrap_or(0);
    let mut out = format!("How each PM2 option is exported to {target}:\n\n");
    for r in rows(target) {
        out.push_str(&format!(
            "{:width$}  {:11}  {}\n",
            r.option,
            r.fidelity.name(),
            field_text(r)
        ));
        if !r.note.is_empty() {
            out.push_str(&format!("{:width$}  {:11}  {}\n", "", "", r.note));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The language's list of export targets (the keys of an app's `:export`) names
    /// exactly the targets there are.
    #[test]
    fn the_languages_export_targets_are_the_targets() {
        let mut names: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        assert_eq!(names, pm2_dsl_emit::targets::EXPORT_TARGETS);
        for name in names {
            assert_eq!(Target::named(name).map(Target::name), Some(name));
        }
    }

    #[test]
    fn every_pm2_option_has_one_row_per_target() {
        let options = pm2_dsl_emit::schema::OPTIONS.iter().map(|o| o.name);
        let ours = [
            "env_<name>",
            ":health",
            ":logs :rotate",
            ":image",
            ":ports",
            ":export",
        ];
        for target in Target::ALL {
            let expected: Vec<&str> = options.clone().chain(ours).collect();
            let mut listed: Vec<&str> = rows(*target).map(|r| r.option).collect();
            for option in &expected {
                let n = listed.iter().filter(|o| *o == option).count();
                assert_eq!(n, 1, "{option} has {n} rows on {target}");
            }
            listed.retain(|o| !expected.contains(o));
            assert!(
                listed.is_empty(),
                "rows for options PM2 does not have: {listed:?}"
            );
        }
    }

    #[test]
    fn a_row_that_is_not_faithful_says_how() {
        for r in ROWS.iter().filter(|r| r.fidelity != Fidelity::Faithful) {
            assert!(!r.note.is_empty(), "{} on {} has no note", r.option, r.target);
        }
    }
}
