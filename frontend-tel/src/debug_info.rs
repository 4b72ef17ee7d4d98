//! Source-level debugging information of a TEL program lowered debuggable
//! ([`crate::lower::LowerOptions::debuggable`]): each statement's `mark`, which source span it
//! stands for, and the locals in scope there with their types and where their values live.
//!
//! In debuggable lowering a statement's `mark` carries a *mark location* ([`MARK_TAG`] plus an
//! index into [`DebugInfo::marks`]) instead of its span, so every mark in the module is one
//! breakpoint site of its own (other instructions keep their spans, which errors report).
//! Nothing is inlined in debuggable lowering, so a mark's locals are all in its own frame.
//!
//! Owns the data only; it must never read a running instance (the runtime's TEL debugger does).

use crate::diag::{line_col, Span};
use crate::types::Type;
use causeway_engine::ir::SourceLoc;

/// The bit that tells a mark location from a span location (spans are below 2^63).
pub const MARK_TAG: u64 = 1 << 63;

/// Where a local's value is, in terms of the frame's IR variables and guest memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DebugSlot {
    /// In variable `v`.
    Var(u32),
    /// In the cell whose address variable `v` holds (a local a handler clause may assign).
    Cell(u32),
    /// At `offset` from the address variable `v` holds (a captured value in a closure's
    /// environment).
    Field(u32, i32),
    /// In the cell whose address is at `offset` from the address in `v` (a captured cell).
    FieldCell(u32, i32),
}

/// A local in scope at a mark.
#[derive(Clone, Debug, PartialEq)]
pub struct DebugLocal {
    pub name: String,
    pub ty: Type,
    pub slot: DebugSlot,
}

/// One statement's mark.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkInfo {
    pub span: Span,
    /// In scope at the statement, in binding order (a later one shadows an earlier of its name).
    pub locals: Vec<DebugLocal>,
}

/// The marks of a debuggable module.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DebugInfo {
    pub marks: Vec<MarkInfo>,
}

impl DebugInfo {
    /// The location a new mark gets.
    pub fn next_loc(&self) -> SourceLoc {
        SourceLoc(MARK_TAG | self.marks.len() as u64)
    }

    /// The mark at `loc`, if `loc` is a mark location of this module.
    pub fn mark(&self, loc: SourceLoc) -> Option<&MarkInfo> {
        if loc.0 & MARK_TAG == 0 {
            return None;
        }
        self.marks.get((loc.0 & !MARK_TAG) as usize)
    }

    /// The mark locations of the statements that start on `line` (1-based) of `source`: where a
    /// breakpoint on that line goes. Empty when no statement starts there.
    pub fn locs_at_line(&self, source: &str, line: usize) -> Vec<SourceLoc> {
        self.marks
            .iter()
            .enumerate()
            .filter(|(_, m)| line_col(source, m.span.start).0 == line)
            .map(|(i, _)| SourceLoc(MARK_TAG | i as u64))
            .collect()
    }

    /// The `(line, column)` (1-based) of the statement at `loc`.
    pub fn position(&self, source: &str, loc: SourceLoc) -> Option<(usize, usize)> {
        self.mark(loc).map(|m| line_col(source, m.span.start))
    }
}
