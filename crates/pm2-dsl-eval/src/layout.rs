//! `pm2-clj fmt`'s layout for this language: the reader's formatter, with lists indented
//! as the special forms table says (a body form's body two spaces in).

use std::sync::Arc;

use pm2_dsl_reader::{ListIndent, ReadError, Source, format_source};

use crate::options::Limits;
use crate::special;

/// How `fmt` indents a list whose head is `head`.
pub fn list_indent(head: &str) -> ListIndent {
    special::lookup(head).map_or(ListIndent::Call, |s| s.indent)
}

/// The text of `source` in the canonical layout; only blank text and commas change. It
/// is read within the default [`Limits`]' memory.
pub fn format(source: &Arc<Source>) -> Result<String, Vec<ReadError>> {
    format_source(source, Limits::default().read_options(), &list_indent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_forms_indent_two_spaces() {
        let source = Source::standalone("t", "(let [a 1]\nb)\n(merge a\nb)");
        assert_eq!(
            format(&source).unwrap(),
            "(let [a 1]\n  b)\n(merge a\n       b)\n"
        );
    }
}
