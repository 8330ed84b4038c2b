//! Wildcard patterns and policy variables, compiled once at parse time.
//!
//! A [`Glob`] is a sequence of [`GlobToken`]s: literal text, `*` (any run of
//! characters), `?` (exactly one character) and policy variables such as
//! `${aws:username}`. The same representation serves action patterns, the
//! segments of resource ARNs and string or ARN condition values, so a later
//! module can reason over the token lists directly (for example to intersect
//! a resource pattern with an object-key prefix).
//!
//! Variables follow the IAM variables page: the key name is case-insensitive
//! (kept lowercased), an optional default is written `${key, 'default'}`, and
//! `${*}`, `${?}` and `${$}` stand for the literal characters. A variable's
//! value is always matched literally, never as a wildcard.

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GlobToken {
    /// Text that must appear exactly (after any case folding the owner did).
    Literal(String),
    /// `*`: any run of characters, including none.
    AnyRun,
    /// `?`: exactly one character.
    AnyChar,
    /// A policy variable, replaced by a request value at evaluation time.
    Variable(Variable),
}

/// A policy variable such as `${aws:PrincipalTag/team, 'none'}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variable {
    /// The condition key, lowercased.
    pub key: String,
    /// The default used when the key has no value.
    pub default: Option<String>,
    /// The text as written, `${` and `}` included.
    pub raw: String,
}

/// Which special syntax a pattern's text understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// `*` and `?` are wildcards (otherwise literal).
    pub wildcards: bool,
    /// `${...}` is a policy variable (otherwise literal).
    pub variables: bool,
}

impl Syntax {
    /// Plain text: nothing is special.
    pub const LITERAL: Syntax = Syntax {
        wildcards: false,
        variables: false,
    };
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Glob {
    tokens: Vec<GlobToken>,
    /// The common shapes get a direct comparison instead of the general
    /// matcher (evaluation is on a hot path).
    shape: Shape,
}

/// The shape of a glob's tokens, derived from them at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
enum Shape {
    /// No wildcard, no variable: string equality.
    #[default]
    Literal,
    /// Literal text then a final `*`: a prefix test.
    Prefix,
    /// Anything else.
    General,
}

impl Shape {
    fn of(tokens: &[GlobToken]) -> Shape {
        match tokens {
            [] | [GlobToken::Literal(_)] => Shape::Literal,
            [GlobToken::AnyRun] | [GlobToken::Literal(_), GlobToken::AnyRun] => Shape::Prefix,
            _ => Shape::General,
        }
    }
}

/// Where a glob looks up the value of a variable: `None` means the key has
/// no usable value (absent, or multivalued).
pub trait Resolve {
    /// The value of the (lowercased) key.
    fn resolve(&self, key: &str) -> Option<&str>;
}

/// A resolver for contexts without variables; every key is unresolved.
pub struct NoVariables;

impl Resolve for NoVariables {
    fn resolve(&self, _key: &str) -> Option<&str> {
        None
    }
}

impl Glob {
    /// Compiles `text` with the given syntax.
    pub fn parse(text: &str, syntax: Syntax) -> Glob {
        let mut builder = Builder::default();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if syntax.variables
                && rest.starts_with("${")
                && let Some((token, len)) = parse_variable(rest)
            {
                builder.push(token);
                rest = rest.get(len..).unwrap_or_default();
                continue;
            }
            match c {
                '*' if syntax.wildcards => builder.push(GlobToken::AnyRun),
                '?' if syntax.wildcards => builder.push(GlobToken::AnyChar),
                c => builder.push_char(c),
            }
            rest = rest.get(c.len_utf8()..).unwrap_or_default();
        }
        Glob::new(builder.finish())
    }

    fn new(tokens: Vec<GlobToken>) -> Glob {
        let shape = Shape::of(&tokens);
        Glob { tokens, shape }
    }

    /// Builds a glob from tokens (adjacent literals are merged).
    pub fn from_tokens(tokens: impl IntoIterator<Item = GlobToken>) -> Glob {
        let mut builder = Builder::default();
        for token in tokens {
            builder.push(token);
        }
        Glob::new(builder.finish())
    }

    /// The compiled tokens.
    pub fn tokens(&self) -> &[GlobToken] {
        &self.tokens
    }

    /// The literal text if the pattern has no wildcard and no variable.
    pub fn as_literal(&self) -> Option<&str> {
        match self.tokens.as_slice() {
            [] => Some(""),
            [GlobToken::Literal(text)] => Some(text),
            _ => None,
        }
    }

    /// Whether the pattern contains a policy variable.
    pub fn has_variables(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, GlobToken::Variable(_)))
    }

    /// Whether the pattern contains `*` or `?`.
    pub fn has_wildcards(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, GlobToken::AnyRun | GlobToken::AnyChar))
    }

    /// Whether the last token is `*`.
    pub fn ends_with_any_run(&self) -> bool {
        matches!(self.tokens.last(), Some(GlobToken::AnyRun))
    }

    /// Whether every variable has a value (or a default) in `resolver`.
    pub fn is_resolvable(&self, resolver: &dyn Resolve) -> bool {
        self.tokens.iter().all(|t| match t {
            GlobToken::Variable(v) => value_of(v, resolver).is_some(),
            _ => true,
        })
    }

    /// Matches `text` exactly. `None` if a variable has no value: the
    /// pattern then matches nothing, and the caller decides what that means.
    pub fn matches(&self, text: &str, resolver: &dyn Resolve) -> Option<bool> {
        match (self.shape, self.tokens.first()) {
            (Shape::Literal, None) => Some(text.is_empty()),
            (Shape::Prefix, Some(GlobToken::AnyRun)) => Some(true),
            (Shape::Literal | Shape::Prefix, Some(GlobToken::Literal(literal))) => {
                let exact = self.shape == Shape::Literal;
                Some(if exact {
                    literal == text
                } else {
                    text.starts_with(literal.as_str())
                })
            }
            _ => {
                if !self.is_resolvable(resolver) {
                    return None;
                }
                Some(match_tokens(&self.tokens, text, resolver))
            }
        }
    }

    /// Matches `text` with no variables in play (variables match nothing).
    pub fn matches_plain(&self, text: &str) -> bool {
        self.matches(text, &NoVariables).unwrap_or(false)
    }

    /// The text with variables replaced and wildcards written back as `*`
    /// and `?`; `None` if a variable has no value.
    pub fn render(&self, resolver: &dyn Resolve) -> Option<String> {
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                GlobToken::Literal(text) => out.push_str(text),
                GlobToken::AnyRun => out.push('*'),
                GlobToken::AnyChar => out.push('?'),
                GlobToken::Variable(v) => out.push_str(value_of(v, resolver)?),
            }
        }
        Some(out)
    }
}

/// The value a variable takes: the request's value, else its default.
pub fn value_of<'r>(variable: &'r Variable, resolver: &'r dyn Resolve) -> Option<&'r str> {
    resolver
        .resolve(&variable.key)
        .or(variable.default.as_deref())
}

/// Parses `${...}` at the start of `text`; returns the token and its length.
/// Text that does not form a valid variable is left to be read literally.
// TODO(#3): AWS may reject a policy with malformed variable syntax (`${a b}`,
// an unterminated `${`) instead of reading it literally; unverified.
fn parse_variable(text: &str) -> Option<(GlobToken, usize)> {
    let close = text.find('}')?;
    let raw = text.get(..=close)?;
    let inner = raw.get(2..close)?.trim();
    let token = match inner {
        "*" | "?" | "$" => GlobToken::Literal(inner.to_owned()),
        _ => GlobToken::Variable(variable(inner, raw)?),
    };
    Some((token, close + 1))
}

fn variable(inner: &str, raw: &str) -> Option<Variable> {
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let quoted = default.trim();
            let unquoted = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(unquoted.to_owned()))
        }
        None => (inner, None),
    };
    let valid = !key.is_empty() && !key.contains(char::is_whitespace) && !key.contains('$');
    valid.then(|| Variable {
        key: key.to_lowercase(),
        default,
        raw: raw.to_owned(),
    })
}

/// Collects tokens, merging adjacent literals and collapsing `**`.
#[derive(Default)]
struct Builder {
    tokens: Vec<GlobToken>,
}

impl Builder {
    fn push_char(&mut self, c: char) {
        if let Some(GlobToken::Literal(text)) = self.tokens.last_mut() {
            text.push(c);
        } else {
            self.tokens.push(GlobToken::Literal(c.to_string()));
        }
    }

    fn push(&mut self, token: GlobToken) {
        match (self.tokens.last_mut(), token) {
            (Some(GlobToken::Literal(text)), GlobToken::Literal(more)) => text.push_str(&more),
            (Some(GlobToken::AnyRun), GlobToken::AnyRun) => {}
            (_, GlobToken::Literal(more)) if more.is_empty() => {}
            (_, token) => self.tokens.push(token),
        }
    }

    fn finish(self) -> Vec<GlobToken> {
        self.tokens
    }
}

/// Glob matching with backtracking to the most recent `*` only, which is
/// linear in practice and never recursive.
fn match_tokens(tokens: &[GlobToken], text: &str, resolver: &dyn Resolve) -> bool {
    let mut ti = 0;
    let mut si = 0;
    let mut retry: Option<(usize, usize)> = None;
    loop {
        if let Some(token) = tokens.get(ti) {
            if let Some(next) = step(token, text, si, resolver) {
                if matches!(token, GlobToken::AnyRun) {
                    if ti + 1 == tokens.len() {
                        // A final `*` matches whatever is left.
                        return true;
                    }
                    retry = Some((ti + 1, si));
                }
                ti += 1;
                si = next;
                continue;
            }
        } else if si == text.len() {
            return true;
        }
        // Mismatch: let the last `*` swallow one more character.
        let Some((after_star, from)) = retry else {
            return false;
        };
        let Some(width) = char_width(text, from) else {
            return false;
        };
        retry = Some((after_star, from + width));
        ti = after_star;
        si = from + width;
    }
}

/// Tries one token at byte `si`; returns the position after it.
fn step(token: &GlobToken, text: &str, si: usize, resolver: &dyn Resolve) -> Option<usize> {
    let rest = text.get(si..)?;
    match token {
        GlobToken::AnyRun => Some(si),
        GlobToken::AnyChar => char_width(text, si).map(|w| si + w),
        GlobToken::Literal(lit) => rest.starts_with(lit.as_str()).then(|| si + lit.len()),
        GlobToken::Variable(v) => {
            let value = value_of(v, resolver)?;
            rest.starts_with(value).then(|| si + value.len())
        }
    }
}

fn char_width(text: &str, at: usize) -> Option<usize> {
    text.get(at..)?.chars().next().map(char::len_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const FULL: Syntax = Syntax {
        wildcards: true,
        variables: true,
    };

    struct Map(HashMap<&'static str, &'static str>);

    impl Resolve for Map {
        fn resolve(&self, key: &str) -> Option<&str> {
            self.0.get(key).copied()
        }
    }

    fn vars() -> Map {
        Map(HashMap::from([
            ("aws:username", "alice"),
            ("aws:principaltag/team", "x*y"),
        ]))
    }

    #[test]
    fn wildcard_matching() {
        let cases = [
            ("s3:put*", "s3:putobject", true),
            ("s3:put*", "s3:getobject", false),
            ("*", "", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "aéc", true),
            ("*a*b", "xxaxxbxb", true),
            ("*a*b", "xxaxxbxc", false),
            ("b/*/test/*", "b/1/2/test/x", true),
            ("b/*/test/*", "b//test/x", true),
            ("b/*/test/*", "b/1-test/x", false),
            ("uploads/*", "uploads/2024-01-01T10:00:00.mp4", true),
            ("", "", true),
            ("", "a", false),
        ];
        for (pattern, text, expected) in cases {
            let glob = Glob::parse(pattern, FULL);
            assert_eq!(glob.matches_plain(text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn variables_and_escapes() {
        let resolver = vars();
        let cases = [
            ("home/${aws:username}/*", "home/alice/x", Some(true)),
            ("home/${AWS:UserName}/*", "home/alice/x", Some(true)),
            ("home/${aws:username}/*", "home/bob/x", Some(false)),
            ("${aws:PrincipalTag/team}", "x*y", Some(true)),
            // a variable's value is literal, never a wildcard
            ("${aws:PrincipalTag/team}", "xzzy", Some(false)),
            ("${aws:userid}", "anything", None),
            (
                "b-${aws:PrincipalTag/dept, 'company-wide'}",
                "b-company-wide",
                Some(true),
            ),
            ("a${*}b", "a*b", Some(true)),
            ("a${*}b", "axb", Some(false)),
            ("a${?}${$}", "a?$", Some(true)),
            ("${not closed", "${not closed", Some(true)),
            ("${}", "${}", Some(true)),
        ];
        for (pattern, text, expected) in cases {
            let glob = Glob::parse(pattern, FULL);
            assert_eq!(
                glob.matches(text, &resolver),
                expected,
                "{pattern} ~ {text}"
            );
        }
    }

    #[test]
    fn literal_syntax_keeps_everything() {
        let glob = Glob::parse("a*${aws:username}?", Syntax::LITERAL);
        assert_eq!(glob.as_literal(), Some("a*${aws:username}?"));
    }

    #[test]
    fn render_substitutes_variables() {
        let glob = Glob::parse("${aws:username}/*", FULL);
        assert_eq!(glob.render(&vars()).as_deref(), Some("alice/*"));
        assert_eq!(glob.render(&NoVariables), None);
    }
}
