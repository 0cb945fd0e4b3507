//! The values written literally under `#secret` (`#secret "hunter2"`, and every string,
//! number and name inside `#secret {...}`), starred out of the text diagnostics show:
//! every read of a source marks them ([`Source::redact`]), so no snippet prints them.

use crate::form::{Form, FormKind};
use crate::source::{Source, Span};

/// Stars out of `source`'s shown text the literals under `#secret` in `forms` (when the
/// text read), or, when it did not read, those written right after `#secret` as strings.
pub(crate) fn redact(source: &Source, forms: Option<&[Form]>) {
    let ranges: Vec<(usize, usize)> = match forms {
        Some(forms) => forms
            .iter()
            .flat_map(secret_literal_spans)
            .map(|s| (s.start as usize, s.end as usize))
            .collect(),
        None => secret_literal_text_ranges(source.text()),
    };
    source.redact(&ranges);
}

/// The spans of the values written literally under `#secret` in `form` (the strings,
/// numbers and names inside it, not the `#secret` tag): what a snippet of the source must
/// never show.
fn secret_literal_spans(form: &Form) -> Vec<Span> {
    fn leaves(form: &Form, out: &mut Vec<Span>) {
        match &form.kind {
            FormKind::List(items) | FormKind::Vector(items) | FormKind::Set(items) => {
                items.iter().for_each(|f| leaves(f, out))
            }
            FormKind::Map(entries) => entries.iter().for_each(|(_, v)| leaves(v, out)),
            FormKind::Tagged(t) => leaves(&t.form, out),
            FormKind::Str(_) => out.push(Span::new(
                form.span.source,
                form.span.start as usize + 1,
                (form.span.end as usize)
                    .saturating_sub(1)
                    .max(form.span.start as usize + 1),
            )),
            _ => out.push(form.span),
        }
    }
    let mut out = Vec::new();
    let mut walk = |f: &Form| {
        if let FormKind::Tagged(t) = &f.kind
            && t.tag.as_str() == "secret"
        {
            leaves(&t.form, &mut out);
            return false;
        }
        true
    };
    visit(form, &mut walk);
    out
}

/// Calls `f` on `form` and, while it says so, on the forms inside it.
fn visit(form: &Form, f: &mut dyn FnMut(&Form) -> bool) {
    if !f(form) {
        return;
    }
    match &form.kind {
        FormKind::List(items) | FormKind::Vector(items) | FormKind::Set(items) => {
            items.iter().for_each(|i| visit(i, f))
        }
        FormKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            visit(k, f);
            visit(v, f);
        }),
        FormKind::Tagged(t) => visit(&t.form, f),
        _ => {}
    }
}

/// The byte ranges of the string literals written right after `#secret` in a text that
/// does not read (so has no forms): the inside of each `#secret "..."`.
fn secret_literal_text_ranges(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("#secret") {
        let mut i = from + at + "#secret".len();
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
            i += 1;
        }
        if bytes.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            out.push((start, j.min(bytes.len())));
            i = j;
        }
        from = i.max(from + at + 1);
    }
    out
}
