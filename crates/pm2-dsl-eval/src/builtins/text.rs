//! Strings and names: `str`, `keyword`, `name`, `format` and the `str/` functions.
//! `str/split` splits on a literal separator (there are no regex literals).

use std::fmt::Write;

use pm2_dsl_reader::Symbol;

use super::{Builtin, Call, builtin};
use crate::error::{EvalError, EvalErrorKind};
use crate::evaluator::Evaluator;
use crate::value::{Value, ValueKind};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    builtin("str", 0, None, str).doc(
        "(str x...)",
        "The arguments as text, joined: strings as they are, keywords with their colon, nil as nothing.",
    ),
    builtin("keyword", 1, Some(2), keyword).doc(
        "(keyword name) (keyword ns name)",
        "A keyword from a string (a leading colon is dropped) or symbol.",
    ),
    builtin("name", 1, Some(1), name).doc(
        "(name x)",
        "The name of a keyword or symbol (without colon or namespace), or a string itself.",
    ),
    builtin("format", 1, None, format_fn).doc(
        "(format fmt x...)",
        "Java-style formatting: %s, %d, %f (with precision, as in %.2f), %x, %X, %n and %%, with the - and 0 flags and a width.",
    ),
    builtin("str/join", 1, Some(2), join).doc(
        "(str/join sep? coll)",
        "The elements as text, joined with sep (nothing by default).",
    ),
    builtin("str/split", 2, Some(2), split).doc(
        "(str/split s sep)",
        "The parts of s between occurrences of the string sep, as a vector (trailing empty parts dropped).",
    ),
    builtin("str/upper-case", 1, Some(1), upper_case).doc(
        "(str/upper-case s)",
        "The text in upper case.",
    ),
    builtin("str/lower-case", 1, Some(1), lower_case).doc(
        "(str/lower-case s)",
        "The text in lower case.",
    ),
    builtin("str/trim", 1, Some(1), trim).doc(
        "(str/trim s)",
        "The string without leading and trailing whitespace.",
    ),
    builtin("str/replace", 3, Some(3), replace).doc(
        "(str/replace s match replacement)",
        "The string with every occurrence of the string match replaced.",
    ),
    builtin("str/blank?", 1, Some(1), blank).doc(
        "(str/blank? s)",
        "Whether the string is nil, empty or only whitespace.",
    ),
    builtin("str/starts-with?", 2, Some(2), starts_with).doc(
        "(str/starts-with? s prefix)",
        "Whether the string starts with prefix.",
    ),
    builtin("str/ends-with?", 2, Some(2), ends_with).doc(
        "(str/ends-with? s suffix)",
        "Whether the string ends with suffix.",
    ),
    builtin("str/includes?", 2, Some(2), includes).doc(
        "(str/includes? s part)",
        "Whether the string contains part.",
    ),
];

/// A value as Clojure's `str` shows it: nil is "", strings and characters are
/// themselves, keywords keep their colon, numbers print plainly, and collections print
/// as EDN.
pub(crate) fn str_of(value: &Value) -> String {
    let mut out = String::new();
    push_str_of(value, &mut out);
    out
}

/// Appends [`str_of`]`(value)` to `out`.
pub(crate) fn push_str_of(value: &Value, out: &mut String) {
    match value.kind() {
        ValueKind::Nil => {}
        ValueKind::Str(s) => out.push_str(s),
        ValueKind::Char(c) => out.push(*c),
        ValueKind::Symbol(s) => out.push_str(s.as_str()),
        ValueKind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        ValueKind::BigInt(b) => {
            let _ = write!(out, "{b}");
        }
        ValueKind::BigDec(d) => {
            let _ = write!(out, "{d}");
        }
        _ => out.push_str(&value.to_edn()),
    }
}

/// The widest width and the largest precision `format` takes: enough for any
/// alignment, small enough that `%999999999d` cannot ask for gigabytes.
pub(crate) const MAX_FORMAT_WIDTH: usize = 4096;

/// A width or precision of a conversion: digits, at most [`MAX_FORMAT_WIDTH`].
fn format_number(digits: &str, what: &str, spec: &str, conv: char) -> Result<usize, String> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad {what} in %{spec}{conv}"));
    }
    match digits.parse::<usize>() {
        Ok(n) if n <= MAX_FORMAT_WIDTH => Ok(n),
        _ => Err(format!(
            "the {what} in %{spec}{conv} is over the limit of {MAX_FORMAT_WIDTH}"
        )),
    }
}

/// Java-style formatting as Clojure's `format` does it, for the common conversions:
/// `%s`, `%d`, `%f` (with precision, as in `%.2f`), `%x`, `%X`, `%n` and `%%`, with the
/// `-` and `0` flags and a width. Widths and precisions are at most
/// [`MAX_FORMAT_WIDTH`].
pub(crate) fn format(fmt: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        let conv = loop {
            match chars.next() {
                Some(c) if c.is_ascii_digit() || c == '-' || c == '.' => spec.push(c),
                Some(c) => break c,
                None => return Err("the format string ends inside a % conversion".into()),
            }
        };
        let left = spec.starts_with('-');
        let spec = spec.trim_start_matches('-');
        let zero = spec.starts_with('0');
        let (width, precision) = match spec.split_once('.') {
            Some((w, p)) => (w, Some(format_number(p, "precision", spec, conv)?)),
            None => (spec, None),
        };
        let width = if width.is_empty() {
            0
        } else {
            format_number(width, "width", spec, conv)?
        };
        let text = match conv {
            '%' => "%".to_string(),
            'n' => "\n".to_string(),
            's' | 'd' | 'f' | 'x' | 'X' => {
                let arg = args
                    .next()
                    .ok_or_else(|| format!("%{conv} has no argument left"))?;
                match (conv, arg.kind()) {
                    ('s', _) => str_of(arg),
                    ('d', ValueKind::Int(i)) => i.to_string(),
                    ('d', ValueKind::BigInt(b)) => b.to_string(),
                    ('f', ValueKind::Float(f)) => format!("{f:.*}", precision.unwrap_or(6)),
                    ('f', ValueKind::Int(i)) => format!("{:.*}", precision.unwrap_or(6), *i as f64),
                    ('x', ValueKind::Int(i)) => format!("{i:x}"),
                    ('X', ValueKind::Int(i)) => format!("{i:X}"),
                    _ => return Err(format!("%{conv} cannot format a {}", arg.type_name())),
                }
            }
            other => return Err(format!("%{other} is not a supported conversion")),
        };
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            let fill = if zero && conv != 's' { '0' } else { ' ' };
            let (sign, digits) = match text.strip_prefix('-') {
                Some(d) if fill == '0' => ("-", d),
                _ => ("", text.as_str()),
            };
            let _ = write!(out, "{sign}");
            out.extend(std::iter::repeat_n(fill, pad));
            out.push_str(digits);
        }
    }
    Ok(out)
}

fn string_value(call: &Call, s: impl Into<std::sync::Arc<str>>) -> Value {
    call.value(ValueKind::Str(s.into()))
}

fn str(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let mut text = String::new();
    call.args.iter().for_each(|a| push_str_of(a, &mut text));
    Ok(string_value(&call, text))
}

fn keyword(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let text = match (call.args.len(), call.args[0].kind()) {
        (1, ValueKind::Keyword(_)) => return Ok(call.args[0].clone()),
        (1, ValueKind::Nil) => return Ok(call.value(ValueKind::Nil)),
        (1, ValueKind::Symbol(s)) => s.as_str().to_string(),
        (1, _) => call.string(0)?.to_string(),
        _ => format!("{}/{}", call.string(0)?, call.string(1)?),
    };
    Ok(call.value(ValueKind::Keyword(Symbol::new(text))))
}

fn name(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    match call.args[0].kind() {
        ValueKind::Keyword(k) | ValueKind::Symbol(k) => Ok(string_value(&call, k.name())),
        ValueKind::Str(_) => Ok(call.args[0].clone()),
        _ => Err(call.type_error(0, "a keyword, symbol or string")),
    }
}

fn format_fn(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let text = format(call.string(0)?, &call.args[1..]).map_err(|message| {
        EvalError::new(
            EvalErrorKind::Format { message },
            call.args[0].origin().or(Some(call.span)),
        )
    })?;
    Ok(string_value(&call, text))
}

fn join(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let (sep, items) = match call.args.len() {
        1 => (String::new(), call.seq(0)?),
        _ => (str_of(&call.args[0]), call.seq(1)?),
    };
    let parts: Vec<String> = items.iter().map(str_of).collect();
    Ok(string_value(&call, parts.join(&sep)))
}

fn split(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let text = call.string(0)?;
    let sep = call.string(1)?;
    let mut parts: Vec<&str> = if sep.is_empty() {
        text.char_indices()
            .map(|(i, c)| &text[i..i + c.len_utf8()])
            .collect()
    } else {
        text.split(sep).collect()
    };
    while parts.last() == Some(&"") {
        parts.pop();
    }
    Ok(call.vector(parts.into_iter().map(|p| string_value(&call, p))))
}

fn upper_case(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(string_value(&call, str_of(&call.args[0]).to_uppercase()))
}

fn lower_case(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(string_value(&call, str_of(&call.args[0]).to_lowercase()))
}

fn trim(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(string_value(&call, call.string(0)?.trim()))
}

fn replace(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    Ok(string_value(
        &call,
        call.string(0)?.replace(call.string(1)?, call.string(2)?),
    ))
}

fn blank(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let blank = call.args[0].is_nil() || call.string(0)?.trim().is_empty();
    Ok(call.value(ValueKind::Bool(blank)))
}

fn test_str(call: &Call, f: fn(&str, &str) -> bool) -> Result<Value, EvalError> {
    Ok(call.value(ValueKind::Bool(f(call.string(0)?, call.string(1)?))))
}

fn starts_with(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test_str(&call, |a, b| a.starts_with(b))
}

fn ends_with(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test_str(&call, |a, b| a.ends_with(b))
}

fn includes(_: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test_str(&call, |a, b| a.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_covers_the_common_conversions() {
        let args = [
            Value::string("api"),
            Value::int(42),
            Value::new(ValueKind::Float(1.5), None),
        ];
        assert_eq!(format("%s:%d %.2f %%", &args).unwrap(), "api:42 1.50 %");
        assert_eq!(
            format(
                "[%5d|%-4s|%03d]",
                &[Value::int(7), Value::string("a"), Value::int(-5)]
            )
            .unwrap(),
            "[    7|a   |-05]"
        );
        assert!(format("%s %s", &args[..1]).is_err());
        assert!(format("%q", &args).is_err());
    }

    /// Found by trying: `%99999999999d` tried to allocate 100 GB, and a precision past
    /// 65,535 panicked inside `std::fmt`.
    #[test]
    fn widths_and_precisions_are_bounded() {
        let one = [Value::int(1)];
        let float = [Value::new(ValueKind::Float(1.0), None)];
        assert_eq!(format("%4096d", &one).unwrap().len(), MAX_FORMAT_WIDTH);
        for (fmt, args) in [
            ("%99999999999d", &one),
            ("%4097d", &one),
            ("%.999999999f", &float),
            ("%.70000f", &float),
            ("%99999999999999999999999d", &one),
        ] {
            let err = format(fmt, args).unwrap_err();
            assert!(err.contains("over the limit of 4096"), "{fmt}: {err}");
        }
        assert_eq!(format("%.f", &float).unwrap_err(), "bad precision in %.f");
    }
}
