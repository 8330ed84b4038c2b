//! Where every value of a JSON text sits: a map from JSON Pointer
//! (RFC 6901) to the line and column span of the value in the text.
//!
//! SARIF locations must name lines of the file a scan wrote (or read), not
//! lines guessed from how a serialiser usually lays things out, so the
//! text itself is scanned. The scanner only records positions; it trusts
//! the text to be JSON (it was written by us, or already parsed), and gives
//! up with `None` on anything it does not understand.

use std::collections::HashMap;

/// A place in the text: 1-based line, 1-based column counted in Unicode
/// scalar values, and the 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// The span of one value: `start` is its first character, `end` the
/// position just after its last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueSpan {
    pub start: TextPos,
    pub end: TextPos,
}

/// The spans of every value of a JSON text, by pointer.
///
/// TODO(#5): every value's span is kept, so memory grows with the size of
/// the snapshot (a few hundred bytes per policy line); recording only the
/// pointers that findings need would bound it for very large accounts.
#[derive(Debug, Default)]
pub struct JsonSpans {
    spans: HashMap<String, ValueSpan>,
}

/// Deeper documents are refused (serde_json's own limit is 128).
const MAX_DEPTH: usize = 256;

impl JsonSpans {
    /// Scans a JSON text; `None` if it is not JSON this scanner follows.
    pub fn scan(text: &str) -> Option<JsonSpans> {
        let mut scanner = Scanner {
            text,
            pos: TextPos {
                line: 1,
                column: 1,
                offset: 0,
            },
            out: JsonSpans::default(),
        };
        scanner.skip_space();
        let mut pointer = String::new();
        scanner.value(&mut pointer, 0)?;
        scanner.skip_space();
        scanner.peek().is_none().then_some(scanner.out)
    }

    /// The span of the value at `pointer` (`""` is the whole document).
    pub fn get(&self, pointer: &str) -> Option<ValueSpan> {
        self.spans.get(pointer).copied()
    }
}

/// Escapes one reference token of a JSON Pointer.
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The column (same counting as [`TextPos`]) at which the character with
/// 0-based index `index` of the decoded string starts, for a string value
/// whose opening quote is at `span.start`. Past the end: the closing quote.
pub fn column_in_string(text: &str, span: ValueSpan, index: usize) -> usize {
    let raw = text.get(span.start.offset..span.end.offset).unwrap_or("");
    let mut column = span.start.column + 1;
    let mut decoded = 0;
    let mut chars = raw.chars().skip(1).peekable();
    while let Some(c) = chars.next() {
        if c == '"' || decoded == index {
            break;
        }
        column += 1;
        if c == '\\' {
            // An escape: `\n` is two characters of text, `\u00e9` six.
            let width = match chars.next() {
                Some('u') => {
                    for _ in 0..4 {
                        chars.next();
                    }
                    5
                }
                Some(_) => 1,
                None => 0,
            };
            column += width;
        }
        decoded += 1;
    }
    column
}

struct Scanner<'a> {
    text: &'a str,
    pos: TextPos,
    out: JsonSpans,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.pos.offset..)?.chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos.offset += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn expect(&mut self, wanted: char) -> Option<()> {
        (self.bump()? == wanted).then_some(())
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    /// Scans one value and records its span under `pointer`.
    fn value(&mut self, pointer: &mut String, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let start = self.pos;
        match self.peek()? {
            '{' => self.object(pointer, depth)?,
            '[' => self.array(pointer, depth)?,
            '"' => {
                self.string()?;
            }
            _ => self.scalar()?,
        }
        let span = ValueSpan {
            start,
            end: self.pos,
        };
        self.out.spans.insert(pointer.clone(), span);
        Some(())
    }

    fn object(&mut self, pointer: &mut String, depth: usize) -> Option<()> {
        self.expect('{')?;
        self.skip_space();
        if self.peek()? == '}' {
            return self.expect('}');
        }
        loop {
            self.skip_space();
            let key = self.string()?;
            self.skip_space();
            self.expect(':')?;
            self.skip_space();
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&pointer_token(&key));
            self.value(pointer, depth + 1)?;
            pointer.truncate(len);
            self.skip_space();
            match self.bump()? {
                ',' => continue,
                '}' => return Some(()),
                _ => return None,
            }
        }
    }

    fn array(&mut self, pointer: &mut String, depth: usize) -> Option<()> {
        self.expect('[')?;
        self.skip_space();
        if self.peek()? == ']' {
            return self.expect(']');
        }
        let mut index = 0usize;
        loop {
            self.skip_space();
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&index.to_string());
            self.value(pointer, depth + 1)?;
            pointer.truncate(len);
            index += 1;
            self.skip_space();
            match self.bump()? {
                ',' => continue,
                ']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// Scans a string and returns its decoded text (needed for keys).
    fn string(&mut self) -> Option<String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => match self.bump()? {
                    'u' => {
                        let mut hex = String::new();
                        for _ in 0..4 {
                            hex.push(self.bump()?);
                        }
                        let unit = u32::from_str_radix(&hex, 16).ok()?;
                        // Keys never hold surrogate pairs in our files; a
                        // lone surrogate decodes to U+FFFD.
                        out.push(char::from_u32(unit).unwrap_or('\u{fffd}'));
                    }
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    c => out.push(c),
                },
                c => out.push(c),
            }
        }
    }

    fn scalar(&mut self) -> Option<()> {
        let mut any = false;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.') {
                self.bump();
                any = true;
            } else {
                break;
            }
        }
        any.then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_the_text_not_a_layout() {
        let text = "{\n  \"a\": [1, \"x\\\"y\"],\n  \"b/c\": {\"d\": null}, \"e\": true\n}\n";
        let spans = JsonSpans::scan(text).unwrap();
        let whole = spans.get("").unwrap();
        assert_eq!((whole.start.line, whole.end.line), (1, 4));
        let one = spans.get("/a/0").unwrap();
        assert_eq!(
            (one.start.line, one.start.column, one.end.column),
            (2, 9, 10)
        );
        let s = spans.get("/a/1").unwrap();
        assert_eq!(&text[s.start.offset..s.end.offset], "\"x\\\"y\"");
        assert_eq!(spans.get("/b~1c/d").unwrap().start.line, 3);
        assert_eq!(spans.get("/e").unwrap().start.column, 28);
        assert!(spans.get("/a/2").is_none());
    }

    #[test]
    fn columns_inside_strings_count_escapes() {
        let text = "[\"ab\\\"c\\u00e9d\"]";
        let spans = JsonSpans::scan(text).unwrap();
        let s = spans.get("/0").unwrap();
        // `"` at 2, a at 3, b at 4, `\"` at 5-6, c at 7, `\u00e9` at 8-13, d at 14.
        let columns: Vec<usize> = (0..6).map(|i| column_in_string(text, s, i)).collect();
        assert_eq!(columns, vec![3, 4, 5, 7, 8, 14]);
        assert_eq!(column_in_string(text, s, 99), 15);
    }

    #[test]
    fn non_json_is_refused() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "[1] 2", "\"open"] {
            assert!(JsonSpans::scan(bad).is_none(), "{bad}");
        }
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(JsonSpans::scan(&deep).is_none());
    }
}
