//! The option table is PM2's `lib/API/schema.json` written as Rust; this compares it with
//! the file of the pm2 the tests install, so a change in PM2 is caught.

use pm2_dsl_emit::schema::{ENV_PATTERN, Format, OPTIONS};
use serde_json::Value;

#[test]
fn option_table_matches_the_installed_pm2_schema() {
    let path = pm2_clj_testkit::pm2_package_dir().join("lib/API/schema.json");
    let schema: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let fixed: std::collections::BTreeSet<&str> = schema
        .keys()
        .map(String::as_str)
        .filter(|k| !k.starts_with('^'))
        .collect();
    let ours: std::collections::BTreeSet<&str> = OPTIONS.iter().map(|o| o.name).collect();
    assert_eq!(fixed, ours, "option names");
    assert!(schema.contains_key(ENV_PATTERN));
    assert_eq!(schema.len(), OPTIONS.len() + 1);
    for option in OPTIONS {
        let entry = &schema[option.name];
        let types: Vec<&str> = match &entry["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            other => panic!("{}: type {other}", option.name),
        };
        let our_types: Vec<&str> = option.types.iter().map(|t| t.name()).collect();
        assert_eq!(types, our_types, "{} types", option.name);
        let aliases: Vec<&str> = match &entry["alias"] {
            Value::String(a) => vec![a.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        assert_eq!(aliases, option.aliases, "{} aliases", option.name);
        assert_eq!(
            entry["regex"].as_str(),
            option.format.map(Format::regex),
            "{} format",
            option.name
        );
        assert_eq!(entry["min"].as_i64(), option.min, "{} min", option.name);
        assert_eq!(
            entry["require"].as_bool().unwrap_or(false),
            option.required,
            "{} require",
            option.name
        );
        let description = entry["docDescription"].as_str().map(|d| d.replace("&#124;", "|"));
        assert_eq!(
            description.as_deref(),
            option.pm2_doc,
            "{} docDescription",
            option.name
        );
        let default = match &entry["docDefault"] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        assert_eq!(
            default.as_deref(),
            option.pm2_default,
            "{} docDefault",
            option.name
        );
    }
}
