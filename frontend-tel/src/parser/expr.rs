//! Blocks, statements and expressions of the TEL parser.
//!
//! Owns operator precedence, the statement/tail rules of blocks and the record-literal-versus-block
//! decision. Binary operators, prefix operators and postfix chains are built by loops, not by
//! recursion: only a nested expression (parenthesis, argument, body, ...) costs a recursion level.
//! Functions that dispatch to a construct end in a tail call to it, so their frames stay small.

use super::{PResult, Parser, MAX_DEPTH};
use crate::ast::{BinOp, Block, Clause, Expr, ExprKind, Stmt, StmtKind, UnOp};
use crate::diag::{Diag, ErrorKind, Span};
use crate::lexer::TokenKind as T;

type PExpr = PResult<Box<Expr>>;

/// Where an expression stands.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Any,
    /// The condition of `if`/`while` or the range of `for`: a `{` there opens a block, never a
    /// record literal, so that the body's `{` is not mistaken for one.
    Cond,
}

/// How a statement starts (decided before consuming anything).
enum Start {
    Close,
    Let,
    Var,
    Return,
    Assign,
    BlockLike,
    Expr,
}

/// How a block ended: its tail expression, if any, and the span of its `}`.
struct BlockEnd {
    tail: Option<Box<Expr>>,
    close: Span,
}

/// A left operand waiting for its right one.
struct Pending {
    lhs: Box<Expr>,
    op: BinOp,
    prec: u8,
    at: Span,
}

/// The binary operator under the cursor and its precedence (higher binds tighter).
fn binop(kind: &T) -> Option<(BinOp, u8)> {
    Some(match kind {
        T::PipeGt => (BinOp::Pipe, 1),
        T::OrOr => (BinOp::Or, 2),
        T::AndAnd => (BinOp::And, 3),
        T::EqEq => (BinOp::Eq, 4),
        T::Ne => (BinOp::Ne, 4),
        T::Lt => (BinOp::Lt, 5),
        T::Le => (BinOp::Le, 5),
        T::Gt => (BinOp::Gt, 5),
        T::Ge => (BinOp::Ge, 5),
        T::Plus => (BinOp::Add, 6),
        T::Minus => (BinOp::Sub, 6),
        T::Star => (BinOp::Mul, 7),
        T::Slash => (BinOp::Div, 7),
        T::Percent => (BinOp::Rem, 7),
        _ => return None,
    })
}

/// The literal that only a minus sign in front of it makes an Int: `-9223372036854775808`.
const MIN_MAGNITUDE: u128 = 1 << 63;

impl Parser<'_> {
    /// `{ stmts tail }`
    pub(super) fn block(&mut self) -> PResult<Block> {
        let start = self.expect(T::LBrace)?;
        let mut stmts = Vec::new();
        loop {
            if let Some(end) = self.stmt(&mut stmts)? {
                return Ok(Block {
                    stmts,
                    tail: end.tail,
                    span: start.to(end.close),
                });
            }
        }
    }

    /// One statement, pushed onto `stmts`; or the end of the block.
    fn stmt(&mut self, stmts: &mut Vec<Stmt>) -> PResult<Option<BlockEnd>> {
        match self.stmt_start()? {
            Start::Close => {
                let close = self.advance()?;
                Ok(Some(BlockEnd { tail: None, close }))
            }
            Start::Let => self.binding(stmts, false),
            Start::Var => self.binding(stmts, true),
            Start::Return => self.return_stmt(stmts),
            Start::Assign => self.assign(stmts),
            Start::BlockLike => self.expr_stmt(stmts, true),
            Start::Expr => self.expr_stmt(stmts, false),
        }
    }

    fn stmt_start(&mut self) -> PResult<Start> {
        if matches!(self.cur.kind, T::Ident(_)) && *self.nth(1)? == T::Assign {
            return Ok(Start::Assign);
        }
        if self.record_ahead()? {
            return Ok(Start::Expr);
        }
        Ok(match self.cur.kind {
            T::RBrace => Start::Close,
            T::Let => Start::Let,
            T::Var => Start::Var,
            T::Return => Start::Return,
            T::If | T::While | T::For | T::Handle | T::LBrace => Start::BlockLike,
            _ => Start::Expr,
        })
    }

    fn push_stmt(&self, stmts: &mut Vec<Stmt>, kind: StmtKind, first: Span) {
        let end = self.prev_end as usize;
        stmts.push(Stmt {
            kind,
            span: first.to(Span::new(end, end)),
        });
    }

    /// `let x = e;` / `var x = e;`
    fn binding(&mut self, stmts: &mut Vec<Stmt>, mutable: bool) -> PResult<Option<BlockEnd>> {
        let first = self.advance()?;
        let name = self.ident("variable name")?;
        self.expect(T::Assign)?;
        let value = self.expr()?;
        self.expect(T::Semi)?;
        let kind = if mutable {
            StmtKind::Var(name, *value)
        } else {
            StmtKind::Let(name, *value)
        };
        self.push_stmt(stmts, kind, first);
        Ok(None)
    }

    /// `return e;` / `return;`
    fn return_stmt(&mut self, stmts: &mut Vec<Stmt>) -> PResult<Option<BlockEnd>> {
        let first = self.advance()?;
        let value = if self.at(&T::Semi) {
            None
        } else {
            Some(self.expr()?)
        };
        self.expect(T::Semi)?;
        self.push_stmt(stmts, StmtKind::Return(value.map(|e| *e)), first);
        Ok(None)
    }

    /// `x = e;`
    fn assign(&mut self, stmts: &mut Vec<Stmt>) -> PResult<Option<BlockEnd>> {
        let first = self.cur.span;
        let target = self.ident("variable name")?;
        self.advance()?;
        let value = self.expr()?;
        self.expect(T::Semi)?;
        self.push_stmt(stmts, StmtKind::Assign(target, *value), first);
        Ok(None)
    }

    /// An expression statement or the block's tail.
    fn expr_stmt(&mut self, stmts: &mut Vec<Stmt>, block_like: bool) -> PResult<Option<BlockEnd>> {
        let first = self.cur.span;
        let e = if block_like {
            // Like Rust: `if`, `while`, ... at statement start end the statement, so that
            // `if c { } -x` is two statements rather than a subtraction.
            self.enter()?;
            let e = self.block_like()?;
            self.depth -= 1;
            e
        } else {
            self.expr()?
        };
        if self.at(&T::RBrace) {
            let close = self.advance()?;
            return Ok(Some(BlockEnd { tail: Some(e), close }));
        }
        if !self.eat(&T::Semi)? && !block_like {
            return Err(self.unexpected("`;` or `}`"));
        }
        self.push_stmt(stmts, StmtKind::Expr(*e), first);
        Ok(None)
    }

    /// Whether the cursor is at `{ IDENT :`, the start of a record literal.
    fn record_ahead(&mut self) -> PResult<bool> {
        Ok(self.at(&T::LBrace) && matches!(self.nth(1)?, T::Ident(_)) && *self.nth(2)? == T::Colon)
    }

    pub(super) fn expr(&mut self) -> PExpr {
        self.expr_in(Ctx::Any)
    }

    /// An expression pushed onto a list (arguments, elements).
    fn expr_item(&mut self, items: &mut Vec<Expr>) -> PResult<()> {
        let e = self.expr()?;
        items.push(*e);
        Ok(())
    }

    fn expr_in(&mut self, ctx: Ctx) -> PExpr {
        self.enter()?;
        let e = self.binary(ctx);
        self.depth -= 1;
        e
    }

    /// Operator precedence by a stack of pending left operands: their precedences strictly
    /// increase, so the stack holds at most one entry per precedence level.
    fn binary(&mut self, ctx: Ctx) -> PExpr {
        let mut pending: Vec<Pending> = Vec::new();
        let mut operand = self.unary(ctx)?;
        while let Some((op, prec)) = binop(&self.cur.kind) {
            let at = self.advance()?;
            let lhs = self.reduce(&mut pending, operand, prec)?;
            pending.push(Pending { lhs, op, prec, at });
            operand = self.unary(ctx)?;
        }
        self.reduce(&mut pending, operand, 0)
    }

    /// Combines the pending operands that bind at least as tightly as `prec` (every binary
    /// operator is left-associative) with `rhs`.
    fn reduce(&mut self, pending: &mut Vec<Pending>, mut rhs: Box<Expr>, prec: u8) -> PExpr {
        while let Some(p) = pending.pop_if(|p| p.prec >= prec) {
            let span = p.lhs.span.to(rhs.span);
            rhs = self.node(ExprKind::Binary(p.op, p.lhs, rhs), span, p.at)?;
        }
        Ok(rhs)
    }

    /// Prefix operators, then a primary expression with its postfix chain.
    fn unary(&mut self, ctx: Ctx) -> PExpr {
        let mut prefix: Vec<(UnOp, Span)> = Vec::new();
        loop {
            let op = match self.cur.kind {
                T::Minus => UnOp::Neg,
                T::Bang => UnOp::Not,
                _ => break,
            };
            // Each operator is a level above the operand (itself at least one): stop a long run at
            // its first excess operator, before reading on.
            if prefix.len() as u32 + 1 >= MAX_DEPTH {
                return Err(Self::too_deep(self.cur.span));
            }
            prefix.push((op, self.advance()?));
        }
        // Only a minus sign *directly* followed by the literal makes the minimum Int (SPEC).
        let min_literal = matches!(prefix.last(), Some((UnOp::Neg, minus)) if minus.end == self.cur.span.start)
            && self.cur.kind == T::Int(MIN_MAGNITUDE);
        let primary = match prefix.pop_if(|_| min_literal) {
            Some((_, minus)) => {
                let literal = self.advance()?;
                self.leaf(ExprKind::Int(i64::MIN), minus.to(literal))
            }
            None => self.primary(ctx)?,
        };
        let e = self.postfix(primary)?;
        self.apply_prefix(prefix, e)
    }

    fn apply_prefix(&mut self, mut prefix: Vec<(UnOp, Span)>, mut e: Box<Expr>) -> PExpr {
        while let Some((op, at)) = prefix.pop() {
            let span = at.to(e.span);
            e = self.node(ExprKind::Unary(op, e), span, at)?;
        }
        Ok(e)
    }

    /// Calls, field accesses and indexing, left to right.
    fn postfix(&mut self, mut e: Box<Expr>) -> PExpr {
        loop {
            let at = self.cur.span;
            if !matches!(self.cur.kind, T::LParen | T::Dot | T::LBracket) {
                return Ok(e);
            }
            // Checked before the arguments are read, so that a long chain stops at its first excess
            // link (the node would be rejected anyway).
            if self.height(&e) + 1 > MAX_DEPTH {
                return Err(Self::too_deep(at));
            }
            e = match self.cur.kind {
                T::LParen => self.call(e, at)?,
                T::Dot => self.field(e, at)?,
                _ => self.index(e, at)?,
            };
        }
    }

    fn call(&mut self, callee: Box<Expr>, at: Span) -> PExpr {
        self.advance()?;
        let (args, end) = self.comma_list(T::RParen, Self::expr_item)?;
        let span = callee.span.to(end);
        self.node(ExprKind::Call(callee, args), span, at)
    }

    fn field(&mut self, record: Box<Expr>, at: Span) -> PExpr {
        self.advance()?;
        let field = self.ident("field name")?;
        let span = record.span.to(field.span);
        self.node(ExprKind::Field(record, field), span, at)
    }

    fn index(&mut self, list: Box<Expr>, at: Span) -> PExpr {
        self.advance()?;
        let index = self.expr()?;
        let end = self.expect(T::RBracket)?;
        let span = list.span.to(end);
        self.node(ExprKind::Index(list, index), span, at)
    }

    fn primary(&mut self, ctx: Ctx) -> PExpr {
        if ctx == Ctx::Any && self.record_ahead()? {
            return self.record();
        }
        match self.cur.kind {
            T::Int(_) | T::True | T::False | T::Unit | T::Str(_) | T::Ident(_) => self.literal(),
            T::LParen => self.paren(),
            T::LBracket => self.list(),
            T::LBrace | T::If | T::While | T::For | T::Handle => self.block_like(),
            T::Backslash => self.lambda(ctx),
            T::Perform => self.perform(),
            T::Resume => self.resume(),
            _ => Err(self.unexpected("expression")),
        }
    }

    /// A literal or a name.
    fn literal(&mut self) -> PExpr {
        let tok = self.bump()?;
        let kind = match tok.kind {
            T::Int(n) => ExprKind::Int(i64::try_from(n).map_err(|_| {
                Box::new(Diag::new(
                    ErrorKind::SyntaxError,
                    tok.span,
                    "integer literal out of range",
                ))
            })?),
            T::True => ExprKind::Bool(true),
            T::False => ExprKind::Bool(false),
            T::Str(s) => ExprKind::Str(s),
            T::Ident(name) => ExprKind::Var(name),
            _ => ExprKind::Unit,
        };
        Ok(self.leaf(kind, tok.span))
    }

    /// `( e )`
    fn paren(&mut self) -> PExpr {
        let start = self.advance()?;
        let mut e = self.expr()?;
        let end = self.expect(T::RParen)?;
        self.parenthesize(&e, start)?;
        // The parentheses belong to the expression: `(a + b) * c` spans from `(`.
        e.span = start.to(end);
        Ok(e)
    }

    /// `[a, b]`
    fn list(&mut self) -> PExpr {
        let start = self.advance()?;
        let (elems, end) = self.comma_list(T::RBracket, Self::expr_item)?;
        self.node(ExprKind::List(elems), start.to(end), start)
    }

    /// `{name: e, ...}` (the caller has seen `{ IDENT :`).
    fn record(&mut self) -> PExpr {
        let start = self.advance()?;
        let (fields, end) = self.comma_list(T::RBrace, |p, fields| {
            let name = p.ident("field name")?;
            p.expect(T::Colon)?;
            let value = p.expr()?;
            fields.push((name, *value));
            Ok(())
        })?;
        self.node(ExprKind::Record(fields), start.to(end), start)
    }

    /// `\x, y -> body`; the body extends as far as an expression can.
    fn lambda(&mut self, ctx: Ctx) -> PExpr {
        let start = self.advance()?;
        let mut params = vec![self.ident("parameter name")?];
        while self.eat(&T::Comma)? {
            params.push(self.ident("parameter name")?);
        }
        if !self.eat(&T::Arrow)? {
            return Err(self.unexpected("`,` or `->`"));
        }
        let body = self.expr_in(ctx)?;
        let span = start.to(body.span);
        self.node(ExprKind::Lambda(params, body), span, start)
    }

    /// `perform NAME(args)`
    fn perform(&mut self) -> PExpr {
        let start = self.advance()?;
        let effect = self.ident("effect name")?;
        self.expect(T::LParen)?;
        let (args, end) = self.comma_list(T::RParen, Self::expr_item)?;
        self.node(ExprKind::Perform(effect, args), start.to(end), start)
    }

    /// `resume(e)`
    fn resume(&mut self) -> PExpr {
        let start = self.advance()?;
        self.expect(T::LParen)?;
        let value = self.expr()?;
        let end = self.expect(T::RParen)?;
        self.node(ExprKind::Resume(value), start.to(end), start)
    }

    /// `if`, `while`, `for`, `handle` or a block, at the cursor.
    fn block_like(&mut self) -> PExpr {
        match self.cur.kind {
            T::If => self.if_expr(),
            T::While => self.while_expr(),
            T::For => self.for_expr(),
            T::Handle => self.handle(),
            _ => self.block_expr(),
        }
    }

    fn block_expr(&mut self) -> PExpr {
        let start = self.cur.span;
        let block = self.block()?;
        let span = block.span;
        self.node(ExprKind::Block(block), span, start)
    }

    /// `if c { } [else if d { } | else { }]`
    fn if_expr(&mut self) -> PExpr {
        let start = self.advance()?;
        let cond = self.expr_in(Ctx::Cond)?;
        let then = self.block()?;
        let else_ = if self.eat(&T::Else)? {
            Some(self.else_branch()?)
        } else {
            None
        };
        let end = else_.as_ref().map_or(then.span, |e| e.span);
        self.node(ExprKind::If(cond, then, else_), start.to(end), start)
    }

    /// After `else`: an `if` or a block, a node one level below the `if` it belongs to.
    fn else_branch(&mut self) -> PExpr {
        if !matches!(self.cur.kind, T::If | T::LBrace) {
            return Err(self.unexpected("`if` or `{`"));
        }
        self.enter()?;
        let e = self.block_like();
        self.depth -= 1;
        e
    }

    /// `while c { }`
    fn while_expr(&mut self) -> PExpr {
        let start = self.advance()?;
        let cond = self.expr_in(Ctx::Cond)?;
        let body = self.block()?;
        let span = start.to(body.span);
        self.node(ExprKind::While(cond, body), span, start)
    }

    /// `for i in a..b { }`
    fn for_expr(&mut self) -> PExpr {
        let start = self.advance()?;
        let var = self.ident("loop variable")?;
        self.expect(T::In)?;
        let from = self.expr_in(Ctx::Cond)?;
        self.expect(T::DotDot)?;
        let to = self.expr_in(Ctx::Cond)?;
        let body = self.block()?;
        let span = start.to(body.span);
        self.node(ExprKind::For(var, from, to, body), span, start)
    }

    /// `handle { BODY } with { NAME(params) -> e, ... }`
    fn handle(&mut self) -> PExpr {
        let start = self.advance()?;
        let body = self.block()?;
        self.expect(T::With)?;
        self.expect(T::LBrace)?;
        let (clauses, end) = self.comma_list(T::RBrace, Self::clause)?;
        self.node(ExprKind::Handle(body, clauses), start.to(end), start)
    }

    /// `NAME(params) -> expr`, pushed onto `clauses`.
    fn clause(&mut self, clauses: &mut Vec<Clause>) -> PResult<()> {
        let effect = self.ident("effect name")?;
        self.expect(T::LParen)?;
        let (params, _) = self.comma_list(T::RParen, |p, params| {
            params.push(p.ident("parameter name")?);
            Ok(())
        })?;
        self.expect(T::Arrow)?;
        let body = self.expr()?;
        clauses.push(Clause {
            span: effect.span.to(body.span),
            effect,
            params,
            body: *body,
        });
        Ok(())
    }
}
