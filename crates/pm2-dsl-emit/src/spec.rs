//! [`AppSpec`]: one app, typed — a field for every option PM2's schema knows, each of its
//! own type (durations, sizes, instance counts, argument lists, the environment as an
//! ordered map), holding both what pm2-clj reads ([`Setting::value`]) and what is written
//! into the PM2 file ([`Setting::written`], with its origin in the source and whether it
//! is to be shown). The app is built once from the checked options; the PM2 file is
//! rendered from the written values in source order, so typing changes nothing PM2
//! reads. Sync, the runtime, the language server and the exporters read fields, never
//! option names.

use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;
use pm2_dsl_eval::{Hidden, Value, ValueKind};
use pm2_dsl_reader::Number;

use crate::health::Health;
use crate::targets::{Escapes, Port, Protocol};
use crate::validate::{duration_ms, text};

/// One option: what pm2-clj reads, and the value written into the PM2 file.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting<T> {
    /// The value, typed.
    pub value: T,
    /// The value as PM2 gets it (for pm2-clj's own keys, as written), with its origin
    /// and its [`Hidden`] mark.
    pub written: Value,
}

/// pm2-clj's keys for the export targets, as [`crate::build`] reads them (see
/// [`crate::targets`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Own {
    /// `:image`.
    pub image: Option<Box<Setting<String>>>,
    /// `:ports`.
    pub ports: Option<Box<Setting<Vec<Port>>>>,
    /// `:export`.
    pub export: Option<Box<Setting<Escapes>>>,
}

impl<T> Setting<T> {
    /// Where the value is written in the source.
    pub fn origin(&self) -> pm2_dsl_eval::Origin {
        self.written.origin()
    }

    /// Where the value came from, when it is not to be shown (see [`Hidden`]).
    pub fn hidden(&self) -> Option<&Hidden> {
        self.written.hidden()
    }
}

/// How a field's type reads a checked value (`None`: a shape the schema accepts that
/// this type does not stand for, kept only as written).
pub trait Typed: Sized {
    /// The typed reading of `value`.
    fn read(value: &Value) -> Option<Self>;
}

impl Typed for String {
    fn read(value: &Value) -> Option<String> {
        text(value).or_else(|| match value.kind() {
            ValueKind::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }
}

impl Typed for bool {
    fn read(value: &Value) -> Option<bool> {
        match value.kind() {
            ValueKind::Bool(b) => Some(*b),
            _ => text(value).and_then(|t| t.parse().ok()),
        }
    }
}

/// A whole number, as PM2 reads it (a numeric string included).
fn integer(value: &Value) -> Option<i64> {
    match value.kind() {
        ValueKind::Number(Number::Int(i)) => Some(*i),
        ValueKind::Number(Number::Float(f)) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
        ValueKind::Number(n) => n.to_string().trim_end_matches(['M', 'N']).parse().ok(),
        _ => text(value).and_then(|t| t.trim().parse().ok()),
    }
}

impl Typed for i64 {
    fn read(value: &Value) -> Option<i64> {
        integer(value)
    }
}

impl Typed for Duration {
    /// Milliseconds, or digits with `h`, `m` or `s` (`min_uptime`'s format).
    fn read(value: &Value) -> Option<Duration> {
        duration_ms(value)
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| Duration::from_millis(ms as u64))
    }
}

/// A memory size in bytes: `max_memory_restart` as a number, or digits with `K`, `M` or
/// `G` (PM2's powers of 1024).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl Typed for Bytes {
    fn read(value: &Value) -> Option<Bytes> {
        if let Some(n) = integer(value) {
            return u64::try_from(n).ok().map(Bytes);
        }
        let t = text(value)?;
        let (digits, unit) = match t.chars().last()? {
            'K' => (&t[..t.len() - 1], 1u64 << 10),
            'M' => (&t[..t.len() - 1], 1 << 20),
            'G' => (&t[..t.len() - 1], 1 << 30),
            _ => (t.as_str(), 1),
        };
        digits.parse::<u64>().ok()?.checked_mul(unit).map(Bytes)
    }
}

/// How many processes an app runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instances {
    /// Exactly this many.
    Count(u64),
    /// One per CPU (`"max"`, `0` or `-1`).
    PerCpu,
    /// One per CPU but this many (`-n`).
    PerCpuLess(u64),
}

impl Typed for Instances {
    fn read(value: &Value) -> Option<Instances> {
        if text(value).is_some_and(|t| t == "max") {
            return Some(Instances::PerCpu);
        }
        Some(match integer(value)? {
            n if n > 0 => Instances::Count(n as u64),
            0 | -1 => Instances::PerCpu,
            n => Instances::PerCpuLess(n.unsigned_abs() - 1),
        })
    }
}

impl Instances {
    /// The number of processes, when it does not depend on the CPUs.
    pub fn fixed(self) -> Option<u64> {
        match self {
            Instances::Count(n) => Some(n),
            _ => None,
        }
    }
}

/// `fork` or `cluster` (PM2 also reads `fork_mode`, `cluster_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecMode {
    /// One process per instance, started as a child of PM2.
    Fork,
    /// Node's cluster module: workers sharing ports.
    Cluster,
}

impl Typed for ExecMode {
    fn read(value: &Value) -> Option<ExecMode> {
        match text(value)?.trim_end_matches("_mode") {
            "fork" => Some(ExecMode::Fork),
            "cluster" => Some(ExecMode::Cluster),
            _ => None,
        }
    }
}

/// Arguments: a list, or one line PM2 splits as a shell would (`args`, `node_args`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Args {
    /// As a list.
    List(Vec<String>),
    /// As one line.
    Line(String),
}

impl Typed for Args {
    fn read(value: &Value) -> Option<Args> {
        match value.kind() {
            ValueKind::Vector(items) | ValueKind::List(items) => items
                .iter()
                .map(String::read)
                .collect::<Option<_>>()
                .map(Args::List),
            _ => String::read(value).map(Args::Line),
        }
    }
}

impl Args {
    /// The arguments one by one: a line split at blanks, with single and double quotes
    /// and backslashes as a POSIX shell reads them.
    pub fn argv(&self) -> Vec<String> {
        match self {
            Args::List(list) => list.clone(),
            Args::Line(line) => split_line(line),
        }
    }
}

/// A line split as a POSIX shell splits words (quotes and backslashes; nothing expanded).
fn split_line(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => w.push(e),
                            Some(e) => {
                                w.push('\\');
                                w.push(e);
                            }
                            None => w.push('\\'),
                        },
                        c => w.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(e) = chars.next() {
                    word.get_or_insert_with(String::new).push(e);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// A list of texts: a list, or one text (`ignore_watch`, `post_update`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Texts(pub Vec<String>);

impl Typed for Texts {
    fn read(value: &Value) -> Option<Texts> {
        match value.kind() {
            ValueKind::Vector(items) | ValueKind::List(items) => {
                items.iter().map(String::read).collect::<Option<_>>().map(Texts)
            }
            ValueKind::Set(items) => items.iter().map(String::read).collect::<Option<_>>().map(Texts),
            _ => String::read(value).map(|t| Texts(vec![t])),
        }
    }
}

/// Exit codes: a list, or one (`stop_exit_codes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitCodes(pub Vec<i64>);

impl Typed for ExitCodes {
    fn read(value: &Value) -> Option<ExitCodes> {
        match value.kind() {
            ValueKind::Vector(items) | ValueKind::List(items) => {
                items.iter().map(integer).collect::<Option<_>>().map(ExitCodes)
            }
            _ => integer(value).map(|c| ExitCodes(vec![c])),
        }
    }
}

/// What `watch` says: on or off, or the paths to watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watch {
    /// `true` (the app's folder) or `false`.
    On(bool),
    /// These paths.
    Paths(Vec<String>),
}

impl Typed for Watch {
    fn read(value: &Value) -> Option<Watch> {
        match value.kind() {
            ValueKind::Bool(b) => Some(Watch::On(*b)),
            _ => Texts::read(value).map(|t| Watch::Paths(t.0)),
        }
    }
}

/// A user or group: a number, or a name (`uid`, `gid`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// By number.
    Id(u32),
    /// By name.
    Name(String),
}

impl Typed for Principal {
    fn read(value: &Value) -> Option<Principal> {
        match integer(value) {
            Some(id) => u32::try_from(id).ok().map(Principal::Id),
            None => String::read(value).map(Principal::Name),
        }
    }
}

/// `log_file`: off, on (PM2 names it), or a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogFile {
    /// `true` or `false`.
    On(bool),
    /// This file.
    Path(String),
}

impl Typed for LogFile {
    fn read(value: &Value) -> Option<LogFile> {
        match value.kind() {
            ValueKind::Bool(b) => Some(LogFile::On(*b)),
            _ => String::read(value).map(LogFile::Path),
        }
    }
}

/// An option whose shape pm2-clj passes through as written (`watch_options`, `io`,
/// `filter_env`, `pmx`): the written value is all there is.
#[derive(Clone, Debug, PartialEq)]
pub struct AsWritten;

impl Typed for AsWritten {
    fn read(_: &Value) -> Option<AsWritten> {
        Some(AsWritten)
    }
}

/// One environment variable, as the process sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvValue {
    /// Its text (`3000` for the number 3000, `true` for true).
    pub text: String,
    /// Where it came from, when it is not to be shown: a secret, a variable of the
    /// environment, a `.env` file.
    pub hidden: Option<Arc<Hidden>>,
}

/// Environment variables in the order they are written.
pub type EnvMap = IndexMap<String, EnvValue>;

fn env_map(value: &Value) -> EnvMap {
    let Some(map) = value.as_map() else {
        return EnvMap::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            let name = pm2_dsl_eval::key_text(k);
            // As the process sees it: the text of the JSON value PM2 passes on (strings,
            // names, integers and booleans read directly: they are nearly all of them).
            let text = match v.kind() {
                ValueKind::Str(s) => String::from(&**s),
                ValueKind::Keyword(k) | ValueKind::Symbol(k) => k.as_str().to_owned(),
                ValueKind::Number(Number::Int(i)) => i.to_string(),
                ValueKind::Bool(b) => b.to_string(),
                _ => json_text(v)?,
            };
            let hidden = v.hidden().map(|h| Arc::new(h.clone()));
            Some((name, EnvValue { text, hidden }))
        })
        .collect()
}

/// The text of the JSON value PM2 passes on for `v`, if it is a scalar.
fn json_text(v: &Value) -> Option<String> {
    Some(
        match serde_json::to_value(pm2_dsl_eval::NullForNonData(v)).ok()? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => return None,
        },
    )
}

macro_rules! typed_app {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty = $key:literal, )*) => {
        /// One app, typed: each PM2 option a field of its own type (`None` when not
        /// set), the environment, the per-environment blocks, and pm2-clj's own
        /// settings. Built by [`crate::build`].
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct AppSpec {
            $( $(#[$doc])* pub $field: Option<Box<Setting<$ty>>>, )*
            /// `env`: the variables the app gets, in order.
            pub env: EnvMap,
            /// `env_<name>` blocks (`env_production`), in order: what `pm2 start --env
            /// <name>` merges over `env`.
            pub env_blocks: Vec<(String, EnvMap)>,
            /// Its `:health` check (pm2-clj's; not written into the PM2 file).
            pub health: Option<Health>,
            /// `:image`: what a container target runs (pm2-clj's; not written into the
            /// PM2 file).
            pub image: Option<Box<Setting<String>>>,
            /// `:ports`: the ports it listens on besides `port` (pm2-clj's; not written
            /// into the PM2 file). [`AppSpec::listens_on`] gives both.
            pub ports: Option<Box<Setting<Vec<Port>>>>,
            /// `:export`: per target, a map merged into what the target generates
            /// (pm2-clj's; not written into the PM2 file).
            pub export: Option<Box<Setting<Escapes>>>,
            /// Every option as written, in source order: what the PM2 file holds.
            written: Vec<(String, Value)>,
        }

        /// Every typed option: the field and the PM2 option it holds.
        pub const TYPED_OPTIONS: &[(&str, &str)] = &[$( (stringify!($field), $key), )*];

        impl AppSpec {
            /// The app of these options (canonical names, in order), as [`crate::build`]
            /// makes it once it has checked them; one made by hand from unchecked
            /// options renders what it is given, and a field whose value its type
            /// cannot read is `None`.
            pub fn new(written: Vec<(String, Value)>, health: Option<Health>) -> AppSpec {
                let mut app = AppSpec {
                    $( $field: None, )*
                    env: EnvMap::new(),
                    env_blocks: Vec::new(),
                    health,
                    image: None,
                    ports: None,
                    export: None,
                    written: Vec::new(),
                };
                for (key, value) in &written {
                    match key.as_str() {
                        $( $key => {
                            app.$field = <$ty as Typed>::read(value).map(|typed| Box::new(Setting {
                                value: typed,
                                written: value.clone(),
                            }));
                        } )*
                        "env" => app.env = env_map(value),
                        block if block.starts_with("env_") => app.env_blocks.push((block.to_string(), env_map(value))),
                        _ => {}
                    }
                }
                app.written = written;
                app
            }
        }
    };
}

typed_app! {
    /// `script`: the file (or command) PM2 runs.
    script: String = "script",
    /// `name`.
    name: String = "name",
    /// `name_prefix`.
    name_prefix: String = "name_prefix",
    /// `filter_env`: which of the caller's variables are kept out of the app.
    filter_env: AsWritten = "filter_env",
    /// `namespace`.
    namespace: String = "namespace",
    /// `install_url`.
    install_url: String = "install_url",
    /// `cwd`: the folder the app runs in (absolute unless relative paths are kept).
    cwd: String = "cwd",
    /// `args`: the script's arguments.
    args: Args = "args",
    /// `exec_interpreter` (`:interpreter`).
    interpreter: String = "exec_interpreter",
    /// `node_args` (`:interpreter-args`): the interpreter's own arguments.
    interpreter_args: Args = "node_args",
    /// `out_file`.
    out_file: String = "out_file",
    /// `error_file`.
    error_file: String = "error_file",
    /// `log_file`: both streams in one file.
    log_file: LogFile = "log_file",
    /// `disable_logs`.
    disable_logs: bool = "disable_logs",
    /// `log_type` (`json`).
    log_type: String = "log_type",
    /// `log_date_format`.
    log_date_format: String = "log_date_format",
    /// `time`: prefix log lines with the time.
    time: bool = "time",
    /// `max_memory_restart`: restart past this much memory.
    max_memory_restart: Bytes = "max_memory_restart",
    /// `pid_file`.
    pid_file: String = "pid_file",
    /// `restart_delay`: the wait before an automatic restart.
    restart_delay: Duration = "restart_delay",
    /// `exp_backoff_restart_delay`: the first of exponentially growing waits.
    exp_backoff_restart_delay: Duration = "exp_backoff_restart_delay",
    /// `source_map_support`.
    source_map_support: bool = "source_map_support",
    /// `disable_source_map_support`.
    disable_source_map_support: bool = "disable_source_map_support",
    /// `wait_ready`: the app says when it is ready (`process.send('ready')`).
    wait_ready: bool = "wait_ready",
    /// `instances`.
    instances: Instances = "instances",
    /// `kill_timeout`: how long a stop waits after SIGINT before SIGKILL.
    kill_timeout: Duration = "kill_timeout",
    /// `shutdown_with_message`.
    shutdown_with_message: bool = "shutdown_with_message",
    /// `listen_timeout`: how long a reload waits for `ready` or `listening`.
    listen_timeout: Duration = "listen_timeout",
    /// `cron_restart`: a cron expression for restarts.
    cron_restart: String = "cron_restart",
    /// `merge_logs`: one log for every instance.
    merge_logs: bool = "merge_logs",
    /// `vizion`.
    vizion: bool = "vizion",
    /// `autostart`.
    autostart: bool = "autostart",
    /// `autorestart`.
    autorestart: bool = "autorestart",
    /// `stop_exit_codes`: exits that are not restarted.
    stop_exit_codes: ExitCodes = "stop_exit_codes",
    /// `watch_delay`.
    watch_delay: Duration = "watch_delay",
    /// `watch`.
    watch: Watch = "watch",
    /// `ignore_watch`.
    ignore_watch: Texts = "ignore_watch",
    /// `watch_options` (chokidar's).
    watch_options: AsWritten = "watch_options",
    /// `min_uptime`: how long a start must stay up to count as stable.
    min_uptime: Duration = "min_uptime",
    /// `max_restarts`: unstable restarts before PM2 gives up.
    max_restarts: i64 = "max_restarts",
    /// `execute_command`.
    execute_command: bool = "execute_command",
    /// `exec_mode`.
    exec_mode: ExecMode = "exec_mode",
    /// `force`.
    force: bool = "force",
    /// `append_env_to_name`.
    append_env_to_name: bool = "append_env_to_name",
    /// `post_update`.
    post_update: Texts = "post_update",
    /// `trace` (installs OpenTelemetry packages).
    trace: bool = "trace",
    /// `disable_trace`.
    disable_trace: bool = "disable_trace",
    /// `event_loop_inspector`.
    event_loop_inspector: bool = "event_loop_inspector",
    /// `deep_monitoring`.
    deep_monitoring: bool = "deep_monitoring",
    /// `increment_var`: a variable raised by one per instance.
    increment_var: String = "increment_var",
    /// `instance_var`: the variable holding the instance number (`NODE_APP_INSTANCE`).
    instance_var: String = "instance_var",
    /// `pmx`.
    pmx: AsWritten = "pmx",
    /// `automation`.
    automation: bool = "automation",
    /// `treekill`: stop the app's children too.
    treekill: bool = "treekill",
    /// `port`.
    port: i64 = "port",
    /// `username`.
    username: String = "username",
    /// `uid` (`:user`).
    uid: Principal = "uid",
    /// `gid`.
    gid: Principal = "gid",
    /// `kill_retry_time`.
    kill_retry_time: Duration = "kill_retry_time",
    /// `write`.
    write: bool = "write",
    /// `io`.
    io: AsWritten = "io",
    /// `v8`.
    v8: bool = "v8",
    /// `windowsHide`: no console window for the app on Windows.
    windows_hide: bool = "windowsHide",
}

impl AppSpec {
    /// The app's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_ref().map(|s| s.value.as_str())
    }

    /// `min_uptime` (PM2's default of 1 s when unset): how long the app must stay up
    /// before pm2 counts a start as stable.
    pub fn min_uptime(&self) -> Duration {
        self.min_uptime
            .as_ref()
            .map_or(Duration::from_millis(1000), |s| s.value)
    }

    /// Whether pm2 runs the app when it is started (`autostart`, true unless false).
    pub fn autostart(&self) -> bool {
        self.autostart.as_ref().is_none_or(|s| s.value)
    }

    /// How many processes it runs, when that does not depend on the CPUs (one when
    /// `instances` is not set).
    pub fn fixed_instances(&self) -> Option<u64> {
        match &self.instances {
            None => Some(1),
            Some(s) => s.value.fixed(),
        }
    }

    /// The options as written, in source order: canonical names with the values the PM2
    /// file holds (`env_<name>` blocks and `env` included).
    pub fn written(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.written.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The same app with `vars` set in its `env` (over variables of the same name),
    /// keeping everything else.
    pub fn with_env_vars(&self, vars: impl IntoIterator<Item = (String, String)>) -> AppSpec {
        let mut env = (self.written.iter())
            .find(|(k, _)| k == "env")
            .and_then(|(_, v)| v.as_map().cloned())
            .unwrap_or_default();
        for (key, value) in vars {
            env.insert(Value::string(key), Value::string(value));
        }
        let env = Value::new(ValueKind::Map(env), None);
        let mut written: Vec<(String, Value)> =
            self.written.iter().filter(|(k, _)| k != "env").cloned().collect();
        written.push(("env".to_string(), env));
        AppSpec::new(written, self.health.clone()).with_own(Own {
            image: self.image.clone(),
            ports: self.ports.clone(),
            export: self.export.clone(),
        })
    }

    /// The same app with pm2-clj's keys for the export targets set to `own`.
    pub fn with_own(mut self, own: Own) -> AppSpec {
        self.image = own.image;
        self.ports = own.ports;
        self.export = own.export;
        self
    }

    /// The ports the app listens on: `:ports`, then `port` (PM2's, which sets `PORT`)
    /// unless `:ports` lists it; `port 0` (no port, for PM2) is left out.
    pub fn listens_on(&self) -> Vec<Port> {
        let mut out = self.ports.as_ref().map(|p| p.value.clone()).unwrap_or_default();
        if let Some(port) = &self.port
            && let Ok(number) = u16::try_from(port.value)
            && number > 0
            && !out
                .iter()
                .any(|p| p.container == number && p.protocol == Protocol::Tcp)
        {
            out.push(Port {
                container: number,
                published: None,
                protocol: Protocol::Tcp,
                at: port.written.origin(),
            });
        }
        out
    }

    /// The map `:export` gives for `target` (`compose`, `kubernetes`, `systemd`).
    pub fn escape(&self, target: &str) -> Option<&Value> {
        self.export.as_ref().and_then(|e| e.value.get(target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_of_pm2s_schema_has_a_typed_field() {
        let missing: Vec<&str> = crate::schema::OPTIONS
            .iter()
            .map(|o| o.name)
            .filter(|name| *name != "env" && !TYPED_OPTIONS.iter().any(|(_, k)| k == name))
            .collect();
        assert!(missing.is_empty(), "no field for {missing:?}");
        assert_eq!(TYPED_OPTIONS.len() + 1, crate::schema::OPTIONS.len());
    }

    #[test]
    fn an_app_stays_small() {
        // A field holds a pointer; only the options set take room. Inline, an app took
        // 5 KB: a 100-app render wrote half a megabyte of unset fields into fresh pages.
        let size = std::mem::size_of::<AppSpec>();
        assert!(size <= 1024, "{size} bytes");
    }

    #[test]
    fn a_line_splits_as_a_shell_splits_it() {
        assert_eq!(
            split_line("a  'b c' \"d \\\"e\\\"\" f\\ g"),
            ["a", "b c", "d \"e\"", "f g"]
        );
        assert_eq!(split_line(""), Vec::<String>::new());
    }

    #[test]
    fn sizes_counts_and_durations_read_as_pm2_reads_them() {
        let v = |t: &str| Value::string(t);
        assert_eq!(Bytes::read(&v("300M")), Some(Bytes(300 << 20)));
        assert_eq!(Bytes::read(&v("1G")), Some(Bytes(1 << 30)));
        assert_eq!(Instances::read(&v("max")), Some(Instances::PerCpu));
        assert_eq!(Duration::read(&v("2s")), Some(Duration::from_secs(2)));
    }
}
