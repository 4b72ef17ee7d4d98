//! The IR text parser: a hand-written lexer and recursive-descent parser for the canonical text form
//! written by [`super::print`], plus name resolution.
//!
//! Owns reading text into a [`Module`]: syntax, `vN`/`blockN`/`gN` numbering, and resolving
//! `@name`s (`call` and `table` refer to functions, defined anywhere in the file; `hostcall` refers
//! to imports, declared anywhere in the file). It checks nothing else: types, arities, memory layout
//! and limits are the verifier's job, so a parsed module must still be verified before it is run.
//!
//! It must never panic, hang or recurse without bound, whatever the input: every failure is a
//! [`ParseError`] with a 1-based line and column (columns count characters).
//!
//! Grammar, one item per line (spaces and tabs anywhere between tokens; `;` starts a comment that
//! runs to the end of the line; blank lines anywhere):
//!
//! ```text
//! memory a32 | memory a64 SIZE
//! metering per_inst | metering per_mark
//! region BASE SIZE none|r|rw
//! data ADDR "bytes"
//! global gN: TYPE = INT              ; g0, g1, ... in order
//! import effect|helper @name SIG
//! table [@f, @g]
//! dynamic SLOTS SIG                  ; lazily resolved functions for `call_dyn`
//! func @name(v0: TYPE, ...) -> RESULTS {
//!     vars vP: TYPE, ...              ; zero or more lines, numbering continues after the params
//! block0:
//!     [vA, vB =] OPCODE OPERANDS [#LOC]
//!     TERMINATOR [#LOC]
//! }
//! ```
//!
//! `SIG` is `(TYPE, ...) -> RESULTS` and `RESULTS` is `(TYPE, ...)` or a single `TYPE`. Integers are
//! decimal or `0x` hex; immediates may be negative (`-5`, `-0x10`) and must fit in i64, addresses,
//! sizes and locations must fit in u64. Names are `@` followed by ASCII letters, digits, `_` and `.`,
//! or `@"quoted"` with the escapes of data strings (`\n \t \\ \" \xHH`).

use super::print::{is_name_byte, name_text};
use super::{
    AddrWidth, BinOp, Block, BlockId, Cond, DataInit, FuncId, Function, Global, GlobalId, Import, ImportId,
    ImportKind, Inst, InstKind, MemWidth, Metering, Module, Operand, RegionDecl, Rights, Signature,
    SourceLoc, Terminator, TrapCode, Type, UnOp, Var,
};
use std::collections::HashMap;

/// A parse (or name-resolution) error at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Parses a module from its text form. The result is not verified.
pub fn parse_module(text: &str) -> Result<Module, ParseError> {
    let mut p = Parser::new(text)?;
    p.module()?;
    p.resolve()?;
    Ok(p.m)
}

type PResult<T> = Result<T, ParseError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    line: usize,
    col: usize,
}

fn error(pos: Pos, message: impl Into<String>) -> ParseError {
    ParseError {
        line: pos.line,
        col: pos.col,
        message: message.into(),
    }
}

/// Shortens source text quoted in messages.
fn clip(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() > MAX {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    } else {
        text.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// `[A-Za-z_][A-Za-z0-9_.]*`: keywords, opcodes, `vN`, `blockN`, `gN`, types...
    Ident,
    /// `@name` or `@"name"`, decoded.
    Name(String),
    /// An unsigned integer literal (a sign is a separate `-` token).
    Int(u64),
    /// A string literal, decoded.
    Str(Vec<u8>),
    /// One of `, : = ( ) [ ] { } + - #`.
    Punct(char),
    Arrow,
    Newline,
    Eof,
}

#[derive(Clone, Debug)]
struct Token<'a> {
    tok: Tok,
    /// The token's source text.
    text: &'a str,
    pos: Pos,
}

impl Token<'_> {
    /// How the token is quoted in "found ..." messages.
    fn describe(&self) -> String {
        match self.tok {
            Tok::Newline => "end of line".to_string(),
            Tok::Eof => "end of input".to_string(),
            Tok::Str(_) => "a string".to_string(),
            _ => format!("`{}`", clip(self.text)),
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next character.
    i: usize,
    line: usize,
    col: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            i: 0,
            line: 1,
            col: 1,
        }
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.i..).and_then(|s| s.chars().next())
    }

    fn advance(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn eat_name_bytes(&mut self) {
        while let Some(b) = self.src.as_bytes().get(self.i) {
            if !is_name_byte(*b) {
                break;
            }
            self.i += 1;
            self.col += 1;
        }
    }

    fn next_token(&mut self) -> PResult<Token<'a>> {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r') => {
                    self.advance();
                }
                Some(';') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.advance();
                    }
                }
                _ => break,
            }
        }
        let start = self.i;
        let pos = self.pos();
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                text: "",
                pos,
            });
        };
        let tok = match c {
            '\n' => {
                self.advance();
                Tok::Newline
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                self.eat_name_bytes();
                Tok::Ident
            }
            c if c.is_ascii_digit() => {
                self.eat_name_bytes();
                Tok::Int(parse_int(&self.src[start..self.i]).map_err(|m| error(pos, m))?)
            }
            '@' => {
                self.advance();
                match self.peek() {
                    Some('"') => {
                        let bytes = self.string()?;
                        let name =
                            String::from_utf8(bytes).map_err(|_| error(pos, "name is not valid UTF-8"))?;
                        Tok::Name(name)
                    }
                    Some(c) if c.is_ascii() && is_name_byte(c as u8) => {
                        self.eat_name_bytes();
                        Tok::Name(self.src[start + 1..self.i].to_string())
                    }
                    _ => return Err(error(pos, "expected a name after `@`")),
                }
            }
            '"' => Tok::Str(self.string()?),
            '-' => {
                self.advance();
                if self.peek() == Some('>') {
                    self.advance();
                    Tok::Arrow
                } else {
                    Tok::Punct('-')
                }
            }
            ',' | ':' | '=' | '(' | ')' | '[' | ']' | '{' | '}' | '+' | '#' => {
                self.advance();
                Tok::Punct(c)
            }
            _ => return Err(error(pos, format!("unexpected character `{}`", c.escape_debug()))),
        };
        Ok(Token {
            tok,
            text: &self.src[start..self.i],
            pos,
        })
    }

    /// A string literal starting at the current `"`.
    fn string(&mut self) -> PResult<Vec<u8>> {
        let start = self.pos();
        self.advance();
        let mut out = Vec::new();
        loop {
            let here = self.pos();
            match self.advance() {
                None | Some('\n') => return Err(error(start, "unterminated string")),
                Some('"') => return Ok(out),
                Some('\\') => match self.advance() {
                    Some('n') => out.push(b'\n'),
                    Some('t') => out.push(b'\t'),
                    Some('\\') => out.push(b'\\'),
                    Some('"') => out.push(b'"'),
                    Some('x') => {
                        let hi = self.advance().and_then(|c| c.to_digit(16));
                        let lo = self.advance().and_then(|c| c.to_digit(16));
                        match (hi, lo) {
                            (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                            _ => return Err(error(here, "invalid escape: `\\x` needs two hex digits")),
                        }
                    }
                    None | Some('\n') => return Err(error(start, "unterminated string")),
                    Some(c) => return Err(error(here, format!("unknown escape `\\{}`", c.escape_debug()))),
                },
                Some(c) => {
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }
}

/// Decimal or `0x` hex, no sign, no separators.
fn parse_int(text: &str) -> Result<u64, String> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(format!("invalid integer literal `{}`", clip(text)));
    }
    u64::from_str_radix(digits, radix).map_err(|_| format!("integer literal `{}` is too large", clip(text)))
}

/// `vN` → N (saturating: an absurd index is simply undeclared).
fn var_index(text: &str) -> Option<u64> {
    numbered(text, "v")
}

fn block_index(text: &str) -> Option<u64> {
    numbered(text, "block")
}

fn global_index(text: &str) -> Option<u64> {
    numbered(text, "g")
}

fn numbered(text: &str, prefix: &str) -> Option<u64> {
    let digits = text.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// A name or number whose meaning is only known at the end of the file.
enum Ref {
    Call {
        func: usize,
        block: usize,
        inst: usize,
        name: String,
        pos: Pos,
    },
    HostCall {
        func: usize,
        block: usize,
        inst: usize,
        name: String,
        pos: Pos,
    },
    Table {
        index: usize,
        name: String,
        pos: Pos,
    },
    Global {
        index: u64,
        text: String,
        pos: Pos,
    },
}

/// The function being parsed.
struct FnState<'a> {
    /// Index the function will get.
    index: usize,
    vars: Vec<Type>,
    blocks: Vec<Block>,
    /// Block references, checked at the closing `}`.
    block_refs: Vec<(u64, Pos, &'a str)>,
}

enum Line {
    Inst(Inst),
    Term(Terminator, Option<SourceLoc>),
}

struct Parser<'a> {
    lex: Lexer<'a>,
    /// The current (not yet consumed) token.
    cur: Token<'a>,
    m: Module,
    seen_memory: bool,
    seen_metering: bool,
    seen_table: bool,
    /// Name → (index, line of definition).
    func_names: HashMap<String, (u32, usize)>,
    import_names: HashMap<String, (u32, usize)>,
    refs: Vec<Ref>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> PResult<Self> {
        let mut lex = Lexer::new(text);
        let cur = lex.next_token()?;
        Ok(Parser {
            lex,
            cur,
            m: Module::default(),
            seen_memory: false,
            seen_metering: false,
            seen_table: false,
            func_names: HashMap::new(),
            import_names: HashMap::new(),
            refs: Vec::new(),
        })
    }

    // --- token helpers ---

    fn bump(&mut self) -> PResult<Token<'a>> {
        let next = self.lex.next_token()?;
        Ok(std::mem::replace(&mut self.cur, next))
    }

    fn err<T>(&self, message: impl Into<String>) -> PResult<T> {
        Err(error(self.cur.pos, message))
    }

    fn expected<T>(&self, what: &str) -> PResult<T> {
        self.err(format!("expected {what}, found {}", self.cur.describe()))
    }

    fn is_punct(&self, c: char) -> bool {
        self.cur.tok == Tok::Punct(c)
    }

    fn eat_punct(&mut self, c: char) -> PResult<bool> {
        if self.is_punct(c) {
            self.bump()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Consumes `c`; otherwise fails with "expected `c` CONTEXT, found ...".
    fn expect_punct(&mut self, c: char, context: &str) -> PResult<()> {
        if self.eat_punct(c)? {
            Ok(())
        } else {
            self.expected(&format!("`{c}` {context}"))
        }
    }

    fn expect_eol(&mut self, after: &str) -> PResult<()> {
        match self.cur.tok {
            Tok::Newline => {
                self.bump()?;
                Ok(())
            }
            Tok::Eof => Ok(()),
            _ => self.expected(&format!("end of line after {after}")),
        }
    }

    fn ident(&self) -> Option<&'a str> {
        (self.cur.tok == Tok::Ident).then_some(self.cur.text)
    }

    fn expect_ident(&mut self, what: &str) -> PResult<(&'a str, Pos)> {
        match self.ident() {
            Some(text) => {
                let pos = self.cur.pos;
                self.bump()?;
                Ok((text, pos))
            }
            None => self.expected(what),
        }
    }

    fn expect_name(&mut self, what: &str) -> PResult<(String, Pos)> {
        if let Tok::Name(name) = &self.cur.tok {
            let name = name.clone();
            let pos = self.cur.pos;
            self.bump()?;
            Ok((name, pos))
        } else {
            self.expected(what)
        }
    }

    fn expect_u64(&mut self, what: &str) -> PResult<u64> {
        if let Tok::Int(v) = self.cur.tok {
            self.bump()?;
            Ok(v)
        } else {
            self.expected(what)
        }
    }

    /// An optionally negative integer that must fit in i64.
    fn expect_i64(&mut self, what: &str) -> PResult<i64> {
        let pos = self.cur.pos;
        let negative = self.eat_punct('-')?;
        let Tok::Int(mag) = self.cur.tok else {
            return if negative {
                self.expected("an integer after `-`")
            } else {
                self.expected(what)
            };
        };
        let text = self.cur.text;
        self.bump()?;
        if negative {
            if mag > 1u64 << 63 {
                return Err(error(
                    pos,
                    format!("integer `-{}` does not fit in i64", clip(text)),
                ));
            }
            Ok(0i64.wrapping_sub(mag as i64))
        } else {
            i64::try_from(mag)
                .map_err(|_| error(pos, format!("integer `{}` does not fit in i64", clip(text))))
        }
    }

    fn expect_type(&mut self) -> PResult<Type> {
        match self.ident() {
            Some("i32") => {
                self.bump()?;
                Ok(Type::I32)
            }
            Some("i64") => {
                self.bump()?;
                Ok(Type::I64)
            }
            _ => self.expected("a type (`i32` or `i64`)"),
        }
    }

    // --- module level ---

    fn module(&mut self) -> PResult<()> {
        loop {
            match self.cur.tok {
                Tok::Newline => {
                    self.bump()?;
                }
                Tok::Eof => return Ok(()),
                _ => match self.ident() {
                    Some("memory") => self.memory()?,
                    Some("metering") => self.metering()?,
                    Some("region") => self.region()?,
                    Some("data") => self.data()?,
                    Some("global") => self.global()?,
                    Some("import") => self.import()?,
                    Some("table") => self.table()?,
                    Some("dynamic") => self.dynamic()?,
                    Some("func") => self.func()?,
                    _ => {
                        return self.expected(
                            "`func` or a directive (`memory`, `metering`, `region`, `data`, `global`, \
                             `import`, `table`, `dynamic`)",
                        )
                    }
                },
            }
        }
    }

    fn memory(&mut self) -> PResult<()> {
        if self.seen_memory {
            return self.err("duplicate `memory` directive");
        }
        self.seen_memory = true;
        self.bump()?;
        let (width, pos) = self.expect_ident("`a32` or `a64` after `memory`")?;
        self.m.memory.addr = match width {
            "a32" => AddrWidth::A32,
            "a64" => AddrWidth::A64 {
                size: self.expect_u64("the address-space size after `memory a64`")?,
            },
            _ => {
                return Err(error(
                    pos,
                    format!(
                        "unknown address width `{}` (expected `a32` or `a64`)",
                        clip(width)
                    ),
                ))
            }
        };
        self.expect_eol("the `memory` directive")
    }

    fn metering(&mut self) -> PResult<()> {
        if self.seen_metering {
            return self.err("duplicate `metering` directive");
        }
        self.seen_metering = true;
        self.bump()?;
        let (kind, pos) = self.expect_ident("`per_inst` or `per_mark` after `metering`")?;
        self.m.metering = match kind {
            "per_inst" => Metering::PerInst,
            "per_mark" => Metering::PerMark,
            _ => {
                return Err(error(
                    pos,
                    format!(
                        "unknown metering `{}` (expected `per_inst` or `per_mark`)",
                        clip(kind)
                    ),
                ))
            }
        };
        self.expect_eol("the `metering` directive")
    }

    fn region(&mut self) -> PResult<()> {
        self.bump()?;
        let base = self.expect_u64("the region's base address")?;
        let size = self.expect_u64("the region's size")?;
        let (rights, pos) = self.expect_ident("the region's rights (`none`, `r` or `rw`)")?;
        let Some(rights) = Rights::from_name(rights) else {
            return Err(error(
                pos,
                format!("unknown rights `{}` (expected `none`, `r` or `rw`)", clip(rights)),
            ));
        };
        self.m.memory.regions.push(RegionDecl { base, size, rights });
        self.expect_eol("the `region` directive")
    }

    fn data(&mut self) -> PResult<()> {
        self.bump()?;
        let addr = self.expect_u64("the data's address")?;
        let Tok::Str(bytes) = &self.cur.tok else {
            return self.expected("a string after the data address");
        };
        let bytes = bytes.clone();
        self.bump()?;
        self.m.memory.data.push(DataInit { addr, bytes });
        self.expect_eol("the `data` directive")
    }

    fn global(&mut self) -> PResult<()> {
        self.bump()?;
        let n = self.m.globals.len();
        match self.ident().and_then(global_index) {
            Some(i) if i == n as u64 => {
                self.bump()?;
            }
            Some(_) => {
                return self.expected(&format!("global `g{n}` (globals are numbered in order)"));
            }
            None => return self.expected(&format!("a global name `g{n}`")),
        }
        self.expect_punct(':', "after the global's name")?;
        let ty = self.expect_type()?;
        self.expect_punct('=', "after the global's type")?;
        let init = self.expect_i64("the global's initial value")?;
        self.m.globals.push(Global { ty, init });
        self.expect_eol("the `global` directive")
    }

    fn import(&mut self) -> PResult<()> {
        self.bump()?;
        let kind = match self.ident() {
            Some("effect") => ImportKind::Effect,
            Some("helper") => ImportKind::Helper,
            _ => return self.expected("`effect` or `helper` after `import`"),
        };
        self.bump()?;
        let (name, pos) = self.expect_name("an import name `@name`")?;
        if let Some(&(_, line)) = self.import_names.get(&name) {
            return Err(error(
                pos,
                format!("import `{}` is already declared on line {line}", name_text(&name)),
            ));
        }
        self.import_names
            .insert(name.clone(), (self.m.imports.len() as u32, pos.line));
        let sig = self.signature()?;
        self.m.imports.push(Import { name, kind, sig });
        self.expect_eol("the `import` directive")
    }

    fn table(&mut self) -> PResult<()> {
        if self.seen_table {
            return self.err("duplicate `table` directive");
        }
        self.seen_table = true;
        self.bump()?;
        self.expect_punct('[', "after `table`")?;
        if !self.eat_punct(']')? {
            loop {
                let (name, pos) = self.expect_name("a function name `@name` in the table")?;
                self.refs.push(Ref::Table {
                    index: self.m.table.len(),
                    name,
                    pos,
                });
                self.m.table.push(FuncId(u32::MAX));
                if self.eat_punct(',')? {
                    continue;
                }
                if self.eat_punct(']')? {
                    break;
                }
                return self.expected("`,` or `]` after table entry");
            }
        }
        self.expect_eol("the `table` directive")
    }

    fn dynamic(&mut self) -> PResult<()> {
        if self.m.dynamic.is_some() {
            return self.err("duplicate `dynamic` directive");
        }
        self.bump()?;
        let slots = self.expect_u64("the number of dynamic slots")?;
        let sig = self.signature()?;
        self.m.dynamic = Some(super::DynamicDecl { slots, sig });
        self.expect_eol("the `dynamic` directive")
    }

    /// `(T, ...)`
    fn type_list(&mut self, context: &str) -> PResult<Vec<Type>> {
        self.expect_punct('(', context)?;
        let mut types = Vec::new();
        if self.eat_punct(')')? {
            return Ok(types);
        }
        loop {
            types.push(self.expect_type()?);
            if self.eat_punct(',')? {
                continue;
            }
            if self.eat_punct(')')? {
                return Ok(types);
            }
            return self.expected("`,` or `)` after type");
        }
    }

    /// `-> (T, ...)` or `-> T`
    fn results(&mut self) -> PResult<Vec<Type>> {
        if self.cur.tok != Tok::Arrow {
            return self.expected("`->` after the parameter list");
        }
        self.bump()?;
        if self.is_punct('(') {
            self.type_list("")
        } else if self.ident().is_some() {
            Ok(vec![self.expect_type()?])
        } else {
            self.expected("a result type or `(` after `->`")
        }
    }

    fn signature(&mut self) -> PResult<Signature> {
        let params = self.type_list("to start the parameter types")?;
        let results = self.results()?;
        Ok(Signature { params, results })
    }

    /// `vN: T` where N must be `expected`.
    fn var_decl(&mut self, expected: usize, what: &str) -> PResult<Type> {
        match self.ident().and_then(var_index) {
            Some(i) if i == expected as u64 => {
                self.bump()?;
            }
            _ => return self.expected(&format!("{what} `v{expected}`")),
        }
        self.expect_punct(':', &format!("after `v{expected}`"))?;
        self.expect_type()
    }

    // --- functions ---

    fn func(&mut self) -> PResult<()> {
        self.bump()?;
        let (name, name_pos) = self.expect_name("a function name `@name` after `func`")?;
        if let Some(&(_, line)) = self.func_names.get(&name) {
            return Err(error(
                name_pos,
                format!(
                    "function `{}` is already defined on line {line}",
                    name_text(&name)
                ),
            ));
        }
        let index = self.m.funcs.len();
        self.func_names
            .insert(name.clone(), (index as u32, name_pos.line));
        self.expect_punct('(', "after the function name")?;
        let mut params = Vec::new();
        if !self.eat_punct(')')? {
            loop {
                params.push(self.var_decl(params.len(), "parameter")?);
                if self.eat_punct(',')? {
                    continue;
                }
                if self.eat_punct(')')? {
                    break;
                }
                return self.expected("`,` or `)` after parameter");
            }
        }
        let results = self.results()?;
        self.expect_punct('{', "after the function signature")?;
        self.expect_eol("`{`")?;
        let mut f = FnState {
            index,
            vars: params.clone(),
            blocks: Vec::new(),
            block_refs: Vec::new(),
        };
        loop {
            match self.cur.tok {
                Tok::Newline => {
                    self.bump()?;
                    continue;
                }
                Tok::Punct('}') => {
                    self.bump()?;
                    self.expect_eol("`}`")?;
                    break;
                }
                Tok::Eof => {
                    return self.err(format!(
                        "unexpected end of input: function `{}` is missing its closing `}}`",
                        name_text(&name)
                    ))
                }
                _ => {}
            }
            match self.ident() {
                Some("vars") if f.blocks.is_empty() => self.vars_line(&mut f)?,
                Some("vars") => return self.err("`vars` must come before the first block"),
                Some(t) if block_index(t).is_some() => self.block(&mut f)?,
                _ => return self.expected(&format!("a block label `block{}:` or `}}`", f.blocks.len())),
            }
        }
        for &(i, pos, text) in &f.block_refs {
            if i >= f.blocks.len() as u64 {
                return Err(error(pos, format!("undefined block `{}`", clip(text))));
            }
        }
        self.m.funcs.push(Function {
            name,
            sig: Signature { params, results },
            vars: f.vars,
            blocks: f.blocks,
        });
        Ok(())
    }

    fn vars_line(&mut self, f: &mut FnState<'a>) -> PResult<()> {
        self.bump()?;
        loop {
            let ty = self.var_decl(f.vars.len(), "variable")?;
            f.vars.push(ty);
            if !self.eat_punct(',')? {
                break;
            }
        }
        self.expect_eol("the variable declarations")
    }

    fn block(&mut self, f: &mut FnState<'a>) -> PResult<()> {
        let n = f.blocks.len();
        if self.ident().and_then(block_index) != Some(n as u64) {
            return self.expected(&format!("block label `block{n}` (blocks are numbered in order)"));
        }
        self.bump()?;
        // `blockN interrupt blockM:` names the block's interrupt exit.
        let on_interrupt = if self.ident() == Some("interrupt") {
            self.bump()?;
            Some(self.block_ref(f)?)
        } else {
            None
        };
        self.expect_punct(':', "after the block label")?;
        self.expect_eol("the block label")?;
        let mut insts = Vec::new();
        loop {
            let unterminated = match self.cur.tok {
                Tok::Newline => {
                    self.bump()?;
                    continue;
                }
                Tok::Eof | Tok::Punct('}') => true,
                Tok::Ident => block_index(self.cur.text).is_some(),
                _ => false,
            };
            if unterminated {
                return self.err(format!(
                    "block{n} has no terminator (found {})",
                    self.cur.describe()
                ));
            }
            match self.line(f, insts.len())? {
                Line::Inst(inst) => insts.push(inst),
                Line::Term(term, term_loc) => {
                    f.blocks.push(Block {
                        insts,
                        term,
                        term_loc,
                        on_interrupt,
                    });
                    return Ok(());
                }
            }
        }
    }

    fn use_var(&mut self, f: &FnState<'a>) -> PResult<Var> {
        let Some(i) = self.ident().and_then(var_index) else {
            return self.expected("a variable");
        };
        if i >= f.vars.len() as u64 {
            return self.err(format!("variable {} is not declared", clip(self.cur.text)));
        }
        self.bump()?;
        Ok(Var(i as u32))
    }

    fn operand(&mut self, f: &FnState<'a>) -> PResult<Operand> {
        if self.ident().and_then(var_index).is_some() {
            return Ok(Operand::Var(self.use_var(f)?));
        }
        if matches!(self.cur.tok, Tok::Int(_) | Tok::Punct('-')) {
            return Ok(Operand::Imm(self.expect_i64("an integer")?));
        }
        self.expected("an operand (a variable or an integer)")
    }

    /// `a, b`
    fn two_operands(&mut self, f: &FnState<'a>) -> PResult<(Operand, Operand)> {
        let a = self.operand(f)?;
        self.expect_punct(',', "after operand")?;
        let b = self.operand(f)?;
        Ok((a, b))
    }

    /// `(a, b, ...)`
    fn args(&mut self, f: &FnState<'a>) -> PResult<Vec<Operand>> {
        self.expect_punct('(', "to start the argument list")?;
        let mut args = Vec::new();
        if self.eat_punct(')')? {
            return Ok(args);
        }
        loop {
            args.push(self.operand(f)?);
            if self.eat_punct(',')? {
                continue;
            }
            if self.eat_punct(')')? {
                return Ok(args);
            }
            return self.expected("`,` or `)` after argument");
        }
    }

    /// `[a]`, `[a + N]`, `[a - N]`
    fn address(&mut self, f: &FnState<'a>) -> PResult<(Operand, i32)> {
        self.expect_punct('[', "to start the address")?;
        let addr = self.operand(f)?;
        let mut offset = 0i32;
        if self.is_punct('+') || self.is_punct('-') {
            let negative = self.is_punct('-');
            self.bump()?;
            let pos = self.cur.pos;
            let text = self.cur.text;
            let mag = self.expect_u64("an offset")?;
            let value = if negative {
                0i64.checked_sub_unsigned(mag)
            } else {
                i64::try_from(mag).ok()
            };
            let Some(value) = value.and_then(|v| i32::try_from(v).ok()) else {
                let sign = if negative { '-' } else { '+' };
                return Err(error(
                    pos,
                    format!("offset `{sign}{}` does not fit in i32", clip(text)),
                ));
            };
            offset = value;
        }
        self.expect_punct(']', "after the address")?;
        Ok((addr, offset))
    }

    fn block_ref(&mut self, f: &mut FnState<'a>) -> PResult<BlockId> {
        let Some(i) = self.ident().and_then(block_index) else {
            return self.expected("a block `blockN`");
        };
        let (pos, text) = (self.cur.pos, self.cur.text);
        let Ok(id) = u32::try_from(i) else {
            return self.err(format!("undefined block `{}`", clip(text)));
        };
        f.block_refs.push((i, pos, text));
        self.bump()?;
        Ok(BlockId(id))
    }

    fn global_ref(&mut self) -> PResult<GlobalId> {
        let Some(i) = self.ident().and_then(global_index) else {
            return self.expected("a global `gN`");
        };
        let (pos, text) = (self.cur.pos, self.cur.text);
        let Ok(id) = u32::try_from(i) else {
            return self.err(format!("undefined global `{}`", clip(text)));
        };
        self.refs.push(Ref::Global {
            index: i,
            text: text.to_string(),
            pos,
        });
        self.bump()?;
        Ok(GlobalId(id))
    }

    /// One instruction or terminator line, including its `#LOC` and end of line.
    fn line(&mut self, f: &mut FnState<'a>, inst_index: usize) -> PResult<Line> {
        let mut defs = Vec::new();
        if self.ident().and_then(var_index).is_some() {
            loop {
                defs.push(self.use_var(f)?);
                if self.eat_punct(',')? {
                    continue;
                }
                if self.eat_punct('=')? {
                    break;
                }
                return self.expected("`=` or `,` after destination variable");
            }
        }
        let (op, op_pos) = self.expect_ident("an opcode")?;
        // The single destination of an instruction that defines exactly one variable.
        let one_def = |defs: &[Var]| -> PResult<Var> {
            match defs {
                [d] => Ok(*d),
                [] => Err(error(
                    op_pos,
                    format!("`{op}` needs a destination: `vN = {op} ...`"),
                )),
                _ => Err(error(
                    op_pos,
                    format!("`{op}` defines one variable, found {}", defs.len()),
                )),
            }
        };
        let no_def = |defs: &[Var]| -> PResult<()> {
            if defs.is_empty() {
                Ok(())
            } else {
                Err(error(op_pos, format!("`{op}` does not define a variable")))
            }
        };
        let kind = match op {
            "iconst" => {
                let dst = one_def(&defs)?;
                InstKind::Const {
                    dst,
                    imm: self.expect_i64("an integer after `iconst`")?,
                }
            }
            "copy" => {
                let dst = one_def(&defs)?;
                InstKind::Copy {
                    dst,
                    src: self.operand(f)?,
                }
            }
            "icmp" => {
                let dst = one_def(&defs)?;
                let (name, pos) = self.expect_ident("a condition after `icmp`")?;
                let Some(cond) = Cond::from_name(name) else {
                    return Err(error(pos, format!("unknown condition `{}`", clip(name))));
                };
                let (a, b) = self.two_operands(f)?;
                InstKind::Icmp { cond, dst, a, b }
            }
            "select" => {
                let dst = one_def(&defs)?;
                let cond = self.operand(f)?;
                self.expect_punct(',', "after operand")?;
                let (a, b) = self.two_operands(f)?;
                InstKind::Select { dst, cond, a, b }
            }
            "global.get" => {
                let dst = one_def(&defs)?;
                InstKind::GlobalGet {
                    dst,
                    global: self.global_ref()?,
                }
            }
            "global.set" => {
                no_def(&defs)?;
                let global = self.global_ref()?;
                self.expect_punct(',', "after the global")?;
                InstKind::GlobalSet {
                    global,
                    value: self.operand(f)?,
                }
            }
            "call" => {
                let (name, pos) = self.expect_name("a function name `@name` after `call`")?;
                let args = self.args(f)?;
                self.refs.push(Ref::Call {
                    func: f.index,
                    block: f.blocks.len(),
                    inst: inst_index,
                    name,
                    pos,
                });
                InstKind::Call {
                    func: FuncId(u32::MAX),
                    args,
                    dsts: defs,
                }
            }
            "hostcall" => {
                let (name, pos) = self.expect_name("an import name `@name` after `hostcall`")?;
                let args = self.args(f)?;
                self.refs.push(Ref::HostCall {
                    func: f.index,
                    block: f.blocks.len(),
                    inst: inst_index,
                    name,
                    pos,
                });
                InstKind::HostCall {
                    import: ImportId(u32::MAX),
                    args,
                    dsts: defs,
                }
            }
            "call_indirect" => {
                let sig = self.signature()?;
                self.expect_punct(',', "after the signature")?;
                let index = self.operand(f)?;
                let args = self.args(f)?;
                InstKind::CallIndirect {
                    sig,
                    index,
                    args,
                    dsts: defs,
                }
            }
            "call_dyn" => {
                let slot = self.operand(f)?;
                let args = self.args(f)?;
                InstKind::CallDyn {
                    slot,
                    args,
                    dsts: defs,
                }
            }
            "mark" => {
                no_def(&defs)?;
                InstKind::Mark
            }
            "depth" => InstKind::Depth { dst: one_def(&defs)? },
            "jump" => {
                no_def(&defs)?;
                let target = self.block_ref(f)?;
                return self.finish_term(Terminator::Jump(target));
            }
            "brif" => {
                no_def(&defs)?;
                let cond = self.operand(f)?;
                self.expect_punct(',', "after operand")?;
                let then = self.block_ref(f)?;
                self.expect_punct(',', "after block")?;
                let else_ = self.block_ref(f)?;
                return self.finish_term(Terminator::Brif { cond, then, else_ });
            }
            "br_table" => {
                no_def(&defs)?;
                let index = self.operand(f)?;
                self.expect_punct(',', "after operand")?;
                self.expect_punct('[', "to start the jump targets")?;
                let mut targets = Vec::new();
                if !self.eat_punct(']')? {
                    loop {
                        targets.push(self.block_ref(f)?);
                        if self.eat_punct(',')? {
                            continue;
                        }
                        if self.eat_punct(']')? {
                            break;
                        }
                        return self.expected("`,` or `]` after jump target");
                    }
                }
                self.expect_punct(',', "after the jump targets")?;
                let default = self.block_ref(f)?;
                return self.finish_term(Terminator::BrTable {
                    index,
                    targets,
                    default,
                });
            }
            "return" => {
                no_def(&defs)?;
                let mut vals = Vec::new();
                if !matches!(self.cur.tok, Tok::Newline | Tok::Eof | Tok::Punct('#')) {
                    loop {
                        vals.push(self.operand(f)?);
                        if !self.eat_punct(',')? {
                            break;
                        }
                    }
                }
                return self.finish_term(Terminator::Return(vals));
            }
            "trap" => {
                no_def(&defs)?;
                let (name, pos) = self.expect_ident("a trap code after `trap`")?;
                let Some(code) = TrapCode::from_name(name) else {
                    return Err(error(pos, format!("unknown trap code `{}`", clip(name))));
                };
                return self.finish_term(Terminator::Trap(code));
            }
            _ => {
                if let Some(suffix) = op.strip_prefix("load.") {
                    let dst = one_def(&defs)?;
                    let width = mem_width(suffix, op, op_pos)?;
                    let (addr, offset) = self.address(f)?;
                    InstKind::Load {
                        width,
                        dst,
                        addr,
                        offset,
                    }
                } else if let Some(suffix) = op.strip_prefix("store.") {
                    no_def(&defs)?;
                    let width = mem_width(suffix, op, op_pos)?;
                    let width = MemWidth::store_of_bytes(width.bytes()).unwrap_or(width);
                    let (addr, offset) = self.address(f)?;
                    self.expect_punct(',', "after the address")?;
                    InstKind::Store {
                        width,
                        addr,
                        offset,
                        value: self.operand(f)?,
                    }
                } else if let Some(bin) = BinOp::from_name(op) {
                    let dst = one_def(&defs)?;
                    let (a, b) = self.two_operands(f)?;
                    InstKind::Binary { op: bin, dst, a, b }
                } else if let Some(un) = UnOp::from_name(op) {
                    let dst = one_def(&defs)?;
                    InstKind::Unary {
                        op: un,
                        dst,
                        a: self.operand(f)?,
                    }
                } else if op == "load" || op == "store" {
                    return Err(error(op_pos, format!("`{op}` needs a width, e.g. `{op}.u32`")));
                } else {
                    return Err(error(op_pos, format!("unknown opcode `{}`", clip(op))));
                }
            }
        };
        let loc = self.loc()?;
        self.expect_eol("instruction")?;
        Ok(Line::Inst(Inst { kind, loc }))
    }

    fn finish_term(&mut self, term: Terminator) -> PResult<Line> {
        let loc = self.loc()?;
        self.expect_eol("terminator")?;
        Ok(Line::Term(term, loc))
    }

    /// An optional `#LOC` suffix.
    fn loc(&mut self) -> PResult<Option<SourceLoc>> {
        if self.eat_punct('#')? {
            Ok(Some(SourceLoc(self.expect_u64("a location after `#`")?)))
        } else {
            Ok(None)
        }
    }

    // --- name resolution ---

    fn resolve(&mut self) -> PResult<()> {
        for r in std::mem::take(&mut self.refs) {
            match r {
                Ref::Call {
                    func,
                    block,
                    inst,
                    name,
                    pos,
                } => {
                    let Some(&(id, _)) = self.func_names.get(&name) else {
                        let hint = if self.import_names.contains_key(&name) {
                            " (it is an import: use `hostcall`)"
                        } else {
                            ""
                        };
                        return Err(error(
                            pos,
                            format!("unknown function `{}`{hint}", name_text(&name)),
                        ));
                    };
                    if let Some(InstKind::Call { func, .. }) = self.inst_kind(func, block, inst) {
                        *func = FuncId(id);
                    }
                }
                Ref::HostCall {
                    func,
                    block,
                    inst,
                    name,
                    pos,
                } => {
                    let Some(&(id, _)) = self.import_names.get(&name) else {
                        let hint = if self.func_names.contains_key(&name) {
                            " (it is a function: use `call`)"
                        } else {
                            ""
                        };
                        return Err(error(pos, format!("unknown import `{}`{hint}", name_text(&name))));
                    };
                    if let Some(InstKind::HostCall { import, .. }) = self.inst_kind(func, block, inst) {
                        *import = ImportId(id);
                    }
                }
                Ref::Table { index, name, pos } => {
                    let Some(&(id, _)) = self.func_names.get(&name) else {
                        return Err(error(pos, format!("unknown function `{}`", name_text(&name))));
                    };
                    if let Some(slot) = self.m.table.get_mut(index) {
                        *slot = FuncId(id);
                    }
                }
                Ref::Global { index, text, pos } => {
                    if index >= self.m.globals.len() as u64 {
                        return Err(error(pos, format!("undefined global `{}`", clip(&text))));
                    }
                }
            }
        }
        Ok(())
    }

    fn inst_kind(&mut self, func: usize, block: usize, inst: usize) -> Option<&mut InstKind> {
        let i = self
            .m
            .funcs
            .get_mut(func)?
            .blocks
            .get_mut(block)?
            .insts
            .get_mut(inst)?;
        Some(&mut i.kind)
    }
}

fn mem_width(suffix: &str, op: &str, pos: Pos) -> PResult<MemWidth> {
    MemWidth::from_name(suffix).ok_or_else(|| {
        error(
            pos,
            format!(
                "unknown memory width `{}` in `{}` (expected s8, u8, s16, u16, s32, u32 or 64)",
                clip(suffix),
                clip(op)
            ),
        )
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ir::print::print_module;
    use crate::ir::verify::verify_module;

    /// Canonical text using every directive, instruction and terminator form.
    pub(crate) const CANONICAL: &str = r#"memory a64 0x100000
metering per_mark
region 0x10000 0x1000 rw
region 0x20000 0x2000 r
region 0x30000 0x1000 none
data 0x10000 "hi\n\x00\"\\"
data 0x20010 "\t\xff~ "
global g0: i64 = 5
global g1: i32 = -7
import effect @log(i64) -> ()
import helper @alloc(i64, i32) -> (i64)
table [@f, @main, @f]

func @main(v0: i64, v1: i32) -> (i64) {
    vars v2: i64, v3: i32, v4: i32
block0:
    v2 = iconst 42 #0x1000
    v3 = iconst -2147483648
    v2 = copy v0
    v4 = copy 4294967295
    v2 = add v0, 5
    v2 = div_s_rv -9223372036854775808, v2
    v3 = shr_u v1, v4
    v3 = wrap v0
    v2 = sext32 v2
    v3 = icmp lt_s v0, v2
    v2 = icmp ge_u v1, -1
    v2 = select v3, v0, 7
    v2 = load.s8 [v0 + 16]
    v2 = load.64 [v0 - 4]
    v3 = load.u32 [65536]
    v4 = load.s16 [v2 - 2147483648]
    store.u32 [v0 + 4], v1
    store.64 [v0], v2
    store.u8 [-8 + 2147483647], 255
    v2 = global.get g0
    global.set g1, v3
    v2 = call @f(v0, 1)
    call @g()
    v3, v2 = call @"weird name\x01"(v1)
    v2 = call_indirect (i64, i32) -> (i64), v0(v2, v1)
    call_indirect () -> (), 2()
    v2 = hostcall @alloc(v0, 3)
    hostcall @log(v2) #0x0
    mark
    mark #0x1004
    jump block1
block1:
    brif v3, block1, block2 #0x10
block2:
    br_table v0, [block1, block2], block3
block3:
    return v2
block4:
    trap unreachable
block5:
    trap user7 #0xffffffffffffffff
block6:
    br_table 3, [], block0
}

func @f(v0: i64, v1: i32) -> (i64) {
block0:
    v0 = call @f(v0, v1)
    return v0
}

func @g() -> () {
block0:
    return
}

func @"weird name\x01"(v0: i32) -> (i32, i64) {
    vars v1: i64
block0:
    v1 = extend_s v0
    return v0, v1
}
"#;

    fn parse_ok(text: &str) -> Module {
        match parse_module(text) {
            Ok(m) => m,
            Err(e) => panic!("parse failed: {e}\n{text}"),
        }
    }

    fn parse_err(text: &str) -> ParseError {
        match parse_module(text) {
            Ok(m) => panic!("expected a parse error, got {m:?}"),
            Err(e) => e,
        }
    }

    /// Set when an `assert_err` case fails, so that one run reports every failing case.
    static MISMATCH: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    #[track_caller]
    fn assert_err(text: &str, line: usize, col: usize, message: &str) {
        let e = parse_err(text);
        if (e.line, e.col, e.message.as_str()) != (line, col, message) {
            eprintln!(
                "{}: expected {line}:{col}: {message}\n   got {e}\n   for input:\n{text}\n",
                std::panic::Location::caller()
            );
            MISMATCH.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    #[test]
    fn canonical_text_round_trips_exactly() {
        let m = parse_ok(CANONICAL);
        verify_module(&m).unwrap();
        assert_eq!(print_module(&m), CANONICAL);
        assert_eq!(m.to_string(), CANONICAL);
        assert_eq!(parse_ok(&print_module(&m)), m);
    }

    #[test]
    fn parsed_values_are_right() {
        let m = parse_ok(CANONICAL);
        assert_eq!(m.memory.addr, AddrWidth::A64 { size: 0x100000 });
        assert_eq!(m.metering, Metering::PerMark);
        assert_eq!(m.memory.data[0].bytes, b"hi\n\x00\"\\");
        assert_eq!(m.memory.data[1].bytes, b"\t\xff~ ");
        assert_eq!(
            m.globals[1],
            Global {
                ty: Type::I32,
                init: -7
            }
        );
        assert_eq!(m.table, vec![FuncId(1), FuncId(0), FuncId(1)]);
        assert_eq!(m.funcs[3].name, "weird name\u{1}");
        let main = &m.funcs[0];
        assert_eq!(
            main.vars,
            vec![Type::I64, Type::I32, Type::I64, Type::I32, Type::I32]
        );
        let insts = &main.blocks[0].insts;
        assert_eq!(
            insts[0],
            Inst {
                kind: InstKind::Const { dst: Var(2), imm: 42 },
                loc: Some(SourceLoc(0x1000))
            }
        );
        assert_eq!(
            insts[5].kind,
            InstKind::Binary {
                op: BinOp::DivSRv,
                dst: Var(2),
                a: Operand::Imm(i64::MIN),
                b: Operand::Var(Var(2))
            }
        );
        assert_eq!(
            insts[15].kind,
            InstKind::Load {
                width: MemWidth::S16,
                dst: Var(4),
                addr: Operand::Var(Var(2)),
                offset: i32::MIN
            }
        );
        assert_eq!(
            insts[23].kind,
            InstKind::Call {
                func: FuncId(3),
                args: vec![Operand::Var(Var(1))],
                dsts: vec![Var(3), Var(2)]
            }
        );
        assert_eq!(
            insts[26].kind,
            InstKind::HostCall {
                import: ImportId(1),
                args: vec![Operand::Var(Var(0)), Operand::Imm(3)],
                dsts: vec![Var(2)]
            }
        );
        assert_eq!(main.blocks[1].term_loc, Some(SourceLoc(0x10)));
        assert_eq!(main.blocks[5].term, Terminator::Trap(TrapCode::User(7)));
        assert_eq!(main.blocks[5].term_loc, Some(SourceLoc(u64::MAX)));
    }

    #[test]
    fn flexible_input_parses_to_the_canonical_module() {
        let flexible = r#"
; a comment line
func @g() -> () {   ; functions may come before the directives they use
block0:
  return
}
table [ @g ]
metering   per_inst ; trailing comment
memory a32
global g0 : i32 = 0xffffffff
import helper @h(i32) -> i64

func @main(v0: i32) -> i32 {
    vars v1: i64
    vars v2: i32

block0:	
    v2 = add v0, 0x10          ; hex immediate
    v2 = sub v0, -0x10
    store.s32 [v0 + 0], v2     ; signed store spelling, explicit zero offset
    store.s8 [v0 - 0], 1
    store.s16 [v0], 1
    v1 = hostcall @h(v2) #4096 ; decimal location
    v2,v2=call @main(v2)
    return v2#0X10
}"#;
        let canonical = r#"memory a32
metering per_inst
global g0: i32 = 4294967295
import helper @h(i32) -> (i64)
table [@g]

func @g() -> () {
block0:
    return
}

func @main(v0: i32) -> (i32) {
    vars v1: i64, v2: i32
block0:
    v2 = add v0, 16
    v2 = sub v0, -16
    store.u32 [v0], v2
    store.u8 [v0], 1
    store.u16 [v0], 1
    v1 = hostcall @h(v2) #0x1000
    v2, v2 = call @main(v2)
    return v2 #0x10
}
"#;
        let m = parse_ok(flexible);
        assert_eq!(print_module(&m), canonical);
        assert_eq!(parse_ok(canonical), m);
    }

    #[test]
    fn every_opcode_spelling_round_trips() {
        let mut text = String::from("memory a32\nmetering per_inst\n\nfunc @f(v0: i64) -> () {\nblock0:\n");
        for op in BinOp::ALL {
            text.push_str(&format!("    v0 = {} v0, -3\n", op.name()));
        }
        for op in UnOp::ALL {
            text.push_str(&format!("    v0 = {} v0\n", op.name()));
        }
        for c in Cond::ALL {
            text.push_str(&format!("    v0 = icmp {} v0, 3\n", c.name()));
        }
        for w in MemWidth::ALL {
            text.push_str(&format!("    v0 = load.{} [v0 + 1]\n", w.name()));
        }
        for b in [1, 2, 4, 8] {
            let w = MemWidth::store_of_bytes(b).unwrap();
            text.push_str(&format!("    store.{} [v0 - 1], v0\n", w.name()));
        }
        let codes = [
            TrapCode::MemoryAccess,
            TrapCode::DivisionByZero,
            TrapCode::IntegerOverflow,
            TrapCode::BadIndirectTarget,
            TrapCode::IndirectSignatureMismatch,
            TrapCode::StackOverflow,
            TrapCode::Unreachable,
            TrapCode::IllegalInstruction,
            TrapCode::User(0),
            TrapCode::User(u16::MAX),
        ];
        text.push_str("    jump block1\n");
        for (i, code) in codes.iter().enumerate() {
            text.push_str(&format!("block{}:\n    trap {}\n", i + 1, code.name()));
        }
        text.push_str("}\n");
        let m = parse_ok(&text);
        assert_eq!(print_module(&m), text);
        let insts = &m.funcs[0].blocks[0].insts;
        for (i, op) in BinOp::ALL.into_iter().enumerate() {
            assert!(matches!(insts[i].kind, InstKind::Binary { op: o, .. } if o == op));
        }
        for (i, code) in codes.into_iter().enumerate() {
            assert_eq!(m.funcs[0].blocks[i + 1].term, Terminator::Trap(code));
        }
    }

    #[test]
    fn empty_and_minimal_modules() {
        assert_eq!(parse_ok(""), Module::default());
        assert_eq!(parse_ok("\n\n  ; nothing\n"), Module::default());
        assert_eq!(
            print_module(&Module::default()),
            "memory a32\nmetering per_inst\n"
        );
        // A function without blocks parses (the verifier rejects it) and round-trips.
        let m = parse_ok("func @f() -> () {\n}");
        assert!(m.funcs[0].blocks.is_empty());
        assert_eq!(parse_ok(&print_module(&m)), m);
    }

    #[test]
    fn error_positions_and_messages() {
        let head = "func @main(v0: i64) -> (i64) {\n    vars v1: i64\nblock0:\n";
        let f = |body: &str| format!("{head}{body}");
        assert_err(
            &f("    v1 = ad v0, 1\n    return v1\n}"),
            4,
            10,
            "unknown opcode `ad`",
        );
        assert_err(
            &f("    v1 = add v0]\n"),
            4,
            16,
            "expected `,` after operand, found `]`",
        );
        assert_err(&f("    jump block9\n}\n"), 4, 10, "undefined block `block9`");
        assert_err(
            &f("    call @foo()\n    return v0\n}\n"),
            4,
            10,
            "unknown function `@foo`",
        );
        assert_err(&f("    v1 = add v7, 1\n"), 4, 14, "variable v7 is not declared");
        assert_err(&f("    v7 = add v0, 1\n"), 4, 5, "variable v7 is not declared");
        assert_err(
            &f("    v1 = iconst 99999999999999999999\n"),
            4,
            17,
            "integer literal `99999999999999999999` is too large",
        );
        assert_err(
            &f("    v1 = iconst -9223372036854775809\n"),
            4,
            17,
            "integer `-9223372036854775809` does not fit in i64",
        );
        assert_err(
            &f("    v1 = iconst 0x8000000000000000\n"),
            4,
            17,
            "integer `0x8000000000000000` does not fit in i64",
        );
        assert_err(
            &f("    v1 = load.u32 [v0 + 2147483648]\n"),
            4,
            25,
            "offset `+2147483648` does not fit in i32",
        );
        assert_err(
            &f("    v1 = load.x [v0]\n"),
            4,
            10,
            "unknown memory width `x` in `load.x` (expected s8, u8, s16, u16, s32, u32 or 64)",
        );
        assert_err(
            &f("    v1 = add v0, 1\nblock1:\n"),
            5,
            1,
            "block0 has no terminator (found `block1`)",
        );
        assert_err(
            &f("    return v0\nblock2:\n"),
            5,
            1,
            "expected block label `block1` (blocks are numbered in order), found `block2`",
        );
        assert_err(
            &f("    return v0\n"),
            5,
            1,
            "unexpected end of input: function `@main` is missing its closing `}`",
        );
        assert_err(
            &f("    return v0 v1\n}"),
            4,
            15,
            "expected end of line after terminator, found `v1`",
        );
        assert_err(
            &f("    add v0, v0\n"),
            4,
            5,
            "`add` needs a destination: `vN = add ...`",
        );
        assert_err(
            &f("    v1 = store.u8 [v0], 1\n"),
            4,
            10,
            "`store.u8` does not define a variable",
        );
        assert_err(
            &f("    v1 = hostcall @main()\n    return v1\n}\n"),
            4,
            19,
            "unknown import `@main` (it is a function: use `call`)",
        );
        assert_err(
            &f("    v1 = global.get g0\n    return v1\n}\n"),
            4,
            21,
            "undefined global `g0`",
        );
        assert_err(&f("    data = 1\n"), 4, 5, "unknown opcode `data`");
        assert_err(&f("    v1 = 5\n"), 4, 10, "expected an opcode, found `5`");
        assert_err(&f("    v1 = icmp lt v0, 1\n"), 4, 15, "unknown condition `lt`");
        assert_err(&f("    trap user70000\n"), 4, 10, "unknown trap code `user70000`");
        assert_err(
            &f("    v1 = copy v0 #\n"),
            4,
            19,
            "expected a location after `#`, found end of line",
        );
        assert_err(
            &f("    v1 = call @main(v0 v0)\n"),
            4,
            24,
            "expected `,` or `)` after argument, found `v0`",
        );
        assert_err(&f("    v1 = add v0, 1 * 2\n"), 4, 20, "unexpected character `*`");

        assert_err("memory a32\nmemory a32\n", 2, 1, "duplicate `memory` directive");
        assert_err(
            "memory a128\n",
            1,
            8,
            "unknown address width `a128` (expected `a32` or `a64`)",
        );
        assert_err(
            "global g1: i64 = 0\n",
            1,
            8,
            "expected global `g0` (globals are numbered in order), found `g1`",
        );
        assert_err("data 0x1000 \"abc\n", 1, 13, "unterminated string");
        assert_err("data 0x1000 \"a\\qc\"\n", 1, 15, "unknown escape `\\q`");
        assert_err(
            "data 0x1000 \"a\\x4\"\n",
            1,
            15,
            "invalid escape: `\\x` needs two hex digits",
        );
        assert_err(
            "region 0x1000 0x10zz rw\n",
            1,
            15,
            "invalid integer literal `0x10zz`",
        );
        assert_err(
            "region 0x1000 0x1000 rwx\n",
            1,
            22,
            "unknown rights `rwx` (expected `none`, `r` or `rw`)",
        );
        assert_err(
            "import effect @e(i64) -> ()\nimport helper @e() -> ()\n",
            2,
            15,
            "import `@e` is already declared on line 1",
        );
        assert_err(
            "func @f() -> () {\nblock0:\n    return\n}\nfunc @f() -> () {\n}\n",
            5,
            6,
            "function `@f` is already defined on line 1",
        );
        assert_err(
            "table [@f, @g]\nfunc @f() -> () {\n}\n",
            1,
            12,
            "unknown function `@g`",
        );
        assert_err(
            "import effect @e(i64) -> ()\nfunc @f() -> () {\nblock0:\n    call @e(1)\n    return\n}\n",
            4,
            10,
            "unknown function `@e` (it is an import: use `hostcall`)",
        );
        assert_err(
            "func @f(v1: i64) -> () {\n}\n",
            1,
            9,
            "expected parameter `v0`, found `v1`",
        );
        assert_err(
            "func @f() {\n}\n",
            1,
            11,
            "expected `->` after the parameter list, found `{`",
        );
        assert_err(
            "func @f() -> (i64 {\n}\n",
            1,
            19,
            "expected `,` or `)` after type, found `{`",
        );
        assert_err(
            "func @f() -> () {\nblock0:\n    return\n}\nx",
            5,
            1,
            "expected `func` or a directive (`memory`, `metering`, `region`, `data`, `global`, `import`, \
             `table`, `dynamic`), found `x`",
        );
        assert_err("func @ () -> () {\n}\n", 1, 6, "expected a name after `@`");
        assert_err("func @\"\\xff\"() -> () {\n}\n", 1, 6, "name is not valid UTF-8");
        assert_err("é", 1, 1, "unexpected character `é`");
        assert_err("memory a32 ; ok\n  é", 2, 3, "unexpected character `é`");
        assert!(
            !MISMATCH.load(std::sync::atomic::Ordering::Relaxed),
            "some cases failed (see stderr)"
        );
    }

    /// A tiny deterministic generator (64-bit LCG).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Parses hostile text; whatever parses must also verify without panicking and round-trip.
    /// Returns whether it parsed.
    fn parse_never_panics(text: &str) -> bool {
        let Ok(m) = parse_module(text) else { return false };
        let _ = verify_module(&m);
        let printed = print_module(&m);
        assert_eq!(
            parse_module(&printed).as_ref(),
            Ok(&m),
            "round trip of:\n{text}\nprinted:\n{printed}"
        );
        true
    }

    #[test]
    fn truncations_never_panic() {
        let mut parsed = 0;
        for (i, _) in CANONICAL.char_indices() {
            parsed += parse_never_panics(&CANONICAL[..i]) as usize;
            parsed += parse_never_panics(&CANONICAL[i..]) as usize;
        }
        eprintln!("{parsed} truncations parsed");
        assert!(parsed > 20);
    }

    #[test]
    fn mutations_never_panic() {
        const INTERESTING: &[u8] = b" \n\t;,:=()[]{}+-#@\"\\x0v1gblock9999999999999999999999-_.\xff\x00";
        let mut rng = Lcg(0x5eed);
        let base = CANONICAL.as_bytes();
        let mut parsed = 0;
        for _ in 0..10_000 {
            let mut bytes = base.to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[at] = INTERESTING[rng.below(INTERESTING.len())],
                    1 => bytes[at] ^= 1 << rng.below(8),
                    2 => {
                        bytes.remove(at);
                    }
                    _ => {
                        let len = rng.below(40).min(bytes.len() - at);
                        let chunk = bytes[at..at + len].to_vec();
                        let to = rng.below(bytes.len());
                        bytes.splice(to..to, chunk);
                    }
                }
                if bytes.is_empty() {
                    bytes.push(b'x');
                }
            }
            parsed += parse_never_panics(&String::from_utf8_lossy(&bytes)) as usize;
        }
        eprintln!("{parsed} mutations parsed");
        assert!(parsed > 150);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let deep = |s: &str| s.repeat(100_000);
        for text in [
            deep("("),
            deep("["),
            deep("{"),
            format!("func @f({}", deep("v0: i64, ")),
            format!("func @f() -> () {{\nblock0:\n    return {}", deep("-")),
            format!("memory a64 {}", "9".repeat(10_000)),
            format!("memory a64 0x{}", "f".repeat(17)),
            format!("table [{}", deep("@f, ")),
            format!(
                "func @f() -> () {{\nblock0:\n    br_table 0, [{}",
                deep("block4294967296, ")
            ),
            format!(
                "func @f() -> () {{\nblock0:\n    jump block{}\n}}",
                "9".repeat(100)
            ),
            format!("global g{} : i64 = 0", "9".repeat(100)),
            "\0\u{1}\u{7f}".to_string(),
            "\"".to_string(),
            "@".to_string(),
            "-".to_string(),
            "0x".to_string(),
        ] {
            assert!(parse_module(&text).is_err(), "{}", clip(&text));
        }
        let mut rng = Lcg(7);
        for _ in 0..500 {
            let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
            parse_never_panics(&String::from_utf8_lossy(&bytes));
        }
    }
}
