//! JSON data (such as what PM2 loads from an ecosystem file) as EDN forms, object keys
//! as keywords where they read back as keywords. Translating whole config files into
//! pm2-clj source is `pm2-clj-convert`'s job.

use pm2_dsl_reader::{Form, FormKind, Number, Source, Span, Symbol, read_all};
use serde_json::Value as Json;

fn form(kind: FormKind) -> Form {
    Form::new(kind, Span::default())
}

fn keyword(name: &str) -> Form {
    form(FormKind::Keyword(Symbol::new(name)))
}

/// Whether `:text` reads back as the keyword `text`.
pub fn is_keyword_name(text: &str) -> bool {
    !text.is_empty()
        && read_all(&Source::standalone("key", format!(":{text}")))
            .ok()
            .filter(|forms| forms.len() == 1)
            .and_then(|forms| forms[0].as_keyword().map(|k| k.as_str() == text))
            .unwrap_or(false)
}

/// A map key: a keyword when the text is a valid keyword name, else a string.
fn name_key(text: &str) -> Form {
    if is_keyword_name(text) {
        keyword(text)
    } else {
        form(FormKind::Str(text.into()))
    }
}

/// A JSON value as data; object keys become keywords where they can.
pub fn json_data(json: &Json) -> Form {
    form(match json {
        Json::Null => FormKind::Nil,
        Json::Bool(b) => FormKind::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => FormKind::Number(Number::Int(i)),
            None => FormKind::Number(Number::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Json::String(s) => FormKind::Str(s.as_str().into()),
        Json::Array(items) => FormKind::Vector(items.iter().map(json_data).collect()),
        Json::Object(entries) => {
            FormKind::Map(entries.iter().map(|(k, v)| (name_key(k), json_data(v))).collect())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keys_become_keywords_where_they_can() {
        let json: Json = serde_json::from_str(r#"{"NODE_ENV": "x", "my var": [1, 2.5, null]}"#).unwrap();
        assert_eq!(
            pm2_dsl_reader::to_compact(&json_data(&json)),
            "{:NODE_ENV \"x\" \"my var\" [1 2.5 nil]}"
        );
    }
}
