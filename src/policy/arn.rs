//! ARN patterns: the `Resource` / `NotResource` matcher and the `Arn...`
//! condition matcher.
//!
//! An ARN is split on its first five colons only, into at most six
//! segments (`arn`, partition, service, region, account, resource), so an
//! S3 object key may contain colons. Patterns are split the same way and
//! matched segment by segment, case-sensitively; `*` and `?` work inside a
//! segment, and within the resource segment `*` also matches `/` and `:`.
//!
//! Two rules differ between the two uses (IAM-SEMANTICS.md 2.5, 3.3):
//! - In `Resource`, a `*` that is the last character of a segment may
//!   expand across colon boundaries (current Resource element page), and a
//!   wildcard in the service segment is not a wildcard (it is matched as the
//!   literal character, so it matches no real ARN).
//! - In `ArnLike` and friends, each of the six segments is matched on its
//!   own: there is no expansion across colons.
//!
//! An empty segment is never a wildcard: it matches only an empty segment.

use super::glob::{Glob, GlobToken, Resolve, Syntax};

/// The most segments an ARN is split into.
pub const MAX_SEGMENTS: usize = 6;

/// Index of the service segment.
const SERVICE: usize = 2;

/// Index of the resource segment, the only place variables are allowed in
/// a `Resource` element.
const RESOURCE: usize = 5;

/// An ARN (or any string) split on its first five colons.
#[derive(Debug, Clone, Copy)]
pub struct SplitArn<'a> {
    text: &'a str,
    /// Byte ranges of the segments; only the first `count` are used.
    bounds: [(usize, usize); MAX_SEGMENTS],
    count: usize,
}

impl<'a> SplitArn<'a> {
    /// Splits `text` on its first five colons.
    pub fn new(text: &'a str) -> Self {
        let mut bounds = [(0, 0); MAX_SEGMENTS];
        let mut count = 0;
        let mut start = 0;
        for (i, byte) in text.bytes().enumerate() {
            if byte == b':' && count + 1 < MAX_SEGMENTS {
                if let Some(slot) = bounds.get_mut(count) {
                    *slot = (start, i);
                }
                count += 1;
                start = i + 1;
            }
        }
        if let Some(slot) = bounds.get_mut(count) {
            *slot = (start, text.len());
        }
        Self {
            text,
            bounds,
            count: count + 1,
        }
    }

    /// The whole text.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The number of segments (1 to 6).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Always false: even an empty string has one (empty) segment.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Segment `i`, if present.
    pub fn segment(&self, i: usize) -> Option<&'a str> {
        if i >= self.count {
            return None;
        }
        let (start, end) = *self.bounds.get(i)?;
        self.text.get(start..end)
    }

    /// The account segment (index 4), if the text has one.
    pub fn account(&self) -> Option<&'a str> {
        self.segment(4)
    }
}

/// A compiled ARN pattern: one glob per colon-separated segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArnPattern {
    segments: Vec<Glob>,
    service_wildcard: bool,
    /// When the first five segments are plain text, they joined with their
    /// colons: the value must start with it (one comparison on the hot path).
    literal_head: Option<String>,
}

impl ArnPattern {
    /// Compiles a `Resource` / `NotResource` entry. With `variables`,
    /// `${...}` is substituted in the resource segment only; elsewhere it
    /// stays literal text.
    pub fn resource(text: &str, variables: bool) -> Self {
        let mut segments = split_tokens(text, variables);
        let service_wildcard = segments.get(SERVICE).is_some_and(Glob::has_wildcards);
        for (i, segment) in segments.iter_mut().enumerate() {
            if i == SERVICE {
                *segment = literalize(segment, true);
            } else if i != RESOURCE && segment.has_variables() {
                *segment = literalize(segment, false);
            }
        }
        Self {
            literal_head: literal_head(&segments),
            segments,
            service_wildcard,
        }
    }

    /// Compiles an `Arn...` condition value; variables may appear anywhere.
    pub fn condition(text: &str, variables: bool) -> Self {
        let segments = split_tokens(text, variables);
        Self {
            literal_head: literal_head(&segments),
            segments,
            service_wildcard: false,
        }
    }

    /// The per-segment globs, at most six.
    pub fn segments(&self) -> &[Glob] {
        &self.segments
    }

    /// Whether the service segment was written with a wildcard, which AWS
    /// does not allow (it is matched literally here).
    pub fn has_service_wildcard(&self) -> bool {
        self.service_wildcard
    }

    /// Whether any segment holds a policy variable.
    pub fn has_variables(&self) -> bool {
        self.segments.iter().any(Glob::has_variables)
    }

    /// `Resource` matching, where a trailing `*` may cross colons. A
    /// variable without a value makes the pattern match nothing.
    pub fn matches_resource(&self, arn: &SplitArn<'_>, resolver: &dyn Resolve) -> bool {
        if let Some(matched) = self.match_by_head(arn, resolver) {
            return matched;
        }
        if !self.segments.iter().all(|s| s.is_resolvable(resolver)) {
            return false;
        }
        self.match_from(0, arn, 0, resolver)
    }

    /// `ArnLike` matching: the same number of segments, each matched on its
    /// own. A variable without a value makes the pattern match nothing.
    // TODO(#3): whether a trailing `*` crosses colons in `ArnLike` as it does
    // in `Resource` is not documented; we match strictly per segment, so
    // `arn:aws:iam::*` matches no six-segment ARN. Verify with the simulator.
    pub fn matches_strictly(&self, arn: &SplitArn<'_>, resolver: &dyn Resolve) -> bool {
        if let Some(matched) = self.match_by_head(arn, resolver) {
            return matched;
        }
        if self.segments.len() != arn.len() {
            return false;
        }
        self.segments.iter().enumerate().all(|(i, glob)| {
            let value = arn.segment(i).unwrap_or_default();
            glob.matches(value, resolver).unwrap_or(false)
        })
    }

    /// With a plain-text head, no wildcard can cross a colon: the value
    /// matches iff it starts with the head and its resource segment matches.
    fn match_by_head(&self, arn: &SplitArn<'_>, resolver: &dyn Resolve) -> Option<bool> {
        let head = self.literal_head.as_deref()?;
        let last = self.segments.get(RESOURCE)?;
        let matched = arn.as_str().strip_prefix(head).is_some_and(|rest| {
            // the head holds five colons, so `rest` is the resource segment
            last.matches(rest, resolver).unwrap_or(false)
        });
        Some(matched)
    }

    /// Matches pattern segments from `pi` against value segments from `vi`.
    /// Recursion depth is bounded by the six segments.
    fn match_from(&self, pi: usize, arn: &SplitArn<'_>, vi: usize, resolver: &dyn Resolve) -> bool {
        let Some(glob) = self.segments.get(pi) else {
            return vi == arn.len();
        };
        let Some(value) = arn.segment(vi) else {
            return false;
        };
        if !glob.matches(value, resolver).unwrap_or(false) {
            return false;
        }
        let is_last = pi + 1 == self.segments.len();
        if !glob.ends_with_any_run() {
            return self.match_from(pi + 1, arn, vi + 1, resolver);
        }
        // The trailing `*` may also swallow whole following segments.
        if is_last {
            return true;
        }
        (vi..arn.len()).any(|vj| self.match_from(pi + 1, arn, vj + 1, resolver))
    }
}

/// Tokenizes `text` and splits the literal text on its first five colons.
fn split_tokens(text: &str, variables: bool) -> Vec<Glob> {
    let syntax = Syntax {
        wildcards: true,
        variables,
    };
    let mut segments = Vec::with_capacity(MAX_SEGMENTS);
    let mut current: Vec<GlobToken> = Vec::new();
    for token in Glob::parse(text, syntax).tokens() {
        let GlobToken::Literal(literal) = token else {
            current.push(token.clone());
            continue;
        };
        let mut rest = literal.as_str();
        while segments.len() + 1 < MAX_SEGMENTS {
            let Some((head, tail)) = rest.split_once(':') else {
                break;
            };
            current.push(GlobToken::Literal(head.to_owned()));
            segments.push(Glob::from_tokens(std::mem::take(&mut current)));
            rest = tail;
        }
        current.push(GlobToken::Literal(rest.to_owned()));
    }
    segments.push(Glob::from_tokens(current));
    segments
}

/// The first five segments and their colons, if all are plain text.
fn literal_head(segments: &[Glob]) -> Option<String> {
    if segments.len() != MAX_SEGMENTS {
        return None;
    }
    let mut head = String::new();
    for glob in segments.get(..RESOURCE)? {
        head.push_str(glob.as_literal()?);
        head.push(':');
    }
    Some(head)
}

/// Turns variables (and, with `wildcards`, `*` and `?`) back into text.
fn literalize(glob: &Glob, wildcards: bool) -> Glob {
    Glob::from_tokens(glob.tokens().iter().map(|t| match t {
        GlobToken::Variable(v) => GlobToken::Literal(v.raw.clone()),
        GlobToken::AnyRun if wildcards => GlobToken::Literal("*".into()),
        GlobToken::AnyChar if wildcards => GlobToken::Literal("?".into()),
        other => other.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::glob::NoVariables;

    fn resource(pattern: &str, value: &str) -> bool {
        ArnPattern::resource(pattern, true).matches_resource(&SplitArn::new(value), &NoVariables)
    }

    fn strict(pattern: &str, value: &str) -> bool {
        ArnPattern::condition(pattern, true).matches_strictly(&SplitArn::new(value), &NoVariables)
    }

    #[test]
    fn splits_on_the_first_five_colons() {
        let arn = SplitArn::new("arn:aws:s3:::b/uploads/2024-01-01T10:00:00.mp4");
        assert_eq!(arn.len(), 6);
        assert_eq!(arn.segment(3), Some(""));
        assert_eq!(arn.segment(5), Some("b/uploads/2024-01-01T10:00:00.mp4"));
        assert_eq!(SplitArn::new("*").len(), 1);
        let pattern = ArnPattern::resource("arn:aws:s3:::b/${aws:username}:x", true);
        assert_eq!(pattern.segments().len(), 6);
        assert!(pattern.segments()[5].has_variables());
    }

    #[test]
    fn resource_matching_table() {
        let cases = [
            ("*", "arn:aws:s3:::b/k", true),
            ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a:b/c", true),
            (
                "arn:aws:s3:::b/uploads/*",
                "arn:aws:s3:::b/Uploads/a",
                false,
            ),
            ("arn:aws:s3:::b/uploads/*", "arn:aws:s3:::b/uploads", false),
            (
                "arn:aws:s3:::rec-bucket*",
                "arn:aws:s3:::rec-bucket-prod/db.sql",
                true,
            ),
            (
                "arn:aws:s3:::*log*",
                "arn:aws:s3:::carlossalazar-logs",
                true,
            ),
            ("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/test/", true),
            ("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1-test/x", false),
            // section 8 #2: an object ARN written with a colon matches no object
            ("arn:aws:s3:::bucket1:*", "arn:aws:s3:::bucket1/k", false),
            // section 8 #3: empty segments are not wildcards
            (
                "arn:::::trail/my-trail*",
                "arn:aws:cloudtrail:us-east-1:111122223333:trail/my-trail",
                false,
            ),
            (
                "arn:aws:iam::111122223333:user/Bob",
                "arn:aws:iam::111122223333:user/bob",
                false,
            ),
            ("arn:aws:s3:::b", "arn:aws:s3:::b/k", false),
        ];
        for (pattern, value, expected) in cases {
            assert_eq!(resource(pattern, value), expected, "{pattern} ~ {value}");
        }
    }

    #[test]
    fn trailing_star_crosses_colons_in_resource() {
        let value = "arn:aws:ec2:us-east-1:111122223333:instance/i-1";
        assert!(resource("arn:aws:ec2:*", value));
        assert!(resource("arn:aws:ec2:us-*", value));
        assert!(resource("arn:aws:ec2:*:instance/*", value));
        // a `*` that is not last in its segment stays inside the segment
        assert!(!resource("arn:aws:ec2:*-1x:instance/*", value));
        assert!(!resource("arn:aws:ec2:us-east-1", value));
    }

    #[test]
    fn service_segment_is_never_a_wildcard() {
        let pattern = ArnPattern::resource("arn:aws:s*:::b/k", true);
        assert!(pattern.has_service_wildcard());
        assert!(!pattern.matches_resource(&SplitArn::new("arn:aws:s3:::b/k"), &NoVariables));
    }

    #[test]
    fn arn_like_versus_string_like() {
        // the condition operators page's example
        let pattern = "arn:aws:someservice:*:111122223333:finance/*";
        let value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        assert!(!strict(pattern, value));
        assert!(
            Glob::parse(
                pattern,
                Syntax {
                    wildcards: true,
                    variables: false
                }
            )
            .matches_plain(value)
        );
        assert!(strict(
            pattern,
            "arn:aws:someservice:us-east-2:111122223333:finance/x"
        ));
        assert!(strict(
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::111122223333:role/a:b"
        ));
        assert!(!strict(
            "arn:aws:iam::*",
            "arn:aws:iam::111122223333:role/x"
        ));
    }
}
