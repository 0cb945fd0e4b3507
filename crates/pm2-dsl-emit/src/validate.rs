//! Checks of option values against PM2's schema: types (with PM2's own leniency: a
//! string that parses as a number is a number, `instances` may be "max"), formats
//! (`max_memory_restart`, `min_uptime`, `exec_mode`, `cron_restart`), minimums, string
//! arrays, and environment blocks (maps of scalar values). Stricter than PM2 in two
//! deliberate ways: `min_uptime` durations such as "0s" are checked against the 100 ms
//! minimum too, and `env`/`env_<name>` must be maps (PM2 would take a string and
//! misread it).
//!
//! Numbers of number options are checked against what PM2 and node read as written
//! ([`NumberRange`](crate::schema::NumberRange): a double's exact range, node's longest timer, whole numbers where
//! PM2 reads them with `parseInt`); a big decimal or ratio must be a number a double holds
//! exactly, and is written out as that number ([`as_js_number`]), not as a string.
//!
//! Every value written out, nested ones included, is also checked to be data JavaScript
//! reads as written ([`check_data`]): no infinite numbers or NaN (JSON has none), no
//! integer beyond JavaScript's safe range (it would be rounded), and no map with two keys
//! that are written alike (`:A` and `"A"`).

use std::collections::HashMap;

use foldhash::fast::RandomState;
use pm2_dsl_eval::{Value, ValueKind};
use pm2_dsl_reader::{BigInt, Number};

use crate::cron;
use crate::error::{EmitError, EmitErrorKind, EnvNameProblem};
use crate::keys::key_text;
use crate::schema::{Format, INSTALLS_PACKAGES, JsType, MAX_SAFE_INTEGER, OptionSpec, types_text};

/// The JSON type a value renders as (`None` for nil and values that are not data).
pub(crate) fn js_type(value: &Value) -> Option<JsType> {
    Some(match value.kind() {
        ValueKind::Str(_) | ValueKind::Keyword(_) | ValueKind::Symbol(_) | ValueKind::Char(_) => {
            JsType::String
        }
        ValueKind::Number(Number::Int(_))
        | ValueKind::Number(Number::BigInt(_))
        | ValueKind::Number(Number::Float(_))
        | ValueKind::Number(Number::BigDec(_))
        | ValueKind::Number(Number::Ratio(_)) => JsType::Number,
        ValueKind::Bool(_) => JsType::Boolean,
        ValueKind::List(_) | ValueKind::Vector(_) | ValueKind::Set(_) => JsType::Array,
        ValueKind::Map(_) => JsType::Object,
        ValueKind::Nil | ValueKind::Tagged(_) | ValueKind::Fn(_) | ValueKind::Ref(_) => return None,
    })
}

/// The text of a string-like value.
pub(crate) fn text(value: &Value) -> Option<String> {
    match value.kind() {
        ValueKind::Str(s) => Some(String::from(&**s)),
        ValueKind::Keyword(k) | ValueKind::Symbol(k) => Some(k.as_str().to_string()),
        ValueKind::Char(c) => Some(c.to_string()),
        _ => None,
    }
}

/// The value as a number, as PM2 reads it (numbers, and strings that are plain decimal
/// numbers, see [`plain_number`]); `None` for one beyond every double.
fn number(value: &Value) -> Option<f64> {
    match reading(value)? {
        Reading::Exact(f) | Reading::Rounded(f) => Some(f),
        Reading::Beyond => None,
    }
}

/// What JavaScript, which reads every number as a double, makes of a number.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reading {
    /// This double, which is the number written (for a decimal or a ratio: its shortest
    /// decimal form, the one JSON is written in, is the value).
    Exact(f64),
    /// This double, which is not the number written (`1/3`, `0.1000000000000000001M`).
    Rounded(f64),
    /// No double: `##Inf`, `##NaN`, `1E400M`.
    Beyond,
}

/// What JavaScript reads a value as, if it is a number or a string PM2 reads as one.
fn reading(value: &Value) -> Option<Reading> {
    let exact = |f: f64| {
        if f.is_finite() {
            Reading::Exact(f)
        } else {
            Reading::Beyond
        }
    };
    Some(match value.kind() {
        ValueKind::Number(Number::Int(i)) => Reading::Exact(*i as f64),
        ValueKind::Number(Number::Float(f)) => exact(*f),
        ValueKind::Number(Number::BigInt(b)) => exact(b.digits().parse().ok()?),
        ValueKind::Number(Number::BigDec(d)) => {
            let (digits, scale) = d.as_bigint_and_scale();
            let (digits, exponent) = (digits.to_string(), scale.checked_neg()?);
            let f: f64 = format!("{digits}e{exponent}").parse().ok()?;
            match exact(f) {
                Reading::Exact(f) if normal_decimal(&digits, exponent) != shortest(f) => Reading::Rounded(f),
                reading => reading,
            }
        }
        ValueKind::Number(Number::Ratio(r)) => {
            let (n, d) = (&r.0, &r.1);
            let f = n.to_string().parse::<f64>().ok()? / d.to_string().parse::<f64>().ok()?;
            match exact(f) {
                Reading::Exact(f) if !ratio_is(n, d, f) => Reading::Rounded(f),
                reading => reading,
            }
        }
        _ => exact(text(value).and_then(|t| plain_number(&t))?),
    })
}

/// A decimal `digits × 10^exponent` (digits with their sign) as significant digits and
/// exponent, without trailing zeros: the same number always gives the same pair.
fn normal_decimal(digits: &str, exponent: i64) -> (String, i64) {
    let (sign, magnitude) = match digits.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", digits),
    };
    let magnitude = magnitude.trim_start_matches('0');
    let significant = magnitude.trim_end_matches('0');
    if significant.is_empty() {
        return ("0".to_string(), 0);
    }
    let zeros = (magnitude.len() - significant.len()) as i64;
    (format!("{sign}{significant}"), exponent + zeros)
}

/// The shortest decimal that reads back as `f` (the one JSON and JavaScript write), as
/// [`normal_decimal`] gives it.
fn shortest(f: f64) -> (String, i64) {
    let text = format!("{f:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let exponent = exponent.parse::<i64>().unwrap_or(0) - frac.len() as i64;
    normal_decimal(&format!("{int}{frac}"), exponent)
}

/// Whether the shortest decimal form of `f` is exactly `n/d`.
fn ratio_is(n: &BigInt, d: &BigInt, f: f64) -> bool {
    let (digits, exponent) = shortest(f);
    let Ok(m) = digits.parse::<BigInt>() else {
        return false;
    };
    let power = |e: i64| BigInt::from(10u8).pow(e.unsigned_abs() as u32);
    // m × 10^exponent = n / d
    if exponent < 0 {
        m * d == n * power(exponent)
    } else {
        m * power(exponent) * d == *n
    }
}

/// A number option's value written as the number JavaScript reads: a big integer,
/// decimal or ratio (checked to be one a double holds) becomes that integer or double,
/// so the PM2 file has `1600`, not the string `"1600.0"`; the elements of an array
/// (`stop_exit_codes`) likewise. Anything else is as it was.
pub(crate) fn as_js_number(value: Value) -> Value {
    match value.kind() {
        ValueKind::Number(Number::BigInt(_) | Number::BigDec(_) | Number::Ratio(_)) => {
            match reading(&value) {
                Some(Reading::Exact(f) | Reading::Rounded(f)) => {
                    let number = if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 {
                        Number::Int(f as i64)
                    } else {
                        Number::Float(f)
                    };
                    value.with_kind(ValueKind::Number(number))
                }
                _ => value,
            }
        }
        ValueKind::Vector(items) if items.iter().any(|i| matches!(i.kind(), ValueKind::Number(_))) => {
            let items = items.iter().cloned().map(as_js_number).collect();
            value.with_kind(ValueKind::Vector(std::sync::Arc::new(items)))
        }
        _ => value,
    }
}

/// A string PM2 turns into the number it spells: a plain decimal such as `4`, `-1.5` or
/// `1e3`. PM2 tests a string with `isNaN` and then reads it with `parseFloat`, which
/// disagree on others: `"0x10"` passes the test and reads as 0, `""` as NaN, and
/// `"Infinity"` or `" 4"` are not numbers to a JSON schema.
fn plain_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (digits, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let plain = !(int.is_empty() && frac.is_empty())
        && all_digits(int)
        && all_digits(frac)
        && exponent.is_none_or(|e| !e.is_empty() && all_digits(e));
    plain.then(|| text.parse().ok()).flatten()
}

fn describe(value: &Value) -> String {
    match js_type(value) {
        Some(t) => t.name().to_string(),
        None => value.type_name().to_string(),
    }
}

fn all_digits_then(text: &str, suffixes: &[char]) -> bool {
    let body = text.strip_suffix(suffixes).unwrap_or(text);
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit())
}

/// Milliseconds of a `min_uptime`-style duration: a number, or digits with h, m or s.
pub(crate) fn duration_ms(value: &Value) -> Option<f64> {
    if let Some(n) = number(value) {
        return Some(n);
    }
    let t = text(value)?;
    let unit = match t.chars().last()? {
        'h' => 3_600_000.0,
        'm' => 60_000.0,
        's' => 1_000.0,
        _ => return None,
    };
    t[..t.len() - 1].parse::<f64>().ok().map(|n| n * unit)
}

/// Checks one option; problems go to `problems`.
pub(crate) fn check_option(spec: &OptionSpec, key: &Value, value: &Value, problems: &mut Vec<EmitError>) {
    let origin = value.origin().or(key.origin());
    let wrong_type = |expected: String| {
        EmitError::new(
            EmitErrorKind::WrongType {
                option: spec.name.to_string(),
                expected,
                actual: describe(value),
            },
            origin,
        )
    };
    if spec.name == "env" {
        return check_env_block("env", key, value, problems);
    }
    let Some(actual) = js_type(value) else {
        return problems.push(wrong_type(types_text(spec.types)));
    };
    let numeric_string =
        actual == JsType::String && spec.types.contains(&JsType::Number) && reading(value).is_some();
    let max_instances = spec.name == "instances" && text(value).is_some_and(|t| t == "max");
    if !spec.types.contains(&actual) && !numeric_string && !max_instances {
        let expected = if spec.name == "instances" {
            "a number or \"max\"".to_string()
        } else {
            types_text(spec.types)
        };
        return problems.push(wrong_type(expected));
    }
    if actual == JsType::String && !numeric_string {
        check_format(spec, value, problems);
    }
    if numeric_string && !spec.types.contains(&JsType::String) {
        problems.push(EmitError::new(
            EmitErrorKind::NumericString {
                option: spec.name.to_string(),
                text: text(value).unwrap_or_default(),
            },
            origin,
        ));
    }
    if actual == JsType::Number || numeric_string {
        check_range(spec.name, spec, value, problems);
    }
    if let Some(min) = spec.min {
        let amount = if spec.format == Some(Format::Duration) {
            duration_ms(value)
        } else {
            number(value)
        };
        if let Some(amount) = amount.filter(|a| *a < min as f64) {
            problems.push(EmitError::new(
                EmitErrorKind::BelowMinimum {
                    option: spec.name.to_string(),
                    min,
                    value: amount,
                },
                origin,
            ));
        }
    }
    if spec.name == "cron_restart" {
        check_cron(value, problems);
    }
    if actual == JsType::Array {
        let element = if spec.name == "stop_exit_codes" {
            JsType::Number
        } else {
            JsType::String
        };
        check_elements(spec.name, value, element, problems);
        if element == JsType::Number
            && let Some(items) = value.as_seq()
        {
            for item in items.iter().filter(|i| js_type(i) == Some(JsType::Number)) {
                check_range(&format!("each element of {}", spec.name), spec, item, problems);
            }
        }
    }
    if INSTALLS_PACKAGES.contains(&spec.name) && matches!(value.kind(), ValueKind::Bool(true)) {
        problems.push(EmitError::new(
            EmitErrorKind::InstallsPackages {
                option: spec.name.to_string(),
            },
            origin,
        ));
    }
}

/// Checks that a number given for `spec` (as `what`) is one PM2 reads as written: in
/// the option's [`NumberRange`](crate::schema::NumberRange), and, for a decimal or ratio, a number a double holds.
/// One under the option's schema minimum is left to [`EmitErrorKind::BelowMinimum`].
fn check_range(what: &str, spec: &OptionSpec, value: &Value, problems: &mut Vec<EmitError>) {
    let Some(reading) = reading(value) else { return };
    let range = spec.number_range();
    let f = match reading {
        Reading::Exact(f) | Reading::Rounded(f) => Some(f),
        Reading::Beyond => None,
    };
    if let (Some(f), Some(min)) = (f, spec.min)
        && f < min as f64
    {
        return;
    }
    let fits = f.is_some_and(|f| {
        f >= range.min as f64 && f <= range.max as f64 && (!range.integer || f.fract() == 0.0)
    });
    let kind = match reading {
        _ if !fits => EmitErrorKind::OutOfRange {
            option: what.to_string(),
            value: value.to_edn_short(),
            range: range.text(),
            why: range.why.to_string(),
        },
        Reading::Rounded(f) => EmitErrorKind::InexactNumber {
            option: what.to_string(),
            value: value.to_edn_short(),
            read_as: f.to_string(),
        },
        _ => return,
    };
    problems.push(EmitError::new(kind, value.origin()));
}

fn check_format(spec: &OptionSpec, value: &Value, problems: &mut Vec<EmitError>) {
    let Some(format) = spec.format else { return };
    let Some(t) = text(value) else { return };
    let ok = match format {
        Format::MemorySize => all_digits_then(&t, &['G', 'M', 'K']),
        Format::Duration => all_digits_then(&t, &['h', 'm', 's']),
        Format::ExecMode => format
            .values()
            .iter()
            .any(|v| t == *v || t.strip_suffix("_mode") == Some(v)),
    };
    if !ok {
        problems.push(EmitError::new(
            EmitErrorKind::BadFormat {
                option: spec.name.to_string(),
                value: value.to_edn_short(),
                expected: format.expected().to_string(),
            },
            value.origin(),
        ));
    }
}

fn check_cron(value: &Value, problems: &mut Vec<EmitError>) {
    let problem = match (text(value), number(value)) {
        (Some(t), _) if t.trim() == "0" => None,
        (Some(t), _) => cron::check(&t).err(),
        (None, Some(0.0)) => None,
        (None, Some(_)) => Some("a number here can only be 0 (no cron restart)".to_string()),
        (None, None) => None,
    };
    if let Some(problem) = problem {
        problems.push(EmitError::new(EmitErrorKind::BadCron { problem }, value.origin()));
    }
}

fn check_elements(option: &str, value: &Value, element: JsType, problems: &mut Vec<EmitError>) {
    let items: Vec<&Value> = match value.kind() {
        ValueKind::List(s) | ValueKind::Vector(s) => s.iter().collect(),
        ValueKind::Set(s) => s.iter().collect(),
        _ => return,
    };
    for item in items {
        if js_type(item) != Some(element) {
            problems.push(EmitError::new(
                EmitErrorKind::WrongType {
                    option: format!("each element of {option}"),
                    expected: format!("a {}", element.name()),
                    actual: describe(item),
                },
                item.origin().or(value.origin()),
            ));
        }
    }
}

/// Checks an `env` or `env_<name>` block: a map whose values are strings, numbers or
/// booleans (nil values are left out), and whose names the OS keeps as written (an
/// error, [`EnvNameProblem`]) and shells can read (a warning).
pub(crate) fn check_env_block(option: &str, key: &Value, value: &Value, problems: &mut Vec<EmitError>) {
    let Some(map) = value.as_map() else {
        let mut error = EmitError::new(
            EmitErrorKind::WrongType {
                option: option.to_string(),
                expected: "a map of environment variables".into(),
                actual: describe(value),
            },
            value.origin().or(key.origin()),
        )
        .with_label(key.origin(), "this key");
        if option == "env_file" {
            error = error.with_help(
                "PM2 has no env_file option: it would read this as the variables of `--env file`. \
                 Read the file into :env with #dotenv, as in :env (merge #dotenv \".env\" {...})",
            );
        }
        return problems.push(error);
    };
    for (var, v) in map.iter() {
        let Some(name) = key_text(var) else {
            problems.push(EmitError::new(
                EmitErrorKind::KeyNotAName {
                    actual: var.type_name().to_string(),
                },
                var.origin(),
            ));
            continue;
        };
        check_env_name(option, name, var, problems);
        let scalar = matches!(
            js_type(v),
            Some(JsType::String | JsType::Number | JsType::Boolean)
        ) || v.is_nil();
        if !scalar {
            problems.push(EmitError::new(
                EmitErrorKind::EnvValue {
                    var: name.to_string(),
                    actual: describe(v),
                },
                v.origin().or(var.origin()),
            ));
        }
    }
}

/// Checks the name of a variable of the environment block `block`: one the OS would
/// mangle or drop is an error; one that is not a POSIX name (`[A-Za-z_][A-Za-z0-9_]*`,
/// which `npm_config_x` is) is a warning, since programs read it and shells cannot.
fn check_env_name(block: &str, name: &str, var: &Value, problems: &mut Vec<EmitError>) {
    let kind = match EnvNameProblem::of(name) {
        Some(problem) => EmitErrorKind::EnvName {
            block: block.to_string(),
            name: name.to_string(),
            problem,
        },
        None if !is_posix_name(name) => EmitErrorKind::EnvNameNotPortable {
            block: block.to_string(),
            name: name.to_string(),
        },
        None => return,
    };
    problems.push(EmitError::new(kind, var.origin()));
}

/// Whether `name` is a POSIX name: letters, digits and `_`, not starting with a digit.
fn is_posix_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What a value is, if it is a number JavaScript would not read as written, or not data.
fn unreadable_number(value: &Value) -> Option<&'static str> {
    match value.kind() {
        ValueKind::Fn(_) => Some("function"),
        ValueKind::Ref(_) => Some("#ref"),
        ValueKind::Number(Number::Float(f)) if f.is_nan() => Some("NaN"),
        ValueKind::Number(Number::Float(f)) if f.is_infinite() => Some("infinite number"),
        ValueKind::Number(Number::Int(i)) if i.unsigned_abs() > MAX_SAFE_INTEGER as u64 => {
            Some("larger integer")
        }
        ValueKind::Number(Number::BigInt(b))
            if i64::try_from(b.value()).is_ok_and(|i| i.unsigned_abs() <= MAX_SAFE_INTEGER as u64) =>
        {
            None
        }
        ValueKind::Number(Number::BigInt(_)) => Some("larger integer"),
        _ => None,
    }
}

/// Checks that `value`, written out as `what` (an option, an environment variable, a
/// section), is data JavaScript reads as written: see the module documentation.
pub(crate) fn check_data(what: &str, value: &Value, problems: &mut Vec<EmitError>) {
    check_value(Place { up: None, name: what }, value, true, problems)
}

/// The problems `value` has as JSON data (for `eval --format json`): what has no JSON
/// form (non-finite numbers, functions) and keys written alike, which JSON would repeat.
/// Unlike a PM2 file, integers past JavaScript's safe range are fine: JSON holds them.
pub fn json_problems(value: &Value) -> Vec<EmitError> {
    let mut problems = Vec::new();
    let top = Place {
        up: None,
        name: "the value",
    };
    check_value(top, value, false, &mut problems);
    problems
}

/// Where a value sits, for messages: what it is written as, then each map key down to
/// it (`env PORT`). Written out only for a problem.
#[derive(Clone, Copy)]
struct Place<'a> {
    up: Option<&'a Place<'a>>,
    name: &'a str,
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(up) = self.up {
            write!(f, "{up} ")?;
        }
        f.write_str(self.name)
    }
}

fn check_value(what: Place<'_>, value: &Value, javascript: bool, problems: &mut Vec<EmitError>) {
    let unreadable = unreadable_number(value).filter(|a| javascript || *a != "larger integer");
    if let Some(actual) = unreadable {
        let expected = match actual {
            "larger integer" => format!("an integer within ±{MAX_SAFE_INTEGER} (JavaScript's safe range)"),
            "function" | "#ref" => "data".to_string(),
            _ => "a finite number".to_string(),
        };
        problems.push(EmitError::new(
            EmitErrorKind::WrongType {
                option: what.to_string(),
                expected,
                actual: actual.to_string(),
            },
            value.origin(),
        ));
        return;
    }
    match value.kind() {
        ValueKind::List(items) | ValueKind::Vector(items) => items
            .iter()
            .for_each(|item| check_value(what, item, javascript, problems)),
        ValueKind::Set(items) => items
            .iter()
            .for_each(|item| check_value(what, item, javascript, problems)),
        ValueKind::Map(map) => {
            let mut seen: HashMap<String, &Value, RandomState> =
                HashMap::with_capacity_and_hasher(map.len(), RandomState::default());
            for (key, v) in map.iter() {
                let text = pm2_dsl_eval::key_text(key);
                if let Some(first) = seen.get(&text) {
                    problems.push(crate::error::duplicate_key(&what.to_string(), &text, key, first));
                }
                let inner = Place {
                    up: Some(&what),
                    name: &text,
                };
                check_value(inner, v, javascript, problems);
                seen.entry(text).or_insert(key);
            }
        }
        _ => {}
    }
}
