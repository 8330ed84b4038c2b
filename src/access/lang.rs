//! Wildcard patterns as regular languages, with exact emptiness and
//! shortest witnesses.
//!
//! IAM's `*` and `?` make every Resource pattern a regular language over
//! strings. "Can the connector write outside `uploads/`?" is then the
//! question whether `(allowed patterns) ∩ ¬(denied patterns) ∩ ¬uploads/*`
//! is empty, and answering it by search over the product of the patterns'
//! automata is exact: no sample keys, no guessing. Characters that appear in
//! no pattern behave alike, so one representative stands for all of them.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::ops::Range;
use std::rc::Rc;

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`: any one character.
    AnyChar,
    /// `?` inside an ARN segment: any one character but `:`.
    AnyCharInSegment,
    /// `*`: any run of characters.
    AnyRun,
    /// `*` inside an ARN segment: any run without `:`.
    AnyRunInSegment,
    /// One character of a resource's name: neither `:` nor `/`.
    NameChar,
    /// Any run of a resource's name characters.
    NameRun,
}

/// Whether `c` can be part of a resource's name (a bucket, a role path is
/// not a name): names never hold the ARN's separators.
fn is_name_char(c: char) -> bool {
    c != ':' && c != '/'
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
    source: String,
    /// The literal characters the pattern starts with: every string it
    /// matches starts with them.
    prefix: String,
}

impl Pattern {
    fn new(tokens: Vec<Token>, source: &str) -> Pattern {
        let prefix = tokens
            .iter()
            .map_while(|t| match t {
                Token::Literal(c) => Some(*c),
                _ => None,
            })
            .collect();
        Pattern {
            tokens,
            source: source.to_owned(),
            prefix,
        }
    }

    /// A glob over a whole string: `*` any run, `?` any one character.
    pub fn glob(text: &str) -> Pattern {
        let tokens = text
            .chars()
            .map(|c| match c {
                '*' => Token::AnyRun,
                '?' => Token::AnyChar,
                c => Token::Literal(c),
            })
            .collect();
        Pattern::new(tokens, text)
    }

    /// A string matched literally.
    pub fn literal(text: &str) -> Pattern {
        Pattern::new(text.chars().map(Token::Literal).collect(), text)
    }

    /// An ARN pattern as IAM matches Resource elements: the first five
    /// segments are matched one by one (a wildcard does not cross `:`,
    /// except a `*` that ends a segment), the sixth segment, the resource,
    /// is a plain glob in which `:` is an ordinary character.
    pub fn arn(text: &str) -> Pattern {
        let chars: Vec<(char, bool)> = text.chars().map(|c| (c, false)).collect();
        Pattern::arn_chars(&chars, text)
    }

    /// Like [`Pattern::arn`], for characters some of which are literal
    /// whatever they are (`(c, true)`): a substituted policy variable or an
    /// escape such as `${*}`.
    pub fn arn_chars(chars: &[(char, bool)], source: &str) -> Pattern {
        let mut tokens = Vec::with_capacity(chars.len());
        let mut colons = 0;
        for (i, (c, literal)) in chars.iter().copied().enumerate() {
            let in_head = colons < 5;
            let token = match c {
                _ if literal => Token::Literal(c),
                ':' if in_head => {
                    colons += 1;
                    Token::Literal(':')
                }
                // A wildcard in the service segment is no wildcard.
                '*' | '?' if in_head && colons == 2 => Token::Literal(c),
                '*' if in_head => {
                    let ends_segment = matches!(chars.get(i + 1), None | Some((':', false)));
                    if ends_segment {
                        Token::AnyRun
                    } else {
                        Token::AnyRunInSegment
                    }
                }
                '?' if in_head => Token::AnyCharInSegment,
                '*' => Token::AnyRun,
                '?' => Token::AnyChar,
                c => Token::Literal(c),
            };
            tokens.push(token);
        }
        Pattern::new(tokens, source)
    }

    /// The ARNs of one resource type, from its format in the service
    /// authorization reference (`arn:${Partition}:s3:::${BucketName}`), the
    /// variables in `values` replaced by their values. Unlike a Resource
    /// element's `*`, an open variable stands for one real identifier: at
    /// least one character, neither `:` nor `/`, unless it is a path
    /// (`ObjectName`, `...Path`), which may hold both. So a bucket-level
    /// action is never witnessed on an object's ARN.
    pub fn resource_format(format: &str, values: &[(&str, &str)]) -> Pattern {
        let mut tokens = Vec::with_capacity(format.len());
        let mut rest = format;
        while let Some(start) = rest.find("${") {
            tokens.extend(
                rest.get(..start)
                    .unwrap_or_default()
                    .chars()
                    .map(Token::Literal),
            );
            let after = rest.get(start + 2..).unwrap_or_default();
            let Some(end) = after.find('}') else {
                rest = rest.get(start..).unwrap_or_default();
                break;
            };
            let name = after.get(..end).unwrap_or_default();
            match values.iter().find(|(variable, _)| *variable == name) {
                Some((_, value)) => tokens.extend(value.chars().map(Token::Literal)),
                None if name == "ObjectName" || name.ends_with("Path") => {
                    tokens.extend([Token::AnyChar, Token::AnyRun]);
                }
                None => tokens.extend([Token::NameChar, Token::NameRun]),
            }
            rest = after.get(end + 1..).unwrap_or_default();
        }
        tokens.extend(rest.chars().map(Token::Literal));
        Pattern::new(tokens, format)
    }

    /// The text the pattern was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches `text`.
    pub fn matches(&self, text: &str) -> bool {
        // Patterns of up to 255 tokens keep their states on the stack: the
        // searches ask this of every candidate resource.
        const ON_STACK: usize = 4;
        let words = self.words();
        if let (Some(states), Some(next)) = (
            [0; ON_STACK].get_mut(..words),
            [0; ON_STACK].get_mut(..words),
        ) {
            return self.matches_with(text, states, next);
        }
        self.matches_with(text, &mut vec![0; words], &mut vec![0; words])
    }

    /// Whether no string can match both patterns because they start with
    /// different literals: a cheap, exact answer for most pairs of
    /// Resource patterns, which name different buckets or services.
    pub fn starts_apart(&self, other: &Pattern) -> bool {
        !(self.prefix.starts_with(&other.prefix) || other.prefix.starts_with(&self.prefix))
    }

    /// [`Pattern::matches`] with two buffers of [`Pattern::words`] words.
    /// The literal start is compared as text, not stepped through.
    fn matches_with<'s>(
        &self,
        text: &str,
        mut states: &'s mut [u64],
        mut next: &'s mut [u64],
    ) -> bool {
        let Some(rest) = text.strip_prefix(self.prefix.as_str()) else {
            return false;
        };
        // After the literal start the automaton is at the position that
        // follows it, and what that position reaches without a character.
        states.fill(0);
        let (word, mask) = bit_of(self.prefix.chars().count());
        if let Some(slot) = states.get_mut(word) {
            *slot = mask;
        }
        self.closure(states);
        for c in rest.chars() {
            self.step_into(states, c, next);
            if is_dead(next) {
                return false;
            }
            std::mem::swap(&mut states, &mut next);
        }
        self.accepts(states)
    }

    /// How many 64-bit words a set of this pattern's states takes: one bit
    /// per position, `0..=tokens.len()`, the last one accepting. A set of
    /// states is a bitset so that a search step allocates nothing.
    fn words(&self) -> usize {
        self.tokens.len() / 64 + 1
    }

    /// Adds to `states` every position reachable from them without reading
    /// a character (past a run token, which may match nothing).
    fn closure(&self, states: &mut [u64]) {
        for w in 0..states.len() {
            let mut pending = states.get(w).copied().unwrap_or(0);
            while pending != 0 {
                let bit = pending.trailing_zeros() as usize;
                pending &= pending - 1;
                let i = w * 64 + bit;
                if matches!(
                    self.tokens.get(i),
                    Some(Token::AnyRun | Token::AnyRunInSegment | Token::NameRun)
                ) {
                    let (word, mask) = bit_of(i + 1);
                    if word == w {
                        pending |= mask & !states.get(w).copied().unwrap_or(0);
                    }
                    if let Some(slot) = states.get_mut(word) {
                        *slot |= mask;
                    }
                }
            }
        }
    }

    /// Writes the start states into `out` (of [`Pattern::words`] words).
    fn start_into(&self, out: &mut [u64]) {
        out.fill(0);
        if let Some(first) = out.first_mut() {
            *first = 1;
        }
        self.closure(out);
    }

    /// Writes into `out` the states `states` reach by reading `c`.
    fn step_into(&self, states: &[u64], c: char, out: &mut [u64]) {
        out.fill(0);
        let mut set = |i: usize| {
            let (word, mask) = bit_of(i);
            if let Some(slot) = out.get_mut(word) {
                *slot |= mask;
            }
        };
        for (w, &bits) in states.iter().enumerate() {
            let mut pending = bits;
            while pending != 0 {
                let i = w * 64 + pending.trailing_zeros() as usize;
                pending &= pending - 1;
                match self.tokens.get(i) {
                    Some(Token::Literal(l)) if *l == c => set(i + 1),
                    Some(Token::AnyChar) => set(i + 1),
                    Some(Token::AnyCharInSegment) if c != ':' => set(i + 1),
                    Some(Token::AnyRun) => set(i),
                    Some(Token::AnyRunInSegment) if c != ':' => set(i),
                    Some(Token::NameChar) if is_name_char(c) => set(i + 1),
                    Some(Token::NameRun) if is_name_char(c) => set(i),
                    _ => {}
                }
            }
        }
        self.closure(out);
    }

    fn accepts(&self, states: &[u64]) -> bool {
        let (word, mask) = bit_of(self.tokens.len());
        states.get(word).is_some_and(|w| w & mask != 0)
    }

    fn literals(&self) -> impl Iterator<Item = char> + '_ {
        self.tokens.iter().filter_map(|t| match t {
            Token::Literal(c) => Some(*c),
            _ => None,
        })
    }
}

/// The word and mask of state `i` in a bitset of states.
fn bit_of(i: usize) -> (usize, u64) {
    (i / 64, 1 << (i % 64))
}

/// Whether a set of states is empty: no string with this prefix matches.
fn is_dead(states: &[u64]) -> bool {
    states.iter().all(|w| *w == 0)
}

/// A boolean combination of patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lang {
    /// Every string.
    All,
    /// No string.
    Empty,
    Pattern(Pattern),
    Union(Vec<Lang>),
    Intersection(Vec<Lang>),
    Complement(Box<Lang>),
}

/// Characters tried first when a witness may use "any" character, so that
/// witnesses read like real keys (`other/x` rather than `\u{0}`).
const PREFERRED: &str = "xoa-/._0ertuhspdbcfgijklmnqvwyz123456789";

/// The most states a witness search visits before it gives up.
const SEARCH_LIMIT: usize = 200_000;

/// The outcome of a witness search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// A shortest string in the language.
    Witness(String),
    /// The language is empty.
    Empty,
    /// The search limit was reached first (very large pattern sets).
    Undecided,
}

impl Lang {
    pub fn union(parts: Vec<Lang>) -> Lang {
        Lang::Union(parts)
    }

    pub fn intersection(parts: Vec<Lang>) -> Lang {
        Lang::Intersection(parts)
    }

    pub fn complement(self) -> Lang {
        Lang::Complement(Box::new(self))
    }

    /// `self` minus `other`.
    pub fn minus(self, other: Lang) -> Lang {
        Lang::Intersection(vec![self, other.complement()])
    }

    /// Whether the language contains `text`.
    pub fn contains(&self, text: &str) -> bool {
        match self {
            Lang::All => true,
            Lang::Empty => false,
            Lang::Pattern(p) => p.matches(text),
            Lang::Union(parts) => parts.iter().any(|l| l.contains(text)),
            Lang::Intersection(parts) => parts.iter().all(|l| l.contains(text)),
            Lang::Complement(inner) => !inner.contains(text),
        }
    }

    fn patterns<'a>(&'a self, out: &mut Vec<&'a Pattern>) {
        match self {
            Lang::All | Lang::Empty => {}
            Lang::Pattern(p) => out.push(p),
            Lang::Union(parts) | Lang::Intersection(parts) => {
                parts.iter().for_each(|l| l.patterns(out));
            }
            Lang::Complement(inner) => inner.patterns(out),
        }
    }

    /// Evaluates acceptance given each pattern's acceptance, in the order
    /// [`Lang::patterns`] lists them.
    fn accepts(&self, accepting: &[bool], next: &mut usize) -> bool {
        match self {
            Lang::All => true,
            Lang::Empty => false,
            Lang::Pattern(_) => {
                let result = accepting.get(*next).copied().unwrap_or(false);
                *next += 1;
                result
            }
            Lang::Union(parts) => {
                // Every part must consume its patterns, so no short-circuit.
                parts
                    .iter()
                    .fold(false, |acc, l| l.accepts(accepting, next) | acc)
            }
            Lang::Intersection(parts) => parts
                .iter()
                .fold(true, |acc, l| l.accepts(accepting, next) & acc),
            Lang::Complement(inner) => !inner.accepts(accepting, next),
        }
    }

    /// A shortest string in the language, if there is one.
    ///
    /// Candidates given by the caller are tried first, in order, so that a
    /// witness can be a realistic key; otherwise a breadth-first search over
    /// the product automaton finds a shortest member, or proves there is none.
    pub fn witness(&self, candidates: &[&str]) -> Search {
        if let Some(found) = candidates.iter().find(|c| self.contains(c)) {
            return Search::Witness((*found).to_owned());
        }
        let mut patterns = Vec::new();
        self.patterns(&mut patterns);
        search(&patterns, 0, |accepting, _| self.accepts(accepting, &mut 0))
    }

    /// Whether the language has no member (undecided counts as not empty,
    /// the cautious answer for a security check).
    pub fn is_empty(&self) -> bool {
        self.witness(&[]) == Search::Empty
    }
}

/// Breadth-first search for a shortest string that `accept` takes, given
/// each pattern's acceptance of it and the string itself.
///
/// Strings that reach the same state in every pattern are alike for every
/// pattern, so `accept` must depend only on the acceptance vector (and may
/// use the string to ask an oracle whose answer depends only on it, such as
/// the policy engine over the same patterns). That makes the search exact.
///
/// The first `required` patterns must stay alive: a string that can no
/// longer match one of them is not extended.
pub fn search(
    patterns: &[&Pattern],
    required: usize,
    accept: impl FnMut(&[bool], &str) -> bool,
) -> Search {
    let started: Vec<(&Pattern, &str)> = patterns.iter().map(|p| (*p, "")).collect();
    search_from(&started, required, accept)
}

/// Like [`search`], over the strings that follow each pattern's own prefix:
/// pattern `i` is matched against `prefixes[i].1` followed by the string
/// searched for. This answers questions about one object key seen through
/// two names, such as an access point's object ARN and the bucket's.
/// `accept` sees the searched string without any prefix.
pub fn search_from(
    patterns: &[(&Pattern, &str)],
    required: usize,
    mut accept: impl FnMut(&[bool], &str) -> bool,
) -> Search {
    let bare: Vec<&Pattern> = patterns.iter().map(|(p, _)| *p).collect();
    let alphabet = alphabet(&bare);
    // A state of the product is every pattern's bitset, one after the
    // other in one slice: pattern `i` owns `spans[i]`.
    let mut spans = Vec::with_capacity(bare.len());
    let mut total = 0;
    for p in &bare {
        spans.push(total..total + p.words());
        total += p.words();
    }
    let widest = bare.iter().map(|p| p.words()).max().unwrap_or(0);
    let mut scratch = vec![0; widest];
    let mut start = vec![0; total];
    for ((p, prefix), span) in patterns.iter().zip(&spans) {
        let Some(own) = start.get_mut(span.clone()) else {
            continue;
        };
        p.start_into(own);
        for c in prefix.chars() {
            let Some(out) = scratch.get_mut(..own.len()) else {
                break;
            };
            p.step_into(own, c, out);
            own.copy_from_slice(out);
        }
    }
    let start: Rc<[u64]> = start.into();
    let mut seen: HashSet<Rc<[u64]>> = HashSet::from([Rc::clone(&start)]);
    let mut queue = VecDeque::from([(start, String::new())]);
    let mut accepting = vec![false; bare.len()];
    let mut next = vec![0; total];
    while let Some((states, text)) = queue.pop_front() {
        for ((slot, p), span) in accepting.iter_mut().zip(&bare).zip(&spans) {
            *slot = p.accepts(part(&states, span));
        }
        if accept(&accepting, &text) {
            return Search::Witness(text);
        }
        if seen.len() > SEARCH_LIMIT {
            return Search::Undecided;
        }
        for &c in &alphabet {
            let mut dead = false;
            for (i, (p, span)) in bare.iter().zip(&spans).enumerate() {
                let Some(out) = next.get_mut(span.clone()) else {
                    continue;
                };
                p.step_into(part(&states, span), c, out);
                if i < required && is_dead(out) {
                    dead = true;
                    break;
                }
            }
            if !dead && !seen.contains(next.as_slice()) {
                let state: Rc<[u64]> = next.as_slice().into();
                seen.insert(Rc::clone(&state));
                let mut longer = text.clone();
                longer.push(c);
                queue.push_back((state, longer));
            }
        }
    }
    Search::Empty
}

/// Pattern `span`'s part of a product state.
fn part<'s>(states: &'s [u64], span: &Range<usize>) -> &'s [u64] {
    states.get(span.clone()).unwrap_or_default()
}

/// The characters worth trying: every literal, the separators `:` and `/`,
/// and one character that appears in no pattern (it stands for all such
/// characters).
fn alphabet(patterns: &[&Pattern]) -> Vec<char> {
    let literals: BTreeSet<char> = patterns.iter().flat_map(|p| p.literals()).collect();
    let mut out: Vec<char> = PREFERRED.chars().filter(|c| literals.contains(c)).collect();
    out.extend(literals.iter().filter(|c| !PREFERRED.contains(**c)));
    for separator in [':', '/'] {
        if !out.contains(&separator) {
            out.push(separator);
        }
    }
    let fresh = PREFERRED
        .chars()
        .chain('A'..='Z')
        .chain(['~', '!', '#'])
        .find(|c| !literals.contains(c) && is_name_char(*c));
    if let Some(fresh) = fresh {
        // The representative of "any other character" goes first: it makes
        // witnesses like `other/x` rather than runs of punctuation.
        out.insert(0, fresh);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(s: &str) -> Lang {
        Lang::Pattern(Pattern::glob(s))
    }

    #[test]
    fn globs_match_like_iam() {
        let p = Pattern::glob("uploads/*");
        assert!(p.matches("uploads/a.mp4") && p.matches("uploads/") && p.matches("uploads/x:y"));
        assert!(!p.matches("uploads") && !p.matches("Uploads/a"));
        assert!(Pattern::glob("B/*/test/*").matches("B//test/x"));
        assert!(!Pattern::glob("B/*/test/*").matches("B/1-test/x"));
        assert!(Pattern::glob("a?c").matches("abc") && !Pattern::glob("a?c").matches("ac"));
    }

    #[test]
    fn arn_wildcards_stay_in_their_segment() {
        let p = Pattern::arn("arn:aws:someservice:*:111122223333:finance/*");
        assert!(p.matches("arn:aws:someservice:us-east-2:111122223333:finance/doc.txt"));
        // The docs' example: StringLike would match this, ArnLike does not.
        let tricky = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        assert!(
            !Pattern::arn("arn:aws:someservice:?s-east-2:111122223333:finance/*").matches(tricky)
        );
        assert!(Pattern::glob("arn:aws:someservice:*:111122223333:finance/*").matches(tricky));
        // Object keys may contain colons.
        assert!(Pattern::arn("arn:aws:s3:::rec-bucket/*").matches("arn:aws:s3:::rec-bucket/a:b"));
        // No segment boundary inside a bucket name.
        assert!(
            Pattern::arn("arn:aws:s3:::rec-bucket*").matches("arn:aws:s3:::rec-bucket-backups/x")
        );
    }

    #[test]
    fn resource_formats_stand_for_real_identifiers() {
        let account = [("Partition", "aws"), ("Account", "111122223333")];
        let bucket = Pattern::resource_format("arn:${Partition}:s3:::${BucketName}", &account);
        assert!(bucket.matches("arn:aws:s3:::rec-bucket"));
        // A bucket name holds no `/` or `:`, and is never empty.
        for other in [
            "arn:aws:s3:::rec-bucket/other/x",
            "arn:aws:s3:::a:b",
            "arn:aws:s3:::",
        ] {
            assert!(!bucket.matches(other), "{other}");
        }
        let object = Pattern::resource_format(
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
            &account,
        );
        assert!(object.matches("arn:aws:s3:::rec-bucket/other/x:y"));
        assert!(!object.matches("arn:aws:s3:::rec-bucket/"));
        let grants = Pattern::resource_format(
            "arn:${Partition}:s3:${Region}:${Account}:access-grants/default",
            &account,
        );
        assert!(grants.matches("arn:aws:s3:us-west-1:111122223333:access-grants/default"));
        assert!(!grants.matches("arn:aws:s3:::rec-bucket/:111122223333:access-grants/default"));
        let user = Pattern::resource_format(
            "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}",
            &account,
        );
        assert!(user.matches("arn:aws:iam::111122223333:user/staff/bob"));

        // The policy allows `rec-bucket/*`: no bucket is reached through it.
        let allowed = Pattern::arn("arn:aws:s3:::rec-bucket/*");
        let lang = Lang::intersection(vec![Lang::Pattern(bucket), Lang::Pattern(allowed)]);
        assert_eq!(lang.witness(&[]), Search::Empty);
    }

    #[test]
    fn witness_outside_prefix_is_found_and_readable() {
        let allowed = glob("*");
        let outside = allowed.minus(glob("uploads/*"));
        assert_eq!(
            outside.witness(&["other/x"]),
            Search::Witness("other/x".into())
        );
        match outside.witness(&[]) {
            Search::Witness(w) => assert!(!w.starts_with("uploads/"), "{w}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn confined_allow_has_no_witness_outside_the_prefix() {
        let allowed = glob("uploads/*");
        assert_eq!(
            allowed.clone().minus(glob("uploads/*")).witness(&[]),
            Search::Empty
        );
        // uploads* reaches uploads-private/x and uploadsX.
        let wide = glob("uploads*").minus(glob("uploads/*"));
        assert_eq!(
            wide.witness(&["uploads-private/x"]),
            Search::Witness("uploads-private/x".into())
        );
        assert_eq!(wide.witness(&[]), Search::Witness("uploads".into()));
    }

    #[test]
    fn deny_notresource_confines_exactly() {
        // Allow BUCKET/*, Deny NotResource BUCKET/uploads/*: allowed = uploads/*.
        let allowed = glob("*").minus(glob("*").minus(glob("uploads/*")));
        assert_eq!(
            allowed.clone().minus(glob("uploads/*")).witness(&[]),
            Search::Empty
        );
        assert!(allowed.contains("uploads/x:y.mp4"));
        assert!(!allowed.contains("Uploads/a.mp4"));
    }

    /// A plain recursive glob matcher, to check the automaton against.
    fn naive(pattern: &[char], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('*', rest)) => (0..=text.len()).any(|i| naive(rest, &text[i..])),
            Some(('?', rest)) => !text.is_empty() && naive(rest, &text[1..]),
            Some((c, rest)) => text.first() == Some(c) && naive(rest, &text[1..]),
        }
    }

    #[test]
    fn patterns_longer_than_a_word_of_states_match_like_globs() {
        // Wildcards on both sides of the 64th and 128th positions, where a
        // state set spills into its next word.
        let long = "a".repeat(62);
        let patterns = [
            format!("{long}*b*"),
            format!("{long}?*{long}*?"),
            format!("{long}{long}ab*c"),
            format!("*{long}{long}*"),
            format!("{long}**{long}"),
        ];
        let texts = [
            format!("{long}b"),
            format!("{long}xyzb"),
            format!("{long}x{long}y"),
            format!("{long}{long}abc"),
            format!("{long}{long}ab-c"),
            format!("{long}{long}"),
            format!("x{long}{long}x"),
            format!("{long}{long}a"),
            long.clone(),
        ];
        for p in &patterns {
            let pattern: Vec<char> = p.chars().collect();
            for t in &texts {
                let text: Vec<char> = t.chars().collect();
                assert_eq!(
                    Pattern::glob(p).matches(t),
                    naive(&pattern, &text),
                    "{p} on {t}"
                );
            }
        }
        // And the search: the shortest string both long patterns take.
        let both = Lang::intersection(vec![
            glob(&format!("{long}*b*")),
            glob(&format!("*{long}{long}*")),
        ]);
        assert_eq!(both.witness(&[]), Search::Witness(format!("{long}{long}b")));
    }

    #[test]
    fn patterns_that_start_apart_never_meet() {
        let patterns = [
            "arn:aws:s3:::bucket-0/*",
            "arn:aws:s3:::bucket-1/*",
            "arn:aws:s3:::bucket-1*",
            "arn:aws:s3:::*",
            "arn:aws:iam::*",
            "*",
            "arn:aws:s3:::bucket-0/uploads/x",
        ];
        for a in patterns {
            for b in patterns {
                let (pa, pb) = (Pattern::arn(a), Pattern::arn(b));
                let meet =
                    !Lang::intersection(vec![Lang::Pattern(pa.clone()), Lang::Pattern(pb.clone())])
                        .is_empty();
                if pa.starts_apart(&pb) {
                    assert!(!meet, "{a} and {b}");
                }
                // Apart exactly when the literal starts differ.
                let apart = ["bucket-0", "bucket-1"].iter().any(|x| a.contains(x))
                    && ["bucket-0", "bucket-1"].iter().any(|x| b.contains(x))
                    && a.contains("bucket-0") != b.contains("bucket-0")
                    || (a.starts_with("arn:aws:s3") && b.starts_with("arn:aws:iam"))
                    || (a.starts_with("arn:aws:iam") && b.starts_with("arn:aws:s3"));
                assert_eq!(pa.starts_apart(&pb), apart, "{a} and {b}");
            }
        }
    }

    #[test]
    fn question_mark_and_literals_interact() {
        let l = Lang::intersection(vec![glob("a?c*"), glob("*c")]);
        assert_eq!(l.witness(&[]), Search::Witness("axc".into()));
        assert_eq!(
            Lang::intersection(vec![glob("ab"), glob("ac")]).witness(&[]),
            Search::Empty
        );
        assert!(Lang::Empty.is_empty() && !Lang::All.is_empty());
    }
}
