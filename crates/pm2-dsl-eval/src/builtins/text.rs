//! Strings and names: `str`, `keyword`, `name`, `format` and the `str/` functions.
//! `str/split` splits on a literal separator (there are no regex literals).

use std::fmt::Write;

use pm2_dsl_reader::{Number, Symbol};

use pm2_dsl_reader::Span;

use super::{Builtin, Call, Full, TextOut, builtin};
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
fn push_str_of(value: &Value, out: &mut String) {
    match value.kind() {
        ValueKind::Nil => {}
        ValueKind::Str(s) => out.push_str(s),
        ValueKind::Char(c) => out.push(*c),
        ValueKind::Symbol(s) => out.push_str(s.as_str()),
        ValueKind::Number(Number::Int(i)) => {
            let _ = write!(out, "{i}");
        }
        ValueKind::Number(Number::BigInt(b)) => {
            let _ = write!(out, "{b}");
        }
        ValueKind::Number(Number::BigDec(d)) => {
            let _ = write!(out, "{d}");
        }
        _ => out.push_str(&value.revealed().to_edn()),
    }
}

/// The widest width and the largest precision `format` takes: enough for any
/// alignment, small enough that `%999999999d` cannot ask for gigabytes.
pub(crate) const MAX_FORMAT_WIDTH: usize = 4096;

/// Why `format` failed.
#[derive(Debug)]
pub(crate) enum FormatError {
    /// The format string does not fit its arguments.
    Bad(String),
    /// The result does not fit in what is left of the data budget.
    Full,
}

impl From<Full> for FormatError {
    fn from(_: Full) -> FormatError {
        FormatError::Full
    }
}

impl FormatError {
    /// The evaluation error, labelled at `span`.
    pub(crate) fn at(self, ev: &Evaluator, span: Span) -> EvalError {
        match self {
            FormatError::Bad(message) => EvalError::new(EvalErrorKind::Format { message }, Some(span)),
            FormatError::Full => ev.out_of_bytes(span),
        }
    }
}

/// A width or precision of a conversion: digits, at most [`MAX_FORMAT_WIDTH`].
fn format_number(digits: &str, what: &str, spec: &str, conv: char) -> Result<usize, FormatError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FormatError::Bad(format!("bad {what} in %{spec}{conv}")));
    }
    match digits.parse::<usize>() {
        Ok(n) if n <= MAX_FORMAT_WIDTH => Ok(n),
        _ => Err(FormatError::Bad(format!(
            "the {what} in %{spec}{conv} is over the limit of {MAX_FORMAT_WIDTH}"
        ))),
    }
}

/// Java-style formatting as Clojure's `format` does it, for the common conversions:
/// `%s`, `%d`, `%f` (with precision, as in `%.2f`), `%x`, `%X`, `%n` and `%%`, with the
/// `-` and `0` flags and a width. Widths and precisions are at most
/// [`MAX_FORMAT_WIDTH`]. Writes to `out`, which bounds the result's length.
pub(crate) fn format(fmt: &str, args: &[Value], out: &mut TextOut) -> Result<(), FormatError> {
    let bad = |message: String| FormatError::Bad(message);
    let mut args = args.iter();
    let mut chars = fmt.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '%' {
            let end = chars.peek().map_or(fmt.len(), |(i, _)| *i);
            out.push(&fmt[at..end])?;
            continue;
        }
        let mut spec = String::new();
        let conv = loop {
            match chars.next() {
                Some((_, c)) if c.is_ascii_digit() || c == '-' || c == '.' => spec.push(c),
                Some((_, c)) => break c,
                None => return Err(bad("the format string ends inside a % conversion".into())),
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
                    .ok_or_else(|| bad(format!("%{conv} has no argument left")))?;
                match (conv, arg.kind()) {
                    ('s', _) => str_of(arg),
                    ('d', ValueKind::Number(Number::Int(i))) => i.to_string(),
                    ('d', ValueKind::Number(Number::BigInt(b))) => b.to_string(),
                    ('f', ValueKind::Number(Number::Float(f))) => format!("{f:.*}", precision.unwrap_or(6)),
                    ('f', ValueKind::Number(Number::Int(i))) => {
                        format!("{:.*}", precision.unwrap_or(6), *i as f64)
                    }
                    ('x', ValueKind::Number(Number::Int(i))) => format!("{i:x}"),
                    ('X', ValueKind::Number(Number::Int(i))) => format!("{i:X}"),
                    _ => return Err(bad(format!("%{conv} cannot format a {}", arg.type_name()))),
                }
            }
            other => return Err(bad(format!("%{other} is not a supported conversion"))),
        };
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push(&text)?;
            out.repeat(' ', pad)?;
        } else {
            let fill = if zero && conv != 's' { '0' } else { ' ' };
            let (sign, digits) = match text.strip_prefix('-') {
                Some(d) if fill == '0' => ("-", d),
                _ => ("", text.as_str()),
            };
            out.push(sign)?;
            out.repeat(fill, pad)?;
            out.push(digits)?;
        }
    }
    Ok(())
}

fn string_value(call: &Call, s: impl Into<std::sync::Arc<str>>) -> Value {
    call.value(ValueKind::Str(s.into()))
}

/// A string made by `call` from text of known length, charged before it is made.
fn new_string(
    ev: &mut Evaluator,
    call: &Call,
    len: usize,
    make: impl FnOnce() -> String,
) -> Result<Value, EvalError> {
    ev.charge(len as u64, call.span)?;
    Ok(string_value(call, make()))
}

/// Charges a step per kibibyte of text a function scans.
fn scans(ev: &mut Evaluator, call: &Call, text: &str) -> Result<(), EvalError> {
    ev.steps_by(text.len() as u64 / 1024, call.span)
}

fn str(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let mut out = ev.text_out();
    let written = call.args.iter().try_for_each(|a| out.push_value(a)).map(|_| out);
    ev.finish_text(written, call.span)
}

fn keyword(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let text = match (call.args.len(), call.args[0].kind()) {
        (1, ValueKind::Keyword(_)) => return Ok(call.args[0].clone()),
        (1, ValueKind::Nil) => return Ok(call.value(ValueKind::Nil)),
        (1, ValueKind::Symbol(s)) => s.as_str().to_string(),
        (1, _) => call.string(0)?.to_string(),
        _ => format!("{}/{}", call.string(0)?, call.string(1)?),
    };
    ev.charge(text.len() as u64, call.span)?;
    Ok(call.value(ValueKind::Keyword(Symbol::new(text))))
}

fn name(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    match call.args[0].kind() {
        ValueKind::Keyword(k) | ValueKind::Symbol(k) => {
            new_string(ev, &call, k.name().len(), || k.name().to_string())
        }
        ValueKind::Str(_) => Ok(call.args[0].clone()),
        _ => Err(call.type_error(0, "a keyword, symbol or string")),
    }
}

fn format_fn(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let fmt = call.string(0)?;
    let mut out = ev.text_out();
    let at = call.args[0].origin().unwrap_or(call.span);
    format(fmt, &call.args[1..], &mut out).map_err(|e| e.at(ev, at))?;
    ev.finish_text(Ok(out), call.span)
}

fn join(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let (sep, items) = match call.args.len() {
        1 => (String::new(), call.elements(0)?),
        _ => (str_of(&call.args[0]), call.elements(1)?),
    };
    let mut out = ev.text_out();
    let mut count = 0;
    let written = items
        .enumerate()
        .try_for_each(|(i, item)| {
            count += 1;
            if i > 0 {
                out.push(&sep)?;
            }
            out.push_value(&item)
        })
        .map(|_| out);
    ev.steps_by(count, call.span)?;
    ev.finish_text(written, call.span)
}

fn split(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let text = call.string(0)?;
    let sep = call.string(1)?;
    scans(ev, &call, text)?;
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
    ev.charge(text.len() as u64, call.span)?;
    let parts: Vec<Value> = parts.into_iter().map(|p| string_value(&call, p)).collect();
    ev.new_vector(&call, parts)
}

fn upper_case(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let text = str_of(&call.args[0]);
    new_string(ev, &call, text.len(), || text.to_uppercase())
}

fn lower_case(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let text = str_of(&call.args[0]);
    new_string(ev, &call, text.len(), || text.to_lowercase())
}

fn trim(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let text = call.string(0)?.trim();
    new_string(ev, &call, text.len(), || text.to_string())
}

fn replace(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let (text, from, to) = (call.string(0)?, call.string(1)?, call.string(2)?);
    scans(ev, &call, text)?;
    // The length is known before anything is built: (replace s "" x) puts x between
    // every character and at both ends.
    let matches = if from.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(from).count()
    };
    let len = (text.len() as u64 + (matches as u64).saturating_mul(to.len() as u64))
        .saturating_sub(matches as u64 * from.len() as u64);
    ev.charge(len, call.span)?;
    Ok(string_value(&call, text.replace(from, to)))
}

fn blank(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    let blank = call.args[0].is_nil() || {
        let text = call.string(0)?;
        scans(ev, &call, text)?;
        text.trim().is_empty()
    };
    Ok(call.value(ValueKind::Bool(blank)))
}

fn test_str(ev: &mut Evaluator, call: &Call, f: fn(&str, &str) -> bool) -> Result<Value, EvalError> {
    let (a, b) = (call.string(0)?, call.string(1)?);
    scans(ev, call, a)?;
    Ok(call.value(ValueKind::Bool(f(a, b))))
}

fn starts_with(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test_str(ev, &call, |a, b| a.starts_with(b))
}

fn ends_with(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test_str(ev, &call, |a, b| a.ends_with(b))
}

fn includes(ev: &mut Evaluator, call: Call) -> Result<Value, EvalError> {
    test_str(ev, &call, |a, b| a.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(fmt: &str, args: &[Value]) -> Result<String, String> {
        let mut out = TextOut::with_room(1 << 20);
        match format(fmt, args, &mut out) {
            Ok(()) => Ok(out.as_str().to_string()),
            Err(FormatError::Bad(message)) => Err(message),
            Err(FormatError::Full) => Err("full".into()),
        }
    }

    #[test]
    fn format_covers_the_common_conversions() {
        let args = [
            Value::string("api"),
            Value::int(42),
            Value::new(ValueKind::Number(Number::Float(1.5)), None),
        ];
        assert_eq!(fmt("%s:%d %.2f %%", &args).unwrap(), "api:42 1.50 %");
        assert_eq!(
            fmt(
                "[%5d|%-4s|%03d]",
                &[Value::int(7), Value::string("a"), Value::int(-5)]
            )
            .unwrap(),
            "[    7|a   |-05]"
        );
        assert_eq!(fmt("é%sü", &args).unwrap(), "éapiü");
        assert!(fmt("%s %s", &args[..1]).is_err());
        assert!(fmt("%q", &args).is_err());
    }

    /// Found by trying: `%99999999999d` tried to allocate 100 GB, and a precision past
    /// 65,535 panicked inside `std::fmt`.
    #[test]
    fn widths_and_precisions_are_bounded() {
        let one = [Value::int(1)];
        let float = [Value::new(ValueKind::Number(Number::Float(1.0)), None)];
        assert_eq!(fmt("%4096d", &one).unwrap().len(), MAX_FORMAT_WIDTH);
        for (text, args) in [
            ("%99999999999d", &one),
            ("%4097d", &one),
            ("%.999999999f", &float),
            ("%.70000f", &float),
            ("%99999999999999999999999d", &one),
        ] {
            let err = fmt(text, args).unwrap_err();
            assert!(err.contains("over the limit of 4096"), "{text}: {err}");
        }
        assert_eq!(fmt("%.f", &float).unwrap_err(), "bad precision in %.f");
    }

    #[test]
    fn output_stops_at_the_room_it_has() {
        let mut out = TextOut::with_room(10);
        assert!(format("%4000d", &[Value::int(1)], &mut out).is_err());
        assert!(out.as_str().len() <= 10);
    }
}
