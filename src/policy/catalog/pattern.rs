//! Small wildcard patterns used by the catalog: action globs, condition key
//! templates and ARN formats, all compiled to one form so that a single
//! routine answers both "does this text match" and "can some text match both
//! patterns".
//!
//! A pattern is a list of atoms: a literal character, exactly one character
//! of a class, or any run (possibly empty) of characters of a class. The
//! classes are deliberately coarse; the alphabet is treated as infinite, so
//! two classes always share a character.

/// The characters a wildcard atom may stand for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Any character.
    Any,
    /// Any character but `:`; an ARN variable before the resource part.
    NotColon,
    /// Any character but `/`; an ARN variable naming one path element.
    NotSlash,
}

impl Class {
    fn contains(self, c: char) -> bool {
        match self {
            Self::Any => true,
            Self::NotColon => c != ':',
            Self::NotSlash => c != '/',
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Atom {
    Char(char),
    One(Class),
    Star(Class),
}

impl Atom {
    /// Whether one character can be consumed by both atoms at once.
    fn shares_char_with(self, other: Atom) -> bool {
        match (self, other) {
            (Atom::Char(a), Atom::Char(b)) => a == b,
            (Atom::Char(c), Atom::One(class) | Atom::Star(class))
            | (Atom::One(class) | Atom::Star(class), Atom::Char(c)) => class.contains(c),
            _ => true,
        }
    }

    fn is_star(self) -> bool {
        matches!(self, Atom::Star(_))
    }
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    atoms: Vec<Atom>,
}

impl Pattern {
    /// The text itself, with no wildcards.
    pub(crate) fn literal(text: &str) -> Self {
        Self {
            atoms: text.chars().map(Atom::Char).collect(),
        }
    }

    /// An IAM glob: `*` is any run of characters, `?` exactly one.
    pub(crate) fn glob(text: &str) -> Self {
        let atoms = text
            .chars()
            .map(|c| match c {
                '*' => Atom::Star(Class::Any),
                '?' => Atom::One(Class::Any),
                _ => Atom::Char(c),
            })
            .collect();
        Self { atoms }
    }

    /// A condition key template such as `aws:ResourceTag/${TagKey}` or
    /// `s3:RequestObjectTag/<key>`: each `${...}` or `<...>` placeholder
    /// stands for one or more characters. Compiled in lower case, so match it
    /// against lower-cased keys.
    pub(crate) fn key_template(template: &str) -> Self {
        let mut atoms = Vec::new();
        let mut rest = template;
        while let Some(c) = rest.chars().next() {
            if let Some(tail) = placeholder_tail(rest) {
                atoms.extend([Atom::One(Class::Any), Atom::Star(Class::Any)]);
                rest = tail;
                continue;
            }
            atoms.extend(c.to_lowercase().map(Atom::Char));
            rest = rest.get(c.len_utf8()..).unwrap_or_default();
        }
        Self { atoms }
    }

    /// An ARN format from the service reference, such as
    /// `arn:${Partition}:s3:::${BucketName}/${ObjectName}`. Each `${Name}`
    /// stands for one or more characters: before the fifth colon, no colon;
    /// in the resource part, no `/` unless the variable names a path (see
    /// [`is_path_variable`]).
    pub(crate) fn arn_format(format: &str) -> Self {
        let mut atoms = Vec::new();
        let mut colons = 0;
        let mut rest = format;
        while let Some(c) = rest.chars().next() {
            if let Some((name, tail)) = rest.strip_prefix("${").and_then(|r| r.split_once('}')) {
                let class = if colons < 5 {
                    Class::NotColon
                } else if is_path_variable(name) {
                    Class::Any
                } else {
                    Class::NotSlash
                };
                atoms.extend([Atom::One(class), Atom::Star(class)]);
                rest = tail;
                continue;
            }
            if c == ':' {
                colons += 1;
            }
            atoms.push(Atom::Char(c));
            rest = rest.get(c.len_utf8()..).unwrap_or_default();
        }
        Self { atoms }
    }

    /// Whether the pattern matches all of `text`.
    ///
    /// Runs the pattern as a set of positions over the text, one bit per
    /// atom, without allocating; patterns too long for the bit set fall back
    /// to [`Pattern::overlaps`].
    pub(crate) fn matches(&self, text: &str) -> bool {
        if self.atoms.len() >= 128 {
            return self.overlaps(&Self::literal(text));
        }
        let stars = self
            .atoms
            .iter()
            .enumerate()
            .filter(|(_, atom)| atom.is_star())
            .fold(0_u128, |mask, (i, _)| mask | 1 << i);

        let mut positions = skip_stars(1, stars);
        for c in text.chars() {
            let mut next = 0_u128;
            let mut pending = positions;
            while pending != 0 {
                let i = pending.trailing_zeros() as usize;
                pending &= pending - 1;
                match self.atoms.get(i) {
                    Some(Atom::Char(x)) if *x == c => next |= 1 << (i + 1),
                    Some(Atom::One(class)) if class.contains(c) => next |= 1 << (i + 1),
                    Some(Atom::Star(class)) if class.contains(c) => next |= 1 << i,
                    _ => {}
                }
            }
            positions = skip_stars(next, stars);
            if positions == 0 {
                return false;
            }
        }
        positions & (1 << self.atoms.len()) != 0
    }

    /// Whether the pattern has no wildcard at all.
    pub(crate) fn is_literal(&self) -> bool {
        self.atoms.iter().all(|atom| matches!(atom, Atom::Char(_)))
    }

    /// Whether some text matches both patterns.
    ///
    /// A search over pairs of positions, one in each pattern: a star may be
    /// left behind without consuming anything, and one character may be
    /// consumed by both sides when their atoms share it. Quadratic in the
    /// pattern lengths, which are short.
    pub(crate) fn overlaps(&self, other: &Pattern) -> bool {
        let (a, b) = (&self.atoms, &other.atoms);
        let width = b.len() + 1;
        let mut seen = vec![false; (a.len() + 1) * width];
        let mut pending = vec![(0_usize, 0_usize)];

        while let Some((i, j)) = pending.pop() {
            match seen.get_mut(i * width + j) {
                Some(slot) if !*slot => *slot = true,
                _ => continue,
            }
            let (x, y) = (a.get(i).copied(), b.get(j).copied());
            if x.is_none() && y.is_none() {
                return true;
            }

            // A star may match nothing more.
            if x.is_some_and(Atom::is_star) {
                pending.push((i + 1, j));
            }
            if y.is_some_and(Atom::is_star) {
                pending.push((i, j + 1));
            }

            // Both consume one character; a star stays where it is.
            if let (Some(x), Some(y)) = (x, y)
                && x.shares_char_with(y)
            {
                let next = (i + usize::from(!x.is_star()), j + usize::from(!y.is_star()));
                if next != (i, j) {
                    pending.push(next);
                }
            }
        }
        false
    }
}

/// Adds to a set of pattern positions those reached by letting the stars in
/// `stars` match nothing.
fn skip_stars(mut positions: u128, stars: u128) -> u128 {
    loop {
        let reached = positions | (positions & stars) << 1;
        if reached == positions {
            return positions;
        }
        positions = reached;
    }
}

/// Where a key template placeholder starts at the front of `text`, the text
/// after it.
fn placeholder_tail(text: &str) -> Option<&str> {
    if let Some(inner) = text.strip_prefix("${") {
        return inner.split_once('}').map(|(_, tail)| tail);
    }
    let (name, tail) = text.strip_prefix('<')?.split_once('>')?;
    (!name.is_empty()).then_some(tail)
}

/// Whether an ARN variable may contain `/`: object keys and the
/// `...WithPath` and `EntityPath` names of IAM. Every other variable names
/// one element, which keeps `arn:aws:s3:::b/k` from matching the bucket
/// format `arn:${Partition}:s3:::${BucketName}`.
///
/// TODO(#3): the service reference does not say which characters a variable
/// takes; this is inferred from the names of the S3, STS and IAM formats and
/// must be checked when services are added.
pub(crate) fn is_path_variable(name: &str) -> bool {
    name == "ObjectName" || name.ends_with("Path")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_text() {
        let glob = Pattern::glob("s3:put*");
        assert!(glob.matches("s3:putobject"));
        assert!(glob.matches("s3:put"));
        assert!(!glob.matches("s3:getobject"));
        assert!(Pattern::glob("s3:?etobject").matches("s3:getobject"));
        assert!(!Pattern::glob("s3:?etobject").matches("s3:etobject"));
        assert!(Pattern::glob("*").matches(""));
        assert!(Pattern::glob("iam:*AccessKey*").matches("iam:CreateAccessKey"));
    }

    #[test]
    fn key_templates_need_a_non_empty_placeholder() {
        let template = Pattern::key_template("aws:ResourceTag/${TagKey}");
        assert!(template.matches("aws:resourcetag/team"));
        assert!(template.matches("aws:resourcetag/a/b:c"));
        assert!(!template.matches("aws:resourcetag/"));
        let angle = Pattern::key_template("s3:RequestObjectTag/<key>");
        assert!(angle.matches("s3:requestobjecttag/team"));
        let host = Pattern::key_template("agent.${Domain}.buildkite.dev:build_branch");
        assert!(host.matches("agent.acme.buildkite.dev:build_branch"));
        assert!(!host.matches("agent..buildkite.dev:build_branch"));
    }

    #[test]
    fn arn_variables_respect_segments_and_paths() {
        let bucket = Pattern::arn_format("arn:${Partition}:s3:::${BucketName}");
        let object = Pattern::arn_format("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        assert!(bucket.matches("arn:aws:s3:::rec-bucket"));
        assert!(!bucket.matches("arn:aws:s3:::rec-bucket/x"));
        assert!(object.matches("arn:aws:s3:::rec-bucket/uploads/a:b.mp4"));
        assert!(!object.matches("arn:aws:s3:::rec-bucket"));
        assert!(!object.matches("arn:aws:s3:::rec-bucket/"));
        assert!(!object.matches("arn:aws:s3:us-east-1::rec-bucket/x"));

        let role = Pattern::arn_format("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}");
        assert!(role.matches("arn:aws:iam::111122223333:role/service-role/ingest"));
        assert!(!role.matches("arn:aws:iam::111122223333:user/ingest"));
    }

    #[test]
    fn globs_overlap_formats() {
        let bucket = Pattern::arn_format("arn:${Partition}:s3:::${BucketName}");
        let object = Pattern::arn_format("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        let objects = Pattern::glob("arn:aws:s3:::rec-bucket/*");
        assert!(!bucket.overlaps(&objects));
        assert!(object.overlaps(&objects));
        assert!(bucket.overlaps(&Pattern::glob("arn:aws:s3:::rec-*")));
        assert!(bucket.overlaps(&Pattern::glob("*")));
        assert!(object.overlaps(&Pattern::glob("arn:aws:s3:::*")));
        assert!(!object.overlaps(&Pattern::glob("arn:aws:iam::*")));
        assert!(objects.overlaps(&objects));
    }

    #[test]
    fn matching_agrees_with_overlap() {
        let patterns = [
            Pattern::glob("a*b?c*"),
            Pattern::glob("*/*"),
            Pattern::arn_format("arn:${Partition}:s3:::${BucketName}/${ObjectName}"),
            Pattern::arn_format("arn:${Partition}:s3:::${BucketName}"),
            Pattern::key_template("x/${K}:y"),
        ];
        let texts = [
            "",
            "ab",
            "abxc",
            "axxbyczz",
            "/",
            "a/b",
            "x/1:y",
            "x/:y",
            "x/a:b:y",
            "arn:aws:s3:::b",
            "arn:aws:s3:::b/k",
            "arn:aws:s3:::b/k/l:m",
            "arn::s3:::b",
        ];
        for pattern in &patterns {
            for text in texts {
                assert_eq!(
                    pattern.matches(text),
                    pattern.overlaps(&Pattern::literal(text)),
                    "{pattern:?} {text}"
                );
            }
        }
        let long = Pattern::glob(&"a*".repeat(100));
        assert!(long.matches(&"a".repeat(100)));
        assert!(!long.matches(&"a".repeat(99)));
    }

    #[test]
    fn literal_detection() {
        assert!(Pattern::literal("a*b").is_literal());
        assert!(!Pattern::glob("a*b").is_literal());
    }
}
