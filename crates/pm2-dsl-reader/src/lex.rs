//! Token-level recognisers built with `nom`: trivia (whitespace, commas, comments), bare
//! tokens, numbers, string bodies, character literals and name validation.
//!
//! Every function here works on one token or one string body and knows nothing about
//! nesting; `parse` drives them. Errors are plain [`ReadErrorKind`]s plus byte positions
//! relative to the slice given, so they stay small and `Copy`.

use std::sync::Arc;

use std::str::FromStr;

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while, take_while_m_n};
use nom::character::complete::{char, digit0, digit1, one_of};
use nom::combinator::{all_consuming, opt, recognize, value};
use nom::{IResult, Parser};

use crate::error::{NameProblem, ReadErrorKind};
use crate::form::FormKind;
use crate::number::{BigInteger, Number};

/// Whether `c` is whitespace to the reader: Unicode whitespace, commas, and U+FEFF (a
/// byte-order mark, invisible, is never part of a name).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || c == ',' || c == '\u{feff}'
}

/// Whether `c` ends a bare token (symbol, keyword, number, character name).
pub(crate) fn ends_token(c: char) -> bool {
    matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"' | ';') || is_space(c)
}

/// Skips whitespace and commas; returns the rest.
pub(crate) fn skip_space(input: &str) -> &str {
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\n' | b'\t' | b'\r' | b',' | 0x0b | 0x0c => i += 1,
            b if b < 0x80 => break,
            _ => {
                let rest = &input[i..];
                let (after, _) = space_run(rest).unwrap_or((rest, ""));
                if after.len() == rest.len() {
                    break;
                }
                i += rest.len() - after.len();
            }
        }
    }
    &input[i..]
}

fn space_run(input: &str) -> IResult<&str, &str, ()> {
    take_while(is_space).parse(input)
}

/// Skips the rest of a line comment (the `;` or `#!` is already consumed).
pub(crate) fn skip_line(input: &str) -> &str {
    let r: IResult<&str, &str, ()> = take_till(|c| c == '\n').parse(input);
    r.map(|(rest, _)| rest).unwrap_or("")
}

/// Splits a bare token off the front of `input` (at least one character: the first is
/// taken whatever it is).
pub(crate) fn token(input: &str) -> (&str, &str) {
    let first = input.chars().next().map_or(0, char::len_utf8);
    let bytes = input.as_bytes();
    let mut end = first;
    while end < bytes.len() {
        let b = bytes[end];
        if b < 0x80 {
            if matches!(
                b,
                b'(' | b')'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'"'
                    | b';'
                    | b','
                    | b' '
                    | b'\n'
                    | b'\t'
                    | b'\r'
                    | 0x0b
                    | 0x0c
            ) {
                break;
            }
            end += 1;
        } else {
            let c = input[end..].chars().next().unwrap_or(' ');
            if ends_token(c) {
                break;
            }
            end += c.len_utf8();
        }
    }
    (&input[end..], &input[..end])
}

/// Whether a token is read as a number: it starts with a digit, or with `+`/`-` and a digit.
pub(crate) fn starts_like_number(text: &str) -> bool {
    let b = text.as_bytes();
    match b.first() {
        Some(b'0'..=b'9') => true,
        Some(b'+' | b'-') => b.get(1).is_some_and(u8::is_ascii_digit),
        _ => false,
    }
}

enum NumberSyntax<'a> {
    Int {
        digits: &'a str,
        big: bool,
    },
    Ratio {
        numerator: &'a str,
        denominator: &'a str,
    },
    Float {
        text: &'a str,
        decimal: bool,
    },
}

fn signed_digits(input: &str) -> IResult<&str, &str, ()> {
    recognize((opt(one_of("+-")), digit1)).parse(input)
}

fn number_syntax(input: &str) -> IResult<&str, NumberSyntax<'_>, ()> {
    let (rest, digits) = signed_digits(input)?;
    if rest.is_empty() {
        return Ok((rest, NumberSyntax::Int { digits, big: false }));
    }
    if let Ok((rest, _)) = all_consuming(char::<&str, ()>('N')).parse(rest) {
        return Ok((rest, NumberSyntax::Int { digits, big: true }));
    }
    if let Ok((rest, denominator)) = all_consuming((char::<&str, ()>('/'), digit1)).parse(rest) {
        return Ok((
            rest,
            NumberSyntax::Ratio {
                numerator: digits,
                denominator: denominator.1,
            },
        ));
    }
    let (rest, (frac, exp)) = (
        opt(recognize((char('.'), digit0))),
        opt(recognize((one_of("eE"), opt(one_of("+-")), digit1))),
    )
        .parse(rest)?;
    let (rest, decimal) = all_consuming(opt(char('M'))).parse(rest)?;
    if frac.is_none() && exp.is_none() && decimal.is_none() {
        return Err(nom::Err::Error(()));
    }
    let len = input.len() - usize::from(decimal.is_some());
    Ok((
        rest,
        NumberSyntax::Float {
            text: &input[..len],
            decimal: decimal.is_some(),
        },
    ))
}

fn has_leading_zero(signed: &str) -> bool {
    let digits = signed.trim_start_matches(['+', '-']);
    digits.len() > 1 && digits.starts_with('0')
}

/// Reads a number token (one for which [`starts_like_number`] holds).
pub(crate) fn number(token: &str) -> Result<FormKind, ReadErrorKind> {
    let bad = ReadErrorKind::BadNumber;
    let unsigned = token.strip_prefix('-').unwrap_or(token);
    if unsigned.len() < 19 && unsigned.bytes().all(|b| b.is_ascii_digit()) && !has_leading_zero(unsigned) {
        // The common case, a plain integer that fits: no grammar needed.
        return token
            .parse()
            .map(|i| FormKind::Number(Number::Int(i)))
            .map_err(|_| bad);
    }
    let (_, syntax) = number_syntax(token).map_err(|_| bad)?;
    match syntax {
        NumberSyntax::Int { digits, big } => {
            if has_leading_zero(digits) {
                return Err(bad);
            }
            if !big && let Ok(i) = digits.parse::<i64>() {
                return Ok(FormKind::Number(Number::Int(i)));
            }
            let value = big_integer(digits);
            // The digits as they print: no `+`, and no `-` on zero.
            let written = digits.strip_prefix('+').unwrap_or(digits);
            let written = if value.sign() == Sign::NoSign {
                "0"
            } else {
                written
            };
            Ok(FormKind::Number(Number::BigInt(Arc::new(
                BigInteger::with_digits(value, written.into()),
            ))))
        }
        NumberSyntax::Ratio {
            numerator,
            denominator,
        } => {
            if has_leading_zero(numerator) || has_leading_zero(denominator) {
                return Err(bad);
            }
            let (n, d) = (big_integer(numerator), big_integer(denominator));
            if d.sign() == Sign::NoSign {
                return Err(bad);
            }
            Ok(ratio(n, d))
        }
        NumberSyntax::Float { text, decimal } => {
            let int_end = text.find(['.', 'e', 'E']).unwrap_or(text.len());
            if has_leading_zero(&text[..int_end]) {
                return Err(bad);
            }
            if decimal {
                Ok(FormKind::Number(Number::BigDec(Arc::new(
                    big_decimal(text).ok_or(bad)?,
                ))))
            } else {
                text.parse::<f64>()
                    .map(|f| FormKind::Number(Number::Float(f)))
                    .map_err(|_| bad)
            }
        }
    }
}

/// Digit strings up to this length are converted directly; longer ones are split.
const DIRECT_DIGITS: usize = 256;

/// The integer a signed digit string (`[+-]?[0-9]+`, as the grammar checked) denotes, in
/// near-linear time: the digits are split in halves, converted, and joined with one
/// multiplication by a power of ten (fast for large numbers), instead of the
/// digit-by-digit conversion that takes quadratic time (a second for a million digits).
pub(crate) fn big_integer(signed: &str) -> BigInt {
    let (negative, digits) = match signed.as_bytes().first() {
        Some(b'-') => (true, &signed[1..]),
        Some(b'+') => (false, &signed[1..]),
        _ => (false, signed),
    };
    let mut powers = std::collections::HashMap::new();
    let n = unsigned_digits(digits, &mut powers);
    if negative { -n } else { n }
}

fn unsigned_digits(digits: &str, powers: &mut std::collections::HashMap<usize, BigInt>) -> BigInt {
    if digits.len() <= DIRECT_DIGITS {
        return BigInt::from_str(digits).unwrap_or_default();
    }
    let (high, low) = digits.split_at(digits.len() / 2);
    let scale = powers
        .entry(low.len())
        .or_insert_with(|| BigInt::from(10u8).pow(low.len() as u32))
        .clone();
    unsigned_digits(high, powers) * scale + unsigned_digits(low, powers)
}

/// The decimal a float literal's text (`[+-]?digits[.digits][e[+-]digits]`, without the
/// `M`) denotes, its digits converted by [`big_integer`].
fn big_decimal(text: &str) -> Option<BigDecimal> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int_part}{frac_part}");
    let scale = (frac_part.len() as i64).checked_sub(exponent)?;
    Some(BigDecimal::new(big_integer(&digits), scale))
}

/// A ratio in lowest terms; whole ratios become integers, as in Clojure.
pub(crate) fn ratio(n: BigInt, d: BigInt) -> FormKind {
    let g = gcd(n.clone(), d.clone());
    let (mut n, mut d) = (n / &g, d / &g);
    if d.sign() == Sign::Minus {
        n = -n;
        d = -d;
    }
    if d == BigInt::from(1) {
        return match i64::try_from(&n) {
            Ok(i) => FormKind::Number(Number::Int(i)),
            Err(_) => FormKind::Number(Number::BigInt(Arc::new(n.into()))),
        };
    }
    FormKind::Number(Number::Ratio(Arc::new((n, d))))
}

fn gcd(mut a: BigInt, mut b: BigInt) -> BigInt {
    while b.sign() != Sign::NoSign {
        let r = &a % &b;
        a = b;
        b = r;
    }
    if a.sign() == Sign::Minus { -a } else { a }
}

/// Checks a symbol's, keyword's (without `:`) or tag's text against EDN's rules.
/// Keywords may start with a digit, as Clojure's reader allows (`:8080`).
pub(crate) fn check_name(text: &str, keyword: bool) -> Result<(), NameProblem> {
    if let Some(c) = text.chars().find(|&c| !is_name_char(c)) {
        return Err(NameProblem::BadChar(c));
    }
    if text == "/" && !keyword {
        return Ok(());
    }
    if keyword && text.starts_with(':') {
        return Err(NameProblem::AutoResolved);
    }
    // A symbol starting with one of these would print as something else (a tag, a
    // keyword, a quote).
    if let Some(c @ ('#' | ':' | '\'')) = text.chars().next().filter(|_| !keyword) {
        return Err(NameProblem::BadChar(c));
    }
    if text.contains("::") {
        return Err(NameProblem::BadColon);
    }
    let mut parts = text.splitn(3, '/');
    let first = parts.next().unwrap_or("");
    let (ns, name) = match (parts.next(), parts.next()) {
        (_, Some(_)) => return Err(NameProblem::TooManySlashes),
        (Some(name), None) => (Some(first), name),
        (None, None) => (None, first),
    };
    if ns == Some("") {
        return Err(NameProblem::EmptyNamespace);
    }
    if name.is_empty() {
        return Err(NameProblem::EmptyName);
    }
    let leading_number = |part: &str| {
        let b = part.as_bytes();
        b[0].is_ascii_digit()
            || (matches!(b[0], b'+' | b'-' | b'.') && b.get(1).is_some_and(u8::is_ascii_digit))
    };
    let first_part = ns.unwrap_or(name);
    if (!keyword && leading_number(first_part)) || (ns.is_some() && leading_number(name)) {
        return Err(NameProblem::StartsLikeNumber);
    }
    if name.ends_with(':') || ns.is_some_and(|ns| ns.ends_with(':')) {
        return Err(NameProblem::BadColon);
    }
    Ok(())
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '.' | '*'
                | '+'
                | '!'
                | '-'
                | '_'
                | '?'
                | '$'
                | '%'
                | '&'
                | '='
                | '<'
                | '>'
                | '#'
                | ':'
                | '/'
                | '\''
        )
        || (!c.is_ascii() && !is_space(c) && !crate::acts_on_terminal(c))
}

/// Reads a string body (after the opening quote). Returns the rest after the closing
/// quote and the string, or the error kind with the byte range of the problem inside
/// `input`.
pub(crate) fn string_body(input: &str) -> Result<(&str, StrValue<'_>), (ReadErrorKind, usize, usize)> {
    let bytes = input.as_bytes();
    let plain_end = bytes.iter().position(|&b| b == b'"' || b == b'\\');
    match plain_end {
        None => return Err((ReadErrorKind::UnterminatedString, 0, 0)),
        Some(end) if bytes[end] == b'"' => return Ok((&input[end + 1..], StrValue::Borrowed(&input[..end]))),
        Some(_) => {}
    }
    let mut out = String::new();
    let mut rest = input;
    loop {
        let stop = rest
            .as_bytes()
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .ok_or((ReadErrorKind::UnterminatedString, 0, 0))?;
        out.push_str(&rest[..stop]);
        if rest.as_bytes()[stop] == b'"' {
            return Ok((&rest[stop + 1..], StrValue::Owned(out)));
        }
        let escape_at = input.len() - rest.len() + stop;
        let after = &rest[stop + 1..];
        match escape(after) {
            Ok((r, c)) => {
                out.push(c);
                rest = r;
            }
            Err(_) => {
                let len = 1 + after.chars().next().map_or(0, char::len_utf8);
                let len = if after.starts_with('u') {
                    1 + after.len().min(5)
                } else {
                    len
                };
                let len = len.min(input.len() - escape_at);
                return Err((ReadErrorKind::BadEscape, escape_at, escape_at + len));
            }
        }
    }
}

/// A string's contents: borrowed from the text when it has no escapes.
pub(crate) enum StrValue<'a> {
    Borrowed(&'a str),
    Owned(String),
}

fn escape(input: &str) -> IResult<&str, char, ()> {
    alt((
        value('\t', char('t')),
        value('\r', char('r')),
        value('\n', char('n')),
        value('\\', char('\\')),
        value('"', char('"')),
        value('\u{8}', char('b')),
        value('\u{c}', char('f')),
        unicode_escape,
    ))
    .parse(input)
}

fn hex4(input: &str) -> IResult<&str, u32, ()> {
    let (rest, hex) = take_while_m_n(4, 4, |c: char| c.is_ascii_hexdigit()).parse(input)?;
    Ok((
        rest,
        u32::from_str_radix(hex, 16).map_err(|_| nom::Err::Error(()))?,
    ))
}

fn unicode_escape(input: &str) -> IResult<&str, char, ()> {
    let (rest, high) = (char('u'), hex4).map(|(_, h)| h).parse(input)?;
    if (0xD800..0xDC00).contains(&high) {
        let (rest, low) = (tag("\\u"), hex4).map(|(_, l)| l).parse(rest)?;
        if !(0xDC00..0xE000).contains(&low) {
            return Err(nom::Err::Error(()));
        }
        let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        return char::from_u32(c).map(|c| (rest, c)).ok_or(nom::Err::Error(()));
    }
    char::from_u32(high).map(|c| (rest, c)).ok_or(nom::Err::Error(()))
}

/// Where the string whose body starts `body` closes: the index of its closing `"`,
/// escapes skipped whatever they are.
pub(crate) fn string_end(body: &str) -> Option<usize> {
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// Interprets a character literal's token (the text after `\`).
pub(crate) fn character(token: &str) -> Result<char, ReadErrorKind> {
    let mut chars = token.chars();
    if let (Some(c), None) = (chars.next(), chars.clone().next()) {
        return Ok(c);
    }
    let named = all_consuming(alt((
        value('\n', tag("newline")),
        value(' ', tag("space")),
        value('\t', tag("tab")),
        value('\r', tag("return")),
        value('\u{8}', tag("backspace")),
        value('\u{c}', tag("formfeed")),
        unicode_escape,
        octal_char,
    )))
    .parse(token);
    named.map(|(_, c)| c).map_err(|_| ReadErrorKind::BadCharacter)
}

fn octal_char(input: &str) -> IResult<&str, char, ()> {
    let (rest, digits) = (
        char('o'),
        take_while_m_n(1, 3, |c: char| ('0'..='7').contains(&c)),
    )
        .map(|(_, d)| d)
        .parse(input)?;
    let n = u32::from_str_radix(digits, 8).map_err(|_| nom::Err::Error(()))?;
    if n > 0o377 {
        return Err(nom::Err::Error(()));
    }
    char::from_u32(n).map(|c| (rest, c)).ok_or(nom::Err::Error(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_by_category() {
        assert!(matches!(number("-0"), Ok(FormKind::Number(Number::Int(0)))));
        assert!(matches!(number("+9923"), Ok(FormKind::Number(Number::Int(9923)))));
        assert!(matches!(number("432N"), Ok(FormKind::Number(Number::BigInt(_)))));
        assert!(matches!(
            number("99999999999999999999"),
            Ok(FormKind::Number(Number::BigInt(_)))
        ));
        assert!(matches!(number("12.32"), Ok(FormKind::Number(Number::Float(f))) if f == 12.32));
        assert!(matches!(number("45e+43"), Ok(FormKind::Number(Number::Float(_)))));
        assert!(matches!(
            number("45.4E+43M"),
            Ok(FormKind::Number(Number::BigDec(_)))
        ));
        assert!(matches!(number("1M"), Ok(FormKind::Number(Number::BigDec(_)))));
        assert!(matches!(number("1/2"), Ok(FormKind::Number(Number::Ratio(_)))));
        assert!(matches!(number("4/2"), Ok(FormKind::Number(Number::Int(2)))));
        for bad in [
            "0cat", "-4cats", "1/0", "1.2.3", "012", "1e", "1N2", "0x10", "1.5N",
        ] {
            assert_eq!(number(bad).err(), Some(ReadErrorKind::BadNumber), "{bad}");
        }
    }

    #[test]
    fn long_digit_strings_convert_like_short_ones() {
        for digits in ["0", "-12", "+7", "123456789012345678901234567890"] {
            assert_eq!(
                big_integer(digits),
                BigInt::from_str(digits.trim_start_matches('+')).unwrap()
            );
        }
        let long: String = (0..3000).map(|i| char::from(b'0' + (i * 7 % 10) as u8)).collect();
        assert_eq!(big_integer(&long), BigInt::from_str(&long).unwrap());
        assert_eq!(
            big_integer(&format!("-{long}")),
            -BigInt::from_str(&long).unwrap()
        );
        for text in ["1.5", "-0.25e3", "12e-2", "1E999999999", "+3.000"] {
            let ours = big_decimal(text).unwrap();
            assert_eq!(
                ours,
                BigDecimal::from_str(text.trim_start_matches('+')).unwrap(),
                "{text}"
            );
        }
    }

    /// The time `f` takes, at best of `runs`.
    fn fastest(runs: usize, f: impl Fn()) -> std::time::Duration {
        (0..runs)
            .map(|_| {
                let start = std::time::Instant::now();
                f();
                start.elapsed()
            })
            .min()
            .unwrap()
    }

    /// Found by trying: a literal of a million digits took over a second to read
    /// (digit-by-digit conversion is quadratic). At a million digits the split
    /// conversion must be far ahead of the digit-by-digit one (fifteen times in a
    /// release build; the margin asked for leaves room for a loaded machine).
    #[test]
    fn big_integers_read_in_near_linear_time() {
        let long = format!("1{}", "7".repeat(1_000_000));
        let split = fastest(3, || assert!(big_integer(&long) > BigInt::from(0)));
        let direct = fastest(1, || assert!(BigInt::from_str(&long).unwrap() > BigInt::from(0)));
        assert!(split * 3 < direct, "split {split:?}, digit by digit {direct:?}");
    }

    #[test]
    fn names_follow_edn_rules() {
        for ok in [
            "a",
            "/",
            "a/b",
            "a.b.c/d-e",
            "some:sort:of:symbol",
            "some#sort",
            ".another",
            "foo'",
        ] {
            assert_eq!(check_name(ok, false), Ok(()), "{ok}");
        }
        assert_eq!(check_name("#/:a", true), Ok(()));
        assert_eq!(check_name("8080", true), Ok(()));
        assert_eq!(check_name("a/b/c", false), Err(NameProblem::TooManySlashes));
        assert_eq!(check_name("/foo", false), Err(NameProblem::EmptyNamespace));
        assert_eq!(check_name("foo/", false), Err(NameProblem::EmptyName));
        assert_eq!(check_name(".5x", false), Err(NameProblem::StartsLikeNumber));
        assert_eq!(check_name("_:", false), Err(NameProblem::BadColon));
        assert_eq!(check_name(":a", true), Err(NameProblem::AutoResolved));
        assert_eq!(check_name("a^", false), Err(NameProblem::BadChar('^')));
        assert_eq!(check_name("#Y", false), Err(NameProblem::BadChar('#')));
        assert_eq!(check_name("'a", false), Err(NameProblem::BadChar('\'')));
        assert_eq!(
            check_name("na\u{202e}me", true),
            Err(NameProblem::BadChar('\u{202e}'))
        );
        assert_eq!(
            check_name("x\u{2066}", false),
            Err(NameProblem::BadChar('\u{2066}'))
        );
        assert_eq!(
            check_name("port\u{200e}", false),
            Err(NameProblem::BadChar('\u{200e}'))
        );
        assert_eq!(check_name("a\u{61c}", true), Err(NameProblem::BadChar('\u{61c}')));
    }

    #[test]
    fn characters() {
        assert_eq!(character("a"), Ok('a'));
        assert_eq!(character("newline"), Ok('\n'));
        assert_eq!(character("u00e9"), Ok('é'));
        assert_eq!(character("o101"), Ok('A'));
        assert_eq!(character("itstoolong"), Err(ReadErrorKind::BadCharacter));
        assert_eq!(character("o400"), Err(ReadErrorKind::BadCharacter));
    }

    #[test]
    fn string_escapes() {
        let (rest, s) = string_body(r#"a\tb\u00e9\uD83D\uDE00\"" tail"#).ok().unwrap();
        assert_eq!(rest, " tail");
        let StrValue::Owned(s) = s else { panic!() };
        assert_eq!(s, "a\tb\u{e9}\u{1F600}\"");
        assert!(matches!(
            string_body(r#"a\qb""#),
            Err((ReadErrorKind::BadEscape, 1, 3))
        ));
        assert!(matches!(
            string_body(r#"\uD800x""#),
            Err((ReadErrorKind::BadEscape, 0, 6))
        ));
        assert!(matches!(
            string_body("abc"),
            Err((ReadErrorKind::UnterminatedString, _, _))
        ));
    }
}
