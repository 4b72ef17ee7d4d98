//! The TEL syntax tree, as the parser builds it and the checker and lowering read it.
//!
//! Owns the shape of programs only: no types (see `types`), no resolution (see `check`). Every
//! expression and every binding site carries a [`NodeId`] (unique in its program) so that later
//! passes attach facts to nodes in side tables instead of mutating the tree.

use crate::diag::Span;

/// Identifies one expression or binding site within a program. Dense: `0..Program::node_count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// A name at a binding site (`let x`, a parameter, a flow name) or a use site (an assignment target).
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
    pub id: NodeId,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub items: Vec<Item>,
    /// One more than the largest `NodeId` in the tree.
    pub node_count: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Effect(EffectDecl),
    Flow(FlowDecl),
}

/// `effect NAME(PARAMS): TYPE;`
#[derive(Clone, Debug, PartialEq)]
pub struct EffectDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: TypeExpr,
    pub span: Span,
}

/// `flow NAME(PARAMS) -> TYPE { BODY }`
#[derive(Clone, Debug, PartialEq)]
pub struct FlowDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: TypeExpr,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// `Int`, `Bool`, `String`, `Unit`, `ResourceId` (any other name is an `UnknownName`).
    Named(String),
    /// `{name: Type, ...}` (at least one field).
    Record(Vec<(Ident, TypeExpr)>),
    /// `[Type]`
    List(Box<TypeExpr>),
    /// `(A, B) -> C`; `() -> C` has no parameters.
    Func(Vec<TypeExpr>, Box<TypeExpr>),
}

/// `{ s1; s2; tail }`: `tail` is the final expression without `;`, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `let x = e;`
    Let(Ident, Expr),
    /// `var x = e;`
    Var(Ident, Expr),
    /// `x = e;` (the ident's id is the use site; the checker resolves it to a `var`).
    Assign(Ident, Expr),
    /// `return e;` / `return;` (the latter returns `unit`).
    Return(Option<Expr>),
    /// An expression statement: `e;`, or a block-like expression (`if`, `while`, `for`, `handle`,
    /// a block) that stands without `;` before more statements.
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    pub id: NodeId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Pipe,
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal, already range-checked (`-9223372036854775808` arrives as one literal).
    Int(i64),
    Bool(bool),
    Str(String),
    Unit,
    /// A name: a local, a flow, or a built-in (`I K S B C len`).
    Var(String),
    /// `f(a, b)`; `f()` has no arguments.
    Call(Box<Expr>, Vec<Expr>),
    /// `{a: 1, b: "x"}` in source order.
    Record(Vec<(Ident, Expr)>),
    /// `r.a`
    Field(Box<Expr>, Ident),
    /// `[1, 2, 3]`
    List(Vec<Expr>),
    /// `l[i]`
    Index(Box<Expr>, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    /// `\x, y -> body`
    Lambda(Vec<Ident>, Box<Expr>),
    /// `if c { .. } else ..`: `else_` is a `Block` or another `If` expression.
    If(Box<Expr>, Block, Option<Box<Expr>>),
    While(Box<Expr>, Block),
    /// `for i in a..b { .. }`
    For(Ident, Box<Expr>, Box<Expr>, Block),
    Block(Block),
    /// `perform NAME(args)`
    Perform(Ident, Vec<Expr>),
    /// `handle { BODY } with { clauses }`
    Handle(Block, Vec<Clause>),
    /// `resume(v)`
    Resume(Box<Expr>),
}

/// `NAME(params) -> expr` in a `handle`.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    pub effect: Ident,
    pub params: Vec<Ident>,
    pub body: Expr,
    pub span: Span,
}
