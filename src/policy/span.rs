//! Source positions: where in a policy document's text a value, a key or a
//! statement sits. Every parsed element carries a [`Span`], so a finding can
//! point at the exact line and column that caused it.

use std::fmt;

/// A point in the source text.
///
/// `line` and `column` are 1-based; `column` counts Unicode scalar values
/// (characters), not bytes, and a tab counts as one column. `offset` is the
/// 0-based byte offset, for callers that slice the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// 0-based byte offset into the text.
    pub offset: usize,
}

impl Position {
    /// The first character of a document.
    pub const START: Position = Position {
        line: 1,
        column: 1,
        offset: 0,
    };
}

impl Default for Position {
    fn default() -> Self {
        Self::START
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A half-open range of source text: `start` is the first character of the
/// element, `end` the position just after its last character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// Where the element starts.
    pub start: Position,
    /// Just past where the element ends.
    pub end: Position,
}

impl Span {
    /// The byte range of the element, for slicing the original text.
    pub fn byte_range(&self) -> std::ops::Range<usize> {
        self.start.offset..self.end.offset
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.start.fmt(f)
    }
}

/// A value together with the span of its source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The parsed value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}
