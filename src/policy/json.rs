//! A small, strict JSON reader that keeps source positions.
//!
//! Policy documents are read with this instead of `serde_json` because the
//! engine needs the line and column of every value and key, and because a
//! duplicate object key must be an error: most JSON readers silently keep
//! the last one, which has dropped real conditions from trust policies
//! (IAM-SEMANTICS.md 3.1). Nesting is bounded by [`MAX_DEPTH`], so the
//! recursive descent below cannot exhaust the stack on any input.

use super::span::{Position, Span};
use std::collections::HashMap;
use thiserror::Error;

/// The deepest nesting of arrays and objects accepted. Policies need about
/// five levels; 64 leaves room without risking the stack.
pub const MAX_DEPTH: usize = 64;

/// Objects with more members than this detect duplicates with a hash map
/// instead of a linear scan.
const LINEAR_DUPLICATE_SCAN: usize = 16;

/// A JSON value with the span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    /// The value itself.
    pub kind: JsonKind,
    /// Where the value is written (for strings, including the quotes).
    pub span: Span,
}

/// The kinds of JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as written so no precision is lost.
    Number(String),
    /// A string, with escapes decoded.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in source order (keys are unique).
    Object(Vec<Member>),
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The decoded key.
    pub key: String,
    /// Where the key is written, quotes included.
    pub key_span: Span,
    /// The member's value.
    pub value: Json,
}

impl Json {
    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            JsonKind::Null => "null",
            JsonKind::Bool(_) => "a boolean",
            JsonKind::Number(_) => "a number",
            JsonKind::String(_) => "a string",
            JsonKind::Array(_) => "an array",
            JsonKind::Object(_) => "an object",
        }
    }
}

/// A JSON syntax error and where it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{at}: {kind}")]
pub struct JsonError {
    /// What went wrong.
    pub kind: JsonErrorKind,
    /// Where it went wrong (for a duplicate key, the second key).
    pub at: Position,
}

/// The kinds of JSON syntax error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JsonErrorKind {
    /// The text ended inside a value.
    #[error("unexpected end of input")]
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    #[error("unexpected character `{0}`")]
    UnexpectedChar(char),
    /// A backslash escape that JSON does not define.
    #[error("invalid escape `\\{0}`")]
    InvalidEscape(char),
    /// `\u` not followed by four hex digits.
    #[error("invalid unicode escape")]
    InvalidUnicodeEscape,
    /// A UTF-16 surrogate escape without its partner.
    #[error("lone surrogate `\\u{0:04x}`")]
    LoneSurrogate(u32),
    /// An unescaped control character inside a string.
    #[error("control character U+{0:04X} in string")]
    ControlCharacter(u32),
    /// A malformed number.
    #[error("invalid number")]
    InvalidNumber,
    /// Arrays and objects nested deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The same key twice in one object.
    #[error("duplicate key `{key}` (first at {first})")]
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// Where the first occurrence is.
        first: Position,
    },
    /// More text after the top-level value.
    #[error("unexpected text after the document")]
    TrailingText,
}

/// Parses a complete JSON document.
///
/// # Errors
/// Any syntax error, a duplicate key in any object, or nesting deeper than
/// [`MAX_DEPTH`], each with the position where it was found.
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut reader = Reader::new(text);
    reader.skip_whitespace();
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.peek().is_some() {
        return Err(reader.error(JsonErrorKind::TrailingText));
    }
    Ok(value)
}

/// A cursor over the text that tracks line and column as it moves.
struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: Position,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: Position::START,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos.offset).copied()
    }

    fn error(&self, kind: JsonErrorKind) -> JsonError {
        JsonError { kind, at: self.pos }
    }

    /// The error for the character at the cursor (or the end of input).
    fn unexpected(&self) -> JsonError {
        let found = self
            .text
            .get(self.pos.offset..)
            .and_then(|s| s.chars().next());
        match found {
            Some(c) => self.error(JsonErrorKind::UnexpectedChar(c)),
            None => self.error(JsonErrorKind::UnexpectedEnd),
        }
    }

    /// Moves past one character, keeping line and column right.
    fn bump(&mut self) -> Option<char> {
        let c = self.text.get(self.pos.offset..)?.chars().next()?;
        self.pos.offset += c.len_utf8();
        if c == '\n' {
            self.pos.line = self.pos.line.saturating_add(1);
            self.pos.column = 1;
        } else {
            self.pos.column = self.pos.column.saturating_add(1);
        }
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn expect_byte(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.peek() == Some(byte) {
            self.bump();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b't') => self.literal("true", JsonKind::Bool(true))?,
            Some(b'f') => self.literal("false", JsonKind::Bool(false))?,
            Some(b'n') => self.literal("null", JsonKind::Null)?,
            Some(b'-' | b'0'..=b'9') => JsonKind::Number(self.number()?),
            _ => return Err(self.unexpected()),
        };
        let span = Span {
            start,
            end: self.pos,
        };
        Ok(Json { kind, span })
    }

    fn literal(&mut self, word: &str, kind: JsonKind) -> Result<JsonKind, JsonError> {
        for expected in word.bytes() {
            self.expect_byte(expected)?;
        }
        Ok(kind)
    }

    fn enter(&self, depth: usize) -> Result<usize, JsonError> {
        if depth >= MAX_DEPTH {
            Err(self.error(JsonErrorKind::TooDeep))
        } else {
            Ok(depth + 1)
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonKind, JsonError> {
        let depth = self.enter(depth)?;
        self.bump();
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(JsonKind::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.bump();
                }
                Some(b']') => {
                    self.bump();
                    return Ok(JsonKind::Array(items));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonKind, JsonError> {
        let depth = self.enter(depth)?;
        self.bump();
        let mut members = Members::default();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(JsonKind::Object(members.list));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected());
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span {
                start: key_start,
                end: self.pos,
            };
            members.check_unique(&key, key_start)?;
            self.skip_whitespace();
            self.expect_byte(b':')?;
            self.skip_whitespace();
            let value = self.value(depth)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.bump();
                }
                Some(b'}') => {
                    self.bump();
                    return Ok(JsonKind::Object(members.list));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.bump();
        let mut out = String::new();
        loop {
            let at = self.pos;
            let Some(c) = self.bump() else {
                return Err(self.error(JsonErrorKind::UnexpectedEnd));
            };
            match c {
                '"' => return Ok(out),
                '\\' => out.push(self.escape()?),
                c if u32::from(c) < 0x20 => {
                    return Err(JsonError {
                        kind: JsonErrorKind::ControlCharacter(u32::from(c)),
                        at,
                    });
                }
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self) -> Result<char, JsonError> {
        let at = self.pos;
        let Some(c) = self.bump() else {
            return Err(self.error(JsonErrorKind::UnexpectedEnd));
        };
        let decoded = match c {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => return self.unicode_escape(at),
            other => {
                return Err(JsonError {
                    kind: JsonErrorKind::InvalidEscape(other),
                    at,
                });
            }
        };
        Ok(decoded)
    }

    /// Decodes the rest of a `\uXXXX` escape, pairing surrogates.
    fn unicode_escape(&mut self, at: Position) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let lone = |unit| JsonError {
            kind: JsonErrorKind::LoneSurrogate(unit),
            at,
        };
        if (0xDC00..0xE000).contains(&first) {
            return Err(lone(first));
        }
        if !(0xD800..0xDC00).contains(&first) {
            return char::from_u32(first).ok_or_else(|| lone(first));
        }
        if self.peek() != Some(b'\\') || self.bytes.get(self.pos.offset + 1) != Some(&b'u') {
            return Err(lone(first));
        }
        self.bump();
        self.bump();
        let second = self.hex4()?;
        if !(0xDC00..0xE000).contains(&second) {
            return Err(lone(first));
        }
        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        char::from_u32(code).ok_or_else(|| lone(first))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.error(JsonErrorKind::InvalidUnicodeEscape))?;
            self.bump();
            value = value * 16 + digit;
        }
        Ok(value)
    }

    /// Reads a number per the JSON grammar and returns its text.
    fn number(&mut self) -> Result<String, JsonError> {
        let start = self.pos.offset;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => {
                self.bump();
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error(JsonErrorKind::InvalidNumber)),
        }
        if self.peek() == Some(b'.') {
            self.bump();
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            self.required_digits()?;
        }
        let text = self.text.get(start..self.pos.offset).unwrap_or_default();
        Ok(text.to_owned())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.bump();
        }
    }

    fn required_digits(&mut self) -> Result<(), JsonError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.error(JsonErrorKind::InvalidNumber));
        }
        self.digits();
        Ok(())
    }
}

/// The members of an object being read, with duplicate detection.
#[derive(Default)]
struct Members {
    list: Vec<Member>,
    index: Option<HashMap<String, Position>>,
}

impl Members {
    fn check_unique(&mut self, key: &str, at: Position) -> Result<(), JsonError> {
        let first = match &self.index {
            Some(index) => index.get(key).copied(),
            None => self
                .list
                .iter()
                .find(|m| m.key == key)
                .map(|m| m.key_span.start),
        };
        match first {
            Some(first) => Err(JsonError {
                kind: JsonErrorKind::DuplicateKey {
                    key: key.to_owned(),
                    first,
                },
                at,
            }),
            None => Ok(()),
        }
    }

    fn push(&mut self, member: Member) {
        if self.index.is_none() && self.list.len() >= LINEAR_DUPLICATE_SCAN {
            let index = self
                .list
                .iter()
                .map(|m| (m.key.clone(), m.key_span.start))
                .collect();
            self.index = Some(index);
        }
        if let Some(index) = &mut self.index {
            index.insert(member.key.clone(), member.key_span.start);
        }
        self.list.push(member);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, column: u32) -> (u32, u32) {
        (line, column)
    }

    fn err_at(text: &str) -> (JsonErrorKind, (u32, u32)) {
        let err = parse(text).unwrap_err();
        (err.kind, pos(err.at.line, err.at.column))
    }

    #[test]
    fn spans_of_values_and_keys() {
        let text = "{\n  \"a\": [1, \"x\"],\n  \"é\": true\n}";
        let doc = parse(text).unwrap();
        let JsonKind::Object(members) = &doc.kind else {
            panic!("not an object")
        };
        assert_eq!((doc.span.start.line, doc.span.end.line), (1, 4));
        let a = &members[0];
        assert_eq!((a.key_span.start.line, a.key_span.start.column), (2, 3));
        assert_eq!((a.value.span.start.line, a.value.span.start.column), (2, 8));
        let JsonKind::Array(items) = &a.value.kind else {
            panic!("not an array")
        };
        assert_eq!(items[1].span.start.column, 12);
        assert_eq!(items[1].span.end.column, 15);
        assert_eq!(&text[items[1].span.byte_range()], "\"x\"");
        let e = &members[1];
        assert_eq!(e.key, "é");
        // the value's column counts characters, not bytes
        assert_eq!((e.value.span.start.line, e.value.span.start.column), (3, 8));
    }

    #[test]
    fn duplicate_keys_anywhere_name_the_second_key() {
        let cases = [
            ("{\"a\": 1, \"a\": 2}", "a", (1, 10), (1, 2)),
            (
                "{\"S\": [{\"C\": {\n \"StringEquals\": {},\n \"StringEquals\": {}}}]}",
                "StringEquals",
                (3, 2),
                (2, 2),
            ),
        ];
        for (text, key, second, first) in cases {
            let err = parse(text).unwrap_err();
            let JsonErrorKind::DuplicateKey { key: k, first: f } = &err.kind else {
                panic!("{text}: expected a duplicate key, got {err}")
            };
            assert_eq!(k, key);
            assert_eq!((err.at.line, err.at.column), second, "{text}");
            assert_eq!((f.line, f.column), first, "{text}");
        }
    }

    #[test]
    fn duplicate_keys_in_large_objects() {
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{i}\": {i},"));
        }
        text.push_str("\"k3\": 0}");
        let (kind, _) = err_at(&text);
        assert!(matches!(kind, JsonErrorKind::DuplicateKey { ref key, .. } if key == "k3"));
    }

    #[test]
    fn syntax_errors_with_positions() {
        let cases: [(&str, JsonErrorKind, (u32, u32)); 12] = [
            ("", JsonErrorKind::UnexpectedEnd, (1, 1)),
            ("{\"a\": 1", JsonErrorKind::UnexpectedEnd, (1, 8)),
            ("{\"a\" 1}", JsonErrorKind::UnexpectedChar('1'), (1, 6)),
            ("[1,]", JsonErrorKind::UnexpectedChar(']'), (1, 4)),
            ("\"\\x\"", JsonErrorKind::InvalidEscape('x'), (1, 3)),
            ("\"\\ud800\"", JsonErrorKind::LoneSurrogate(0xd800), (1, 3)),
            ("\"\\udc00x\"", JsonErrorKind::LoneSurrogate(0xdc00), (1, 3)),
            ("\"\\u12g4\"", JsonErrorKind::InvalidUnicodeEscape, (1, 6)),
            ("\"a\nb\"", JsonErrorKind::ControlCharacter(10), (1, 3)),
            ("01", JsonErrorKind::TrailingText, (1, 2)),
            ("1.", JsonErrorKind::InvalidNumber, (1, 3)),
            ("{} x", JsonErrorKind::TrailingText, (1, 4)),
        ];
        for (text, kind, at) in cases {
            assert_eq!(err_at(text), (kind, at), "{text:?}");
        }
    }

    #[test]
    fn escapes_and_surrogate_pairs_decode() {
        let doc = parse(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(
            doc.kind,
            JsonKind::String("a\"\\/\u{8}\u{c}\n\r\té😀".into())
        );
    }

    #[test]
    fn numbers_keep_their_text() {
        for n in ["0", "-0", "12", "1.50", "1e3", "-2.5E-7"] {
            assert_eq!(parse(n).unwrap().kind, JsonKind::Number(n.into()));
        }
        for bad in ["-", "+1", ".5", "1e", "--1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(err_at(&deep).0, JsonErrorKind::TooDeep);
        let hostile = "{\"a\":".repeat(100_000);
        assert_eq!(err_at(&hostile).0, JsonErrorKind::TooDeep);
    }
}
