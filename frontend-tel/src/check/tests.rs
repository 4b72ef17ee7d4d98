//! Tests of the checker as a whole: the case table (`cases`), the invariants every accepted
//! program's output satisfies, the conformance corpus, and hostile inputs (depth, size).
//!
//! Owns only tests. Must never weaken an invariant to make a case pass.

mod cases;

use super::{check, unhandled_effects, Builtin, Checked, Res};
use crate::ast::{Block, Expr, ExprKind, Ident, Item, NodeId, Program, StmtKind};
use crate::diag::{Diag, ErrorKind};
use crate::parser::parse;
use crate::types::Type;

pub(super) fn parsed(src: &str) -> Program {
    parse(src).unwrap_or_else(|d| panic!("test source does not parse: {d:?}\n{src}"))
}

/// Parses and checks `src`; accepted programs also get their output invariants checked.
pub(super) fn run(src: &str) -> Result<Checked, Diag> {
    let program = parsed(src);
    let checked = check(&program)?;
    assert_invariants(&program, &checked, src);
    Ok(checked)
}

pub(super) fn error(src: &str) -> Diag {
    match run(src) {
        Ok(_) => panic!("expected an error, the checker accepted:\n{src}"),
        Err(d) => d,
    }
}

fn has_var(t: &Type) -> bool {
    match t {
        Type::Var(_) => true,
        Type::List(e) => has_var(e),
        Type::Func(a, r) => has_var(a) || has_var(r),
        Type::Record(fields) => fields.iter().any(|(_, t)| has_var(t)),
        _ => false,
    }
}

/// What the lowering relies on: every expression and local binding site has a concrete type,
/// every name use has a resolution.
fn assert_invariants(program: &Program, checked: &Checked, src: &str) {
    struct Walk<'a> {
        checked: &'a Checked,
        src: &'a str,
    }
    impl Walk<'_> {
        fn typed(&self, id: NodeId, what: &str) {
            match self.checked.types.get(id.0 as usize) {
                Some(Some(t)) if !has_var(t) => {}
                other => panic!("{what} {} has type {other:?}\n{}", id.0, self.src),
            }
        }
        fn resolved(&self, id: NodeId, what: &str) {
            assert!(
                self.checked.resolutions.contains_key(&id),
                "{what} {} is unresolved\n{}",
                id.0,
                self.src
            );
        }
        fn binder(&self, ident: &Ident) {
            self.typed(ident.id, "binder");
        }
        fn block(&self, b: &Block) {
            for s in &b.stmts {
                match &s.kind {
                    StmtKind::Let(x, e) | StmtKind::Var(x, e) => {
                        self.binder(x);
                        self.expr(e);
                    }
                    StmtKind::Assign(x, e) => {
                        self.resolved(x.id, "assignment target");
                        self.typed(x.id, "assignment target");
                        self.expr(e);
                    }
                    StmtKind::Return(e) => e.iter().for_each(|e| self.expr(e)),
                    StmtKind::Expr(e) => self.expr(e),
                }
            }
            b.tail.iter().for_each(|e| self.expr(e));
        }
        fn expr(&self, e: &Expr) {
            self.typed(e.id, "expression");
            match &e.kind {
                ExprKind::Var(_) => self.resolved(e.id, "variable"),
                ExprKind::Call(f, args) => {
                    self.expr(f);
                    args.iter().for_each(|a| self.expr(a));
                }
                ExprKind::Record(fields) => fields.iter().for_each(|(_, v)| self.expr(v)),
                ExprKind::Field(r, _) | ExprKind::Unary(_, r) | ExprKind::Resume(r) => self.expr(r),
                ExprKind::List(es) => es.iter().for_each(|e| self.expr(e)),
                ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                    self.expr(a);
                    self.expr(b);
                }
                ExprKind::Lambda(ps, body) => {
                    ps.iter().for_each(|p| self.binder(p));
                    self.expr(body);
                }
                ExprKind::If(c, t, e) => {
                    self.expr(c);
                    self.block(t);
                    e.iter().for_each(|e| self.expr(e));
                }
                ExprKind::While(c, b) => {
                    self.expr(c);
                    self.block(b);
                }
                ExprKind::For(i, a, b, body) => {
                    self.binder(i);
                    self.expr(a);
                    self.expr(b);
                    self.block(body);
                }
                ExprKind::Block(b) => self.block(b),
                ExprKind::Perform(name, args) => {
                    self.resolved(name.id, "effect");
                    args.iter().for_each(|a| self.expr(a));
                }
                ExprKind::Handle(body, clauses) => {
                    self.block(body);
                    for c in clauses {
                        self.resolved(c.effect.id, "clause effect");
                        c.params.iter().for_each(|p| self.binder(p));
                        self.expr(&c.body);
                    }
                }
                ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Str(_) | ExprKind::Unit => {}
            }
        }
    }
    let walk = Walk { checked, src };
    for item in &program.items {
        if let Item::Flow(f) = item {
            f.params.iter().for_each(|p| walk.binder(&p.name));
            walk.block(&f.body);
        }
    }
    assert_eq!(checked.flows[checked.main].name, "main");
}

/// The binding site of the first `let`/`var` named `name` in the flow named `flow`.
fn let_binder(program: &Program, flow: &str, name: &str) -> NodeId {
    program
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Flow(f) if f.name.name == flow => Some(f),
            _ => None,
        })
        .flat_map(|f| f.body.stmts.iter())
        .find_map(|s| match &s.kind {
            StmtKind::Let(x, _) | StmtKind::Var(x, _) if x.name == name => Some(x.id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no binding `{name}` in `{flow}`"))
}

/// The type inferred for `let NAME` in `main`, printed.
pub(super) fn type_of_let(src: &str, name: &str) -> String {
    let program = parsed(src);
    let checked = check(&program).unwrap_or_else(|d| panic!("{d}\n{src}"));
    checked.ty(let_binder(&program, "main", name)).to_string()
}

#[test]
fn standard_effects_come_first_and_redeclaring_one_maps_to_it() {
    let checked = run("effect log(message: String): Unit;\n\
         effect ping(n: Int): Bool;\n\
         flow main() -> Bool { perform log(\"x\"); return perform ping(1); }")
    .expect("accepted");
    let names: Vec<&str> = checked.effects.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names.len(), 11);
    assert_eq!(names[0], "log");
    assert_eq!(names[9], "now");
    assert_eq!(names[10], "ping");
    assert!(!checked.effects[10].standard);
    assert_eq!(checked.effects[10].params, vec![Type::Int]);
    assert_eq!(checked.effects[10].ret, Type::Bool);
    let performs: Vec<Res> = checked
        .resolutions
        .values()
        .copied()
        .filter(|r| matches!(r, Res::Effect(_)))
        .collect();
    assert!(performs.contains(&Res::Effect(0)));
    assert!(performs.contains(&Res::Effect(10)));
}

#[test]
fn resolutions_flows_and_mutables() {
    let src = "flow helper(x: Int) -> Int { return x; }\n\
               flow main() -> Int { var v = 1; let k = K; v = helper(v); return k(v, unit); }";
    let program = parsed(src);
    let checked = run(src).expect("accepted");
    assert_eq!(checked.main, 1);
    assert_eq!(checked.flows[0].name, "helper");
    assert_eq!(checked.flows[0].item, 0);
    assert_eq!(checked.flows[0].params, vec![Type::Int]);
    assert_eq!(checked.flows[1].ret, Type::Int);
    let v = let_binder(&program, "main", "v");
    let k = let_binder(&program, "main", "k");
    assert!(checked.mutable.contains(&v));
    assert!(!checked.mutable.contains(&k));
    let res: Vec<Res> = checked.resolutions.values().copied().collect();
    assert!(res.contains(&Res::Flow(0)));
    assert!(res.contains(&Res::Builtin(Builtin::K)));
    assert!(res.contains(&Res::Local(v)));
    assert!(res.contains(&Res::Local(k)));
    assert_eq!(checked.ty(k).to_string(), "(Int, Unit) -> Int");
}

#[test]
fn unhandled_effects_lists_declared_effects_no_clause_handles() {
    let src = "effect a(): Int;\neffect b(): Int;\neffect c(): Int;\n\
               flow f() -> Int { return perform c() + perform c(); }\n\
               flow main() -> Int {\n\
                 perform log(\"standard effects are the runtime's\");\n\
                 let x = handle { perform a() } with { a() -> resume(1) };\n\
                 return x + perform a() + perform b() + f();\n\
               }";
    let program = parsed(src);
    let checked = run(src).expect("accepted");
    let unhandled = unhandled_effects(&program, &checked);
    let names: Vec<&str> = unhandled.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["c", "b"]);
    let (_, span) = &unhandled[0];
    assert_eq!(&src[span.start as usize..span.end as usize], "perform c()");
}

/// Every `.tel` file of the conformance corpus: compile-time kinds must be reported by the
/// parser or the checker (`UnhandledEffect` by `unhandled_effects`), everything else accepted.
#[test]
fn conformance_corpus() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dirs = [
        "tests/tel/programs",
        "tests/tel/spec",
        "tests/tel/errors",
        "examples",
    ];
    let mut seen = 0;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "tel")) {
            let Ok(src) = std::fs::read_to_string(path) else {
                continue;
            };
            seen += 1;
            let expected = src
                .lines()
                .find_map(|l| l.strip_prefix("-- expect-error: "))
                .map(str::trim);
            let compile_time = |k: &str| {
                [
                    "SyntaxError",
                    "UnknownName",
                    "TypeMismatch",
                    "ArityMismatch",
                    "InvalidReturn",
                    "MissingMain",
                ]
                .contains(&k)
            };
            let program = match parse(&src) {
                Ok(p) => p,
                Err(d) => {
                    assert_eq!(Some(d.kind.name()), expected, "{}: {d}", path.display());
                    continue;
                }
            };
            let result = check(&program);
            match (expected, result) {
                (Some(k), Err(d)) => assert_eq!(d.kind.name(), k, "{}: {d}", path.display()),
                (Some(k), Ok(_)) if compile_time(k) => {
                    panic!("{}: expected {k}, the checker accepted it", path.display())
                }
                (Some("UnhandledEffect"), Ok(c)) => {
                    assert_invariants(&program, &c, &src);
                    let path = path.display();
                    let unhandled = unhandled_effects(&program, &c);
                    if dir != "tests/tel/programs" {
                        assert!(!unhandled.is_empty(), "{path}: nothing reported unhandled");
                    }
                }
                (_, Ok(c)) => {
                    assert_invariants(&program, &c, &src);
                    assert!(
                        unhandled_effects(&program, &c).is_empty(),
                        "{}: effects reported unhandled",
                        path.display()
                    );
                }
                (None, Err(d)) => panic!("{}: rejected: {d}", path.display()),
            }
        }
    }
    assert!(seen > 0, "no conformance programs found under {}", root.display());
}

/// Runs `f` on a thread with the smallest stack the checker promises to work on.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the checker overflowed a 2 MiB stack or panicked");
}

/// The deepest nesting of `open`/`close` around `inner` that the parser accepts, parsed.
fn deepest(prefix: &str, open: &str, inner: &str, close: &str, suffix: &str) -> Program {
    let make = |n: usize| format!("{prefix}{}{inner}{}{suffix}", open.repeat(n), close.repeat(n));
    let (mut lo, mut hi) = (0usize, 1024usize);
    // Nesting `n` parses for every `n` up to a limit: binary search for it.
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if parse(&make(mid)).is_ok() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    assert!(lo >= 100, "the parser stopped at {lo} for {open}");
    parsed(&make(lo))
}

#[test]
fn deepest_programs_check_on_a_small_stack() {
    on_small_stack(|| {
        let programs = [
            deepest("flow main() -> Int { return ", "(", "1", ")", "; }"),
            deepest("flow main() -> Int { return ", "- ", "1", "", "; }"),
            deepest("flow main() -> Int ", "{ ", "1", " }", ""),
            deepest("flow main() -> Int { return ", "{ let x = ", "1", "; x }", "; }"),
            deepest(
                "flow main() -> Int { return ",
                "if true { ",
                "1",
                " } else { 2 }",
                "; }",
            ),
            deepest(
                "flow main() -> Int { let f = ",
                "\\x -> ",
                "1",
                "",
                "; return 1; }",
            ),
            deepest("flow main() -> Int { return ", "[", "1", "][0]", "; }"),
            deepest("flow main() -> Int { return ", "I(", "1", ")", "; }"),
            deepest(
                "effect e(): Int;\nflow main() -> Int { return ",
                "handle { ",
                "perform e()",
                " } with { e() -> resume(1) }",
                "; }",
            ),
            deepest(
                "flow main() -> Int { var x = 0; ",
                "while true { ",
                "x = 1;",
                " }",
                " return x; }",
            ),
            deepest("flow main(x: ", "[", "Int", "]", ") -> Int { return 1; }"),
        ];
        for program in &programs {
            // Some are type errors (a list parameter of main); none may overflow.
            let _ = check(program);
        }
        let l = deepest("flow main() -> Int { return len(", "[", "1", "]", "); }");
        assert!(check(&l).is_ok());
        let p = deepest("flow main() -> Int { return ", "(", "1", ")", "; }");
        assert!(check(&p).is_ok());
    });
}

/// A tree far deeper than the parser builds (hand-made) is refused, not a stack overflow.
#[test]
fn trees_deeper_than_the_checker_recurses_are_refused() {
    on_small_stack(|| {
        let mut program = parsed("flow main() -> Int { return 1; }");
        let Some(Item::Flow(main)) = program.items.first_mut() else {
            panic!("main")
        };
        let StmtKind::Return(Some(value)) = &mut main.body.stmts[0].kind else {
            panic!("return")
        };
        let mut next = program.node_count;
        const DEPTH: usize = 3000;
        for _ in 0..DEPTH {
            let inner = std::mem::replace(
                value,
                Expr {
                    kind: ExprKind::Unit,
                    span: Default::default(),
                    id: NodeId(next),
                },
            );
            value.kind = ExprKind::Unary(crate::ast::UnOp::Neg, Box::new(inner));
            next += 1;
        }
        program.node_count = next;
        let err = check(&program).expect_err("too deep");
        assert_eq!(err.kind, ErrorKind::SyntaxError);
        // Unwind the tree without recursion so dropping it cannot overflow either.
        let Some(Item::Flow(main)) = program.items.first_mut() else {
            panic!("main")
        };
        let StmtKind::Return(Some(value)) = &mut main.body.stmts[0].kind else {
            panic!("return")
        };
        let mut cur = std::mem::replace(
            value,
            Expr {
                kind: ExprKind::Unit,
                span: Default::default(),
                id: NodeId(0),
            },
        );
        while let ExprKind::Unary(_, inner) = cur.kind {
            cur = *inner;
        }
    });
}

#[test]
fn exponentially_large_types_are_refused_quickly() {
    let mut src = String::from("flow main() -> Int {\n let x0 = 1;\n");
    for i in 1..=80 {
        src.push_str(&format!(" let x{i} = {{a: x{p}, b: x{p}}};\n", p = i - 1));
    }
    src.push_str(" return x80");
    for i in 0..80 {
        src.push_str(if i % 2 == 0 { ".a" } else { ".b" });
    }
    src.push_str("; }");
    let start = std::time::Instant::now();
    let err = error(&src);
    assert_eq!(err.kind, ErrorKind::TypeMismatch);
    assert!(err.message.contains("too large"), "{}", err.message);
    assert!(start.elapsed().as_secs() < 10);
}

#[test]
fn deep_inferred_types_are_refused_without_overflow() {
    on_small_stack(|| {
        let mut src = String::from("flow main() -> Int {\n let x0 = 1;\n");
        for i in 1..=2000 {
            src.push_str(&format!(" let x{i} = [x{}];\n", i - 1));
        }
        src.push_str(" return len(x2000); }");
        let err = error(&src);
        assert_eq!(err.kind, ErrorKind::TypeMismatch);
        assert!(err.message.contains("too large"), "{}", err.message);
        // Within the limit, fine.
        let mut ok = String::from("flow main() -> Int {\n let x0 = 1;\n");
        for i in 1..=300 {
            ok.push_str(&format!(" let x{i} = [x{}];\n", i - 1));
        }
        ok.push_str(" return len(x300); }");
        assert!(run(&ok).is_ok());
    });
}

#[test]
fn many_bindings_and_long_chains_check_fast() {
    let mut src = String::from("flow main() -> Int {\n var s = 0;\n");
    for i in 0..20_000 {
        src.push_str(&format!(" let v{i} = s + {i};\n s = v{i};\n"));
    }
    src.push_str(" return s; }");
    let start = std::time::Instant::now();
    assert!(run(&src).is_ok());
    assert!(start.elapsed().as_secs() < 20);
}
