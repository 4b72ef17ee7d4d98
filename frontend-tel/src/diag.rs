//! Diagnostics: the error kinds of the SPEC, source spans, and the one place that turns a span into
//! a line and a column. Rendering (with the source line underlined) lives in `render`.

use std::fmt;

/// A byte range `start..end` in the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The guest location (`ir::SourceLoc`) compiled code carries for this span: start in the low
    /// 32 bits, end in the high 32 bits.
    pub fn to_loc(self) -> u64 {
        self.start as u64 | (self.end as u64) << 32
    }

    /// The span of a guest location made by [`Span::to_loc`].
    pub fn from_loc(loc: u64) -> Span {
        Span {
            start: loc as u32,
            end: ((loc >> 32) as u32).max(loc as u32),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Every error kind of the SPEC, compile-time and run-time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    SyntaxError,
    UnknownName,
    TypeMismatch,
    ArityMismatch,
    InvalidReturn,
    MissingMain,
    UnhandledEffect,
    ArithmeticOverflow,
    DivisionByZero,
    IndexOutOfBounds,
    CapabilityDenied,
    ResourceNotFound,
    InsufficientQuantity,
    InvalidArgument,
    OutOfFuel,
    StackOverflow,
    OutOfMemory,
    HostError,
}

impl ErrorKind {
    /// Every kind, compile-time first.
    pub const ALL: [ErrorKind; 18] = [
        ErrorKind::SyntaxError,
        ErrorKind::UnknownName,
        ErrorKind::TypeMismatch,
        ErrorKind::ArityMismatch,
        ErrorKind::InvalidReturn,
        ErrorKind::MissingMain,
        ErrorKind::UnhandledEffect,
        ErrorKind::ArithmeticOverflow,
        ErrorKind::DivisionByZero,
        ErrorKind::IndexOutOfBounds,
        ErrorKind::CapabilityDenied,
        ErrorKind::ResourceNotFound,
        ErrorKind::InsufficientQuantity,
        ErrorKind::InvalidArgument,
        ErrorKind::OutOfFuel,
        ErrorKind::StackOverflow,
        ErrorKind::OutOfMemory,
        ErrorKind::HostError,
    ];

    /// The kind named `name` (as [`ErrorKind::name`] spells it).
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind's name as the SPEC and the examples' `expect-error` headers spell it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::SyntaxError => "SyntaxError",
            ErrorKind::UnknownName => "UnknownName",
            ErrorKind::TypeMismatch => "TypeMismatch",
            ErrorKind::ArityMismatch => "ArityMismatch",
            ErrorKind::InvalidReturn => "InvalidReturn",
            ErrorKind::MissingMain => "MissingMain",
            ErrorKind::UnhandledEffect => "UnhandledEffect",
            ErrorKind::ArithmeticOverflow => "ArithmeticOverflow",
            ErrorKind::DivisionByZero => "DivisionByZero",
            ErrorKind::IndexOutOfBounds => "IndexOutOfBounds",
            ErrorKind::CapabilityDenied => "CapabilityDenied",
            ErrorKind::ResourceNotFound => "ResourceNotFound",
            ErrorKind::InsufficientQuantity => "InsufficientQuantity",
            ErrorKind::InvalidArgument => "InvalidArgument",
            ErrorKind::OutOfFuel => "OutOfFuel",
            ErrorKind::StackOverflow => "StackOverflow",
            ErrorKind::OutOfMemory => "OutOfMemory",
            ErrorKind::HostError => "HostError",
        }
    }

    /// The diagnostic code printed as `error[CODE]` (stable; documented in docs/tel.md).
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::SyntaxError => "E0001",
            ErrorKind::UnknownName => "E0002",
            ErrorKind::TypeMismatch => "E0003",
            ErrorKind::ArityMismatch => "E0004",
            ErrorKind::InvalidReturn => "E0005",
            ErrorKind::MissingMain => "E0006",
            ErrorKind::UnhandledEffect => "E0007",
            ErrorKind::ArithmeticOverflow => "R0001",
            ErrorKind::DivisionByZero => "R0002",
            ErrorKind::IndexOutOfBounds => "R0003",
            ErrorKind::CapabilityDenied => "R0004",
            ErrorKind::ResourceNotFound => "R0005",
            ErrorKind::InsufficientQuantity => "R0006",
            ErrorKind::InvalidArgument => "R0007",
            ErrorKind::OutOfFuel => "R0008",
            ErrorKind::StackOverflow => "R0009",
            ErrorKind::OutOfMemory => "R0010",
            ErrorKind::HostError => "R0011",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One compile error: its kind, a message naming what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Span,
}

impl Diag {
    pub fn new(kind: ErrorKind, span: Span, message: impl Into<String>) -> Diag {
        Diag {
            kind,
            message: message.into(),
            span,
        }
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Diag {}

/// Line and column (both 1-based; the column counts Unicode scalar values) of a byte offset.
pub fn line_col(source: &str, offset: u32) -> (usize, usize) {
    let offset = (offset as usize).min(source.len());
    let mut line_start = 0;
    let mut line = 1;
    for (i, b) in source.bytes().enumerate().take(offset) {
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let col = source
        .get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count())
        + 1;
    (line, col)
}
