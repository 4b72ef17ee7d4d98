//! Tests of the parser: the SPEC's examples, precedence, the statement/tail rules, literal ranges,
//! error messages, the nesting limits on a small stack, and a property test that nothing panics.

use super::{parse, MAX_DEPTH, MAX_SOURCE_LEN};
use crate::ast::{Block, Expr, ExprKind, Item, Program, StmtKind, TypeExpr, TypeExprKind, UnOp};
use crate::diag::{Diag, ErrorKind};
use proptest::prelude::*;

/// Copies of `shared/tel/examples/*.tel` (the shared directory is outside the repository).
pub(super) const EXAMPLES: &[(&str, &str)] = &[
    (
        "arithmetic.tel",
        r#"-- expect: 69
-- Precedence: * / % bind tighter than + -, all left-associative.
flow main() -> Int {
    return (1 + 2 * 3) * 10 - 17 / 4 % 3;
}"#,
    ),
    (
        "closures.tel",
        r#"-- expect: 15
flow apply_twice(f: (Int) -> Int, x: Int) -> Int { return f(f(x)); }
flow make_adder(n: Int) -> (Int) -> Int { return \x -> x + n; }

flow main() -> Int {
    let add5 = make_adder(5);
    return apply_twice(add5, 5);
}"#,
    ),
    (
        "combinators.tel",
        r#"-- expect: [42, 42, 42, 42, 42]
flow add(x: Int, y: Int) -> Int { return x + y; }
flow double(x: Int) -> Int { return x * 2; }

flow main() -> [Int] {
    let a = I(42);
    let b = K(a, 99);
    let c = S(K, K, b);
    let d = B(double, add(1), 20);
    let e = C(add, 2, 40);
    return [a, b, c, d, e];
}"#,
    ),
    (
        "factorial.tel",
        r#"-- expect: 120
flow fact(n: Int) -> Int {
    if n <= 1 { return 1; }
    return n * fact(n - 1);
}

flow main() -> Int { return fact(5); }"#,
    ),
    (
        "fib_while.tel",
        r#"-- expect: 832040
flow fib(n: Int) -> Int {
    var a = 0;
    var b = 1;
    var i = 0;
    while i < n {
        let t = a + b;
        a = b;
        b = t;
        i = i + 1;
    }
    return a;
}

flow main() -> Int { return fib(30); }"#,
    ),
    (
        "fuel.tel",
        r#"-- fuel: 100000
-- expect-error: OutOfFuel
flow main() -> Int {
    var i = 0;
    while true { i = i + 1; }
    return i;
}"#,
    ),
    (
        "handler_abort.tel",
        r#"-- expect: -1
effect fail(reason: String): Int;

flow safe_div(a: Int, b: Int) -> Int {
    if b == 0 { return perform fail("division by zero"); }
    return a / b;
}

flow main() -> Int {
    let r = handle { safe_div(10, 0) } with { fail(reason) -> -1 };
    return r;
}"#,
    ),
    (
        "handler_resume.tel",
        r#"-- expect: 31
effect ask(): Int;

flow compute() -> Int {
    let a = perform ask();
    let b = perform ask();
    return a * 3 + b;
}

flow main() -> Int {
    let r = handle { compute() } with { ask() -> resume(7) };
    return r + 3;
}"#,
    ),
    (
        "handler_state.tel",
        r#"-- expect: 55
-- A handler clause may assign the vars of the flow it is written in.
effect emit(x: Int): Unit;

flow produce(n: Int) -> Unit {
    for i in 1..n + 1 { perform emit(i); }
}

flow main() -> Int {
    var sum = 0;
    handle { produce(10) } with { emit(x) -> { sum = sum + x; resume(unit) } };
    return sum;
}"#,
    ),
    (
        "hello.tel",
        r#"-- expect-log: Hello, Causeway!
-- expect: "done"
flow main() -> String {
    perform log("Hello, Causeway!");
    return "done";
}"#,
    ),
    (
        "loops.tel",
        r#"-- expect: 5050
flow main() -> Int {
    var total = 0;
    for i in 1..101 {
        total = total + i;
    }
    return total;
}"#,
    ),
    (
        "overflow.tel",
        r#"-- expect-error: ArithmeticOverflow
flow main() -> Int {
    var x = 9223372036854775807;
    x = x + 1;
    return x;
}"#,
    ),
    (
        "pipeline.tel",
        r#"-- expect: 36
flow inc(x: Int) -> Int { return x + 1; }
flow square(x: Int) -> Int { return x * x; }

flow main() -> Int { return 5 |> inc |> square; }"#,
    ),
    (
        "records.tel",
        r#"-- expect: {name: "alice", balance: 150}
flow deposit(acct: {name: String, balance: Int}, amount: Int) -> {name: String, balance: Int} {
    return {name: acct.name, balance: acct.balance + amount};
}

flow main() -> {name: String, balance: Int} {
    let a = {name: "alice", balance: 100};
    return deposit(a, 50);
}"#,
    ),
    (
        "resources.tel",
        r#"-- expect-log: split 30 off a coin of 100
-- expect: 70
flow main() -> Int {
    let coin = perform create_resource("token", 100, "USD");
    let change = perform split(coin, 30);
    perform log("split 30 off a coin of 100");
    perform transfer(change, "domain-b");
    return perform quantity(coin);
}"#,
    ),
    (
        "strings.tel",
        r#"-- expect-log: hello world
-- expect: 11
flow main() -> Int {
    let s = "hello" + " " + "world";
    perform log(s);
    return len(s);
}"#,
    ),
    (
        "type_error.tel",
        r#"-- expect-error: TypeMismatch
flow main() -> Int { return 1 + "two"; }"#,
    ),
    (
        "unhandled.tel",
        r#"-- expect-error: UnhandledEffect
effect ask(): Int;
flow main() -> Int { return perform ask(); }"#,
    ),
];

fn parse_ok(src: &str) -> Program {
    parse(src).unwrap_or_else(|e| panic!("{e} at {:?} in\n{src}", e.span))
}

/// The error's message and the source text its span covers.
fn parse_err(src: &str) -> (String, String) {
    let e: Diag = match parse(src) {
        Ok(p) => panic!("expected an error, parsed {p:?}"),
        Err(e) => e,
    };
    assert_eq!(e.kind, ErrorKind::SyntaxError);
    let text = src
        .get(e.span.start as usize..e.span.end as usize)
        .expect("span inside the source");
    (e.message, text.to_string())
}

/// A compact rendering of a tree: `(op lhs rhs)`, `(call f a)`, `{stmt; ...; tail}`.
fn sexp(e: &Expr) -> String {
    let list = |es: &[Expr]| es.iter().map(sexp).collect::<Vec<_>>().join(" ");
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Unit => "unit".into(),
        ExprKind::Var(v) => v.clone(),
        ExprKind::Call(f, args) => format!("(call {} {})", sexp(f), list(args)).replace(" )", ")"),
        ExprKind::Record(fs) => {
            let fs: Vec<_> = fs
                .iter()
                .map(|(n, e)| format!("{}: {}", n.name, sexp(e)))
                .collect();
            format!("{{{}}}", fs.join(", "))
        }
        ExprKind::Field(r, f) => format!("(. {} {})", sexp(r), f.name),
        ExprKind::List(es) => format!("[{}]", list(es)),
        ExprKind::Index(l, i) => format!("(index {} {})", sexp(l), sexp(i)),
        ExprKind::Binary(op, a, b) => format!("({op:?} {} {})", sexp(a), sexp(b)),
        ExprKind::Unary(op, a) => format!("({op:?} {})", sexp(a)),
        ExprKind::Lambda(ps, body) => {
            let ps: Vec<_> = ps.iter().map(|p| p.name.as_str()).collect();
            format!("(\\{} {})", ps.join(","), sexp(body))
        }
        ExprKind::If(c, t, e) => match e {
            Some(e) => format!("(if {} {} {})", sexp(c), block(t), sexp(e)),
            None => format!("(if {} {})", sexp(c), block(t)),
        },
        ExprKind::While(c, b) => format!("(while {} {})", sexp(c), block(b)),
        ExprKind::For(v, a, b, body) => format!("(for {} {} {} {})", v.name, sexp(a), sexp(b), block(body)),
        ExprKind::Block(b) => block(b),
        ExprKind::Perform(n, args) => format!("(perform {} {})", n.name, list(args)).replace(" )", ")"),
        ExprKind::Handle(b, cs) => {
            let cs: Vec<_> = cs
                .iter()
                .map(|c| {
                    let ps: Vec<_> = c.params.iter().map(|p| p.name.as_str()).collect();
                    format!("{}({}) {}", c.effect.name, ps.join(","), sexp(&c.body))
                })
                .collect();
            format!("(handle {} {})", block(b), cs.join(" "))
        }
        ExprKind::Resume(v) => format!("(resume {})", sexp(v)),
    }
}

fn block(b: &Block) -> String {
    let mut parts: Vec<String> = b
        .stmts
        .iter()
        .map(|s| match &s.kind {
            StmtKind::Let(x, e) => format!("let {} {};", x.name, sexp(e)),
            StmtKind::Var(x, e) => format!("var {} {};", x.name, sexp(e)),
            StmtKind::Assign(x, e) => format!("set {} {};", x.name, sexp(e)),
            StmtKind::Return(Some(e)) => format!("return {};", sexp(e)),
            StmtKind::Return(None) => "return;".into(),
            StmtKind::Expr(e) => format!("{};", sexp(e)),
        })
        .collect();
    if let Some(t) = &b.tail {
        parts.push(sexp(t));
    }
    format!("{{{}}}", parts.join(" "))
}

fn body(p: &Program, flow: usize) -> &Block {
    match p.items.get(flow) {
        Some(Item::Flow(f)) => &f.body,
        other => panic!("item {flow} is not a flow: {other:?}"),
    }
}

/// The body of `flow main() { SRC }`, rendered.
fn stmts(src: &str) -> String {
    block(body(&parse_ok(&format!("flow main() {{ {src} }}")), 0))
}

/// `e` parsed as the tail of a flow body, rendered.
fn expr(e: &str) -> String {
    let p = parse_ok(&format!("flow main() {{ {e} }}"));
    let b = body(&p, 0);
    assert!(b.stmts.is_empty(), "{e}: {b:?}");
    sexp(b.tail.as_deref().expect("a tail"))
}

fn ty(t: &str) -> String {
    fn show(t: &TypeExpr) -> String {
        match &t.kind {
            TypeExprKind::Named(n) => n.clone(),
            TypeExprKind::Record(fs) => {
                let fs: Vec<_> = fs
                    .iter()
                    .map(|(n, t)| format!("{}: {}", n.name, show(t)))
                    .collect();
                format!("{{{}}}", fs.join(", "))
            }
            TypeExprKind::List(t) => format!("[{}]", show(t)),
            TypeExprKind::Func(ps, r) => {
                let ps: Vec<_> = ps.iter().map(show).collect();
                format!("(fn ({}) {})", ps.join(", "), show(r))
            }
        }
    }
    let p = parse_ok(&format!("effect e(): {t};"));
    match &p.items[0] {
        Item::Effect(e) => show(&e.ret),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_example_parses() {
    for (name, src) in EXAMPLES {
        let p = parse(src).unwrap_or_else(|e| panic!("{name}: {e} at {:?}", e.span));
        assert!(!p.items.is_empty(), "{name}");
        assert_dense_ids(&p);
    }
}

#[test]
fn example_shapes() {
    let find = |name: &str| {
        EXAMPLES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    };
    let p = parse_ok(find("handler_state.tel"));
    assert_eq!(
        block(body(&p, 1)),
        "{(for i 1 (Add n 1) {(perform emit i);})}",
        "a block-like statement before `}}` is the tail"
    );
    assert_eq!(
        block(body(&p, 2)),
        "{var sum 0; (handle {(call produce 10)} emit(x) {set sum (Add sum x); (resume unit)}); return sum;}"
    );
    let p = parse_ok(find("handler_abort.tel"));
    assert_eq!(
        block(body(&p, 2)),
        "{let r (handle {(call safe_div 10 0)} fail(reason) (Neg 1)); return r;}"
    );
    let p = parse_ok(find("records.tel"));
    match &p.items[0] {
        Item::Flow(f) => {
            assert_eq!(f.params[0].name.name, "acct");
            assert!(matches!(&f.params[0].ty.kind, TypeExprKind::Record(fs) if fs.len() == 2));
            assert!(matches!(&f.ret.kind, TypeExprKind::Record(_)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn items_and_signatures() {
    let p = parse_ok(
        "effect log(message: String): Unit; flow f(x: Int, g: (Int) -> Bool,) { } flow g() -> Int { 1 }",
    );
    assert_eq!(p.items.len(), 3);
    match (&p.items[0], &p.items[1]) {
        (Item::Effect(e), Item::Flow(f)) => {
            assert_eq!(e.name.name, "log");
            assert_eq!(e.params.len(), 1);
            assert_eq!(f.params.len(), 2);
            // No `-> T`: Unit, with an empty span right after the parameters.
            assert_eq!(f.ret.kind, TypeExprKind::Named("Unit".into()));
            assert_eq!(f.ret.span.start, f.ret.span.end);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(parse_ok("").items.len(), 0);
    assert_eq!(parse_ok("-- nothing but a comment\n").node_count, 0);
}

#[test]
fn types() {
    assert_eq!(ty("Int"), "Int");
    assert_eq!(ty("Whatever"), "Whatever");
    assert_eq!(ty("{a: Int, b: [String]}"), "{a: Int, b: [String]}");
    assert_eq!(ty("[[Bool]]"), "[[Bool]]");
    assert_eq!(ty("(Int, Bool) -> String"), "(fn (Int, Bool) String)");
    assert_eq!(ty("() -> Int"), "(fn () Int)");
    assert_eq!(ty("(Int)"), "Int");
    assert_eq!(ty("((Int))"), "Int");
    assert_eq!(ty("(Int) -> (Int) -> Int"), "(fn (Int) (fn (Int) Int))");
    assert_eq!(ty("((Int) -> Int) -> Int"), "(fn ((fn (Int) Int)) Int)");
    assert_eq!(
        parse_err("effect e(): {};"),
        ("expected field name, found `}`".into(), "}".into())
    );
    assert_eq!(
        parse_err("effect e(): (Int, Int);"),
        ("expected `->`, found `;`".into(), ";".into())
    );
    assert_eq!(
        parse_err("effect e(): ();"),
        ("expected `->`, found `;`".into(), ";".into())
    );
    assert_eq!(
        parse_err("effect e(): 1;"),
        ("expected type, found integer literal".into(), "1".into())
    );
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(expr("1 + 2 * 3"), "(Add 1 (Mul 2 3))");
    assert_eq!(expr("1 * 2 + 3"), "(Add (Mul 1 2) 3)");
    assert_eq!(expr("a - b - c"), "(Sub (Sub a b) c)");
    assert_eq!(expr("a / b % c * d"), "(Mul (Rem (Div a b) c) d)");
    assert_eq!(expr("x |> f |> g"), "(Pipe (Pipe x f) g)");
    assert_eq!(expr("a || b && c"), "(Or a (And b c))");
    assert_eq!(expr("a && b || c && d"), "(Or (And a b) (And c d))");
    assert_eq!(expr("a == b < c"), "(Eq a (Lt b c))");
    assert_eq!(expr("a < b < c"), "(Lt (Lt a b) c)");
    assert_eq!(expr("a != b == c"), "(Eq (Ne a b) c)");
    assert_eq!(expr("a <= b + 1 >= c"), "(Ge (Le a (Add b 1)) c)");
    assert_eq!(
        expr("x |> f || a + b * c == d"),
        "(Pipe x (Or f (Eq (Add a (Mul b c)) d)))"
    );
    assert_eq!(expr("a * b + c * d - e"), "(Sub (Add (Mul a b) (Mul c d)) e)");
    assert_eq!(expr("(1 + 2) * 3"), "(Mul (Add 1 2) 3)");
    assert_eq!(
        expr("(1 + 2) * 3 + (10 - 17) / 4 % 3"),
        "(Add (Mul (Add 1 2) 3) (Rem (Div (Sub 10 17) 4) 3))"
    );
}

#[test]
fn unary_and_postfix() {
    assert_eq!(expr("-f(x)"), "(Neg (call f x))");
    assert_eq!(expr("!a && b"), "(And (Not a) b)");
    assert_eq!(expr("- -x"), "(Neg (Neg x))");
    assert_eq!(expr("-a * b"), "(Mul (Neg a) b)");
    assert_eq!(expr("a - -b"), "(Sub a (Neg b))");
    assert_eq!(expr("f(a)(b)"), "(call (call f a) b)");
    assert_eq!(expr("f()"), "(call f)");
    assert_eq!(expr("r.a.b"), "(. (. r a) b)");
    assert_eq!(expr("l[0][i + 1]"), "(index (index l 0) (Add i 1))");
    assert_eq!(expr("f(x).a[2](y)"), "(call (index (. (call f x) a) 2) y)");
    assert_eq!(expr("-r.a"), "(Neg (. r a))");
    assert_eq!(expr("len(s) + I(1) + K"), "(Add (Add (call len s) (call I 1)) K)");
    assert_eq!(expr("f(a, b,)"), "(call f a b)");
}

#[test]
fn primaries() {
    assert_eq!(expr("true"), "true");
    assert_eq!(expr("unit"), "unit");
    assert_eq!(expr(r#""a\nb""#), r#""a\nb""#);
    assert_eq!(expr("0xFF_FF"), "65535");
    assert_eq!(expr("[1, 2, 3,]"), "[1 2 3]");
    assert_eq!(expr("[]"), "[]");
    assert_eq!(expr("{a: 1, b: \"x\"}"), "{a: 1, b: \"x\"}");
    assert_eq!(expr("{a: 1,}.a"), "(. {a: 1} a)");
    assert_eq!(expr("{}"), "{}");
    assert_eq!(expr("{ a }"), "{a}");
    assert_eq!(expr("{ f(x); }"), "{(call f x);}");
    assert_eq!(expr("\\x -> x + 1"), "(\\x (Add x 1))");
    assert_eq!(expr("\\x, y -> x * y"), "(\\x,y (Mul x y))");
    assert_eq!(expr("\\x -> x |> f"), "(\\x (Pipe x f))");
    assert_eq!(expr("\\x -> \\y -> { x }"), "(\\x (\\y {x}))");
    assert_eq!(expr("apply(\\x -> x, 3)"), "(call apply (\\x x) 3)");
    assert_eq!(expr("perform ask()"), "(perform ask)");
    assert_eq!(expr("perform log(\"a\", 1,)"), "(perform log \"a\" 1)");
    assert_eq!(expr("resume(7)"), "(resume 7)");
    assert_eq!(
        expr("handle { f() } with { a() -> 1, b(x, y) -> resume(x), }"),
        "(handle {(call f)} a() 1 b(x,y) (resume x))"
    );
    assert_eq!(expr("handle { 1 } with { }"), "(handle {1} )");
}

#[test]
fn control_flow() {
    assert_eq!(expr("if a { 1 } else { 2 }"), "(if a {1} {2})");
    assert_eq!(
        expr("if a { 1 } else if b { 2 } else { 3 }"),
        "(if a {1} (if b {2} {3}))"
    );
    assert_eq!(expr("if a { }"), "(if a {})");
    assert_eq!(
        expr("while i < n { i = i + 1; }"),
        "(while (Lt i n) {set i (Add i 1);})"
    );
    assert_eq!(expr("for i in 1..n + 1 { }"), "(for i 1 (Add n 1) {})");
    assert_eq!(
        expr("for i in a * 2..f(n) |> g { }"),
        "(for i (Mul a 2) (Pipe (call f n) g) {})"
    );
    assert_eq!(expr("while { true } { }"), "(while {true} {})");
    // In a condition `{` opens a block, never a record literal (parenthesize one to use it there).
    assert_eq!(
        parse_err("flow f() { if {a: 1} == r { } }"),
        ("expected `;` or `}`, found `:`".into(), ":".into())
    );
    assert_eq!(
        parse_err("flow f() { while x == {a: 1} { } }").0,
        "expected `;` or `}`, found `:`"
    );
    assert_eq!(expr("if ({a: 1}) == r { }"), "(if (Eq {a: 1} r) {})");
    assert_eq!(expr("if f({a: 1}) { }"), "(if (call f {a: 1}) {})");
    assert_eq!(expr("if a { { b: 1 } } else { 2 }"), "(if a {{b: 1}} {2})");
}

#[test]
fn statements_and_tails() {
    assert_eq!(stmts(""), "{}");
    assert_eq!(
        stmts("let x = 1; var y = 2; y = x; return y;"),
        "{let x 1; var y 2; set y x; return y;}"
    );
    assert_eq!(stmts("return;"), "{return;}");
    assert_eq!(stmts("f(x); x"), "{(call f x); x}");
    assert_eq!(stmts("x == 1;"), "{(Eq x 1);}");
    assert_eq!(stmts("1 + 2"), "{(Add 1 2)}");
    // A block-like expression: before `}` the tail, before `;` a statement, otherwise a statement
    // without `;`.
    assert_eq!(stmts("if a { 1 } else { 2 }"), "{(if a {1} {2})}");
    assert_eq!(stmts("if a { 1 } else { 2 };"), "{(if a {1} {2});}");
    assert_eq!(stmts("if a { f(); } g()"), "{(if a {(call f);}); (call g)}");
    assert_eq!(
        stmts("while c { } for i in 0..3 { } { x } y"),
        "{(while c {}); (for i 0 3 {}); {x}; y}"
    );
    assert_eq!(
        stmts("handle { f() } with { e() -> 1 } x"),
        "{(handle {(call f)} e() 1); x}"
    );
    assert_eq!(stmts("{ } -x"), "{{}; (Neg x)}");
    assert_eq!(stmts("{a: 1}.a"), "{(. {a: 1} a)}");
    assert_eq!(stmts("{a: 1};"), "{{a: 1};}");
    assert_eq!(
        stmts("let f = \\x -> { x }; f(1)"),
        "{let f (\\x {x}); (call f 1)}"
    );
    assert_eq!(
        parse_err("flow f() { let x = 1 }"),
        ("expected `;`, found `}`".into(), "}".into())
    );
    assert_eq!(
        parse_err("flow f() { x y }"),
        ("expected `;` or `}`, found identifier `y`".into(), "y".into())
    );
    assert_eq!(
        parse_err("flow f() { return 1 }"),
        ("expected `;`, found `}`".into(), "}".into())
    );
    assert_eq!(
        parse_err("flow f() { 1 = 2; }"),
        ("expected `;` or `}`, found `=`".into(), "=".into())
    );
    assert_eq!(
        parse_err("flow f() { ; }"),
        ("expected expression, found `;`".into(), ";".into())
    );
    assert_eq!(
        parse_err("flow f() { if a { } + 1 }"),
        ("expected expression, found `+`".into(), "+".into())
    );
}

#[test]
fn spans() {
    let src = "flow main() -> Int {\n    let x = (1 + 2) * f(3);\n    x\n}";
    let p = parse_ok(src);
    let b = body(&p, 0);
    let text = |s: crate::diag::Span| &src[s.start as usize..s.end as usize];
    assert_eq!(text(b.stmts[0].span), "let x = (1 + 2) * f(3);");
    match &b.stmts[0].kind {
        StmtKind::Let(x, e) => {
            assert_eq!(text(x.span), "x");
            assert_eq!(text(e.span), "(1 + 2) * f(3)");
            match &e.kind {
                ExprKind::Binary(_, l, r) => {
                    assert_eq!(text(l.span), "(1 + 2)");
                    assert_eq!(text(r.span), "f(3)");
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(text(b.span), &src[19..]);
    match &p.items[0] {
        Item::Flow(f) => assert_eq!(text(f.span), src),
        other => panic!("{other:?}"),
    }
}

#[test]
fn integer_literal_range() {
    assert_eq!(expr("9223372036854775807"), "9223372036854775807");
    assert_eq!(expr("-9223372036854775808"), "-9223372036854775808");
    assert_eq!(expr("- -9223372036854775808"), "(Neg -9223372036854775808)");
    assert_eq!(expr("1 - -9223372036854775808"), "(Sub 1 -9223372036854775808)");
    assert_eq!(expr("-9223372036854775807"), "(Neg 9223372036854775807)");
    assert_eq!(expr("-0x7FFF_FFFF_FFFF_FFFF"), "(Neg 9223372036854775807)");
    assert_eq!(expr("-0x8000_0000_0000_0000"), "-9223372036854775808");
    let p = parse_ok("flow main() { -9223372036854775808 }");
    let tail = body(&p, 0).tail.as_deref().expect("tail");
    assert_eq!(
        (tail.span.start, tail.span.end),
        (14, 34),
        "the literal spans the minus sign"
    );
    let out_of_range = (
        "integer literal out of range".to_string(),
        "9223372036854775808".to_string(),
    );
    assert_eq!(parse_err("flow f() { 9223372036854775808 }"), out_of_range);
    assert_eq!(parse_err("flow f() { -(9223372036854775808) }"), out_of_range);
    // The SPEC's minimum is a minus sign *directly* followed by the literal.
    assert_eq!(parse_err("flow f() { - 9223372036854775808 }"), out_of_range);
    assert_eq!(parse_err("flow f() { !9223372036854775808 }"), out_of_range);
    assert_eq!(
        parse_err("flow f() { 1 -9223372036854775809 }").0,
        "integer literal out of range"
    );
    assert_eq!(
        parse_err(&format!("flow f() {{ {} }}", "9".repeat(50))).0,
        "integer literal out of range"
    );
}

#[test]
fn syntax_error_messages() {
    let cases: &[(&str, &str, &str)] = &[
        ("let x = 1;", "expected `effect` or `flow`, found `let`", "let"),
        ("flow (", "expected flow name, found `(`", "("),
        ("flow f", "expected `(`, found end of input", ""),
        ("flow f(x) {}", "expected `:`, found `)`", ")"),
        (
            "flow f(x: Int y: Int) {}",
            "expected `,` or `)`, found identifier `y`",
            "y",
        ),
        (
            "flow f() Int {}",
            "expected `->` or `{`, found identifier `Int`",
            "Int",
        ),
        ("flow f() -> Int", "expected `{`, found end of input", ""),
        ("effect e(): Int", "expected `;`, found end of input", ""),
        ("effect e() -> Int;", "expected `:`, found `->`", "->"),
        ("flow f() { f(1, 2 }", "expected `,` or `)`, found `}`", "}"),
        (
            "flow f() { [1 2] }",
            "expected `,` or `]`, found integer literal",
            "2",
        ),
        ("flow f() { r. }", "expected field name, found `}`", "}"),
        ("flow f() { (1 }", "expected `)`, found `}`", "}"),
        (
            "flow f() { \\ -> 1 }",
            "expected parameter name, found `->`",
            "->",
        ),
        (
            "flow f() { \\x 1 }",
            "expected `,` or `->`, found integer literal",
            "1",
        ),
        (
            "flow f() { for 1 }",
            "expected loop variable, found integer literal",
            "1",
        ),
        (
            "flow f() { for i 0..1 {} }",
            "expected `in`, found integer literal",
            "0",
        ),
        ("flow f() { for i in 0 {} }", "expected `..`, found `{`", "{"),
        ("flow f() { 0..1 }", "expected `;` or `}`, found `..`", ".."),
        ("flow f() { if a }", "expected `{`, found `}`", "}"),
        (
            "flow f() { if a {} else 1 }",
            "expected `if` or `{`, found integer literal",
            "1",
        ),
        (
            "flow f() { handle {} e() -> 1 }",
            "expected `with`, found identifier `e`",
            "e",
        ),
        (
            "flow f() { handle {} with { e -> 1 } }",
            "expected `(`, found `->`",
            "->",
        ),
        (
            "flow f() { handle {} with { e() 1 } }",
            "expected `->`, found integer literal",
            "1",
        ),
        (
            "flow f() { perform 1 }",
            "expected effect name, found integer literal",
            "1",
        ),
        ("flow f() { perform e }", "expected `(`, found `}`", "}"),
        ("flow f() { resume() }", "expected expression, found `)`", ")"),
        (
            "flow f() { let 1 = 2; }",
            "expected variable name, found integer literal",
            "1",
        ),
        ("flow f() { x = }", "expected expression, found `}`", "}"),
        ("flow f() { (1, 2) }", "expected `)`, found `,`", ","),
        (
            "flow f() { {a: 1 b: 2} }",
            "expected `,` or `}`, found identifier `b`",
            "b",
        ),
        ("flow f() { 1 + }", "expected expression, found `}`", "}"),
        ("flow f() {", "expected expression, found end of input", ""),
        ("flow f() { else }", "expected expression, found `else`", "else"),
        (
            "flow f() { \"s\" \"t\" }",
            "expected `;` or `}`, found string literal",
            "\"t\"",
        ),
        // Lexical errors surface through the parser, at their place.
        ("flow f() { @ }", "unexpected character `@`", "@"),
        ("flow f() { \"abc }", "unterminated string literal", "\""),
        (
            "flow f() { \"\\q\" }",
            "invalid escape `\\q` in string literal",
            "\\q",
        ),
        ("flow f() { {- }", "unterminated block comment", "{-"),
        ("flow f() { 0x }", "expected hex digits after `0x`", "0x"),
    ];
    for (src, message, text) in cases {
        assert_eq!(parse_err(src), (message.to_string(), text.to_string()), "{src}");
    }
    let e = parse("flow f()").expect_err("eof");
    assert_eq!(
        (e.span.start, e.span.end),
        (8, 8),
        "end of input: an empty span at the end"
    );
}

#[test]
fn source_size_limit() {
    let big = " ".repeat(MAX_SOURCE_LEN + 1);
    let e = parse(&big).expect_err("too large");
    assert_eq!(e.kind, ErrorKind::SyntaxError);
    assert!(e.message.contains("too large"), "{}", e.message);
    let at_limit = " ".repeat(MAX_SOURCE_LEN);
    assert_eq!(parse_ok(&at_limit).items.len(), 0);
}

/// Every node id in the tree, in no particular order.
fn collect_ids(p: &Program) -> Vec<u32> {
    fn ident(out: &mut Vec<u32>, i: &crate::ast::Ident) {
        out.push(i.id.0);
    }
    fn ty(out: &mut Vec<u32>, t: &TypeExpr) {
        match &t.kind {
            TypeExprKind::Named(_) => {}
            TypeExprKind::Record(fs) => fs.iter().for_each(|(n, t)| {
                ident(out, n);
                ty(out, t);
            }),
            TypeExprKind::List(t) => ty(out, t),
            TypeExprKind::Func(ps, r) => {
                ps.iter().for_each(|t| ty(out, t));
                ty(out, r);
            }
        }
    }
    fn blk(out: &mut Vec<u32>, b: &Block) {
        for s in &b.stmts {
            match &s.kind {
                StmtKind::Let(x, e) | StmtKind::Var(x, e) | StmtKind::Assign(x, e) => {
                    ident(out, x);
                    ex(out, e);
                }
                StmtKind::Return(e) => e.iter().for_each(|e| ex(out, e)),
                StmtKind::Expr(e) => ex(out, e),
            }
        }
        b.tail.iter().for_each(|e| ex(out, e));
    }
    fn ex(out: &mut Vec<u32>, e: &Expr) {
        out.push(e.id.0);
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Str(_) | ExprKind::Unit | ExprKind::Var(_) => {}
            ExprKind::Call(f, args) => {
                ex(out, f);
                args.iter().for_each(|a| ex(out, a));
            }
            ExprKind::Record(fs) => fs.iter().for_each(|(n, e)| {
                ident(out, n);
                ex(out, e);
            }),
            ExprKind::Field(r, f) => {
                ex(out, r);
                ident(out, f);
            }
            ExprKind::List(es) => es.iter().for_each(|e| ex(out, e)),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                ex(out, a);
                ex(out, b);
            }
            ExprKind::Unary(_, a) | ExprKind::Resume(a) => ex(out, a),
            ExprKind::Lambda(ps, b) => {
                ps.iter().for_each(|p| ident(out, p));
                ex(out, b);
            }
            ExprKind::If(c, t, e) => {
                ex(out, c);
                blk(out, t);
                e.iter().for_each(|e| ex(out, e));
            }
            ExprKind::While(c, b) => {
                ex(out, c);
                blk(out, b);
            }
            ExprKind::For(v, a, b, body) => {
                ident(out, v);
                ex(out, a);
                ex(out, b);
                blk(out, body);
            }
            ExprKind::Block(b) => blk(out, b),
            ExprKind::Perform(n, args) => {
                ident(out, n);
                args.iter().for_each(|a| ex(out, a));
            }
            ExprKind::Handle(b, cs) => {
                blk(out, b);
                for c in cs {
                    ident(out, &c.effect);
                    c.params.iter().for_each(|p| ident(out, p));
                    ex(out, &c.body);
                }
            }
        }
    }
    let mut out = Vec::new();
    for item in &p.items {
        match item {
            Item::Effect(e) => {
                ident(&mut out, &e.name);
                e.params.iter().for_each(|p| {
                    ident(&mut out, &p.name);
                    ty(&mut out, &p.ty);
                });
                ty(&mut out, &e.ret);
            }
            Item::Flow(f) => {
                ident(&mut out, &f.name);
                f.params.iter().for_each(|p| {
                    ident(&mut out, &p.name);
                    ty(&mut out, &p.ty);
                });
                ty(&mut out, &f.ret);
                blk(&mut out, &f.body);
            }
        }
    }
    out
}

fn assert_dense_ids(p: &Program) {
    let mut ids = collect_ids(p);
    ids.sort_unstable();
    let expected: Vec<u32> = (0..p.node_count).collect();
    assert_eq!(
        ids, expected,
        "every Expr and Ident has its own id, densely from 0"
    );
}

#[test]
fn node_ids_are_dense_and_unique() {
    let p = parse_ok(
        "effect e(r: {a: Int}): Unit;
         flow f(x: Int) -> (Int) -> Int {
             let y = -9223372036854775808 + x.a[0];
             var z = {a: 1, b: [2]};
             z = z;
             for i in 0..y { perform e(z); }
             return handle { \\p, q -> p(q) } with { e(v) -> resume(v), };
         }",
    );
    assert_dense_ids(&p);
}

/// Wraps `inner` in `n` layers of `open`/`close`.
fn nest(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

/// `e` as the returned expression of a flow (an expression statement is at depth 1).
fn in_flow(e: &str) -> String {
    format!("flow main() {{ return {e}; }}")
}

/// Inputs nested exactly as deep as the parser allows (a leaf at level `MAX_DEPTH`), and one level
/// more.
fn limit_cases() -> Vec<(&'static str, String, String)> {
    type Shape = Box<dyn Fn(usize) -> String>;
    let d = MAX_DEPTH as usize;
    let both = |f: &dyn Fn(usize) -> String, n: usize| (f(n), f(n + 1));
    let shapes: Vec<(&'static str, Shape, usize)> = vec![
        (
            "parentheses",
            Box::new(|n| in_flow(&nest("(", "1", ")", n))),
            d - 1,
        ),
        ("lists", Box::new(|n| in_flow(&nest("[", "1", "]", n))), d - 1),
        ("calls", Box::new(|n| in_flow(&nest("f(", "1", ")", n))), d - 1),
        (
            "records",
            Box::new(|n| in_flow(&nest("{a: ", "1", "}", n))),
            d - 1,
        ),
        (
            "lambdas",
            Box::new(|n| in_flow(&nest("\\x -> ", "1", "", n))),
            d - 1,
        ),
        // A statement's expression is level 1; so is an empty block standing as a statement.
        (
            "blocks",
            Box::new(|n| format!("flow main() {{ {} }}", nest("{ ", "", " }", n))),
            d,
        ),
        // The condition is one level below its `if`.
        (
            "ifs",
            Box::new(|n| format!("flow main() {{ {} }}", nest("if c { ", "", " }", n))),
            d - 1,
        ),
        (
            "else-if chain",
            Box::new(|n| format!("flow main() {{ if c {{ }}{} }}", " else if c { }".repeat(n))),
            d - 2,
        ),
        (
            "binary chain",
            Box::new(|n| in_flow(&format!("1{}", " + 1".repeat(n)))),
            d - 1,
        ),
        (
            "pipe chain",
            Box::new(|n| in_flow(&format!("x{}", " |> f".repeat(n)))),
            d - 1,
        ),
        (
            "prefix operators",
            Box::new(|n| in_flow(&format!("{}1", "- ".repeat(n)))),
            d - 1,
        ),
        (
            "call chain",
            Box::new(|n| in_flow(&format!("f{}", "()".repeat(n)))),
            d - 1,
        ),
        (
            "field chain",
            Box::new(|n| in_flow(&format!("r{}", ".a".repeat(n)))),
            d - 1,
        ),
        (
            "index chain",
            Box::new(|n| in_flow(&format!("l{}", "[0]".repeat(n)))),
            d - 1,
        ),
        // Parentheses are a level even around an operator chain.
        (
            "parenthesized chain",
            Box::new(move |n| in_flow(&nest("(", &format!("1{}", " + 1".repeat(n)), ")", d / 2))),
            d / 2 - 1,
        ),
        // The tree's height counts, not the recursion: a chain under lists.
        (
            "chain under lists",
            Box::new(move |n| in_flow(&nest("[", &format!("1{}", " + 1".repeat(n)), "]", d / 2))),
            d / 2 - 1,
        ),
        (
            "list types",
            Box::new(|n| format!("effect e(): {};", nest("[", "Int", "]", n))),
            d - 1,
        ),
        (
            "record types",
            Box::new(|n| format!("effect e(): {};", nest("{a: ", "Int", "}", n))),
            d - 1,
        ),
        (
            "function types",
            Box::new(|n| format!("effect e(): {};", nest("(", "Int", ") -> Int", n))),
            d - 1,
        ),
        (
            "comments",
            Box::new(|n| format!("{} flow main() {{ }}", nest("{-", " ", "-}", n))),
            d,
        ),
        // Every recursive construct, mixed: the stack's worst case.
        ("mixed", Box::new(|n| in_flow(&mixed(n))), d),
    ];
    shapes
        .into_iter()
        .map(|(name, shape, max)| {
            let (ok, too_deep) = both(&*shape, max);
            (name, ok, too_deep)
        })
        .collect()
}

/// An expression of exactly `levels` levels: wrappers around `0`, cycling through every construct
/// that nests an expression (with the levels each adds), then parentheses to make up the rest.
fn mixed(levels: usize) -> String {
    const WRAPPERS: &[(&str, &str, usize)] = &[
        ("(", ")", 1),
        ("[", "]", 1),
        ("f(1, ", ")", 1),
        ("{a: ", "}", 1),
        ("\\x -> ", "", 1),
        ("{ let y = 1; ", " }", 1),
        ("if c { ", " }", 1),
        ("while c { ", " }", 1),
        ("for i in 0..n { ", " }", 1),
        ("perform e(", ")", 1),
        ("resume(", ")", 1),
        ("l[", "]", 1),
        ("handle { ", " } with { e(v) -> 0 }", 1),
        ("-(", ")", 2),
        ("a + b * !(", ")", 4),
        ("x |> \\y -> y || a && b == c < d + e * ", "", 8),
    ];
    let mut open = String::new();
    let mut close = Vec::new();
    let mut total = 1;
    for &(o, c, cost) in WRAPPERS.iter().cycle() {
        if total + cost > levels {
            break;
        }
        open.push_str(o);
        close.push(c);
        total += cost;
    }
    open.push_str(&"(".repeat(levels - total));
    close.extend(std::iter::repeat_n(")", levels - total));
    close.reverse();
    format!("{open}0{}", close.concat())
}

fn run_on_small_stack(f: impl FnOnce() + Send + 'static) {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn");
    if let Err(panic) = handle.join() {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn nesting_limit_is_exact_and_fits_a_small_stack() {
    run_on_small_stack(|| {
        for (name, ok, too_deep) in limit_cases() {
            if let Err(e) = parse(&ok) {
                panic!("{name}: the deepest allowed input fails: {e} at {:?}", e.span);
            }
            match parse(&too_deep) {
                Err(e) => assert_eq!(e.message, "nesting too deep", "{name}"),
                Ok(_) => panic!("{name}: one level too deep parses"),
            }
        }
        // A deepest tree dropped on the error path.
        let e = parse(&format!("{} @", in_flow(&mixed(MAX_DEPTH as usize)))).expect_err("`@`");
        assert_eq!(e.message, "unexpected character `@`");
    });
}

#[test]
fn hostile_inputs_fail_fast_without_overflowing() {
    run_on_small_stack(|| {
        let n = 200_000;
        let inputs = [
            in_flow(&"(".repeat(n)),
            in_flow(&"[".repeat(n)),
            in_flow(&"f(".repeat(n)),
            in_flow(&"\\x -> ".repeat(n)),
            in_flow(&"- ".repeat(n)),
            in_flow(&format!("1{}", " + 1".repeat(n))),
            in_flow(&format!("f{}", "()".repeat(n))),
            in_flow(&format!("r{}", ".a".repeat(n))),
            format!("flow main() {{ {} }}", "{ ".repeat(n)),
            format!("flow main() {{ {} }}", "if c { ".repeat(n)),
            format!("effect e(): {};", "[".repeat(n)),
            format!("effect e(): {};", "(".repeat(n)),
            "{-".repeat(n),
            in_flow(&format!("1{} @", " + 1".repeat(n))),
        ];
        for src in inputs {
            let e = parse(&src).expect_err("too deep");
            assert_eq!(e.message, "nesting too deep", "{}", &src[..40.min(src.len())]);
        }
    });
}

#[test]
fn long_flat_programs_are_fine() {
    let many_stmts = format!("flow main() {{ {} }}", "x = x + 1;\n".repeat(50_000));
    assert_eq!(body(&parse_ok(&many_stmts), 0).stmts.len(), 50_000);
    let many_flows = "flow f() { }\n".repeat(10_000);
    assert_eq!(parse_ok(&many_flows).items.len(), 10_000);
    let wide = in_flow(&format!("[{}]", "1, ".repeat(50_000)));
    assert_dense_ids(&parse_ok(&wide));
}

#[test]
fn unary_ops_are_built_innermost_first() {
    let p = parse_ok(&in_flow("!-x"));
    match &body(&p, 0).stmts[0].kind {
        StmtKind::Return(Some(e)) => match &e.kind {
            ExprKind::Unary(UnOp::Not, inner) => assert!(matches!(inner.kind, ExprKind::Unary(UnOp::Neg, _))),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// Tokens and fragments of TEL, for random programs that are mostly almost right.
const FRAGMENTS: &[&str] = &[
    "effect",
    "flow",
    "let",
    "var",
    "if",
    "else",
    "while",
    "for",
    "in",
    "return",
    "perform",
    "handle",
    "with",
    "resume",
    "true",
    "false",
    "unit",
    "x",
    "f",
    "Int",
    "main",
    "0",
    "1",
    "9223372036854775808",
    "0xFF",
    "\"s\"",
    "\"\\u{41}\"",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ";",
    ":",
    ".",
    "..",
    "->",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "&&",
    "||",
    "|>",
    "\\",
    "--c\n",
    "{-",
    "-}",
    "\n",
    "\"",
    "@",
    "é",
];

fn mutate(src: &str, at: usize, op: u8, fragment: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let at = at % (chars.len() + 1);
    let (head, tail) = chars.split_at(at);
    let head: String = head.iter().collect();
    let tail: String = tail.iter().collect();
    match op % 4 {
        0 => head,
        1 => format!("{head}{fragment}{tail}"),
        2 => format!("{head}{}", tail.chars().skip(1).collect::<String>()),
        _ => format!("{head}{fragment}{}", tail.chars().skip(1).collect::<String>()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_fragments(parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..80)) {
        let src = parts.join(" ");
        if let Ok(p) = parse(&src) {
            assert_dense_ids(&p);
        }
    }

    #[test]
    fn parse_never_panics_on_characters(src in "[a-zA-Z0-9_(){}\\[\\],;:.=<>+*/%!&|\\\\\" \n\t-]{0,120}") {
        let _ = parse(&src);
    }

    #[test]
    fn parse_never_panics_on_mutated_examples(
        example in 0..EXAMPLES.len(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), prop::sample::select(FRAGMENTS)), 1..4),
    ) {
        let mut src = EXAMPLES[example].1.to_string();
        for (at, op, fragment) in edits {
            src = mutate(&src, at, op, fragment);
        }
        if let Ok(p) = parse(&src) {
            assert_dense_ids(&p);
        }
    }
}
