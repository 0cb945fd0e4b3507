//! The names Kubernetes takes: DNS-1123 labels and subdomains, DNS-1035 labels (a
//! `Service`), label values, environment variable and data key names, each with the
//! nearest name it would take (`Billing_API` → `billing-api`) to suggest, never to use.

/// Which rule a name must follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// RFC 1123 label: at most 63 lowercase letters, digits and `-`, a letter or digit
    /// at each end (container names, most objects' names).
    Dns1123Label,
    /// RFC 1123 subdomain: such labels joined by `.`, at most 253 characters (a
    /// `Secret`'s or `ConfigMap`'s name).
    Dns1123Subdomain,
    /// RFC 1035 label: a DNS-1123 label that starts with a letter (a `Service`).
    Dns1035Label,
    /// A label's value: at most 63 letters, digits, `-`, `_` and `.`, a letter or digit
    /// at each end, or empty.
    LabelValue,
    /// An environment variable's name: a letter, `_`, `-` or `.`, then those and
    /// digits (the rule of every version from 1.33).
    EnvVar,
    /// A key of a `Secret`'s or `ConfigMap`'s data: letters, digits, `-`, `_` and `.`,
    /// at most 253.
    DataKey,
}

impl Rule {
    /// What the rule asks, in words.
    pub fn says(self) -> &'static str {
        match self {
            Rule::Dns1123Label => {
                "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit"
            }
            Rule::Dns1123Subdomain => {
                "a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
            }
            Rule::Dns1035Label => {
                "a DNS-1035 label (a Service's name): at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"
            }
            Rule::LabelValue => {
                "a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
            }
            Rule::EnvVar => {
                "an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit"
            }
            Rule::DataKey => "a data key: at most 253 letters, digits, '-', '_' and '.'",
        }
    }

    /// Whether `name` follows the rule.
    pub fn allows(self, name: &str) -> bool {
        let alnum_lower = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        // A subdomain's parts have no length of their own (Kubernetes's
        // IsDNS1123Subdomain checks only the whole); a label is one of at most 63.
        let part = |s: &str| {
            !s.is_empty()
                && s.chars().all(|c| alnum_lower(c) || c == '-')
                && s.starts_with(alnum_lower)
                && s.ends_with(alnum_lower)
        };
        let label = |s: &str| s.len() <= 63 && part(s);
        match self {
            Rule::Dns1123Label => label(name),
            Rule::Dns1123Subdomain => name.len() <= 253 && name.split('.').all(part),
            Rule::Dns1035Label => label(name) && name.starts_with(|c: char| c.is_ascii_lowercase()),
            Rule::LabelValue => {
                let alnum = |c: char| c.is_ascii_alphanumeric();
                name.is_empty()
                    || (name.len() <= 63
                        && name.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
                        && name.starts_with(alnum)
                        && name.ends_with(alnum))
            }
            Rule::EnvVar => {
                let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
                !name.is_empty() && name.chars().all(ok) && !name.starts_with(|c: char| c.is_ascii_digit())
            }
            Rule::DataKey => {
                !name.is_empty()
                    && name.len() <= 253
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            }
        }
    }
}

/// The DNS-1123 label nearest to `name`, to suggest: lowercase, every run of other
/// characters one `-`, no `-` at either end, at most `max` characters; `None` when
/// nothing is left, or when it would be `name` itself.
pub fn suggest_label(name: &str, max: usize) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.truncate(max);
    let out = out.trim_end_matches('-').to_string();
    (!out.is_empty() && out != name).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_api_servers_rules() {
        assert!(Rule::Dns1123Label.allows("billing-api"));
        assert!(Rule::Dns1123Label.allows("0api"));
        assert!(!Rule::Dns1123Label.allows("Billing_API"));
        assert!(!Rule::Dns1123Label.allows("api-"));
        assert!(!Rule::Dns1123Label.allows(&"a".repeat(64)));
        assert!(Rule::Dns1123Label.allows(&"a".repeat(63)));
        assert!(!Rule::Dns1035Label.allows("0api"));
        assert!(Rule::Dns1123Subdomain.allows("api.env"));
        assert!(!Rule::Dns1123Subdomain.allows("api..env"));
        assert!(
            Rule::Dns1123Subdomain.allows(&"a".repeat(253)),
            "no part length of its own"
        );
        assert!(!Rule::Dns1123Subdomain.allows(&"a".repeat(254)));
        assert!(!Rule::Dns1123Label.allows(&"a".repeat(64)));
        assert!(Rule::LabelValue.allows("Shop_1.x"));
        assert!(!Rule::LabelValue.allows("a b"));
        assert!(Rule::EnvVar.allows("NODE_ENV"));
        assert!(Rule::EnvVar.allows("a.b-c"));
        assert!(!Rule::EnvVar.allows("1X"));
        assert!(!Rule::EnvVar.allows("A=B"));
        assert!(!Rule::EnvVar.allows(""));
    }

    #[test]
    fn a_bad_name_gets_the_nearest_good_one() {
        assert_eq!(suggest_label("Billing_API", 63).as_deref(), Some("billing-api"));
        assert_eq!(suggest_label("api.v2", 63).as_deref(), Some("api-v2"));
        assert_eq!(suggest_label("__x__", 63).as_deref(), Some("x"));
        assert_eq!(suggest_label("ok", 63), None);
        assert_eq!(suggest_label("日本", 63), None);
        let long = suggest_label(&"A".repeat(100), 63).unwrap();
        assert_eq!(long.len(), 63);
        assert!(Rule::Dns1123Label.allows(&long));
    }
}
