//! Blocks, statements and expressions of the TEL parser.
//!
//! Owns operator precedence, the statement/tail rules of blocks and the record-literal-versus-block
//! decision. Binary operators, prefix operators and postfix chains are built by loops, not by
//! recursion: only a nested expression (parenthesis, argument, body, ...) costs a recursion level.

use super::{PResult, Parser, MAX_DEPTH};
use crate::ast::{BinOp, Block, Clause, Expr, ExprKind, Stmt, StmtKind, UnOp};
use crate::diag::{Diag, ErrorKind, Span};
use crate::lexer::TokenKind as T;

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
            let first = self.cur.span;
            let kind = match self.stmt_start()? {
                Start::Close => {
                    let end = self.bump()?.span;
                    return Ok(Block {
                        stmts,
                        tail: None,
                        span: start.to(end),
                    });
                }
                Start::Let | Start::Var => {
                    let mutable = self.bump()?.kind == T::Var;
                    let name = self.ident("variable name")?;
                    self.expect(T::Assign)?;
                    let value = self.expr()?;
                    self.expect(T::Semi)?;
                    if mutable {
                        StmtKind::Var(name, value)
                    } else {
                        StmtKind::Let(name, value)
                    }
                }
                Start::Return => {
                    self.bump()?;
                    let value = if self.at(&T::Semi) {
                        None
                    } else {
                        Some(self.expr()?)
                    };
                    self.expect(T::Semi)?;
                    StmtKind::Return(value)
                }
                Start::Assign => {
                    let target = self.ident("variable name")?;
                    self.bump()?;
                    let value = self.expr()?;
                    self.expect(T::Semi)?;
                    StmtKind::Assign(target, value)
                }
                how @ (Start::BlockLike | Start::Expr) => {
                    let block_like = matches!(how, Start::BlockLike);
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
                        let end = self.bump()?.span;
                        return Ok(Block {
                            stmts,
                            tail: Some(Box::new(e)),
                            span: start.to(end),
                        });
                    }
                    if !self.eat(&T::Semi)? && !block_like {
                        return Err(self.unexpected("`;` or `}`"));
                    }
                    StmtKind::Expr(e)
                }
            };
            let end = self.prev_end as usize;
            stmts.push(Stmt {
                kind,
                span: first.to(Span::new(end, end)),
            });
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

    /// Whether the cursor is at `{ IDENT :`, the start of a record literal.
    fn record_ahead(&mut self) -> PResult<bool> {
        Ok(self.at(&T::LBrace) && matches!(self.nth(1)?, T::Ident(_)) && *self.nth(2)? == T::Colon)
    }

    pub(super) fn expr(&mut self) -> PResult<Expr> {
        self.expr_in(Ctx::Any)
    }

    fn expr_in(&mut self, ctx: Ctx) -> PResult<Expr> {
        self.enter()?;
        let e = self.binary(ctx)?;
        self.depth -= 1;
        Ok(e)
    }

    /// Operator precedence by a stack of pending left operands: their precedences strictly
    /// increase, so the stack holds at most one entry per precedence level.
    fn binary(&mut self, ctx: Ctx) -> PResult<Expr> {
        let mut operand = self.unary(ctx)?;
        let mut pending: Vec<(Expr, BinOp, u8, Span)> = Vec::new();
        while let Some((op, prec)) = binop(&self.cur.kind) {
            let at = self.bump()?.span;
            // `>=`: every binary operator is left-associative.
            while let Some((lhs, lop, _, lat)) = pending.pop_if(|p| p.2 >= prec) {
                operand = self.binary_node(lop, lhs, operand, lat)?;
            }
            pending.push((operand, op, prec, at));
            operand = self.unary(ctx)?;
        }
        while let Some((lhs, lop, _, lat)) = pending.pop() {
            operand = self.binary_node(lop, lhs, operand, lat)?;
        }
        Ok(operand)
    }

    fn binary_node(&mut self, op: BinOp, lhs: Expr, rhs: Expr, at: Span) -> PResult<Expr> {
        let span = lhs.span.to(rhs.span);
        self.node(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span, at)
    }

    /// Prefix operators, then a primary expression with its postfix chain.
    fn unary(&mut self, ctx: Ctx) -> PResult<Expr> {
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
            prefix.push((op, self.bump()?.span));
        }
        let min_literal =
            matches!(prefix.last(), Some((UnOp::Neg, _))) && self.cur.kind == T::Int(MIN_MAGNITUDE);
        let primary = match prefix.pop_if(|_| min_literal) {
            Some((_, minus)) => {
                let literal = self.bump()?.span;
                self.leaf(ExprKind::Int(i64::MIN), minus.to(literal))
            }
            None => self.primary(ctx)?,
        };
        let mut e = self.postfix(primary)?;
        while let Some((op, at)) = prefix.pop() {
            let span = at.to(e.span);
            e = self.node(ExprKind::Unary(op, Box::new(e)), span, at)?;
        }
        Ok(e)
    }

    /// Calls, field accesses and indexing, left to right.
    fn postfix(&mut self, mut e: Expr) -> PResult<Expr> {
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
            let kind = self.bump()?.kind;
            let start = e.span;
            e = match kind {
                T::LParen => {
                    let (args, end) = self.comma_list(T::RParen, Self::expr)?;
                    self.node(ExprKind::Call(Box::new(e), args), start.to(end), at)?
                }
                T::Dot => {
                    let field = self.ident("field name")?;
                    let span = start.to(field.span);
                    self.node(ExprKind::Field(Box::new(e), field), span, at)?
                }
                _ => {
                    let index = self.expr()?;
                    let end = self.expect(T::RBracket)?;
                    self.node(ExprKind::Index(Box::new(e), Box::new(index)), start.to(end), at)?
                }
            };
        }
    }

    fn primary(&mut self, ctx: Ctx) -> PResult<Expr> {
        let start = self.cur.span;
        let record = ctx == Ctx::Any && self.record_ahead()?;
        let simple = match self.cur.kind {
            T::Int(n) => Some(ExprKind::Int(i64::try_from(n).map_err(|_| {
                Diag::new(ErrorKind::SyntaxError, start, "integer literal out of range")
            })?)),
            T::True => Some(ExprKind::Bool(true)),
            T::False => Some(ExprKind::Bool(false)),
            T::Unit => Some(ExprKind::Unit),
            T::Str(_) | T::Ident(_) => None,
            T::LParen => {
                self.bump()?;
                let mut e = self.expr()?;
                let end = self.expect(T::RParen)?;
                self.parenthesize(&e, start)?;
                // The parentheses belong to the expression: `(a + b) * c` spans from `(`.
                e.span = start.to(end);
                return Ok(e);
            }
            T::LBracket => {
                self.bump()?;
                let (elems, end) = self.comma_list(T::RBracket, Self::expr)?;
                return self.node(ExprKind::List(elems), start.to(end), start);
            }
            T::LBrace if record => return self.record(),
            T::LBrace | T::If | T::While | T::For | T::Handle => return self.block_like(),
            T::Backslash => return self.lambda(ctx),
            T::Perform => {
                self.bump()?;
                let effect = self.ident("effect name")?;
                self.expect(T::LParen)?;
                let (args, end) = self.comma_list(T::RParen, Self::expr)?;
                return self.node(ExprKind::Perform(effect, args), start.to(end), start);
            }
            T::Resume => {
                self.bump()?;
                self.expect(T::LParen)?;
                let value = self.expr()?;
                let end = self.expect(T::RParen)?;
                return self.node(ExprKind::Resume(Box::new(value)), start.to(end), start);
            }
            _ => return Err(self.unexpected("expression")),
        };
        let tok = self.bump()?;
        let kind = match (simple, tok.kind) {
            (Some(kind), _) => kind,
            (None, T::Str(s)) => ExprKind::Str(s),
            (None, T::Ident(name)) => ExprKind::Var(name),
            (None, _) => ExprKind::Unit,
        };
        Ok(self.leaf(kind, start))
    }

    /// `{name: e, ...}` (the caller has seen `{ IDENT :`).
    fn record(&mut self) -> PResult<Expr> {
        let start = self.bump()?.span;
        let (fields, end) = self.comma_list(T::RBrace, |p| {
            let name = p.ident("field name")?;
            p.expect(T::Colon)?;
            Ok((name, p.expr()?))
        })?;
        self.node(ExprKind::Record(fields), start.to(end), start)
    }

    /// `\x, y -> body`; the body extends as far as an expression can.
    fn lambda(&mut self, ctx: Ctx) -> PResult<Expr> {
        let start = self.bump()?.span;
        let mut params = vec![self.ident("parameter name")?];
        while self.eat(&T::Comma)? {
            params.push(self.ident("parameter name")?);
        }
        if !self.eat(&T::Arrow)? {
            return Err(self.unexpected("`,` or `->`"));
        }
        let body = self.expr_in(ctx)?;
        let span = start.to(body.span);
        self.node(ExprKind::Lambda(params, Box::new(body)), span, start)
    }

    /// `if`, `while`, `for`, `handle` or a block, at the cursor.
    fn block_like(&mut self) -> PResult<Expr> {
        let start = self.cur.span;
        match self.cur.kind {
            T::If => self.if_expr(),
            T::While => {
                self.bump()?;
                let cond = self.expr_in(Ctx::Cond)?;
                let body = self.block()?;
                let span = start.to(body.span);
                self.node(ExprKind::While(Box::new(cond), body), span, start)
            }
            T::For => {
                self.bump()?;
                let var = self.ident("loop variable")?;
                self.expect(T::In)?;
                let from = self.expr_in(Ctx::Cond)?;
                self.expect(T::DotDot)?;
                let to = self.expr_in(Ctx::Cond)?;
                let body = self.block()?;
                let span = start.to(body.span);
                self.node(
                    ExprKind::For(var, Box::new(from), Box::new(to), body),
                    span,
                    start,
                )
            }
            T::Handle => {
                self.bump()?;
                let body = self.block()?;
                self.expect(T::With)?;
                self.expect(T::LBrace)?;
                let (clauses, end) = self.comma_list(T::RBrace, Self::clause)?;
                self.node(ExprKind::Handle(body, clauses), start.to(end), start)
            }
            _ => {
                let block = self.block()?;
                let span = block.span;
                self.node(ExprKind::Block(block), span, start)
            }
        }
    }

    fn if_expr(&mut self) -> PResult<Expr> {
        let start = self.bump()?.span;
        let cond = self.expr_in(Ctx::Cond)?;
        let then = self.block()?;
        let mut end = then.span;
        let else_ = if self.eat(&T::Else)? {
            if !matches!(self.cur.kind, T::If | T::LBrace) {
                return Err(self.unexpected("`if` or `{`"));
            }
            // The else branch is a node of its own, one level below the `if`: recurse accordingly.
            self.enter()?;
            let e = self.block_like()?;
            self.depth -= 1;
            end = e.span;
            Some(Box::new(e))
        } else {
            None
        };
        self.node(ExprKind::If(Box::new(cond), then, else_), start.to(end), start)
    }

    /// `NAME(params) -> expr` in a `handle`.
    fn clause(&mut self) -> PResult<Clause> {
        let effect = self.ident("effect name")?;
        self.expect(T::LParen)?;
        let (params, _) = self.comma_list(T::RParen, |p| p.ident("parameter name"))?;
        self.expect(T::Arrow)?;
        let body = self.expr()?;
        Ok(Clause {
            span: effect.span.to(body.span),
            effect,
            params,
            body,
        })
    }
}
