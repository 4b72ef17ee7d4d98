//! The TEL lexer (SPEC "Lexical structure"): source text to tokens with byte spans, on demand.
//!
//! Owns comments, identifiers and keywords, integer and string literals and punctuation. Must never
//! judge a literal's range (integers are kept as `u128`, saturated, for the parser to check) and
//! never panic: every malformed input is a `SyntaxError` spanning the offending place.

use crate::diag::{Diag, ErrorKind, Span};

/// How deeply `{- ... -}` comments may nest (the parser's limit for expressions and types).
pub const MAX_COMMENT_DEPTH: u32 = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Ident(String),
    /// The literal's value; `u128::MAX` when it does not even fit that (it is out of range anyway).
    Int(u128),
    /// The string's value, escapes already decoded.
    Str(String),
    // Keywords.
    Effect,
    Flow,
    Let,
    Var,
    If,
    Else,
    While,
    For,
    In,
    Return,
    Perform,
    Handle,
    With,
    Resume,
    True,
    False,
    Unit,
    // Punctuation.
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Semi,
    Colon,
    Dot,
    DotDot,
    Arrow,
    Assign,
    EqEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    AndAnd,
    OrOr,
    PipeGt,
    Backslash,
    Eof,
}

impl TokenKind {
    /// How error messages name the token: "`;`", "identifier `x`", "end of input".
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Ident(name) => format!("identifier `{name}`"),
            TokenKind::Int(_) => "integer literal".into(),
            TokenKind::Str(_) => "string literal".into(),
            TokenKind::Eof => "end of input".into(),
            other => format!("`{}`", other.spelling()),
        }
    }

    /// The source text of a keyword or punctuation token (empty for the others).
    pub fn spelling(&self) -> &'static str {
        use TokenKind::*;
        match self {
            Effect => "effect",
            Flow => "flow",
            Let => "let",
            Var => "var",
            If => "if",
            Else => "else",
            While => "while",
            For => "for",
            In => "in",
            Return => "return",
            Perform => "perform",
            Handle => "handle",
            With => "with",
            Resume => "resume",
            True => "true",
            False => "false",
            Unit => "unit",
            LParen => "(",
            RParen => ")",
            LBrace => "{",
            RBrace => "}",
            LBracket => "[",
            RBracket => "]",
            Comma => ",",
            Semi => ";",
            Colon => ":",
            Dot => ".",
            DotDot => "..",
            Arrow => "->",
            Assign => "=",
            EqEq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            Percent => "%",
            Bang => "!",
            AndAnd => "&&",
            OrOr => "||",
            PipeGt => "|>",
            Backslash => "\\",
            Ident(_) | Int(_) | Str(_) | Eof => "",
        }
    }
}

fn keyword(word: &str) -> Option<TokenKind> {
    use TokenKind::*;
    Some(match word {
        "effect" => Effect,
        "flow" => Flow,
        "let" => Let,
        "var" => Var,
        "if" => If,
        "else" => Else,
        "while" => While,
        "for" => For,
        "in" => In,
        "return" => Return,
        "perform" => Perform,
        "handle" => Handle,
        "with" => With,
        "resume" => Resume,
        "true" => True,
        "false" => False,
        "unit" => Unit,
        _ => return None,
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Produces tokens one at a time, so that the parser reports errors in source order and never holds
/// more than a few tokens of a (possibly huge) input.
pub struct Lexer<'s> {
    src: &'s str,
    pos: usize,
}

fn err(start: usize, end: usize, message: impl Into<String>) -> Diag {
    Diag::new(ErrorKind::SyntaxError, Span::new(start, end), message)
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'s> Lexer<'s> {
    pub fn new(src: &'s str) -> Lexer<'s> {
        Lexer { src, pos: 0 }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// The character at `at` (positions always sit on character boundaries).
    fn char_at(&self, at: usize) -> Option<char> {
        self.src.get(at..).and_then(|s| s.chars().next())
    }

    /// The next token; at the end of the input, `Eof` (again on every further call).
    pub fn next_token(&mut self) -> Result<Token, Diag> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(b) = self.byte(start) else {
            return Ok(Token {
                kind: TokenKind::Eof,
                span: Span::new(start, start),
            });
        };
        let kind = match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                let mut end = start + 1;
                while self.byte(end).is_some_and(is_ident_continue) {
                    end += 1;
                }
                self.pos = end;
                let word = self.src.get(start..end).unwrap_or_default();
                keyword(word).unwrap_or_else(|| TokenKind::Ident(word.to_string()))
            }
            b'0'..=b'9' => self.integer(start)?,
            b'"' => self.string(start)?,
            _ => self.punct(start, b)?,
        };
        Ok(Token {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> Result<(), Diag> {
        loop {
            match (self.byte(self.pos), self.byte(self.pos + 1)) {
                (Some(b' ' | b'\t' | b'\n' | b'\r'), _) => self.pos += 1,
                (Some(b'-'), Some(b'-')) | (Some(b'/'), Some(b'/')) => {
                    let rest = self.src.get(self.pos..).unwrap_or_default();
                    self.pos += rest.find('\n').unwrap_or(rest.len());
                }
                (Some(b'{'), Some(b'-')) => self.block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    fn block_comment(&mut self) -> Result<(), Diag> {
        let open = self.pos;
        let mut depth = 0u32;
        let mut at = self.pos;
        loop {
            match (self.byte(at), self.byte(at + 1)) {
                (Some(b'{'), Some(b'-')) => {
                    depth += 1;
                    if depth > MAX_COMMENT_DEPTH {
                        return Err(err(at, at + 2, "nesting too deep"));
                    }
                    at += 2;
                }
                (Some(b'-'), Some(b'}')) => {
                    depth -= 1;
                    at += 2;
                    if depth == 0 {
                        self.pos = at;
                        return Ok(());
                    }
                }
                (Some(_), _) => at += 1,
                (None, _) => return Err(err(open, open + 2, "unterminated block comment")),
            }
        }
    }

    fn integer(&mut self, start: usize) -> Result<TokenKind, Diag> {
        let hex = self.byte(start) == Some(b'0') && self.byte(start + 1) == Some(b'x');
        let (radix, mut at) = if hex { (16, start + 2) } else { (10, start) };
        let mut value: Option<u128> = Some(0);
        let mut digits = 0usize;
        while let Some(b) = self.byte(at) {
            if b == b'_' {
                at += 1;
                continue;
            }
            let Some(d) = (b as char).to_digit(radix) else {
                break;
            };
            // Saturate instead of failing: the parser reports every out-of-range literal the same way.
            value = value.and_then(|v| v.checked_mul(u128::from(radix))?.checked_add(u128::from(d)));
            digits += 1;
            at += 1;
        }
        if digits == 0 {
            return Err(err(start, at, "expected hex digits after `0x`"));
        }
        if let Some(b) = self.byte(at).filter(|&b| is_ident_continue(b)) {
            return Err(err(
                at,
                at + 1,
                format!("invalid character `{}` in integer literal", b as char),
            ));
        }
        self.pos = at;
        Ok(TokenKind::Int(value.unwrap_or(u128::MAX)))
    }

    fn string(&mut self, start: usize) -> Result<TokenKind, Diag> {
        let unterminated = || err(start, start + 1, "unterminated string literal");
        let mut value = String::new();
        let mut at = start + 1;
        loop {
            let c = self.char_at(at).ok_or_else(unterminated)?;
            match c {
                '"' => {
                    self.pos = at + 1;
                    return Ok(TokenKind::Str(value));
                }
                '\\' => {
                    let e = self.char_at(at + 1).ok_or_else(unterminated)?;
                    let decoded = match e {
                        'n' => '\n',
                        't' => '\t',
                        '\\' => '\\',
                        '"' => '"',
                        'u' => {
                            let (c, end) = self.unicode_escape(at)?;
                            value.push(c);
                            at = end;
                            continue;
                        }
                        other => {
                            return Err(err(
                                at,
                                at + 1 + other.len_utf8(),
                                format!("invalid escape `\\{}` in string literal", other.escape_debug()),
                            ))
                        }
                    };
                    value.push(decoded);
                    at += 2;
                }
                c => {
                    value.push(c);
                    at += c.len_utf8();
                }
            }
        }
    }

    /// `\u{HEX}` starting at the backslash at `at`: the character and the offset after the `}`.
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), Diag> {
        if self.byte(at + 2) != Some(b'{') {
            return Err(err(
                at,
                at + 2,
                "invalid unicode escape: expected `{` after `\\u`",
            ));
        }
        let mut end = at + 3;
        let mut value = 0u32;
        let mut digits = 0;
        loop {
            match self.byte(end) {
                Some(b'}') if digits > 0 => break,
                Some(b) if (b as char).is_ascii_hexdigit() && digits < 6 => {
                    value = value * 16 + (b as char).to_digit(16).unwrap_or(0);
                    digits += 1;
                    end += 1;
                }
                None => return Err(err(at, end, "unterminated unicode escape")),
                Some(_) => {
                    let width = self.char_at(end).map_or(1, char::len_utf8);
                    return Err(err(
                        at,
                        end + width,
                        "invalid unicode escape: expected 1 to 6 hex digits in `\\u{...}`",
                    ));
                }
            }
        }
        end += 1;
        match char::from_u32(value) {
            Some(c) => Ok((c, end)),
            None => Err(err(
                at,
                end,
                format!("invalid unicode escape: {value:#X} is not a Unicode scalar value"),
            )),
        }
    }

    fn punct(&mut self, start: usize, b: u8) -> Result<TokenKind, Diag> {
        use TokenKind::*;
        let next = self.byte(start + 1);
        let (kind, len) = match (b, next) {
            (b'.', Some(b'.')) => (DotDot, 2),
            (b'-', Some(b'>')) => (Arrow, 2),
            (b'=', Some(b'=')) => (EqEq, 2),
            (b'!', Some(b'=')) => (Ne, 2),
            (b'<', Some(b'=')) => (Le, 2),
            (b'>', Some(b'=')) => (Ge, 2),
            (b'&', Some(b'&')) => (AndAnd, 2),
            (b'|', Some(b'|')) => (OrOr, 2),
            (b'|', Some(b'>')) => (PipeGt, 2),
            (b'(', _) => (LParen, 1),
            (b')', _) => (RParen, 1),
            (b'{', _) => (LBrace, 1),
            (b'}', _) => (RBrace, 1),
            (b'[', _) => (LBracket, 1),
            (b']', _) => (RBracket, 1),
            (b',', _) => (Comma, 1),
            (b';', _) => (Semi, 1),
            (b':', _) => (Colon, 1),
            (b'.', _) => (Dot, 1),
            (b'=', _) => (Assign, 1),
            (b'<', _) => (Lt, 1),
            (b'>', _) => (Gt, 1),
            (b'+', _) => (Plus, 1),
            (b'-', _) => (Minus, 1),
            (b'*', _) => (Star, 1),
            (b'/', _) => (Slash, 1),
            (b'%', _) => (Percent, 1),
            (b'!', _) => (Bang, 1),
            (b'\\', _) => (Backslash, 1),
            _ => {
                let c = self.char_at(start).unwrap_or(char::REPLACEMENT_CHARACTER);
                return Err(err(
                    start,
                    start + c.len_utf8(),
                    format!("unexpected character `{}`", c.escape_debug()),
                ));
            }
        };
        self.pos = start + len;
        Ok(kind)
    }
}

/// All tokens of `src` up to and including `Eof`, or the first lexical error.
pub fn tokenize(src: &str) -> Result<Vec<Token>, Diag> {
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let end = token.kind == TokenKind::Eof;
        tokens.push(token);
        if end {
            return Ok(tokens);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TokenKind::*;
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src)
            .unwrap_or_else(|e| panic!("{src:?}: {e}"))
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    /// The error's message and the text its span covers.
    fn error(src: &str) -> (String, String) {
        let e = tokenize(src).expect_err(src);
        assert_eq!(e.kind, ErrorKind::SyntaxError);
        let text = src
            .get(e.span.start as usize..e.span.end as usize)
            .expect("span on char boundaries");
        (e.message, text.to_string())
    }

    #[test]
    fn identifiers_keywords_and_spans() {
        let toks = tokenize("let x_1 = unit; Int _").unwrap();
        let got: Vec<_> = toks
            .iter()
            .map(|t| (t.kind.clone(), t.span.start, t.span.end))
            .collect();
        assert_eq!(
            got,
            vec![
                (Let, 0, 3),
                (Ident("x_1".into()), 4, 7),
                (Assign, 8, 9),
                (Unit, 10, 14),
                (Semi, 14, 15),
                (Ident("Int".into()), 16, 19),
                (Ident("_".into()), 20, 21),
                (Eof, 21, 21),
            ]
        );
        let all =
            "effect flow let var if else while for in return perform handle with resume true false unit";
        assert_eq!(kinds(all).len(), 18);
        assert!(!kinds(all).iter().any(|k| matches!(k, Ident(_))));
    }

    #[test]
    fn punctuation_takes_the_longest_match() {
        assert_eq!(
            kinds("( ) { } [ ] , ; : . .. -> = == != < <= > >= + - * / % ! && || |> \\ ..."),
            vec![
                LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Semi, Colon, Dot, DotDot, Arrow,
                Assign, EqEq, Ne, Lt, Le, Gt, Ge, Plus, Minus, Star, Slash, Percent, Bang, AndAnd, OrOr,
                PipeGt, Backslash, DotDot, Dot, Eof
            ]
        );
        assert_eq!(
            kinds("a->b"),
            vec![Ident("a".into()), Arrow, Ident("b".into()), Eof]
        );
        assert_eq!(kinds("1..n"), vec![Int(1), DotDot, Ident("n".into()), Eof]);
    }

    #[test]
    fn comments() {
        assert_eq!(kinds("1 -- two\n3 // four\n5"), vec![Int(1), Int(3), Int(5), Eof]);
        assert_eq!(kinds("1 {- a {- nested -} b -} 2"), vec![Int(1), Int(2), Eof]);
        assert_eq!(kinds("-- only a comment"), vec![Eof]);
        assert_eq!(
            kinds("x - -1"),
            vec![Ident("x".into()), Minus, Minus, Int(1), Eof]
        );
        assert_eq!(
            error("1 {- a {- b -} c"),
            ("unterminated block comment".into(), "{-".into())
        );
        let deep = format!("{}{}", "{-".repeat(256), "-}".repeat(256));
        assert_eq!(kinds(&deep), vec![Eof]);
        let too_deep = format!("{}{}", "{-".repeat(257), "-}".repeat(257));
        assert_eq!(error(&too_deep), ("nesting too deep".into(), "{-".into()));
    }

    #[test]
    fn integer_literals() {
        assert_eq!(
            kinds("0 42 1_000 0xFF 0xff_ff 007"),
            vec![Int(0), Int(42), Int(1000), Int(255), Int(65535), Int(7), Eof]
        );
        assert_eq!(kinds("9223372036854775808"), vec![Int(1 << 63), Eof]);
        assert_eq!(kinds(&"9".repeat(60)), vec![Int(u128::MAX), Eof]);
        assert_eq!(
            error("0x"),
            ("expected hex digits after `0x`".into(), "0x".into())
        );
        assert_eq!(
            error("0x_ "),
            ("expected hex digits after `0x`".into(), "0x_".into())
        );
        assert_eq!(
            error("12ab"),
            ("invalid character `a` in integer literal".into(), "a".into())
        );
        assert_eq!(
            error("0xFG"),
            ("invalid character `G` in integer literal".into(), "G".into())
        );
    }

    #[test]
    fn string_literals() {
        assert_eq!(kinds(r#""a\n\t\\\"b""#), vec![Str("a\n\t\\\"b".into()), Eof]);
        assert_eq!(kinds(r#""\u{48}\u{1F600}é""#), vec![Str("H😀é".into()), Eof]);
        assert_eq!(kinds("\"two\nlines\""), vec![Str("two\nlines".into()), Eof]);
        assert_eq!(
            error(r#"x "abc"#),
            ("unterminated string literal".into(), "\"".into())
        );
        assert_eq!(
            error(r#""abc\"#),
            ("unterminated string literal".into(), "\"".into())
        );
        assert_eq!(
            error(r#""a\qb""#),
            ("invalid escape `\\q` in string literal".into(), "\\q".into())
        );
        assert_eq!(error(r#""\é""#).1, "\\é");
        assert_eq!(error(r#""\u41""#).1, "\\u");
        assert_eq!(error(r#""\u{}""#).1, "\\u{}");
        assert_eq!(error(r#""\u{12x}""#).1, "\\u{12x");
        assert_eq!(error(r#""\u{1234567}""#).1, "\\u{1234567");
        assert_eq!(error(r#""\u{12"#).0, "unterminated unicode escape");
        let (msg, text) = error(r#""\u{D800}""#);
        assert_eq!(text, "\\u{D800}");
        assert!(msg.contains("not a Unicode scalar value"), "{msg}");
        assert!(error(r#""\u{110000}""#).0.contains("not a Unicode scalar value"));
    }

    #[test]
    fn unexpected_characters() {
        assert_eq!(error("a @ b"), ("unexpected character `@`".into(), "@".into()));
        assert_eq!(error("a & b"), ("unexpected character `&`".into(), "&".into()));
        assert_eq!(error("a | b"), ("unexpected character `|`".into(), "|".into()));
        assert_eq!(error("let é = 1").1, "é");
        assert_eq!(error("\u{0}").0, "unexpected character `\\0`");
    }

    #[test]
    fn describe_names_tokens() {
        assert_eq!(Semi.describe(), "`;`");
        assert_eq!(Let.describe(), "`let`");
        assert_eq!(Ident("x".into()).describe(), "identifier `x`");
        assert_eq!(Eof.describe(), "end of input");
    }
}
