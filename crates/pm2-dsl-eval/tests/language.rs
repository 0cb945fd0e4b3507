//! The language, form by form: special forms, built-in functions, reader tags, imports,
//! references and limits, each checked against the value it must produce.

use pm2_dsl_eval::{Env, EvalError, EvalOptions, Evaluator, Limits, MemoryLoader, Value};
use pm2_dsl_reader::{Source, read_all};

fn data(text: &str) -> Value {
    Value::from_form(&read_all(&Source::standalone("expected", text.to_string())).unwrap()[0])
}

fn run_with(options: EvalOptions, loader: MemoryLoader, text: &str) -> Result<Value, EvalError> {
    Evaluator::new(options, loader).eval_str("main.pm2.edn", text)
}

fn run(text: &str) -> Result<Value, EvalError> {
    run_with(EvalOptions::new(), MemoryLoader::new(), text)
}

#[track_caller]
fn check(text: &str, expected: &str) {
    let value = run(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    assert_eq!(value, data(expected), "{text} gave {value}");
}

#[track_caller]
fn check_with(options: EvalOptions, text: &str, expected: &str) {
    let value = run_with(options, MemoryLoader::new(), text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    assert_eq!(value, data(expected), "{text} gave {value}");
}

#[track_caller]
fn fails(text: &str, code: &str) -> EvalError {
    let err = run(text).expect_err(text);
    assert_eq!(err.code(), code, "{text}: {err:?}");
    err
}

fn env(pairs: &[(&str, &str)]) -> EvalOptions {
    EvalOptions::new().env(pairs.iter().copied().collect::<Env>())
}

#[test]
fn a_plain_map_file_is_its_own_value() {
    check(
        "{:apps [{:name \"api\" :script \"a.js\"}]}",
        "{:apps [{:name \"api\" :script \"a.js\"}]}",
    );
    check("", "nil");
    check("(def x 1)", "nil");
}

#[test]
fn the_value_is_the_last_form_that_is_not_a_definition() {
    check("(def a 1) {:a a} (def b 2)", "{:a 1}");
    check("1 2 3", "3");
}

#[test]
fn def_and_defn() {
    check("(def port 8080) (def doc \"the port\" 9) [port doc]", "[8080 9]");
    check("(defn app \"docs\" [n] {:name n}) (app \"x\")", "{:name \"x\"}");
    check(
        "(defn f ([] 0) ([a] a) ([a & more] (count more))) [(f) (f 1) (f 1 2 3)]",
        "[0 1 2]",
    );
    check(
        "(defn fact [n] (if (<= n 1) 1 (* n (fact (dec n))))) (fact 10)",
        "3628800",
    );
    fails("(let [x 1] (def y 2))", "eval::syntax");
    fails("(defn f [a] a) (f)", "eval::arity");
}

#[test]
fn fn_and_closures() {
    check("((fn [a b] (+ a b)) 1 2)", "3");
    check("(let [n 10 add (fn [x] (+ x n))] (add 5))", "15");
    check("((fn fact [n] (if (= n 0) 1 (* n (fact (dec n))))) 5)", "120");
    check("((fn [& xs] xs))", "nil");
    check("((fn [a & xs] [a xs]) 1 2 3)", "[1 (2 3)]");
}

#[test]
fn let_with_destructuring() {
    check("(let [a 1 b (inc a)] [a b])", "[1 2]");
    check(
        "(let [[a b & more :as all] [1 2 3 4]] [a b more all])",
        "[1 2 (3 4) [1 2 3 4]]",
    );
    check(
        "(let [{:keys [name port] :or {port 80}} {:name \"api\"}] [name port])",
        "[\"api\" 80]",
    );
    check("(let [{n :name :as m} {:name \"x\"}] [n (count m)])", "[\"x\" 1]");
    check("(let [{:strs [a]} {\"a\" 1}] a)", "1");
    check("(let [[x y] nil] [x y])", "[nil nil]");
    fails("(let [a] a)", "eval::syntax");
    fails("(let [1 2] 3)", "eval::syntax");
}

#[test]
fn conditionals() {
    check("(if true 1 2)", "1");
    check("(if nil 1 2)", "2");
    check("(if false 1)", "nil");
    check("(when true 1 2)", "2");
    check("(when false 1)", "nil");
    check("(when-not false 3)", "3");
    check("(cond false 1 nil 2 :else 3)", "3");
    check("(cond false 1)", "nil");
    check("(case :b :a 1 (:b :c) 2 3)", "2");
    check("(case 9 :a 1 0)", "0");
    check("(case \"x\" \"x\" 1)", "1");
    fails("(case 9 :a 1)", "eval::no-matching-clause");
    fails("(cond true)", "eval::syntax");
}

#[test]
fn do_quote_and_or() {
    check("(do 1 2 3)", "3");
    check("(quote (a b))", "(a b)");
    check("'{:a b}", "{:a b}");
    check("(and 1 2)", "2");
    check("(and 1 nil 2)", "nil");
    check("(and)", "true");
    check("(or nil false 3)", "3");
    check("(or nil false)", "false");
    check("(or)", "nil");
    check("(comment anything at all)", "nil");
}

#[test]
fn threading_macros() {
    check("(-> {:a 1} (assoc :b 2) (dissoc :a))", "{:b 2}");
    check("(->> [1 2 3] (map inc) (filter (fn [x] (> x 2))))", "[3 4]");
    check("(-> 5 inc (- 1))", "5");
}

#[test]
fn for_comprehensions() {
    check("(for [x [1 2 3]] (* x 10))", "[10 20 30]");
    check("(for [x [1 2] y [:a :b]] [x y])", "[[1 :a] [1 :b] [2 :a] [2 :b]]");
    check("(for [x (range 6) :when (even? x)] x)", "[0 2 4]");
    check("(for [x [1 2] :let [y (* x x)]] y)", "[1 4]");
    check("(for [[k v] {:a 1 :b 2}] [v k])", "[[1 :a] [2 :b]]");
}

#[test]
fn map_functions() {
    check("(merge {:a 1 :b 1} {:b 2} nil {:c 3})", "{:a 1 :b 2 :c 3}");
    check("(merge)", "nil");
    check("(assoc {:a 1} :b 2 :c 3)", "{:a 1 :b 2 :c 3}");
    check("(assoc nil :a 1)", "{:a 1}");
    check("(assoc [1 2] 1 :x 2 :y)", "[1 :x :y]");
    check("(assoc-in {:a {:b 1}} [:a :c] 2)", "{:a {:b 1 :c 2}}");
    check("(assoc-in {} [:apps 0] 1)", "{:apps {0 1}}");
    check("(dissoc {:a 1 :b 2 :c 3} :a :c)", "{:b 2}");
    check("(update {:n 1} :n inc)", "{:n 2}");
    check("(update {:n 1} :n + 10 100)", "{:n 111}");
    check("(update-in {:a {:n 1}} [:a :n] inc)", "{:a {:n 2}}");
    check("(get {:a 1} :a)", "1");
    check("(get {:a 1} :b :none)", ":none");
    check("(get [1 2] 1)", "2");
    check("(get-in {:a {:b [0 {:c 3}]}} [:a :b 1 :c])", "3");
    check("(get-in {:a 1} [:x :y] :d)", ":d");
    check("(select-keys {:a 1 :b 2 :c 3} [:c :a :z])", "{:c 3 :a 1}");
    check("(keys {:a 1 :b 2})", "[:a :b]");
    check("(vals {:a 1 :b 2})", "[1 2]");
    check(
        "[(contains? {:a nil} :a) (contains? #{1} 2) (contains? [1] 0)]",
        "[true false true]",
    );
    check("(zipmap [:a :b] [1 2])", "{:a 1 :b 2}");
    check("(hash-map :a 1)", "{:a 1}");
}

#[test]
fn sequence_functions() {
    check(
        "[(count [1 2]) (count {:a 1}) (count \"héllo\") (count nil)]",
        "[2 1 5 0]",
    );
    check("[(empty? []) (empty? [1]) (empty? nil)]", "[true false true]");
    check(
        "[(first [1 2]) (second [1 2]) (last [1 2 3]) (first [])]",
        "[1 2 3 nil]",
    );
    check("(rest [1 2 3])", "[2 3]");
    check("[(nth [1 2] 1) (nth [1] 5 :d)]", "[2 :d]");
    check(
        "[(conj [1] 2 3) (conj '(1) 2) (conj #{1} 2) (conj {:a 1} [:b 2])]",
        "[[1 2 3] (2 1) #{1 2} {:a 1 :b 2}]",
    );
    check("(concat [1] '(2) nil [3])", "[1 2 3]");
    check(
        "[(into [] '(1 2)) (into {} [[:a 1]]) (into #{} [1 1])]",
        "[[1 2] {:a 1} #{1}]",
    );
    check(
        "[(vec '(1 2)) (set [1 2 1]) (vector 1 2) (list 1 2)]",
        "[[1 2] #{1 2} [1 2] (1 2)]",
    );
    check("(map inc [1 2 3])", "[2 3 4]");
    check("(map + [1 2] [10 20 30])", "[11 22]");
    check("(mapv :name [{:name \"a\"} {:name \"b\"}])", "[\"a\" \"b\"]");
    check("(filter odd? [1 2 3])", "[1 3]");
    check("(remove odd? [1 2 3])", "[2]");
    check("[(some even? [1 2]) (every? even? [2 4])]", "[true true]");
    check("(reduce + [1 2 3 4])", "10");
    check(
        "(reduce (fn [m x] (assoc m x true)) {} [:a :b])",
        "{:a true :b true}",
    );
    check("(reduce + [])", "0");
    check(
        "[(range 3) (range 1 4) (range 10 0 -4)]",
        "[[0 1 2] [1 2 3] [10 6 2]]",
    );
    check("(apply + 1 [2 3])", "6");
    check("(identity 7)", "7");
    fails("(nth [1] 5)", "eval::index");
    fails("(first 5)", "eval::type");
}

#[test]
fn string_functions() {
    check("(str \"a\" 1 :k nil \\c 1.5)", "\"a1:kc1.5\"");
    check(
        "[(keyword \"a\") (keyword \"ns\" \"b\") (keyword :c)]",
        "[:a :ns/b :c]",
    );
    check("[(name :ns/x) (name 'sym) (name \"s\")]", "[\"x\" \"sym\" \"s\"]");
    check("(format \"%s-%03d %.1f\" \"api\" 7 2.25)", "\"api-007 2.2\"");
    check(
        "[(str/join [1 2]) (str/join \",\" [\"a\" :b])]",
        "[\"12\" \"a,:b\"]",
    );
    check("(str/split \"a,b,,\" \",\")", "[\"a\" \"b\"]");
    check(
        "[(str/upper-case \"ab\") (str/lower-case \"AB\") (str/trim \" x \")]",
        "[\"AB\" \"ab\" \"x\"]",
    );
    check("(str/replace \"a-b-c\" \"-\" \"_\")", "\"a_b_c\"");
    check(
        "[(str/blank? \" \") (str/starts-with? \"abc\" \"ab\") (str/ends-with? \"abc\" \"c\") (str/includes? \"abc\" \"x\")]",
        "[true true true false]",
    );
    fails("(format \"%d\" \"x\")", "eval::format");
}

#[test]
fn arithmetic_and_comparison() {
    check(
        "[(+) (+ 1 2 3) (- 5) (- 10 1 2) (* 2 3) (* 2 1.5)]",
        "[0 6 -5 7 6 3.0]",
    );
    check(
        "[(/ 10 2) (/ 1 2) (/ 1.0 4) (mod -7 3) (inc 1) (dec 1)]",
        "[5 1/2 0.25 2 2 0]",
    );
    check("[(min 3 1 2) (max 3 1 2)]", "[1 3]");
    check(
        "[(= 1 1) (= [1] '(1)) (not= 1 2) (< 1 2 3) (< 1 3 2) (>= 3 3 1) (> 2 1.5) (<= 1 1)]",
        "[true true true true false true true true]",
    );
    fails("(+ 9223372036854775807 1)", "eval::arithmetic");
    fails("(/ 1 0)", "eval::arithmetic");
    check("[(mod 7 -3) (mod -7 -3) (/ -6 4) (/ 6 -4)]", "[-2 -1 -3/2 -3/2]");
}

/// Found by trying: each of these panicked (remainder overflow) or gave a wrong sign.
#[test]
fn integer_division_at_the_edges_of_64_bits() {
    fails("(/ -9223372036854775808 -1)", "eval::arithmetic");
    fails("(/ -9223372036854775808 -1 1)", "eval::arithmetic");
    check("(mod -9223372036854775808 -1)", "0");
    check("(mod 9223372036854775807 -9223372036854775808)", "-1");
    check("(/ 1 -9223372036854775808)", "-1/9223372036854775808");
    check("(/ -9223372036854775808 3)", "-9223372036854775808/3");
    check("(/ -9223372036854775808 -9223372036854775808)", "1");
    check(
        "(range -9223372036854775808 9223372036854775807 4611686018427387904)",
        "[-9223372036854775808 -4611686018427387904 0 4611686018427387904]",
    );
    fails("(inc \"x\")", "eval::type");
}

/// Found by trying: `(range 10N)` said "expects an integer, but got an integer".
#[test]
fn type_errors_name_the_kind_of_number() {
    let err = fails("(range 10N)", "eval::type");
    assert_eq!(
        err.to_string(),
        "`range` expects an integer, but got a big integer"
    );
    let err = fails("(inc 1.5M)", "eval::type");
    assert!(err.to_string().ends_with("but got a big decimal"), "{err}");
}

#[test]
fn predicates() {
    check(
        "[(not nil) (nil? nil) (some? 0) (string? \"\") (number? 1.5) (int? 1) (boolean? false) (keyword? :a) (map? {}) (vector? []) (fn? inc)]",
        "[true true true true true true true true true true true]",
    );
}

#[test]
fn keywords_maps_and_sets_are_functions() {
    check(
        "[(:a {:a 1}) (:b {:a 1} 2) ({:a 1} :a) (#{1 2} 2) (#{1} 3)]",
        "[1 2 1 2 nil]",
    );
    fails("(1 2)", "eval::not-callable");
}

#[test]
fn env_and_profile_functions() {
    let o = env(&[("PORT", "9000")]);
    check_with(
        o.clone(),
        "[(env \"PORT\") (env \"MISSING\") (env \"MISSING\" \"d\")]",
        "[\"9000\" nil \"d\"]",
    );
    check_with(EvalOptions::new().profile("prod"), "(profile)", ":prod");
    check("(profile)", "nil");
}

#[test]
fn env_tags() {
    check("#or [#env MISSING 8080]", "8080");
    check_with(env(&[("PORT", "9000")]), "#or [#env PORT 8080]", "\"9000\"");
    check_with(env(&[("EMPTY", "")]), "#env EMPTY", "\"\"");
    check_with(
        env(&[("H", "db"), ("P", "5432")]),
        "#envf [\"%s:%s\" H P]",
        "\"db:5432\"",
    );
    check("#envf [\"%s:%s\" H P]", "\":\"");
    check_with(
        env(&[("PORT", "1")]),
        "(let [PORT \"not this\"] #env PORT)",
        "\"1\"",
    );
    check_with(env(&[("X", "1")]), "#env \"X\"", "\"1\"");
}

#[test]
fn or_is_lazy_and_picks_the_first_truthy_value() {
    check("#or [false 0]", "0");
    check("#or []", "nil");
    check("#or [nil false]", "nil");
    check("#or [1 (/ 1 0)]", "1");
}

#[test]
fn profile_tag_chooses_one_branch_lazily() {
    let prod = EvalOptions::new().profile("prod");
    check_with(prod.clone(), "#profile {:dev 1}", "nil");
    check_with(prod.clone(), "#profile {:dev 1 :default 2}", "2");
    check_with(prod.clone(), "#profile {:dev #long \"x\" :prod 3}", "3");
    check_with(
        prod.clone(),
        "#profile {#{:test :prod} :shared :dev :own}",
        ":shared",
    );
    check("#profile {:dev 1 :default 2}", "2");
    check_with(
        EvalOptions::new().profile("dev"),
        "#profile {:dev #long \"7\"}",
        "7",
    );
}

#[test]
fn coercion_tags() {
    check(
        "[#long \"8080\" #long 3 #double \"1.5\" #double 2]",
        "[8080 3 1.5 2.0]",
    );
    check(
        "[#keyword \"foo/bar\" #keyword \":x\" #keyword 'sym]",
        "[:foo/bar :x :sym]",
    );
    check(
        "[#boolean \"True\" #boolean \"yes\" #boolean true #boolean nil]",
        "[true false true false]",
    );
    check_with(env(&[("PORT", "9000")]), "#long #or [#env PORT 8080]", "9000");
    check("#long #or [#env PORT 8080]", "8080");
    let err = fails("#long #env PORT", "eval::coercion");
    assert!(err.to_string().contains("PORT"), "{err}");
    let err = run_with(env(&[("PORT", "eighty")]), MemoryLoader::new(), "#long #env PORT").unwrap_err();
    assert!(
        err.to_string().contains("read from $PORT") && !err.to_string().contains("eighty"),
        "an environment value is named by where it was read, never shown: {err}"
    );
    fails("#long \"1.5\"", "eval::coercion");
    fails("#double \"x\"", "eval::coercion");
}

#[test]
fn join_and_merge_tags() {
    check_with(
        env(&[("HOST", "h")]),
        "#join [\"http://\" #env HOST \":\" 80]",
        "\"http://h:80\"",
    );
    check("#merge [{:a {:x 1}} {:a {:y 2}}]", "{:a {:y 2}}");
    check("#deep-merge [{:a {:x 1}} {:a {:y 2}}]", "{:a {:x 1 :y 2}}");
    fails("#merge [{:a 1} 2]", "eval::type");
}

#[test]
fn deep_merge_follows_the_merge_tree() {
    check(
        "(deep-merge {:a {:x 1} :v [1]} {:a {:y 2} :v ^:append [2]})",
        "{:a {:x 1 :y 2} :v [1 2]}",
    );
    check("(deep-merge {:v [1]} {:v [2]})", "{:v [2]}");
    check("(deep-merge {:v [1]} {:v ^:prepend [0]})", "{:v [0 1]}");
    check("(deep-merge {:a {:x 1}} {:a ^:replace {:y 2}})", "{:a {:y 2}}");
    check("(deep-merge {:a ^:displace {:x 1}} {:a {:y 2}})", "{:a {:y 2}}");
    check("(deep-merge {:a 1} {:a nil})", "{:a nil}");
    check("(deep-merge {:a 1} nil {:b 2})", "{:a 1 :b 2}");
}

#[test]
fn refs_resolve_against_the_result() {
    check("{:port 80 :url #ref [:port]}", "{:port 80 :url 80}");
    check(
        "{:apps [{:name \"a\"}] :first #ref [:apps 0 :name]}",
        "{:apps [{:name \"a\"}] :first \"a\"}",
    );
    check("{:a #ref [:b] :b #ref [:c] :c 1}", "{:a 1 :b 1 :c 1}");
    check("{:a ^:ref [:b] :b 2}", "{:a 2 :b 2}");
    fails("{:a #ref [:missing]}", "eval::dangling-ref");
    fails("{:a #ref [:b] :b #ref [:a]}", "eval::cyclic-ref");
    fails("{:a {:b #ref [:a]}}", "eval::cyclic-ref");
}

#[test]
fn a_ref_made_in_another_file_resolves_against_the_result_it_ends_in() {
    // The reference is made while lib.edn is evaluated (bound in a closure), and only
    // ends up in main's result when main calls the function.
    let loader = MemoryLoader::new().with_file("lib.edn", "(def url (let [r #ref [:port]] (fn [] r)))");
    let value = Evaluator::new(EvalOptions::new(), loader)
        .eval_str(
            "main.pm2.edn",
            "(import \"lib.edn\" :as lib) {:port 80 :url (lib/url) :deep [{:x (lib/url)}]}",
        )
        .unwrap();
    assert_eq!(value, data("{:port 80 :url 80 :deep [{:x 80}]}"));
}

#[test]
fn inst_and_uuid_stay_tagged_data() {
    check("#inst \"2024-01-01T00:00:00Z\"", "#inst \"2024-01-01T00:00:00Z\"");
    let err = fails("#evn PORT", "eval::unknown-tag");
    assert!(format!("{:?}", miette::Diagnostic::help(&err).map(|h| h.to_string())).contains("#env"));
}

#[test]
fn unbound_symbols_suggest_names_in_scope() {
    let err = fails("(def base-port 80) base-prot", "eval::unbound-symbol");
    assert!(
        matches!(err.kind(), pm2_dsl_eval::EvalErrorKind::UnboundSymbol { suggestion: Some(s), .. } if s == "base-port")
    );
    let err = fails("(deep-merg {} {})", "eval::unbound-symbol");
    assert!(
        matches!(err.kind(), pm2_dsl_eval::EvalErrorKind::UnboundSymbol { suggestion: Some(s), .. } if s == "deep-merge")
    );
}

#[test]
fn type_errors_name_the_function_and_both_types() {
    let err = fails("(assoc 5 :a 1)", "eval::type");
    let text = err.to_string();
    assert!(
        text.contains("assoc") && text.contains("map or vector") && text.contains("integer"),
        "{text}"
    );
}

#[test]
fn decimals_with_huge_exponents_hash_without_expanding() {
    // Found by the eval fuzz target: hashing this once tried to allocate 4 TB.
    check(
        "{888818144444447E4400481630444M 1}",
        "{888818144444447E4400481630444M 1}",
    );
    check(
        "(set [1E-4400481630444M 1.0M 1.00M])",
        "#{1E-4400481630444M 1.0M}",
    );
}

#[test]
fn evaluated_map_keys_must_be_distinct() {
    fails("{(keyword \"a\") 1 :a 2}", "eval::duplicate-key");
}

/// Found by trying: a set whose elements evaluate alike was reported as "duplicate key
/// in map".
#[test]
fn evaluated_set_elements_must_be_distinct() {
    let err = fails("(let [a 1] #{a 1})", "eval::duplicate-set-element");
    assert_eq!(err.to_string(), "duplicate element 1 in set");
    let labels: Vec<String> = miette::Diagnostic::labels(&err)
        .into_iter()
        .flatten()
        .map(|l| format!("{}+{} {}", l.offset(), l.len(), l.label().unwrap_or_default()))
        .collect();
    assert_eq!(
        labels,
        ["15+1 this element is already in the set", "13+1 first here"]
    );
    check("(set [1 1])", "#{1}");
}

#[test]
fn functions_in_the_result_are_errors() {
    fails("{:f (fn [] 1)}", "eval::not-data");
    fails("inc", "eval::not-data");
}

#[test]
fn runaway_recursion_is_a_limit_error() {
    fails("(defn f [] (f)) (f)", "eval::limit");
    let options = EvalOptions::new().limits(Limits {
        max_depth: 1000,
        max_steps: 10_000,
        ..Limits::default()
    });
    let err = run_with(options, MemoryLoader::new(), "(defn f [n] (+ (f n) (f n))) (f 1)");
    assert_eq!(err.unwrap_err().code(), "eval::limit");
    fails("(count (range 100000000))", "eval::limit");
}

#[test]
fn imports_and_includes() {
    let loader = MemoryLoader::new()
        .with_file(
            "conf/base.pm2.edn",
            "(import \"shared/ports.edn\" :as ports) {:port ports/http}",
        )
        .with_file("conf/shared/ports.edn", "(def http 8080) (def secret 1)")
        .with_file("conf/lib.edn", "(defn app [n] {:name n}) (def x 1)");
    let main = "(import \"lib.edn\" :as lib) (merge (import \"base.pm2.edn\") (lib/app \"api\") #include \"shared/ports.edn\")";
    let value = Evaluator::new(EvalOptions::new(), loader.clone())
        .eval_str("conf/main.pm2.edn", main)
        .unwrap();
    assert_eq!(value, data("{:port 8080 :name \"api\"}"));

    let mut evaluator = Evaluator::new(EvalOptions::new(), loader.clone());
    evaluator
        .eval_str(
            "conf/main.pm2.edn",
            "(import \"lib.edn\" :as lib) (import \"lib.edn\") [lib/x]",
        )
        .unwrap();
    let files = evaluator.loaded_files();
    assert_eq!(files.len(), 2, "each file is loaded once: {files:?}");

    let err = Evaluator::new(EvalOptions::new(), loader.clone())
        .eval_str("conf/main.pm2.edn", "(import \"base.pm2.edn\") http")
        .unwrap_err();
    assert_eq!(
        err.code(),
        "eval::unbound-symbol",
        "imports do not leak definitions"
    );

    let value = Evaluator::new(EvalOptions::new(), loader.clone())
        .eval_str(
            "conf/main.pm2.edn",
            "[(import? \"missing.edn\") #include? \"missing.edn\"]",
        )
        .unwrap();
    assert_eq!(value, data("[nil nil]"));
    let err = Evaluator::new(EvalOptions::new(), loader)
        .eval_str("conf/main.pm2.edn", "(import \"missing.edn\")")
        .unwrap_err();
    assert_eq!(err.code(), "eval::import-not-found");
}

#[test]
fn imports_see_the_same_profile_and_env() {
    let loader = MemoryLoader::new().with_file(
        "base.edn",
        "{:mode #profile {:prod :p :default :d} :port #env PORT}",
    );
    let options = EvalOptions::new()
        .profile("prod")
        .env(Env::empty().with("PORT", "1"));
    let value = Evaluator::new(options, loader)
        .eval_str("main.edn", "(import \"base.edn\")")
        .unwrap();
    assert_eq!(value, data("{:mode :p :port \"1\"}"));
}

#[test]
fn import_cycles_list_the_files() {
    let loader = MemoryLoader::new()
        .with_file("a.edn", "(import \"b.edn\")")
        .with_file("b.edn", "(import \"a.edn\")");
    let err = Evaluator::new(EvalOptions::new(), loader)
        .eval_file("a.edn")
        .unwrap_err();
    assert_eq!(err.code(), "eval::import-cycle");
    let text = err.to_string();
    assert!(text.contains("a.edn") && text.contains("b.edn"), "{text}");
}

#[test]
fn errors_in_imported_files_point_there_with_a_note_at_the_import() {
    let loader = MemoryLoader::new().with_file("lib/base.edn", "{:port (inc \"x\")}");
    let err = Evaluator::new(EvalOptions::new(), loader)
        .eval_str("main.edn", "\n(import \"lib/base.edn\")")
        .unwrap_err();
    assert_eq!(err.source_text().unwrap().name(), "lib/base.edn");
    assert_eq!(err.notes().len(), 1);
    assert_eq!(err.notes()[0].span.start, 1);
}

#[test]
fn errors_inside_an_imported_function_also_point_at_the_call() {
    let loader = MemoryLoader::new().with_file("lib.edn", "(defn port [x] (inc x))");
    let err = Evaluator::new(EvalOptions::new(), loader)
        .eval_str(
            "main.edn",
            "(import \"lib.edn\" :as lib)\n{:port (lib/port \"80\")}",
        )
        .unwrap_err();
    assert_eq!(err.code(), "eval::type");
    assert_eq!(err.source_text().unwrap().name(), "lib.edn");
    let call = &err.notes()[0];
    assert_eq!(
        (call.span.start, call.span.end),
        (34, 49),
        "the call (lib/port \"80\")"
    );
    assert_eq!(call.message, "`port` is called here");
    let local = Evaluator::new(EvalOptions::new(), MemoryLoader::new())
        .eval_str("main.edn", "(defn port [x] (inc x)) (port \"80\")")
        .unwrap_err();
    assert!(
        local.notes().is_empty(),
        "a call in the function's own file needs no note"
    );
}

#[test]
fn defined_names_can_be_looked_up_by_file() {
    let mut evaluator = Evaluator::new(
        EvalOptions::new(),
        MemoryLoader::new().with_file("lib.edn", "(def a 1)"),
    );
    evaluator
        .eval_str("main.edn", "(import \"lib.edn\" :as lib) (def b (inc lib/a)) b")
        .unwrap();
    assert_eq!(
        evaluator.defined("main.edn", "b").map(|v| v.to_edn()),
        Some("2".into())
    );
    assert_eq!(
        evaluator.defined("lib.edn", "a").map(|v| v.to_edn()),
        Some("1".into())
    );
    assert!(evaluator.defined("lib.edn", "b").is_none());
}
