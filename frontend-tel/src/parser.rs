//! The TEL parser (SPEC "Program structure", "Types", "Statements", "Expressions"): source text to
//! an [`ast::Program`](crate::ast::Program) with dense [`NodeId`]s, or the first syntax error.
//!
//! Owns the grammar, node numbering and the input limits. Must never resolve names or check types
//! (that is `check`), and must never panic, hang or exhaust the stack, whatever the input: the
//! height of every tree it builds is bounded by [`MAX_DEPTH`] (so later passes may recurse over it,
//! and dropping it cannot overflow the stack either), and so is its own recursion.
//!
//! Stack discipline: the functions that stay on the stack while a nested expression is parsed are
//! kept small (they pass `Box<Expr>` and `Box<Diag>` around and leave node building and error
//! formatting to functions that return before the recursion), so that the deepest input fits a
//! 2 MiB thread even unoptimized.

mod expr;
#[cfg(test)]
mod tests;

use crate::ast::{
    EffectDecl, Expr, ExprKind, FlowDecl, Ident, Item, NodeId, Param, Program, TypeExpr, TypeExprKind,
};
use crate::diag::{Diag, ErrorKind, Span};
use crate::lexer::{Lexer, Token, TokenKind as T};
use std::collections::VecDeque;

/// How deep an expression tree may be: every expression node and every pair of parentheses is a
/// level, a statement's expression is at level 1 and the statements of a block one level below the
/// expression the block belongs to. Also the limit for type trees (and, in the lexer, for comments).
pub const MAX_DEPTH: u32 = 256;

/// The largest source text the parser accepts, in bytes.
pub const MAX_SOURCE_LEN: usize = 16 << 20;

type PResult<X> = Result<X, Box<Diag>>;

/// Parses a whole program; the first error found, with its span.
pub fn parse(source: &str) -> Result<Program, Diag> {
    if source.len() > MAX_SOURCE_LEN {
        return Err(Diag::new(
            ErrorKind::SyntaxError,
            Span::default(),
            format!(
                "source text too large ({} bytes; at most {MAX_SOURCE_LEN} are accepted)",
                source.len()
            ),
        ));
    }
    parse_items(source).map_err(|e| *e)
}

fn parse_items(source: &str) -> PResult<Program> {
    let mut p = Parser::new(source)?;
    let mut items = Vec::new();
    loop {
        match p.cur.kind {
            T::Eof => break,
            T::Effect => items.push(Item::Effect(p.effect_decl()?)),
            T::Flow => items.push(Item::Flow(p.flow_decl()?)),
            _ => return Err(p.unexpected("`effect` or `flow`")),
        }
    }
    Ok(Program {
        items,
        node_count: p.heights.len() as u32,
    })
}

struct Parser<'s> {
    lexer: Lexer<'s>,
    /// The token under the cursor.
    cur: Token,
    /// Tokens after `cur` already lexed for lookahead.
    ahead: VecDeque<Token>,
    /// The end of the last consumed token.
    prev_end: u32,
    /// Nested expressions (or types) being parsed around the cursor: never more than the level of
    /// the cursor in the finished tree, so limiting it rejects nothing the height limit accepts,
    /// but stops the descent into an absurdly deep input before the stack runs out.
    depth: u32,
    /// Per `NodeId`: the levels of the tree under that node, itself included (1 for leaves and
    /// idents; parentheses around an expression add one to its entry).
    heights: Vec<u16>,
}

impl<'s> Parser<'s> {
    fn new(source: &'s str) -> PResult<Parser<'s>> {
        let mut lexer = Lexer::new(source);
        let cur = lexer.next_token()?;
        Ok(Parser {
            lexer,
            cur,
            ahead: VecDeque::new(),
            prev_end: 0,
            depth: 0,
            heights: Vec::new(),
        })
    }

    /// Consumes the current token and returns it.
    fn bump(&mut self) -> PResult<Token> {
        let next = match self.ahead.pop_front() {
            Some(t) => t,
            None => self.lexer.next_token()?,
        };
        let tok = std::mem::replace(&mut self.cur, next);
        self.prev_end = tok.span.end;
        Ok(tok)
    }

    /// Consumes the current token and returns its span.
    fn advance(&mut self) -> PResult<Span> {
        Ok(self.bump()?.span)
    }

    /// The kind of the `n`th token after the current one.
    fn nth(&mut self, n: usize) -> PResult<&T> {
        while self.ahead.len() < n {
            let t = self.lexer.next_token()?;
            self.ahead.push_back(t);
        }
        Ok(self.ahead.get(n - 1).map_or(&T::Eof, |t| &t.kind))
    }

    fn at(&self, kind: &T) -> bool {
        self.cur.kind == *kind
    }

    /// Consumes the current token if it is `kind`.
    fn eat(&mut self, kind: &T) -> PResult<bool> {
        if self.at(kind) {
            self.advance()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn unexpected(&self, expected: &str) -> Box<Diag> {
        Box::new(Diag::new(
            ErrorKind::SyntaxError,
            self.cur.span,
            format!("expected {expected}, found {}", self.cur.kind.describe()),
        ))
    }

    fn expect(&mut self, kind: T) -> PResult<Span> {
        if self.at(&kind) {
            return self.advance();
        }
        Err(self.unexpected(&kind.describe()))
    }

    fn too_deep(at: Span) -> Box<Diag> {
        Box::new(Diag::new(ErrorKind::SyntaxError, at, "nesting too deep"))
    }

    /// Opens one level of recursion; the caller closes it with `self.depth -= 1` (after an error
    /// the count no longer matters: the parse is over).
    fn enter(&mut self) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return Err(Self::too_deep(self.cur.span));
        }
        self.depth += 1;
        Ok(())
    }

    /// A fresh node id for a node of the given height (at most `MAX_DEPTH`, so `u16` holds it).
    fn fresh(&mut self, height: u32) -> NodeId {
        let id = NodeId(self.heights.len() as u32);
        self.heights.push(height.min(u32::from(u16::MAX)) as u16);
        id
    }

    fn height(&self, e: &Expr) -> u32 {
        self.heights.get(e.id.0 as usize).map_or(0, |&h| u32::from(h))
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        if !matches!(self.cur.kind, T::Ident(_)) {
            return Err(self.unexpected(what));
        }
        let tok = self.bump()?;
        let name = match tok.kind {
            T::Ident(name) => name,
            _ => String::new(),
        };
        Ok(Ident {
            name,
            span: tok.span,
            id: self.fresh(1),
        })
    }

    /// Items separated by `,` (a trailing one allowed) up to and including `close`, each parsed
    /// and pushed by `item`; returns the items and the span of `close`.
    fn comma_list<X>(
        &mut self,
        close: T,
        mut item: impl FnMut(&mut Self, &mut Vec<X>) -> PResult<()>,
    ) -> PResult<(Vec<X>, Span)> {
        let mut items = Vec::new();
        loop {
            if self.at(&close) {
                let end = self.advance()?;
                return Ok((items, end));
            }
            item(self, &mut items)?;
            if !self.eat(&T::Comma)? && !self.at(&close) {
                return Err(self.unexpected(&format!("`,` or {}", close.describe())));
            }
        }
    }

    fn params(&mut self) -> PResult<Vec<Param>> {
        self.expect(T::LParen)?;
        let (params, _) = self.comma_list(T::RParen, |p, params| {
            let name = p.ident("parameter name")?;
            p.expect(T::Colon)?;
            let ty = p.ty()?;
            params.push(Param { name, ty });
            Ok(())
        })?;
        Ok(params)
    }

    /// `effect NAME(PARAMS): TYPE;`
    fn effect_decl(&mut self) -> PResult<EffectDecl> {
        let start = self.advance()?;
        let name = self.ident("effect name")?;
        let params = self.params()?;
        self.expect(T::Colon)?;
        let ret = self.ty()?;
        let end = self.expect(T::Semi)?;
        Ok(EffectDecl {
            name,
            params,
            ret,
            span: start.to(end),
        })
    }

    /// `flow NAME(PARAMS) -> TYPE { BODY }`; without `-> TYPE` the flow returns `Unit`.
    fn flow_decl(&mut self) -> PResult<FlowDecl> {
        let start = self.advance()?;
        let name = self.ident("flow name")?;
        let params = self.params()?;
        let ret = if self.eat(&T::Arrow)? {
            self.ty()?
        } else {
            let here = Span::new(self.prev_end as usize, self.prev_end as usize);
            TypeExpr {
                kind: TypeExprKind::Named("Unit".into()),
                span: here,
            }
        };
        if !self.at(&T::LBrace) {
            return Err(self.unexpected(if ret.span.start == ret.span.end {
                "`->` or `{`"
            } else {
                "`{`"
            }));
        }
        let body = self.block()?;
        Ok(FlowDecl {
            span: start.to(body.span),
            name,
            params,
            ret,
            body,
        })
    }

    fn ty(&mut self) -> PResult<TypeExpr> {
        self.enter()?;
        let t = match self.cur.kind {
            T::Ident(_) => self.named_type(),
            T::LBrace => self.record_type(),
            T::LBracket => self.list_type(),
            T::LParen => self.paren_type(),
            _ => Err(self.unexpected("type")),
        };
        self.depth -= 1;
        t
    }

    fn named_type(&mut self) -> PResult<TypeExpr> {
        // Type names are not binding sites: they get no node id.
        let tok = self.bump()?;
        let name = match tok.kind {
            T::Ident(name) => name,
            _ => String::new(),
        };
        Ok(TypeExpr {
            kind: TypeExprKind::Named(name),
            span: tok.span,
        })
    }

    /// `{name: Type, ...}`
    fn record_type(&mut self) -> PResult<TypeExpr> {
        let start = self.advance()?;
        if self.at(&T::RBrace) {
            // There is no empty record type.
            return Err(self.unexpected("field name"));
        }
        let (fields, end) = self.comma_list(T::RBrace, |p, fields| {
            let name = p.ident("field name")?;
            p.expect(T::Colon)?;
            let ty = p.ty()?;
            fields.push((name, ty));
            Ok(())
        })?;
        Ok(TypeExpr {
            kind: TypeExprKind::Record(fields),
            span: start.to(end),
        })
    }

    /// `[Type]`
    fn list_type(&mut self) -> PResult<TypeExpr> {
        let start = self.advance()?;
        let elem = self.ty()?;
        let end = self.expect(T::RBracket)?;
        Ok(TypeExpr {
            kind: TypeExprKind::List(Box::new(elem)),
            span: start.to(end),
        })
    }

    /// `(A, B) -> C`, `() -> C`, or `(T)`, which is just `T`.
    fn paren_type(&mut self) -> PResult<TypeExpr> {
        let start = self.advance()?;
        let (mut params, _) = self.comma_list(T::RParen, |p, params| {
            params.push(p.ty()?);
            Ok(())
        })?;
        if self.eat(&T::Arrow)? {
            let ret = self.ty()?;
            return Ok(TypeExpr {
                span: start.to(ret.span),
                kind: TypeExprKind::Func(params, Box::new(ret)),
            });
        }
        match params.pop() {
            Some(only) if params.is_empty() => Ok(only),
            _ => Err(self.unexpected("`->`")),
        }
    }

    /// Builds an expression node; `at` is the token blamed if the node makes the tree too tall.
    fn node(&mut self, kind: ExprKind, span: Span, at: Span) -> PResult<Box<Expr>> {
        let height = 1 + self.children_height(&kind);
        if height > MAX_DEPTH {
            return Err(Self::too_deep(at));
        }
        Ok(Box::new(Expr {
            kind,
            span,
            id: self.fresh(height),
        }))
    }

    /// A leaf node (one level: never too tall).
    fn leaf(&mut self, kind: ExprKind, span: Span) -> Box<Expr> {
        Box::new(Expr {
            kind,
            span,
            id: self.fresh(1),
        })
    }

    /// Counts the parentheses around `e` (opened at `open`) as one more level.
    fn parenthesize(&mut self, e: &Expr, open: Span) -> PResult<()> {
        let height = self.height(e) + 1;
        if height > MAX_DEPTH {
            return Err(Self::too_deep(open));
        }
        if let Some(h) = self.heights.get_mut(e.id.0 as usize) {
            *h = height as u16;
        }
        Ok(())
    }

    fn children_height(&self, kind: &ExprKind) -> u32 {
        let max = |es: &mut dyn Iterator<Item = &Expr>| es.map(|e| self.height(e)).max().unwrap_or(0);
        match kind {
            ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Str(_) | ExprKind::Unit | ExprKind::Var(_) => 0,
            ExprKind::Call(f, args) => max(&mut std::iter::once(&**f).chain(args)),
            ExprKind::Record(fields) => max(&mut fields.iter().map(|(_, e)| e)),
            ExprKind::Field(e, _) | ExprKind::Unary(_, e) | ExprKind::Lambda(_, e) | ExprKind::Resume(e) => {
                self.height(e)
            }
            ExprKind::List(es) | ExprKind::Perform(_, es) => max(&mut es.iter()),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => self.height(a).max(self.height(b)),
            ExprKind::If(c, then, else_) => {
                let else_h = else_.as_deref().map_or(0, |e| self.height(e));
                self.height(c).max(self.block_height(then)).max(else_h)
            }
            ExprKind::While(c, body) => self.height(c).max(self.block_height(body)),
            ExprKind::For(_, a, b, body) => self.height(a).max(self.height(b)).max(self.block_height(body)),
            ExprKind::Block(b) => self.block_height(b),
            ExprKind::Handle(body, clauses) => self
                .block_height(body)
                .max(max(&mut clauses.iter().map(|c| &c.body))),
        }
    }

    fn block_height(&self, block: &crate::ast::Block) -> u32 {
        use crate::ast::StmtKind;
        let stmts = block.stmts.iter().filter_map(|s| match &s.kind {
            StmtKind::Let(_, e) | StmtKind::Var(_, e) | StmtKind::Assign(_, e) | StmtKind::Expr(e) => Some(e),
            StmtKind::Return(e) => e.as_ref(),
        });
        stmts
            .chain(block.tail.as_deref())
            .map(|e| self.height(e))
            .max()
            .unwrap_or(0)
    }
}
