//! pm2-clj's keys for the export targets (`:image`, `:ports`, `:export`): typed on the
//! app, what is refused (each with its code and a label on the text), a did-you-mean for
//! misspellings, profiles and `--set` override them, and PM2 never sees them.

mod common;

use pm2_dsl_emit::targets::{Port, Protocol};
use pm2_dsl_emit::{AppSpec, Header, OutputFormat, render};

fn app(keys: &str) -> AppSpec {
    let text = format!("{{:apps [{{:name \"api\" :script \"a.js\" {keys}}}]}}");
    common::built(&text).ecosystem.apps[0].clone()
}

fn codes(keys: &str) -> Vec<&'static str> {
    common::codes(
        &format!("{{:apps [{{:name \"api\" :script \"a.js\" {keys}}}]}}"),
        None,
    )
}

fn port(container: u16, published: Option<u16>, protocol: Protocol) -> (u16, Option<u16>, Protocol) {
    (container, published, protocol)
}

fn shape(ports: &[Port]) -> Vec<(u16, Option<u16>, Protocol)> {
    ports
        .iter()
        .map(|p| (p.container, p.published, p.protocol))
        .collect()
}

#[test]
fn the_keys_are_typed_on_the_app() {
    let a = app(r#":image "registry.example.com/shop/api:1.4" :port 3000
           :ports [9229 {:container 53 :published 5353 :protocol :udp} {"container" 8080 "published" 80}]
           :export {:compose {:labels {"team" "shop"}} :k8s {:kind :job}}"#);
    assert_eq!(
        a.image.as_ref().unwrap().value,
        "registry.example.com/shop/api:1.4"
    );
    assert_eq!(
        shape(&a.listens_on()),
        [
            port(9229, None, Protocol::Tcp),
            port(53, Some(5353), Protocol::Udp),
            port(8080, Some(80), Protocol::Tcp),
            port(3000, None, Protocol::Tcp),
        ]
    );
    assert!(a.escape("compose").unwrap().as_map().is_some());
    assert!(a.escape("kubernetes").unwrap().as_map().is_some());
    assert!(a.escape("systemd").is_none());
    // :port listed in :ports is one port.
    let a = app(":port 3000 :ports [{:container 3000 :published 8080}]");
    assert_eq!(shape(&a.listens_on()), [port(3000, Some(8080), Protocol::Tcp)]);
    // Nothing set: nothing.
    let a = app("");
    assert!(a.image.is_none() && a.listens_on().is_empty() && a.export.is_none());
}

#[test]
fn bad_values_are_labelled_errors() {
    let cases = [
        (":image 42", "emit::wrong-type"),
        (r#":image """#, "emit::bad-format"),
        (r#":image "node 22""#, "emit::bad-format"),
        (":ports [0]", "emit::bad-format"),
        (":ports [70000]", "emit::bad-format"),
        (r#":ports ["3000"]"#, "emit::wrong-type"),
        (r#":ports "3000""#, "emit::wrong-type"),
        (":ports [{:published 80}]", "emit::bad-format"),
        (":ports [{:container 80 :host 80}]", "emit::unknown-export-key"),
        (":ports [{:container 80 :protocol :sctp}]", "emit::bad-format"),
        (":ports [80 {:container 80 :published 8080}]", "emit::bad-format"),
        (":export {:docker {}}", "emit::unknown-export-key"),
        (":export {:compose []}", "emit::wrong-type"),
        (":export {:k8s {} :kubernetes {}}", "emit::bad-format"),
        (":export [:compose]", "emit::wrong-type"),
        (":export {:compose {:x ##Inf}}", "emit::wrong-type"),
    ];
    for (keys, code) in cases {
        assert_eq!(codes(keys), [code], "{keys}");
    }
    // Two protocols on one port number are two ports.
    assert!(codes(":ports [53 {:container 53 :protocol :udp}]").is_empty());

    let text = "{:apps [{:name \"api\" :script \"a.js\"\n :export {:compse {}}}]}";
    let errors = common::build_with(text, None, false).unwrap_err();
    let e = &errors[0];
    assert_eq!(e.to_string(), ":compse is not a :export key");
    assert_eq!(
        miette::Diagnostic::help(e).unwrap().to_string(),
        "did you mean :compose?"
    );
    let span = e.span().unwrap();
    assert_eq!(&text[span.start as usize..span.end as usize], ":compse");

    let text = "{:apps [{:name \"api\" :script \"a.js\"\n :ports [3000 {:container 99999}]}]}";
    let e = &common::build_with(text, None, false).unwrap_err()[0];
    let span = e.span().unwrap();
    assert_eq!(&text[span.start as usize..span.end as usize], "99999");
}

#[test]
fn misspelt_keys_get_a_suggestion() {
    let text = "{:apps [{:name \"a\" :script \"a.js\" :imgae \"node\"}]}";
    let e = &common::build_with(text, None, false).unwrap_err()[0];
    assert_eq!(e.code(), "emit::unknown-key");
    assert_eq!(
        miette::Diagnostic::help(e).unwrap().to_string(),
        "did you mean :image?"
    );
    let text = "{:apps [{:name \"a\" :script \"a.js\" :exprot {}}]}";
    let e = &common::build_with(text, None, false).unwrap_err()[0];
    assert_eq!(
        miette::Diagnostic::help(e).unwrap().to_string(),
        "did you mean :export?"
    );
}

#[test]
fn profiles_and_overrides_change_them() {
    let text = r#"{:apps [{:name "api" :script "a.js" :image "api:dev" :ports [3000]
                   :export {:compose {:labels {"a" "1"}}}}]
       :profiles {:prod {:apps [{:name "api" :image "api:1.0"
                                 :export {:compose {:labels {"b" "2"}}}}]}}}"#;
    let built = common::build_with(text, Some("prod"), false).unwrap();
    let a = &built.ecosystem.apps[0];
    assert_eq!(a.image.as_ref().unwrap().value, "api:1.0");
    let labels = a
        .escape("compose")
        .unwrap()
        .as_map()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    assert_eq!(labels.as_map().unwrap().len(), 2, "deep-merged: {labels:?}");
    let built =
        common::build_overridden(text, None, false, &["apps.api.image=api:2.0", "apps.api.ports"]).unwrap();
    let a = &built.ecosystem.apps[0];
    assert_eq!(a.image.as_ref().unwrap().value, "api:2.0");
    assert!(a.ports.is_none());
}

#[test]
fn pm2_never_sees_them() {
    let keys = r#":image "zz-image:1" :ports [{:container 4321 :published 8765}] :export {:compose {:labels {"zz-label" "x"}}}"#;
    let with = common::built(&format!("{{:apps [{{:name \"api\" :script \"a.js\" {keys}}}]}}"));
    let without = common::built("{:apps [{:name \"api\" :script \"a.js\"}]}");
    let header = Header {
        source: "a.pm2.edn".into(),
        profile: None,
    };
    for format in [OutputFormat::Json, OutputFormat::Cjs, OutputFormat::Mjs] {
        let text = render(&with.ecosystem, format, &header);
        assert_eq!(text, render(&without.ecosystem, format, &header));
    }
}
