//! Requests that edit the text: code actions that apply a diagnostic's did-you-mean,
//! and document formatting with `fmt`'s layout.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, Uri, WorkspaceEdit};

use crate::analysis::Analysis;
use crate::documents::{position, uri_of};

/// The quick fixes for the diagnostics shown in `uri` that touch `range`, from the
/// analyses of every open document (an error in an imported file is fixed there).
pub fn code_actions(analyses: &[&Analysis], uri: &Uri, range: Range) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let placed = analyses.iter().flat_map(|a| a.diagnostics.iter());
    for (placed, fix) in placed.filter_map(|p| Some((p, p.fix.as_ref()?))) {
        if uri_of(&placed.path).as_ref() != Some(uri)
            || !overlaps(placed.diagnostic.range, range)
            || seen.contains(&fix)
        {
            continue;
        }
        seen.push(fix);
        let title = format!("Replace with `{}`", fix.text);
        let edit = WorkspaceEdit {
            changes: Some(HashMap::from([(
                uri.clone(),
                vec![TextEdit::new(fix.range, fix.text.clone())],
            )])),
            ..WorkspaceEdit::default()
        };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![placed.diagnostic.clone()]),
            edit: Some(edit),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    out
}

fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The edits that put the document in `fmt`'s layout: none when it already is, one
/// replacing the whole text otherwise. A text that does not read cannot be formatted.
pub fn format(analysis: &Analysis) -> Result<Vec<TextEdit>, String> {
    let formatted =
        pm2_dsl_eval::format(&analysis.source).map_err(|e| format!("the file does not read: {}", e[0]))?;
    if formatted == analysis.source.text() {
        return Ok(Vec::new());
    }
    let end = position(&analysis.source, analysis.source.text().len());
    Ok(vec![TextEdit::new(
        Range::new(Default::default(), end),
        formatted,
    )])
}
