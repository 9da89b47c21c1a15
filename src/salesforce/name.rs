//! [`FieldName`]: a validated Salesforce API name (field, object, or relationship path), safe to
//! paste into SOQL and REST paths, and compared as Salesforce compares names.
//!
//! Salesforce API names are case-insensitive ("Field names are not case sensitive", SOQL and
//! SOSL Reference, "SOQL Typographical Conventions"; the REST API accepts `email` for `Email`),
//! so equality, ordering and hashing ignore ASCII case while the name keeps the spelling it was
//! written with for display and for the wire.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Why a name could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SoqlBuildError {
    /// A field or object name outside `[A-Za-z][A-Za-z0-9_]*` (dotted relationship paths via
    /// [`FieldName::path`]).
    #[error("invalid SOQL name {0:?}: names are letters, digits and underscores, starting with a letter")]
    InvalidName(String),
}

/// The longest name accepted. Salesforce API names are at most 40 characters plus a namespace
/// prefix and suffix (`ns__Field__c`); relationship paths are a few of those joined by dots.
const MAX_NAME_LEN: usize = 255;

/// A validated SOQL identifier: a field name (`LastName`, `Custom_Field__c`, `ns__X__c`), an
/// object name (`Contact`), or, via [`FieldName::path`], a relationship path (`Account.Name`).
///
/// Only letters, digits and underscores (plus dots between segments of a path) are accepted, so a
/// `FieldName` can be pasted into SOQL and into a REST path without escaping. `EMAIL == Email`.
#[derive(Clone, Debug)]
pub struct FieldName(Cow<'static, str>);

const fn is_identifier_bytes(b: &[u8], allow_dots: bool) -> bool {
    if b.is_empty() || b.len() > MAX_NAME_LEN {
        return false;
    }
    let mut i = 0;
    let mut segment_start = true;
    while i < b.len() {
        let c = b[i];
        if segment_start {
            if !c.is_ascii_alphabetic() {
                return false;
            }
            segment_start = false;
        } else if c == b'.' && allow_dots {
            segment_start = true;
        } else if !(c.is_ascii_alphanumeric() || c == b'_') {
            return false;
        }
        i += 1;
    }
    !segment_start
}

impl FieldName {
    /// A single identifier `[A-Za-z][A-Za-z0-9_]*`. Anything else (spaces, quotes, dots,
    /// parentheses, non-ASCII) is rejected.
    pub fn new(s: &str) -> Result<Self, SoqlBuildError> {
        if is_identifier_bytes(s.as_bytes(), false) {
            Ok(FieldName(Cow::Owned(s.to_string())))
        } else {
            Err(SoqlBuildError::InvalidName(s.to_string()))
        }
    }

    /// A relationship path: identifiers joined by single dots (`Account.Owner.Email`).
    pub fn path(s: &str) -> Result<Self, SoqlBuildError> {
        if is_identifier_bytes(s.as_bytes(), true) {
            Ok(FieldName(Cow::Owned(s.to_string())))
        } else {
            Err(SoqlBuildError::InvalidName(s.to_string()))
        }
    }

    /// A name known when the bridge is compiled (`FieldName::from_static("Id")`), for `const`
    /// items: an invalid literal stops the build instead of becoming an error path at run time.
    pub const fn from_static(s: &'static str) -> Self {
        assert!(
            is_identifier_bytes(s.as_bytes(), true),
            "FieldName::from_static needs a valid Salesforce API name"
        );
        FieldName(Cow::Borrowed(s))
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is `other`, compared as Salesforce compares names (ignoring ASCII case).
    pub fn is(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl PartialEq for FieldName {
    fn eq(&self, other: &Self) -> bool {
        self.is(&other.0)
    }
}

impl Eq for FieldName {}

impl PartialEq<str> for FieldName {
    fn eq(&self, other: &str) -> bool {
        self.is(other)
    }
}

impl PartialEq<&str> for FieldName {
    fn eq(&self, other: &&str) -> bool {
        self.is(other)
    }
}

impl Hash for FieldName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl Ord for FieldName {
    fn cmp(&self, other: &Self) -> Ordering {
        let a = self.0.bytes().map(|b| b.to_ascii_lowercase());
        let b = other.0.bytes().map(|b| b.to_ascii_lowercase());
        a.cmp(b)
    }
}

impl PartialOrd for FieldName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for FieldName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for FieldName {
    type Error = SoqlBuildError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        FieldName::new(s)
    }
}

/// Names the bridge itself reads on every record, whatever the mapping.
pub mod fields {
    use super::FieldName;

    pub const ID: FieldName = FieldName::from_static("Id");
    pub const CREATED_DATE: FieldName = FieldName::from_static("CreatedDate");
    pub const LAST_MODIFIED_DATE: FieldName = FieldName::from_static("LastModifiedDate");
    pub const SYSTEM_MODSTAMP: FieldName = FieldName::from_static("SystemModstamp");
    pub const IS_CONVERTED: FieldName = FieldName::from_static("IsConverted");
    pub const CONVERTED_CONTACT_ID: FieldName = FieldName::from_static("ConvertedContactId");
    pub const EMAIL: FieldName = FieldName::from_static("Email");
    pub const COMPANY: FieldName = FieldName::from_static("Company");
    pub const ACCOUNT_ID: FieldName = FieldName::from_static("AccountId");
    pub const NAME: FieldName = FieldName::from_static("Name");
    pub const IS_ACTIVE: FieldName = FieldName::from_static("IsActive");
    pub const CAMPAIGN_ID: FieldName = FieldName::from_static("CampaignId");
    pub const CONTACT_ID: FieldName = FieldName::from_static("ContactId");
    pub const LEAD_ID: FieldName = FieldName::from_static("LeadId");
    pub const MASTER_LABEL: FieldName = FieldName::from_static("MasterLabel");
    pub const SORT_ORDER: FieldName = FieldName::from_static("SortOrder");
    pub const PERMISSIONS_CONVERT_LEADS: FieldName =
        FieldName::from_static("PermissionsConvertLeads");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_compare_hash_and_sort_ignoring_case_but_keep_their_spelling() {
        let a = FieldName::new("Email").unwrap();
        let b = FieldName::new("EMAIL").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        assert_eq!(HashSet::from([a.clone(), b.clone()]).len(), 1);
        assert_eq!(b.as_str(), "EMAIL");
        assert!(a == "email");
        assert_ne!(a, FieldName::new("Emails").unwrap());
        assert!(FieldName::new("Aa").unwrap() < FieldName::new("ab").unwrap());
    }

    #[test]
    fn only_identifiers_and_dotted_paths_are_names() {
        for bad in ["", "1a", "a b", "a'", "a.b", "_a", "é", &"a".repeat(256)] {
            assert!(FieldName::new(bad).is_err(), "{bad}");
        }
        for bad in ["a.", ".a", "a..b", "a.1b"] {
            assert!(FieldName::path(bad).is_err(), "{bad}");
        }
        assert!(FieldName::path("Account.Owner.Email").is_ok());
        assert!(FieldName::new("ns__Field__c").is_ok());
    }

    #[test]
    fn static_names_are_the_same_as_parsed_ones() {
        assert_eq!(fields::ID, FieldName::new("id").unwrap());
        assert_eq!(fields::CREATED_DATE.as_str(), "CreatedDate");
    }
}
