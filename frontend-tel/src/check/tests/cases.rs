//! The checker's case table: TEL programs with the result the checker must give (accepted, or
//! the error kind), covering every error kind it raises, every statement and expression form, and
//! the SPEC's type rules; then the inferred types of chosen bindings, and messages and spans.
//!
//! Owns only test data. Must never test the parser (sources here are all syntactically valid).

use super::{error, run, type_of_let};
use crate::diag::ErrorKind::{self, *};

#[derive(Clone, Copy, Debug)]
enum Expect {
    Accept,
    Reject(ErrorKind),
}
use Expect::*;

const CASES: &[(&str, Expect, &str)] = &[
    // --- declarations -------------------------------------------------------------------------
    ("any order, mutual recursion", Accept,
     "flow main() -> Bool { return even(4); }
      flow even(n: Int) -> Bool { if n == 0 { return true; } return odd(n - 1); }
      flow odd(n: Int) -> Bool { if n == 0 { return false; } return even(n - 1); }"),
    ("missing main", Reject(MissingMain), "flow helper() -> Int { return 1; }"),
    ("empty program", Reject(MissingMain), ""),
    ("main parameters Int Bool String", Accept,
     "flow main(n: Int, b: Bool, s: String) -> String { if b { return s; } return \"\"; }"),
    ("main parameter list", Reject(TypeMismatch), "flow main(l: [Int]) -> Int { return 1; }"),
    ("main parameter unit", Reject(TypeMismatch), "flow main(u: Unit) -> Int { return 1; }"),
    ("main returns anything", Accept, "flow main() -> {a: [Int]} { return {a: [1]}; }"),
    ("duplicate flow", Reject(SyntaxError),
     "flow f() -> Int { return 1; } flow f() -> Int { return 2; } flow main() -> Int { return 0; }"),
    ("duplicate effect", Reject(SyntaxError),
     "effect e(): Int; effect e(): Int; flow main() -> Int { return 0; }"),
    ("standard effect declared twice", Reject(SyntaxError),
     "effect now(): Int; effect now(): Int; flow main() -> Int { return 0; }"),
    ("duplicate flow parameter", Reject(SyntaxError), "flow main(x: Int, x: Int) -> Int { return x; }"),
    ("duplicate effect parameter", Reject(SyntaxError),
     "effect e(a: Int, a: Int): Int; flow main() -> Int { return 0; }"),
    ("duplicate field in a type", Reject(SyntaxError),
     "flow f(r: {a: Int, a: Int}) -> Int { return 1; } flow main() -> Int { return 0; }"),
    ("unknown type", Reject(UnknownName), "flow main() -> Integer { return 1; }"),
    ("unknown type in effect", Reject(UnknownName), "effect e(x: Foo): Int; flow main() -> Int { return 0; }"),
    ("unknown type nested", Reject(UnknownName),
     "flow f(g: ([Bar]) -> Int) -> Int { return 1; } flow main() -> Int { return 0; }"),
    ("standard effect redeclared identically", Accept,
     "effect log(message: String): Unit; effect split(id: ResourceId, amount: Int): ResourceId;
      flow main() -> Int { perform log(\"x\"); return 0; }"),
    ("standard effect redeclared otherwise", Reject(TypeMismatch),
     "effect log(message: Int): Unit; flow main() -> Int { return 1; }"),
    ("standard effect redeclared with another result", Reject(TypeMismatch),
     "effect now(): String; flow main() -> Int { return 1; }"),
    ("standard effect redeclared with a unit parameter", Reject(TypeMismatch),
     "effect now(u: Unit): Int; flow main() -> Int { return 1; }"),
    ("written function types", Accept,
     "flow run(f: () -> Int, g: (Int, String) -> [Bool]) -> Int { return f(); }
      flow one() -> Int { return 1; } flow h(x: Int, s: String) -> [Bool] { return [true]; }
      flow main() -> Int { return run(one, h); }"),
    // --- names --------------------------------------------------------------------------------
    ("unknown variable", Reject(UnknownName), "flow main() -> Int { return y + 1; }"),
    ("unknown flow", Reject(UnknownName), "flow main() -> Int { return nothing(1); }"),
    ("unknown effect", Reject(UnknownName), "flow main() -> Int { return perform mystery(); }"),
    ("unknown clause effect", Reject(UnknownName),
     "flow main() -> Int { return handle { 1 } with { mystery() -> 2 }; }"),
    ("unknown assignment target", Reject(UnknownName), "flow main() -> Int { z = 1; return 0; }"),
    ("let is not visible before itself", Reject(UnknownName), "flow main() -> Int { let x = x; return x; }"),
    ("block scope ends", Reject(UnknownName), "flow main() -> Int { { let x = 1; } return x; }"),
    ("for variable scope ends", Reject(UnknownName), "flow main() -> Int { for i in 0..2 { } return i; }"),
    ("lambda parameter scope ends", Reject(UnknownName),
     "flow main() -> Int { let f = \\x -> x; return x; }"),
    ("clause parameters are scoped to the clause", Reject(UnknownName),
     "effect e(v: Int): Int; flow main() -> Int { let r = handle { 1 } with { e(v) -> v }; return v; }"),
    ("locals shadow flows", Accept,
     "flow f() -> Int { return 1; } flow main() -> String { let f = \"s\"; return f; }"),
    ("flows shadow built-ins", Accept,
     "flow K(x: Int) -> Int { return x; } flow len(x: Int) -> Int { return x; }
      flow main() -> Int { let f = len; return K(1) + len(2) + f(3); }"),
    ("locals shadow built-ins", Accept, "flow main() -> Int { let len = \\x -> x; return len(5); }"),
    ("a let shadows an outer let", Accept,
     "flow main() -> String { let x = 1; let x = \"s\"; return x; }"),
    ("flows are values", Accept,
     "flow sq(x: Int) -> Int { return x * x; } flow main() -> Int { let f = sq; return f(5); }"),
    // --- assignment ---------------------------------------------------------------------------
    ("assign a var", Accept, "flow main() -> Int { var x = 1; x = x + 1; return x; }"),
    ("assign a let", Reject(TypeMismatch), "flow main() -> Int { let x = 1; x = 2; return x; }"),
    ("assign a parameter", Reject(TypeMismatch), "flow main(x: Int) -> Int { x = 2; return x; }"),
    ("assign a flow", Reject(TypeMismatch), "flow main() -> Int { main = main; return 1; }"),
    ("assign a built-in", Reject(TypeMismatch), "flow main() -> Int { I = I; return 1; }"),
    ("assign a for variable", Reject(TypeMismatch), "flow main() -> Int { for i in 0..3 { i = 1; } return 0; }"),
    ("assign the wrong type", Reject(TypeMismatch), "flow main() -> Int { var x = 1; x = \"s\"; return x; }"),
    ("lambda assigns a captured var", Reject(TypeMismatch),
     "flow main() -> Int { var x = 1; let f = \\y -> { x = y; y }; return f(2); }"),
    ("nested lambda assigns the outer lambda's var", Reject(TypeMismatch),
     "flow main() -> Int { let f = \\y -> { var z = y; let g = \\u -> { z = 1; u }; z }; return f(1); }"),
    ("lambda assigns its own var", Accept,
     "flow main() -> Int { let f = \\y -> { var z = y; z = z + 1; z }; return f(1); }"),
    ("clause assigns the flow's var", Accept,
     "effect emit(x: Int): Unit;
      flow main() -> Int { var sum = 0; handle { perform emit(1); } with { emit(x) -> { sum = sum + x; resume(unit) } }; return sum; }"),
    ("clause in a lambda assigns the lambda's var", Accept,
     "effect tick(): Unit;
      flow main() -> Int { let c = \\b -> { var n = b; handle { perform tick(); } with { tick() -> { n = n + 1; resume(unit) } }; n }; return c(1); }"),
    ("clause in a lambda assigns the flow's var", Reject(TypeMismatch),
     "effect tick(): Unit;
      flow main() -> Int { var n = 0; let c = \\b -> handle { perform tick(); } with { tick() -> { n = 1; resume(unit) } }; c(1); return n; }"),
    ("lambdas read captured vars", Accept, "flow main() -> Int { var x = 1; let f = \\u -> x; x = 2; return f(unit); }"),
    // --- functions, calls, combinators --------------------------------------------------------
    ("curried type equals uncurried", Accept,
     "flow ap(f: (Int) -> (Int) -> Int) -> Int { return f(1, 2); }
      flow add(x: Int, y: Int) -> Int { return x + y; } flow main() -> Int { return ap(add); }"),
    ("uncurried type equals curried", Accept,
     "flow ap(f: (Int, Int) -> Int) -> Int { return f(1)(2); }
      flow k(x: Int) -> (Int) -> Int { return \\y -> x + y; } flow main() -> Int { return ap(k); }"),
    ("partial application", Accept,
     "flow add(x: Int, y: Int) -> Int { return x + y; } flow main() -> Int { let inc = add(1); return inc(2); }"),
    ("partial application returned", Accept,
     "flow add(x: Int, y: Int) -> Int { return x + y; } flow mk() -> (Int) -> Int { return add(1); }
      flow main() -> Int { return mk()(2); }"),
    ("too many arguments", Reject(ArityMismatch),
     "flow f(x: Int) -> Int { return x; } flow main() -> Int { return f(1, 2); }"),
    ("too many arguments to a combinator", Reject(ArityMismatch), "flow main() -> Int { return K(1, 2, 3); }"),
    ("too many arguments to a lambda", Reject(ArityMismatch),
     "flow main() -> Int { let f = \\x -> x + 1; return f(1, 2); }"),
    ("no arguments to a flow that takes some", Reject(ArityMismatch),
     "flow f(x: Int) -> Int { return x; } flow main() -> Int { return f(); }"),
    ("no arguments to a nullary flow", Accept, "flow f() -> Int { return 1; } flow main() -> Int { return f() + f(unit); }"),
    ("no arguments to a lambda of unit", Accept, "flow main() -> Int { let f = \\u -> 5; return f(); }"),
    ("calling an Int", Reject(TypeMismatch), "flow main() -> Int { let x = 1; return x(2); }"),
    ("calling a result that is not a function", Reject(TypeMismatch), "flow main() -> Int { return I(1)(2); }"),
    ("argument type", Reject(TypeMismatch),
     "flow f(x: Int) -> Int { return x; } flow main() -> Int { return f(\"s\"); }"),
    ("function argument type", Reject(TypeMismatch),
     "flow ap(f: (Int) -> Int) -> Int { return f(1); } flow g(s: String) -> Int { return 1; }
      flow main() -> Int { return ap(g); }"),
    ("S K K", Accept, "flow main() -> Int { return S(K, K, 1); }"),
    ("S K K on strings", Accept, "flow main() -> String { return S(K, K, \"s\"); }"),
    ("combinators are polymorphic", Accept,
     "flow main() -> Int { let a = I(1); let b = I(\"s\"); let c = K(true, unit); return a; }"),
    ("B and C", Accept,
     "flow add(x: Int, y: Int) -> Int { return x + y; } flow double(x: Int) -> Int { return x * 2; }
      flow main() -> Int { return B(double, add(1), 20) + C(add, 2, 40); }"),
    ("combinator as a value is monomorphic", Reject(TypeMismatch),
     "flow main() -> Int { let i = I; let a = i(1); let b = i(\"s\"); return a; }"),
    ("lambdas are monomorphic", Reject(TypeMismatch),
     "flow main() -> Int { let id = \\x -> x; let a = id(1); let b = id(\"s\"); return a; }"),
    ("combinator type error", Reject(TypeMismatch), "flow main() -> Int { return B(1, 2, 3); }"),
    ("self application is an infinite type", Reject(TypeMismatch),
     "flow main() -> Int { let f = \\x -> x(x); return 0; }"),
    ("curried lambda", Accept, "flow main() -> Int { let m = \\x, y -> x * y; return m(3)(4) + m(1, 2); }"),
    ("lambda returning lambda", Accept, "flow main() -> Int { let a = \\x -> \\y -> x + y; return a(1, 2); }"),
    ("pipeline", Accept,
     "flow inc(x: Int) -> Int { return x + 1; } flow main() -> Int { return 5 |> inc |> inc; }"),
    ("pipeline into a partial application", Accept,
     "flow add(a: Int, b: Int) -> Int { return a + b; } flow main() -> Int { return 1 |> add(2) |> add(10); }"),
    ("pipeline into a lambda", Accept, "flow main() -> String { return 1 |> \\x -> \"s\"; }"),
    ("pipeline type error", Reject(TypeMismatch),
     "flow inc(x: Int) -> Int { return x + 1; } flow main() -> Int { return \"s\" |> inc; }"),
    ("pipeline into a non-function", Reject(TypeMismatch), "flow main() -> Int { return 1 |> 2; }"),
    ("pipeline into len", Reject(TypeMismatch), "flow main() -> Int { return \"s\" |> len; }"),
    // --- len ----------------------------------------------------------------------------------
    ("len of a string and a list", Accept, "flow main() -> Int { return len(\"abc\") + len([1, 2]) + len([]); }"),
    ("len of an Int", Reject(TypeMismatch), "flow main() -> Int { return len(1); }"),
    ("len of a record", Reject(TypeMismatch), "flow main() -> Int { return len({a: 1}); }"),
    ("len with two arguments", Reject(ArityMismatch), "flow main() -> Int { return len(\"a\", \"b\"); }"),
    ("len with none", Reject(ArityMismatch), "flow main() -> Int { return len(); }"),
    ("len as a value", Reject(TypeMismatch), "flow main() -> Int { let f = len; return 0; }"),
    ("len deferred", Accept, "flow main() -> Int { let f = \\x -> len(x); return f(\"ab\"); }"),
    ("len deferred, later a list", Accept, "flow main() -> Int { let f = \\x -> len(x); return f([unit]); }"),
    ("len deferred, later an Int", Reject(TypeMismatch), "flow main() -> Int { let f = \\x -> len(x); return f(1); }"),
    ("len of nothing known", Reject(TypeMismatch), "flow main() -> Int { let f = \\x -> len(x); return 0; }"),
    // --- operators ----------------------------------------------------------------------------
    ("arithmetic", Accept, "flow main() -> Int { return (1 + 2 * 3) * 10 - 17 / 4 % 3 + -5; }"),
    ("string concatenation", Accept, "flow main() -> String { return \"a\" + \"b\" + \"c\"; }"),
    ("Int plus String", Reject(TypeMismatch), "flow main() -> Int { return 1 + \"two\"; }"),
    ("Bool plus Bool", Reject(TypeMismatch), "flow main() -> Bool { return true + false; }"),
    ("list plus list", Reject(TypeMismatch), "flow main() -> [Int] { return [1] + [2]; }"),
    ("plus of unknowns defaults to Int", Accept, "flow main() -> Int { let f = \\x, y -> x + y; return 0; }"),
    ("plus of unknowns later Strings", Accept,
     "flow main() -> String { let f = \\x, y -> x + y; return f(\"a\", \"b\"); }"),
    ("plus of unknowns later Bools", Reject(TypeMismatch),
     "flow main() -> Bool { let f = \\x, y -> x + y; return f(true, false); }"),
    ("minus on Strings", Reject(TypeMismatch), "flow main() -> String { return \"a\" - \"b\"; }"),
    ("remainder of a Bool", Reject(TypeMismatch), "flow main() -> Int { return 1 % true; }"),
    ("negate a Bool", Reject(TypeMismatch), "flow main() -> Int { return -true; }"),
    ("not an Int", Reject(TypeMismatch), "flow main() -> Bool { return !1; }"),
    ("logic", Accept, "flow main() -> Bool { return !(true && false) || 1 < 2 && 2 >= 2 && 3 > 1 && 1 <= 1; }"),
    ("and of Ints", Reject(TypeMismatch), "flow main() -> Bool { return 1 && true; }"),
    ("comparing Strings by order", Reject(TypeMismatch), "flow main() -> Bool { return \"a\" < \"b\"; }"),
    ("equality", Accept,
     "flow main() -> Bool { return 1 == 1 && \"a\" != \"b\" && unit == unit && [1] == [1] && {a: 1, b: true} == {b: true, a: 1} && true != false; }"),
    ("equality of different types", Reject(TypeMismatch), "flow main() -> Bool { return 1 == \"1\"; }"),
    ("equality of flows", Reject(TypeMismatch),
     "flow f(x: Int) -> Int { return x; } flow main() -> Bool { return f == f; }"),
    ("inequality of lambdas", Reject(TypeMismatch),
     "flow main() -> Bool { let g = \\x -> x; return g != g; }"),
    ("equality of lists of functions", Reject(TypeMismatch),
     "flow f(x: Int) -> Int { return x; } flow main() -> Bool { return [f] == [f]; }"),
    ("equality of records holding functions", Reject(TypeMismatch),
     "flow main() -> Bool { return {a: I} == {a: I}; }"),
    ("equality of values that later turn out functions", Reject(TypeMismatch),
     "flow main() -> Bool { let eq = \\x, y -> x == y; return eq(I, I); }"),
    ("equality of unknowns defaults", Accept, "flow main() -> Bool { return [] == []; }"),
    // --- records and lists --------------------------------------------------------------------
    ("record order does not matter", Accept,
     "flow f(r: {a: Int, b: String}) -> Int { return r.a; } flow main() -> Int { return f({b: \"x\", a: 1}); }"),
    ("record fields must match", Reject(TypeMismatch),
     "flow f(r: {a: Int, b: String}) -> Int { return r.a; } flow main() -> Int { return f({a: 1}); }"),
    ("record field types must match", Reject(TypeMismatch),
     "flow f(r: {a: Int}) -> Int { return r.a; } flow main() -> Int { return f({a: \"1\"}); }"),
    ("missing field", Reject(TypeMismatch), "flow main() -> Int { let r = {a: 1}; return r.b; }"),
    ("field of an Int", Reject(TypeMismatch), "flow main() -> Int { let x = 1; return x.a; }"),
    ("duplicate record field", Reject(SyntaxError), "flow main() -> Int { let r = {a: 1, a: 2}; return 0; }"),
    ("nested records", Accept,
     "flow main() -> String { let r = {p: {q: \"s\"}, n: 1}; return r.p.q; }"),
    ("field access deferred", Accept, "flow main() -> Int { let get = \\r -> r.a; return get({a: 5}); }"),
    ("chained field access deferred", Accept,
     "flow main() -> Int { let get = \\r -> r.a.b + 1; return get({a: {b: 1}}); }"),
    ("field access deferred through a later binding", Accept,
     "flow main() -> Int { let f = \\r, s -> r.x + s.y.x; return f({x: 1}, {y: {x: 2}}); }"),
    ("field access never resolved", Reject(TypeMismatch), "flow main() -> Int { let get = \\r -> r.a; return 0; }"),
    ("field access deferred, wrong field", Reject(TypeMismatch),
     "flow main() -> Int { let get = \\r -> r.a; return get({b: 5}); }"),
    ("lists", Accept, "flow main() -> [[Int]] { let l = [[1], [], [2, 3]]; return [l[0], [l[2][1]]]; }"),
    ("empty list", Accept, "flow main() -> [String] { return []; }"),
    ("list elements differ", Reject(TypeMismatch), "flow main() -> [Int] { return [1, \"2\"]; }"),
    ("indexing an Int", Reject(TypeMismatch), "flow main() -> Int { let x = 1; return x[0]; }"),
    ("index by a String", Reject(TypeMismatch), "flow main() -> Int { return [1][\"0\"]; }"),
    // --- statements, blocks, control flow -----------------------------------------------------
    ("block expression", Accept, "flow main() -> Int { let x = { let a = 3; let b = 4; a * b }; return x; }"),
    ("block without tail is Unit", Reject(TypeMismatch), "flow main() -> Int { let u = { 1; }; return u; }"),
    ("unit block", Accept, "flow main() -> Unit { let u = { 1; }; return u; }"),
    ("if condition", Reject(TypeMismatch), "flow main() -> Int { if 1 { return 1; } return 0; }"),
    ("if expression", Accept, "flow main() -> Int { let x = if true { 1 } else if false { 2 } else { 3 }; return x; }"),
    ("if branches differ", Reject(TypeMismatch), "flow main() -> Int { return if true { 1 } else { \"2\" }; }"),
    ("if without else with a value", Reject(TypeMismatch), "flow main() -> Int { if true { 1 } return 0; }"),
    ("if without else of Unit", Accept, "flow main() -> Int { if true { perform log(\"x\") } return 0; }"),
    ("diverging branch takes the other's type", Accept,
     "flow main() -> Int { let x = if true { return 1; } else { 2 }; return x; }"),
    ("while", Accept, "flow main() -> Int { var i = 0; while i < 10 { i = i + 1; } return i; }"),
    ("while condition", Reject(TypeMismatch), "flow main() -> Int { while 1 { } return 0; }"),
    ("for", Accept, "flow main() -> Int { var s = 0; for i in 1..10 + 1 { s = s + i; } return s; }"),
    ("for bound", Reject(TypeMismatch), "flow main() -> Int { for i in 0..\"3\" { } return 0; }"),
    ("for variable is an Int", Reject(TypeMismatch), "flow main() -> Int { for i in 0..3 { let s = i + \"s\"; } return 0; }"),
    ("loops have type Unit", Accept, "flow main() -> Unit { let a = while false { }; let b = for i in 0..1 { }; return b; }"),
    ("expression statements discard", Accept, "flow main() -> Int { 1; \"s\"; [1]; return 0; }"),
    // --- return -------------------------------------------------------------------------------
    ("return type", Reject(TypeMismatch), "flow main() -> Int { return \"one\"; }"),
    ("bare return in an Int flow", Reject(TypeMismatch), "flow main() -> Int { return; }"),
    ("bare return in a Unit flow", Accept, "flow f() -> Unit { return; } flow main() -> Unit { f(); }"),
    ("value return in a Unit flow", Reject(TypeMismatch), "flow main() -> Unit { return 1; }"),
    ("missing return", Reject(TypeMismatch), "flow main() -> Int { let x = 1; }"),
    ("missing return on a path", Reject(TypeMismatch), "flow main() -> Int { if true { return 1; } }"),
    ("a loop does not always return", Reject(TypeMismatch), "flow main() -> Int { while true { return 1; } }"),
    ("if/else statements that both return", Accept,
     "flow main() -> Int { if true { return 1; } else { return 2; } }"),
    ("else-if chain that always returns", Accept,
     "flow f(n: Int) -> String { if n < 0 { return \"neg\"; } else if n == 0 { return \"zero\"; } else { return \"pos\"; } }
      flow main() -> String { return f(1); }"),
    ("else-if chain with a gap", Reject(TypeMismatch),
     "flow f(n: Int) -> String { if n < 0 { return \"neg\"; } else if n == 0 { return \"zero\"; } }
      flow main() -> String { return f(1); }"),
    ("nested block that returns", Accept, "flow main() -> Int { { let x = 1; return x; } }"),
    ("statements after a return", Accept, "flow main() -> Int { return 1; let x = 2; }"),
    ("tail value", Accept, "flow main() -> Int { let x = 1; x + 1 }"),
    ("tail value of the wrong type", Reject(TypeMismatch), "flow main() -> Int { \"a\" }"),
    ("unit flow ending in a statement", Accept, "flow main() -> Unit { perform log(\"x\"); }"),
    ("return in a lambda", Reject(InvalidReturn), "flow main() -> Int { let f = \\x -> { return x; }; return f(1); }"),
    ("return in a handle body", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { let r = handle { return 1; } with { ask() -> resume(1) }; return r; }"),
    ("return in a clause", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { return handle { perform ask() } with { ask() -> { return 2; } }; }"),
    ("return in a lambda in a handle body", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { return handle { let f = \\x -> { return 1; }; 2 } with { ask() -> 1 }; }"),
    ("return after a handle", Accept,
     "effect ask(): Int; flow main() -> Int { let r = handle { perform ask() } with { ask() -> 1 }; return r; }"),
    // --- effects and handlers -----------------------------------------------------------------
    ("perform", Accept, "effect ask(x: Int): Int; flow main() -> Int { return perform ask(1) + 1; }"),
    ("perform arity", Reject(ArityMismatch), "effect ask(x: Int): Int; flow main() -> Int { return perform ask(1, 2); }"),
    ("perform arity of a standard effect", Reject(ArityMismatch), "flow main() -> Int { return perform now(1); }"),
    ("perform argument type", Reject(TypeMismatch), "flow main() -> Int { perform log(1); return 0; }"),
    ("perform result type", Reject(TypeMismatch), "flow main() -> String { return perform now(); }"),
    ("standard resource effects", Accept,
     "flow main() -> Int { let c = perform create_resource(\"t\", 100, \"USD\"); let d = perform split(c, 30);
       perform transfer(d, \"b\"); let m = perform merge(c, d); perform update_resource(m, 1, \"x\");
       let s = perform data(m); perform consume(m); return perform quantity(c) + perform now(); }"),
    ("resume in tail position", Accept,
     "effect ask(): Int; flow main() -> Int { return handle { perform ask() + 1 } with { ask() -> resume(7) }; }"),
    ("resume at the tail of a block", Accept,
     "effect emit(x: Int): Unit; flow main() -> Int { var s = 0; handle { perform emit(1); } with { emit(x) -> { s = s + x; resume(unit) } }; return s; }"),
    ("resume in both branches", Accept,
     "effect ask(x: Int): Int; flow main() -> Int { return handle { perform ask(1) } with { ask(x) -> if x > 0 { resume(x) } else { resume(0) } }; }"),
    ("resume in one branch, abort in the other", Accept,
     "effect ask(x: Int): Int; flow main() -> Int { return handle { perform ask(1) } with { ask(x) -> if x > 0 { resume(x) } else { -1 } }; }"),
    ("resume in an else-if chain", Accept,
     "effect ask(x: Int): Int; flow main() -> Int { return handle { perform ask(1) } with { ask(x) -> if x > 0 { resume(1) } else if x < 0 { resume(2) } else { { resume(3) } } }; }"),
    ("resume not in tail position", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { return handle { perform ask() } with { ask() -> resume(1) + 1 }; }"),
    ("resume outside a clause", Reject(InvalidReturn), "flow main() -> Int { return resume(1); }"),
    ("resume in a statement", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { return handle { perform ask() } with { ask() -> { resume(1); 2 } }; }"),
    ("resume in a let", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { return handle { perform ask() } with { ask() -> { let x = resume(1); x } }; }"),
    ("resume in an if without else", Reject(InvalidReturn),
     "effect ask(): Unit; flow main() -> Unit { handle { perform ask() } with { ask() -> { if true { resume(unit) } } }; }"),
    ("resume of resume", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { return handle { perform ask() } with { ask() -> resume(resume(1)) }; }"),
    ("resume in a lambda in a clause", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { return handle { perform ask() } with { ask() -> { let f = \\x -> resume(x); f(1) } }; }"),
    ("resume in the handle body", Reject(InvalidReturn),
     "effect ask(): Int; flow main() -> Int { return handle { resume(1) } with { ask() -> 1 }; }"),
    ("resume in an inner handle's body inside a clause", Reject(InvalidReturn),
     "effect ask(): Int; effect b(): Int;
      flow main() -> Int { return handle { perform ask() } with { ask() -> handle { resume(1) } with { b() -> 2 } }; }"),
    ("resume in an inner handle's clause refers to the inner handle", Accept,
     "effect ask(): Int; effect b(): String;
      flow main() -> Int { return handle { perform ask() } with { ask() -> handle { len(perform b()) } with { b() -> resume(\"s\") } }; }"),
    ("resume in a while in a clause", Reject(InvalidReturn),
     "effect ask(): Unit; flow main() -> Unit { handle { perform ask() } with { ask() -> while true { resume(unit) } }; }"),
    ("resume value type", Reject(TypeMismatch),
     "effect ask(): Int; flow main() -> Int { return handle { perform ask() } with { ask() -> resume(\"no\") }; }"),
    ("resume has the handle's type", Reject(TypeMismatch),
     "effect ask(): Int; flow main() -> Int { let r = handle { \"body\" } with { ask() -> resume(1) }; return r; }"),
    ("aborting clause value type", Reject(TypeMismatch),
     "effect fail(): Int; flow main() -> Int { return handle { 1 } with { fail() -> \"x\" }; }"),
    ("clause parameters get the effect's types", Reject(TypeMismatch),
     "effect say(s: String): Unit; flow main() -> Unit { handle { perform say(\"a\") } with { say(s) -> { let n = s + 1; resume(unit) } }; }"),
    ("clause arity", Reject(ArityMismatch),
     "effect ask(x: Int): Int; flow main() -> Int { return handle { perform ask(1) } with { ask(a, b) -> resume(a) }; }"),
    ("duplicate clause parameter", Reject(SyntaxError),
     "effect p(a: Int, b: Int): Int; flow main() -> Int { return handle { 1 } with { p(x, x) -> x }; }"),
    ("two clauses for one effect", Reject(SyntaxError),
     "effect ask(): Int; flow main() -> Int { return handle { 1 } with { ask() -> 1, ask() -> 2 }; }"),
    ("duplicate lambda parameter", Reject(SyntaxError), "flow main() -> Int { let f = \\x, x -> x; return 0; }"),
    ("clause for a standard effect", Accept,
     "flow main() -> Int { return handle { perform log(\"x\"); perform now() } with { log(m) -> resume(unit), now() -> 5 }; }"),
    ("handle with several clauses", Accept,
     "effect a(): Int; effect b(x: String): Bool;
      flow main() -> Int { return handle { if perform b(\"s\") { perform a() } else { 0 } } with { a() -> resume(1), b(x) -> resume(x == \"s\") }; }"),
    ("handle as a statement", Accept,
     "effect e(): Unit; flow main() -> Int { handle { perform e(); } with { e() -> resume(unit) } return 0; }"),
    ("unhandled declared effect is not a check error", Accept,
     "effect ping(): Unit; flow main() -> Int { perform ping(); return 0; }"),
    // --- defaulting ---------------------------------------------------------------------------
    ("unconstrained lambda", Accept, "flow main() -> Int { let f = \\x -> x; return 0; }"),
    ("unconstrained empty list", Accept, "flow main() -> Int { let e = []; return len(e); }"),
    ("unconstrained combinator", Accept, "flow main() -> Int { let k = K; let s = S; return 0; }"),
];

#[test]
fn case_table() {
    let mut failures = Vec::new();
    for &(name, expect, src) in CASES {
        let result = std::panic::catch_unwind(|| run(src));
        let outcome = match result {
            Err(_) => Some("panicked".to_string()),
            Ok(result) => match (expect, result) {
                (Accept, Ok(_)) => None,
                (Accept, Err(d)) => Some(format!("rejected: {d}")),
                (Reject(kind), Err(d)) if d.kind == kind => None,
                (Reject(kind), Err(d)) => Some(format!("expected {kind}, got {d}")),
                (Reject(kind), Ok(_)) => Some(format!("expected {kind}, accepted")),
            },
        };
        if let Some(why) = outcome {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_error_kind_the_checker_raises_is_in_the_table() {
    for kind in [
        SyntaxError,
        UnknownName,
        TypeMismatch,
        ArityMismatch,
        InvalidReturn,
        MissingMain,
    ] {
        assert!(
            CASES.iter().any(|(_, e, _)| matches!(e, Reject(k) if *k == kind)),
            "no case for {kind}"
        );
    }
}

/// Inferred types of `let` bindings in `main`.
#[test]
fn inferred_types() {
    let add = "flow add(x: Int, y: Int) -> Int { return x + y; }\n";
    let cases: &[(&str, &str, &str)] = &[
        ("inc", "let inc = add(1);", "(Int) -> Int"),
        ("f", "let f = add;", "(Int, Int) -> Int"),
        ("f", "let f = \\x, y -> x + y;", "(Int, Int) -> Int"),
        (
            "f",
            "let f = \\x, y -> x + y; let s = f(\"a\");",
            "(String, String) -> String",
        ),
        ("e", "let e = [];", "[Unit]"),
        ("r", "let r = {b: 1, a: \"x\"};", "{a: String, b: Int}"),
        ("k", "let k = K(1);", "(Unit) -> Int"),
        ("s", "let s = S(K, K);", "(Unit) -> Unit"),
        ("x", "let x = S(K, K, 1);", "Int"),
        ("c", "let c = C(add);", "(Int, Int) -> Int"),
        ("b", "let b = B(\\x -> [x]);", "((Unit) -> Unit, Unit) -> [Unit]"),
        (
            "g",
            "let g = \\r -> r.a; let v = g({a: true});",
            "({a: Bool}) -> Bool",
        ),
        ("u", "let u = \\x -> 5;", "(Unit) -> Int"),
        ("p", "let p = 2 |> add;", "(Int) -> Int"),
        ("h", "let h = handle { 1 } with { now() -> 2 };", "Int"),
        ("l", "let l = [\\x -> x + 1, add(1)];", "[(Int) -> Int]"),
        ("d", "let d = if true { return 1; } else { return 2; };", "Unit"),
    ];
    for (name, stmts, expected) in cases {
        let src = format!("{add}flow main() -> Int {{ {stmts} return 0; }}");
        assert_eq!(type_of_let(&src, name), *expected, "{stmts}");
    }
}

/// Messages name what is wrong (both types, the unknown name) and spans point at it.
#[test]
fn messages_and_spans() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "flow main() -> Int { return 1 + \"two\"; }",
            "expected Int, found String",
            "\"two\"",
        ),
        ("flow main() -> Int { return y; }", "`y`", "y"),
        ("flow main() -> Int { return perform nope(); }", "`nope`", "nope"),
        ("flow main() -> Int { return nope(1); }", "`nope`", "nope"),
        ("flow main() -> Wat { return 1; }", "`Wat`", "Wat"),
        (
            "flow f(x: Int, y: Int) -> Int { return x; } flow main() -> Int { return f(1, 2, 3); }",
            "`f` takes 2 arguments, 3 given",
            "f(1, 2, 3)",
        ),
        (
            "flow main() -> Int { let x = 1; x = 2; return x; }",
            "cannot assign to `x`: it is not a var",
            "x",
        ),
        (
            "flow main() -> Int { var x = 1; let f = \\y -> { x = y; y }; return f(2); }",
            "lambdas capture by value",
            "x",
        ),
        (
            "effect e(): Int; flow main() -> Int { return handle { 1 } with { e() -> resume(1) + 1 }; }",
            "resume is only allowed in tail position of a handler clause",
            "resume(1)",
        ),
        (
            "flow main() -> Int { return \"s\"; }",
            "expected Int, found String",
            "\"s\"",
        ),
        (
            "flow main() -> Int { let x = 1; }",
            "expected Int, found Unit",
            "}",
        ),
        (
            "flow main() -> [Int] { return [1, true]; }",
            "expected Int, found Bool",
            "true",
        ),
        (
            "flow f(g: (Int) -> Int) -> Int { return 1; } flow main() -> Int { return f(\\x, y -> x); }",
            "expected (Int) -> Int, found (_, _) -> _",
            "\\x, y -> x",
        ),
        ("flow main() -> Bool { return I == I; }", "functions", "I == I"),
        (
            "flow main() -> Int { let r = {a: 1}; return r.b; }",
            "no field `b`",
            "r.b",
        ),
        (
            "flow main() -> Int { let g = \\r -> r.a; return 0; }",
            "cannot infer the record type",
            "r",
        ),
        (
            "flow f() -> Int { return 1; } flow f() -> Int { return 1; }",
            "duplicate flow `f`",
            "f",
        ),
        (
            "flow main() -> Int { let f = \\x -> { return x; }; return 1; }",
            "lambda",
            "return x;",
        ),
    ];
    for (src, needle, at) in cases {
        let d = error(src);
        assert!(d.message.contains(needle), "{src}\nmessage: {}", d.message);
        let span = src.get(d.span.start as usize..d.span.end as usize);
        assert_eq!(span, Some(*at), "{src}\nmessage: {}", d.message);
    }
}
