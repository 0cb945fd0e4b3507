//! Files written for the original pm2-clj (`*.pm2.clj`): pm2-clj evaluates them as they
//! are (`(ns ...)` is accepted and ignored, `pm2-clj.dsl/compose` and `pm2-clj.dsl/app`
//! are built in), so the conversion is the file's own text with its top-level `(ns ...)`
//! forms dropped, under a header. Comments, layout and every other form stay as written.

use std::path::Path;

use pm2_dsl_reader::{FormKind, Source, read_all};

use crate::error::{ConvertError, ConvertErrorKind};
use crate::{Conversion, Stats};

/// The byte ranges of the top-level `(ns ...)` forms of `text`, each with the line end
/// that follows it.
fn ns_forms(name: &str, text: &str) -> Result<Vec<(usize, usize)>, ConvertError> {
    let forms = read_all(&Source::standalone(name.to_string(), text.to_string())).map_err(|e| {
        e.map_kind(|kind| ConvertErrorKind::EdnSyntax {
            file: name.to_string(),
            message: kind.to_string(),
        })
    })?;
    Ok(forms
        .iter()
        .filter(|f| match &f.kind {
            FormKind::List(items) => {
                matches!(items.first().map(|i| &i.kind), Some(FormKind::Symbol(s)) if s.as_str() == "ns")
            }
            _ => false,
        })
        .map(|f| {
            let end = f.span.end as usize;
            let rest = &text[end..];
            let blank = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let end = end + blank + usize::from(rest[blank..].starts_with('\n'));
            (f.span.start as usize, end)
        })
        .collect())
}

/// Converts a `.pm2.clj` file (`path`, whose text is `text`); `shown` names it in the
/// header.
pub fn convert(path: &Path, text: &str, shown: &str) -> Result<Conversion, ConvertError> {
    let name = path.display().to_string();
    let dropped = ns_forms(&name, text)?;
    let mut body = String::new();
    let mut at = 0;
    for (start, end) in &dropped {
        body.push_str(&text[at..*start]);
        at = *end;
    }
    body.push_str(&text[at..]);
    // The blank lines the dropped forms leave at the top go with them.
    let body = body.trim_start_matches('\n');
    let mut header = format!(";; Converted by pm2-clj from {shown}");
    header.push_str(if dropped.is_empty() {
        ".\n\n"
    } else {
        ": its (ns ...) form dropped (pm2-clj ignored it); the rest is as written.\n\n"
    });
    let comments = text.lines().filter(|l| l.trim_start().starts_with(';')).count();
    let kept = body.lines().filter(|l| l.trim_start().starts_with(';')).count();
    Ok(Conversion {
        text: format!("{header}{body}"),
        stats: Stats {
            comments: (comments, kept.min(comments)),
            ..Stats::default()
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ns_form_goes_and_the_rest_stays_as_written() {
        let text = ";; The stack.\n(ns stack.ecosystem\n  (:require [pm2-clj.dsl :as dsl]))\n\n(pm2-clj.dsl/compose\n ;; api\n (pm2-clj.dsl/app \"api\" {:script \"a.js\"}))\n";
        let c = super::convert(std::path::Path::new("stack.pm2.clj"), text, "stack.pm2.clj").unwrap();
        assert_eq!(
            c.text,
            ";; Converted by pm2-clj from stack.pm2.clj: its (ns ...) form dropped (pm2-clj ignored it); the rest is as written.\n\n;; The stack.\n\n(pm2-clj.dsl/compose\n ;; api\n (pm2-clj.dsl/app \"api\" {:script \"a.js\"}))\n"
        );
        assert_eq!(c.stats.comments, (2, 2));
    }
}
