//! The `Condition` element: operators, clauses and their typed values.
//!
//! A statement's `Condition` block is flattened into [`ConditionClause`]s,
//! one per (operator, key) pair, each with its values already parsed for
//! the operator's type. Clauses are ANDed; the values of one clause are
//! ORed (NORed for a negated operator). [`eval`] decides a clause against a
//! request context.

pub mod eval;
pub mod values;

use super::arn::ArnPattern;
use super::glob::{Glob, Syntax};
use super::span::Span;
use std::fmt;
use values::{Cidr, Decimal, Instant};

/// The operator families and members, without `IfExists` or a set prefix.
/// Variant names are AWS's operator names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// All base operators, for name lookup.
const BASE_OPERATORS: [BaseOperator; 27] = {
    use BaseOperator::*;
    [
        StringEquals,
        StringNotEquals,
        StringEqualsIgnoreCase,
        StringNotEqualsIgnoreCase,
        StringLike,
        StringNotLike,
        NumericEquals,
        NumericNotEquals,
        NumericLessThan,
        NumericLessThanEquals,
        NumericGreaterThan,
        NumericGreaterThanEquals,
        DateEquals,
        DateNotEquals,
        DateLessThan,
        DateLessThanEquals,
        DateGreaterThan,
        DateGreaterThanEquals,
        Bool,
        BinaryEquals,
        IpAddress,
        NotIpAddress,
        ArnEquals,
        ArnLike,
        ArnNotEquals,
        ArnNotLike,
        Null,
    ]
};

/// The type of value an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `String...`.
    String,
    /// `Numeric...`.
    Numeric,
    /// `Date...`.
    Date,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// `IpAddress` / `NotIpAddress`.
    Ip,
    /// `Arn...`.
    Arn,
    /// `Null`.
    Null,
}

impl BaseOperator {
    /// The operator's name as AWS writes it.
    pub fn name(self) -> String {
        format!("{self:?}")
    }

    /// Looks up an exact (case-sensitive) operator name.
    pub fn from_name(name: &str) -> Option<BaseOperator> {
        BASE_OPERATORS.into_iter().find(|op| op.name() == name)
    }

    /// The value type it compares.
    pub fn family(self) -> Family {
        use BaseOperator::*;
        match self {
            StringEquals
            | StringNotEquals
            | StringEqualsIgnoreCase
            | StringNotEqualsIgnoreCase
            | StringLike
            | StringNotLike => Family::String,
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => Family::Numeric,
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => Family::Date,
            Bool => Family::Bool,
            BinaryEquals => Family::Binary,
            IpAddress | NotIpAddress => Family::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Family::Arn,
            Null => Family::Null,
        }
    }

    /// Whether it is a negated operator: true when the request value
    /// matches none of the policy values, and true when the key is absent.
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Whether policy variables are substituted in its values.
    pub fn allows_variables(self) -> bool {
        matches!(self.family(), Family::String | Family::Arn | Family::Bool)
    }

    /// Whether `*` and `?` are wildcards in its values.
    pub fn allows_wildcards(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringLike | StringNotLike | ArnEquals | ArnLike | ArnNotEquals | ArnNotLike
        )
    }
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// Every request value must match; true for an absent or empty key.
    ForAllValues,
    /// Some request value must match; false for an absent or empty key.
    ForAnyValue,
}

/// A full operator: base, optional set qualifier and `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    /// The comparison.
    pub base: BaseOperator,
    /// `ForAllValues:` / `ForAnyValue:`, if written.
    pub set: Option<SetQualifier>,
    /// Whether `IfExists` was appended: an absent key makes it true.
    pub if_exists: bool,
}

/// Why an operator name was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorError {
    /// Not an operator AWS defines.
    Unknown,
    /// `NullIfExists`, which AWS rejects.
    NullIfExists,
}

impl Operator {
    /// Parses an operator name such as `ForAnyValue:StringLikeIfExists`.
    pub fn parse(name: &str) -> Result<Operator, OperatorError> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let base = BaseOperator::from_name(base).ok_or(OperatorError::Unknown)?;
        if base == BaseOperator::Null && if_exists {
            return Err(OperatorError::NullIfExists);
        }
        Ok(Operator {
            base,
            set,
            if_exists,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.set {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        write!(f, "{:?}", self.base)?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// One (operator, key) pair of a `Condition` block with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionClause {
    /// The operator.
    pub operator: Operator,
    /// Where the operator name is written.
    pub operator_span: Span,
    /// The key as written.
    pub key: String,
    /// The key lowercased, as looked up in the request context.
    pub key_lower: String,
    /// Where the key is written.
    pub key_span: Span,
    /// The values (at least one).
    pub values: Vec<ConditionValue>,
}

/// One condition value, kept as written and parsed for its operator.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionValue {
    /// The value's text (JSON numbers and booleans in their string form).
    pub raw: String,
    /// Where it is written.
    pub span: Span,
    /// The typed value.
    pub parsed: ParsedValue,
}

/// A condition value parsed for its operator family.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedValue {
    /// String operators: literal text and variables (wildcards too for
    /// `StringLike` / `StringNotLike`).
    Text(Glob),
    /// `Arn...` operators: one glob per segment.
    Arn(ArnPattern),
    /// `Numeric...` operators.
    Number(Decimal),
    /// `Date...` operators: nanoseconds since the epoch.
    Date(Instant),
    /// `Bool`: text, since variables are substituted before parsing.
    Bool(Glob),
    /// `BinaryEquals`: the decoded bytes.
    Binary(Vec<u8>),
    /// `IpAddress` / `NotIpAddress`.
    Cidr(Cidr),
    /// `Null`: `true` tests for absence, `false` for presence.
    Null(bool),
    /// The text is not valid for the operator; evaluating the clause
    /// records this reason as an error and the value matches nothing.
    Invalid(String),
}

impl ParsedValue {
    /// Parses `raw` for `base`. Variables are recognised only when
    /// `variables` is set (policy Version `2012-10-17`).
    pub fn parse(base: BaseOperator, raw: &str, variables: bool) -> ParsedValue {
        let syntax = Syntax {
            wildcards: base.allows_wildcards(),
            variables: variables && base.allows_variables(),
        };
        let typed = match base.family() {
            Family::String => Ok(ParsedValue::Text(Glob::parse(raw, syntax))),
            Family::Arn => Ok(ParsedValue::Arn(ArnPattern::condition(
                raw,
                syntax.variables,
            ))),
            Family::Bool => Ok(ParsedValue::Bool(Glob::parse(raw, syntax))),
            Family::Numeric => Decimal::parse(raw).map(ParsedValue::Number),
            Family::Date => values::parse_date(raw).map(ParsedValue::Date),
            Family::Binary => values::parse_base64(raw).map(ParsedValue::Binary),
            Family::Ip => Cidr::parse(raw).map(ParsedValue::Cidr),
            Family::Null => values::parse_bool(raw).map(ParsedValue::Null),
        };
        typed.unwrap_or_else(ParsedValue::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names() {
        let op = Operator::parse("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(op.base, BaseOperator::StringNotLike);
        assert_eq!(op.set, Some(SetQualifier::ForAnyValue));
        assert!(op.if_exists);
        assert_eq!(op.to_string(), "ForAnyValue:StringNotLikeIfExists");
        assert_eq!(
            Operator::parse("NullIfExists"),
            Err(OperatorError::NullIfExists)
        );
        for bad in [
            "StringEqual",
            "stringequals",
            "ForSomeValues:StringLike",
            "IfExists",
            "",
        ] {
            assert_eq!(Operator::parse(bad), Err(OperatorError::Unknown), "{bad}");
        }
        for base in BASE_OPERATORS {
            assert_eq!(Operator::parse(&base.name()).unwrap().base, base);
        }
    }

    #[test]
    fn values_parse_per_family() {
        use BaseOperator as B;
        assert!(matches!(
            ParsedValue::parse(B::NumericLessThan, "x", true),
            ParsedValue::Invalid(_)
        ));
        assert!(matches!(
            ParsedValue::parse(B::DateLessThan, "2020-01-01", true),
            ParsedValue::Date(_)
        ));
        assert!(matches!(
            ParsedValue::parse(B::IpAddress, "10.0.0.0/8", true),
            ParsedValue::Cidr(_)
        ));
        assert!(matches!(
            ParsedValue::parse(B::Null, "TRUE", true),
            ParsedValue::Null(true)
        ));
        // variables are literal for operators that do not take them
        let ParsedValue::Text(glob) = ParsedValue::parse(B::StringEquals, "${aws:username}", false)
        else {
            panic!("not text")
        };
        assert!(!glob.has_variables());
    }
}
