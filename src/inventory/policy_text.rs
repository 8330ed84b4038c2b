//! The exact text of a policy document, as AWS stores it.
//!
//! IAM returns some documents URL-encoded and some as raw JSON, depending on
//! the API and the emulator. [`PolicyText::from_aws`] normalises both to the
//! decoded text, byte for byte what the author wrote, so later stages can
//! point at a statement's line. In a snapshot the text is written as a list
//! of lines: a statement on line N of the document sits on line N of that
//! list, which lets SARIF locations open on the statement itself.

use std::fmt;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The decoded text of a policy document.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct PolicyText(String);

/// Why a document from AWS could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy document is URL-encoded but does not decode to UTF-8 text")]
pub struct DecodeError;

impl PolicyText {
    /// Wraps text that is already decoded.
    pub fn new(text: impl Into<String>) -> Self {
        PolicyText(text.into())
    }

    /// Decodes a document as an AWS API returned it.
    ///
    /// A document is percent-decoded unless it already starts with `{`
    /// (after white space). `+` is left alone: AWS encodes spaces as `%20`.
    pub fn from_aws(raw: &str) -> Result<Self, DecodeError> {
        if raw.trim_start().starts_with('{') {
            return Ok(PolicyText(raw.to_owned()));
        }
        let decoded = percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| DecodeError)?;
        Ok(PolicyText(decoded.into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PolicyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PolicyText({} bytes)", self.0.len())
    }
}

impl Serialize for PolicyText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.split('\n'))
    }
}

impl<'de> Deserialize<'de> for PolicyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let lines = Vec::<String>::deserialize(deserializer)?;
        Ok(PolicyText(lines.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_json_is_kept_verbatim() {
        let raw = " {\"Version\": \"2012-10-17\", \"x\": \"a%20b+c\"}";
        assert_eq!(PolicyText::from_aws(raw).unwrap().as_str(), raw);
    }

    #[test]
    fn url_encoded_json_is_decoded_without_plus_to_space() {
        let raw = "%7B%22Sid%22%3A%20%22a+b%22%7D";
        let text = PolicyText::from_aws(raw).unwrap();
        assert_eq!(text.as_str(), "{\"Sid\": \"a+b\"}");
    }

    #[test]
    fn invalid_utf8_after_decoding_is_an_error() {
        assert_eq!(PolicyText::from_aws("%FF%FE"), Err(DecodeError));
    }

    #[test]
    fn lines_round_trip_through_json() {
        let text = PolicyText::new("{\r\n  \"a\": 1\n}\n");
        let json = serde_json::to_string(&text).unwrap();
        assert_eq!(json, r#"["{\r","  \"a\": 1","}",""]"#);
        let back: PolicyText = serde_json::from_str(&json).unwrap();
        assert_eq!(back, text);
    }
}
