//! PATCH operation paths (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`.
//!
//! Shares the filter lexer and parser ([`super::filter`]), so paths accept exactly what filters
//! accept inside `[ ]` (case-insensitive operators, JSON strings, Entra's unquoted values) and
//! report errors the same way, but as `invalidPath` (RFC 7644 §3.5.2: "If the target location
//! path is invalid … invalidPath").
//!
//! Paths Entra sends and this must parse: `active`, `name.givenName`,
//! `emails[type eq "work"].value`, `addresses[type eq "work"].postalCode`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.

use std::fmt;

use super::error::ScimError;
use super::filter::{AttrPath, ErrorKind, Filter, Parser};
use super::urn;

/// A parsed PATCH path. `emails[type eq "work"].value` is
/// `{ urn: None, attr: "emails", filter: Some(type eq "work"), sub_attr: Some("value") }`;
/// `name.givenName` is `{ attr: "name", sub_attr: Some("givenName"), .. }`. Names as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    pub urn: Option<String>,
    pub attr: String,
    pub filter: Option<Filter>,
    pub sub_attr: Option<String>,
}

impl PatchPath {
    /// A path naming a whole schema (`urn:…:enterprise:2.0:User`): `urn` is the schema URN and
    /// `attr` is empty.
    pub fn schema(urn: &str) -> PatchPath {
        PatchPath {
            urn: Some(urn.to_string()),
            attr: String::new(),
            filter: None,
            sub_attr: None,
        }
    }

    /// Whether the path names a whole schema ([`PatchPath::schema`]).
    pub fn is_schema(&self) -> bool {
        self.attr.is_empty()
    }

    /// The path without its value filter, as an attribute path (`emails[…].value` →
    /// `emails.value`).
    pub fn attr_path(&self) -> AttrPath {
        AttrPath {
            urn: self.urn.clone(),
            name: self.attr.clone(),
            sub_attr: self.sub_attr.clone(),
        }
    }

    /// True when the path is qualified with the enterprise extension URN.
    pub fn is_enterprise(&self) -> bool {
        self.urn.as_deref().is_some_and(urn::is_enterprise)
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(u) = &self.urn {
            write!(f, "{u}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(s) = &self.sub_attr {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

/// Parses a PATCH `path`. Errors are `invalidPath` with the 1-based position and the reason.
pub fn parse_path(input: &str) -> Result<PatchPath, ScimError> {
    if input.trim().is_empty() {
        return Err(ScimError::invalid_path("invalid path: the path is empty"));
    }
    let mut p = Parser::new(input, ErrorKind::Path)?;
    let attr = p.parse_leading_attr()?;
    let mut path = PatchPath {
        urn: attr.urn,
        attr: attr.name,
        filter: None,
        sub_attr: attr.sub_attr,
    };
    if p.at_open_bracket() {
        if path.sub_attr.is_some() {
            return Err(ScimError::invalid_path(format!(
                "invalid path: '[' must follow a multi-valued attribute, not the sub-attribute '{}.{}'",
                path.attr,
                path.sub_attr.as_deref().unwrap_or_default()
            )));
        }
        let depth = p.open_bracket(0)?;
        path.filter = Some(p.parse_value_filter(depth)?);
        path.sub_attr = p.parse_trailing_sub_attr()?;
    }
    p.expect_end("the end of the path")?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::{CompValue, CompareOp};
    use crate::scim::ScimType;

    fn ok(s: &str) -> PatchPath {
        parse_path(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn bad(s: &str) -> String {
        let e = parse_path(s).expect_err(s);
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
        e.detail
    }

    #[test]
    fn a_simple_attribute_path_parses() {
        assert_eq!(
            ok("active"),
            PatchPath {
                urn: None,
                attr: "active".into(),
                filter: None,
                sub_attr: None
            }
        );
    }

    #[test]
    fn a_dotted_sub_attribute_path_parses() {
        let p = ok("name.givenName");
        assert_eq!(
            (p.attr.as_str(), p.sub_attr.as_deref()),
            ("name", Some("givenName"))
        );
    }

    #[test]
    fn an_entra_value_filter_path_with_a_sub_attribute_parses() {
        let p = ok(r#"emails[type eq "work"].value"#);
        assert_eq!(p.attr, "emails");
        assert_eq!(p.sub_attr.as_deref(), Some("value"));
        assert_eq!(
            p.filter,
            Some(Filter::Compare {
                attr: AttrPath::simple("type"),
                op: CompareOp::Eq,
                value: CompValue::String("work".into())
            })
        );
        let a = ok(r#"addresses[type eq "work"].postalCode"#);
        assert_eq!(a.sub_attr.as_deref(), Some("postalCode"));
        let ph = ok(r#"phoneNumbers[type EQ "mobile"].value"#);
        assert!(ph.filter.is_some());
    }

    #[test]
    fn a_value_filter_path_without_a_sub_attribute_parses() {
        let p = ok(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#);
        assert_eq!(p.attr, "members");
        assert!(p.filter.is_some());
        assert_eq!(p.sub_attr, None);
    }

    #[test]
    fn an_enterprise_urn_path_parses() {
        let p = ok("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
        assert!(p.is_enterprise());
        assert_eq!(p.attr, "department");
        let m = ok("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        assert_eq!(
            (m.attr.as_str(), m.sub_attr.as_deref()),
            ("manager", Some("value"))
        );
    }

    #[test]
    fn display_prints_the_path_back() {
        for s in [
            "active",
            "name.givenName",
            r#"emails[type eq "work"].value"#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ] {
            assert_eq!(ok(s).to_string(), s);
        }
    }

    #[test]
    fn invalid_paths_are_rejected_with_the_reason() {
        assert!(bad("").contains("empty"));
        assert!(bad("1abc").contains("not an attribute name"));
        assert!(bad("a.b.c").contains("not a sub-attribute name"));
        assert!(bad(r#"emails[type eq "work""#).contains("expected ']'"));
        assert!(bad(r#"emails[type eq "work"].value extra"#).contains("position 30"));
        assert!(bad(r#"emails[type eq]"#).contains("expected a value"));
        assert!(bad(r#"name.givenName[type eq "x"]"#).contains("sub-attribute"));
        assert!(
            bad("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                .contains("names a schema")
        );
        assert!(bad(r#"emails[type eq "work"]."#).contains("sub-attribute name"));
    }
}
