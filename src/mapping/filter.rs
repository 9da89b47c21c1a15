//! SCIM filter → Salesforce query condition, for the attributes a connection maps.
//!
//! The SCIM parser accepts the whole RFC 7644 §3.4.2.2 grammar; this step reduces the tree to
//! what SOQL over the mapped fields can express and refuses the rest with `invalidFilter`,
//! naming the attribute or operator (as lldap reduces LDAP filters to its domain filter). It
//! never writes SOQL text: [`crate::salesforce::soql`] renders and escapes the condition.
//!
//! Constant parts fold away: `id eq "not-an-id"` is known false without asking Salesforce.

use chrono::{DateTime, Datelike, Utc};
use serde_json::Value;

use super::view::Mapping;
use super::{known_attribute, schema_of_urn, MappingRow, Schema, Shape};
use crate::salesforce::soql::{CompareOp as SoqlOp, Condition, FieldName, LikePattern, SoqlValue};
use crate::scim::error::ScimError;
use crate::scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::scim::values::{coerce_bool, compare_value};

/// Always true / always false, as the SOQL builder folds them.
fn always(b: bool) -> Condition {
    if b {
        Condition::And(Vec::new())
    } else {
        Condition::Or(Vec::new())
    }
}

/// A Salesforce record Id: 15 or 18 letters and digits.
use crate::salesforce::is_record_id;

/// What a filter attribute resolves to.
enum Target<'a> {
    /// The record Id.
    Id,
    /// `meta.created` / `meta.lastModified`.
    Timestamp(&'static str),
    Active,
    /// One or more mapped fields (a comparison holds if it holds for any of them).
    Fields(Vec<&'a MappingRow>),
}

impl Mapping {
    /// Translates a SCIM filter into a condition on the connection's record type.
    pub fn to_condition(&self, filter: &Filter) -> Result<Condition, ScimError> {
        match filter {
            Filter::And(a, b) => Ok(Condition::And(vec![
                self.to_condition(a)?,
                self.to_condition(b)?,
            ])),
            Filter::Or(a, b) => Ok(Condition::Or(vec![
                self.to_condition(a)?,
                self.to_condition(b)?,
            ])),
            Filter::Not(inner) => Ok(Condition::Not(Box::new(self.to_condition(inner)?))),
            Filter::Present(attr) => {
                let target = self.resolve(attr)?;
                self.compare(&target, attr, CompareOp::Ne, &CompValue::Null, true)
            }
            Filter::Compare { attr, op, value } => {
                let target = self.resolve(attr)?;
                self.compare(&target, attr, *op, value, false)
            }
            Filter::ValuePath { attr, filter } => self.value_path(attr, filter),
        }
    }

    fn filterable(&self) -> String {
        let mut names: Vec<String> = vec!["id".into(), "active".into()];
        for r in self.readable_rows() {
            let n = r.attr.to_string();
            if !names.contains(&n) {
                names.push(n);
            }
        }
        names.push("meta.created".into());
        names.push("meta.lastModified".into());
        names.join(", ")
    }

    fn unmapped(&self, attr: &AttrPath) -> ScimError {
        ScimError::invalid_filter(format!(
            "attribute '{}' cannot be filtered on this connection: it is not mapped to a Salesforce {} field. Filterable attributes: {}",
            display_path(attr),
            self.object,
            self.filterable()
        ))
    }

    fn resolve(&self, attr: &AttrPath) -> Result<Target<'_>, ScimError> {
        let schema = schema_of_urn(attr.urn.as_deref()).ok_or_else(|| self.unmapped(attr))?;
        let sub = attr.sub_attr.as_deref();
        if schema == Schema::Core {
            let name = attr.name.as_str();
            if name.eq_ignore_ascii_case("id") && sub.is_none() {
                return Ok(Target::Id);
            }
            if name.eq_ignore_ascii_case("active") && sub.is_none() {
                return Ok(Target::Active);
            }
            if name.eq_ignore_ascii_case("meta") {
                match sub.map(str::to_ascii_lowercase).as_deref() {
                    Some("created") => return Ok(Target::Timestamp("CreatedDate")),
                    Some("lastmodified") => return Ok(Target::Timestamp("LastModifiedDate")),
                    _ => return Err(self.unmapped(attr)),
                }
            }
        }
        // PingOne's documentation writes its work-email lookup as `email Co "%s"`: `email` is
        // not a SCIM attribute, but it can only mean `emails`.
        let name = if schema == Schema::Core && attr.name.eq_ignore_ascii_case("email") {
            "emails"
        } else {
            attr.name.as_str()
        };
        let (canonical, shape, _) =
            known_attribute(schema, name).ok_or_else(|| self.unmapped(attr))?;
        let rows: Vec<&MappingRow> = self
            .rows_of(schema, canonical)
            .filter(|r| match (shape, sub) {
                (Shape::Simple, None) => true,
                // `emails` alone means any of its values (RFC 7644 §3.4.2.2, and PingOne's
                // default work-email filter `emails eq "…"`); `manager` alone is its value.
                (Shape::MultiValued | Shape::Complex, None) => r.attr.sub == Some("value"),
                (_, Some(s)) => r.attr.sub.is_some_and(|rs| rs.eq_ignore_ascii_case(s)),
            })
            .collect();
        if rows.is_empty() {
            return Err(self.unmapped(attr));
        }
        Ok(Target::Fields(rows))
    }

    fn compare(
        &self,
        target: &Target<'_>,
        attr: &AttrPath,
        op: CompareOp,
        value: &CompValue,
        present: bool,
    ) -> Result<Condition, ScimError> {
        let shown = if present {
            "pr".to_string()
        } else {
            format!("{op:?}").to_ascii_lowercase()
        };
        match target {
            Target::Id => {
                let field = field("Id")?;
                match (op, value) {
                    (_, CompValue::Null) if present => Ok(always(true)),
                    (CompareOp::Eq, CompValue::String(s)) => Ok(if is_record_id(s) {
                        Condition::eq(field, SoqlValue::Str(s.clone()))
                    } else {
                        always(false)
                    }),
                    (CompareOp::Ne, CompValue::String(s)) => Ok(if is_record_id(s) {
                        Condition::Compare {
                            field,
                            op: SoqlOp::Ne,
                            value: SoqlValue::Str(s.clone()),
                        }
                    } else {
                        always(true)
                    }),
                    _ => Err(ScimError::invalid_filter(format!(
                        "'id' supports only eq, ne and pr with a string value, not '{shown}'"
                    ))),
                }
            }
            Target::Timestamp(name) => {
                let field = field(name)?;
                if present {
                    return Ok(always(true));
                }
                let CompValue::String(s) = value else {
                    return Err(ScimError::invalid_filter(format!(
                        "'{}' takes a dateTime string such as \"2024-05-01T10:00:00Z\"",
                        display_path(attr)
                    )));
                };
                let at = DateTime::parse_from_rfc3339(s)
                    .map_err(|_| {
                        ScimError::invalid_filter(format!(
                            "'{s}' is not an RFC 3339 dateTime such as \"2024-05-01T10:00:00Z\""
                        ))
                    })?
                    .with_timezone(&Utc);
                // SOQL writes a dateTime with a four-digit year, in UTC: an offset can push the
                // first or last day of RFC 3339's years out of that range.
                if !(0..=9999).contains(&at.year()) {
                    return Err(ScimError::invalid_filter(format!(
                        "'{s}' is in the year {} in UTC, outside the years 0000-9999 a Salesforce dateTime can hold",
                        at.year()
                    )));
                }
                let op = ordering_op(op).ok_or_else(|| {
                    ScimError::invalid_filter(format!(
                        "'{}' cannot be compared with '{shown}': use eq, ne, gt, ge, lt or le",
                        display_path(attr)
                    ))
                })?;
                Ok(Condition::Compare {
                    field,
                    op,
                    value: SoqlValue::DateTime(at),
                })
            }
            Target::Active => {
                if present {
                    return Ok(always(true));
                }
                let wanted = match value {
                    CompValue::Bool(b) => Some(*b),
                    CompValue::String(s) => coerce_bool(&Value::String(s.clone())),
                    _ => None,
                }
                .ok_or_else(|| {
                    ScimError::invalid_filter("'active' compares only with true or false")
                })?;
                let wanted = match op {
                    CompareOp::Eq => wanted,
                    CompareOp::Ne => !wanted,
                    _ => {
                        return Err(ScimError::invalid_filter(format!(
                            "'active' supports eq, ne and pr, not '{shown}'"
                        )))
                    }
                };
                Ok(self.active_condition(wanted))
            }
            Target::Fields(rows) => {
                let mut fields: Vec<&FieldName> = Vec::new();
                for r in rows {
                    if !fields.iter().any(|f| **f == r.field) {
                        fields.push(&r.field);
                    }
                }
                let parts = fields
                    .into_iter()
                    .map(|f| field_condition(f.clone(), op, value, present, attr))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if parts.len() == 1 {
                    parts.into_iter().next().unwrap_or_else(|| always(false))
                } else {
                    Condition::Or(parts)
                })
            }
        }
    }

    /// `active eq <wanted>` as a condition on the disable field.
    pub fn active_condition(&self, wanted: bool) -> Condition {
        let Some(d) = &self.disable else {
            return always(wanted);
        };
        let disabled = json_to_soql(&d.disabled_value);
        let is_disabled = Condition::eq(d.field.clone(), disabled);
        if wanted {
            Condition::Not(Box::new(is_disabled))
        } else {
            is_disabled
        }
    }

    /// `emails[type eq "work" and value co "@example.com"]`: evaluated per mapped type, with
    /// `type` (and `primary`) known statically and the other sub-attributes on their fields.
    fn value_path(&self, attr: &AttrPath, inner: &Filter) -> Result<Condition, ScimError> {
        let schema = schema_of_urn(attr.urn.as_deref()).ok_or_else(|| self.unmapped(attr))?;
        let (canonical, shape, _) =
            known_attribute(schema, &attr.name).ok_or_else(|| self.unmapped(attr))?;
        if shape != Shape::MultiValued {
            return Err(ScimError::invalid_filter(format!(
                "'{}[…]' needs a multi-valued attribute such as emails",
                attr.name
            )));
        }
        let types = self.types_of(schema, canonical);
        if types.is_empty() {
            return Err(self.unmapped(attr));
        }
        let mut alternatives = Vec::new();
        for (i, t) in types.iter().enumerate() {
            alternatives.push(self.element_condition(schema, canonical, t, i == 0, inner)?);
        }
        Ok(Condition::Or(alternatives))
    }

    fn element_condition(
        &self,
        schema: Schema,
        attr_name: &'static str,
        type_value: &str,
        primary: bool,
        f: &Filter,
    ) -> Result<Condition, ScimError> {
        let recurse =
            |g: &Filter| self.element_condition(schema, attr_name, type_value, primary, g);
        match f {
            Filter::And(a, b) => Ok(Condition::And(vec![recurse(a)?, recurse(b)?])),
            Filter::Or(a, b) => Ok(Condition::Or(vec![recurse(a)?, recurse(b)?])),
            Filter::Not(a) => Ok(Condition::Not(Box::new(recurse(a)?))),
            Filter::ValuePath { .. } => Err(ScimError::invalid_filter(
                "a value filter cannot contain another value filter (RFC 7644 §3.4.2.2)",
            )),
            Filter::Present(sub) | Filter::Compare { attr: sub, .. } => {
                let (op, value, present) = match f {
                    Filter::Compare { op, value, .. } => (*op, value.clone(), false),
                    _ => (CompareOp::Ne, CompValue::Null, true),
                };
                let name = sub.name.to_ascii_lowercase();
                if name == "type" || name == "primary" {
                    let actual = if name == "type" {
                        Value::String(type_value.to_string())
                    } else {
                        Value::Bool(primary)
                    };
                    return Ok(always(if present {
                        !actual.is_null()
                    } else {
                        compare_value(&actual, op, &value)
                    }));
                }
                let row = self.rows_of(schema, attr_name).find(|r| {
                    r.attr.type_value.as_deref() == Some(type_value)
                        && r.attr
                            .sub
                            .is_some_and(|s| s.eq_ignore_ascii_case(&sub.name))
                });
                match row {
                    Some(r) => field_condition(r.field.clone(), op, &value, present, sub),
                    // An unmapped sub-attribute of a mapped element has no value.
                    None => Ok(always(present_is_false_compare(op, &value, present))),
                }
            }
        }
    }
}

/// The outcome of comparing a value that is absent.
fn present_is_false_compare(op: CompareOp, value: &CompValue, present: bool) -> bool {
    !present && op == CompareOp::Eq && matches!(value, CompValue::Null)
}

fn ordering_op(op: CompareOp) -> Option<SoqlOp> {
    Some(match op {
        CompareOp::Eq => SoqlOp::Eq,
        CompareOp::Ne => SoqlOp::Ne,
        CompareOp::Gt => SoqlOp::Gt,
        CompareOp::Ge => SoqlOp::Ge,
        CompareOp::Lt => SoqlOp::Lt,
        CompareOp::Le => SoqlOp::Le,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => return None,
    })
}

fn field(name: &str) -> Result<FieldName, ScimError> {
    FieldName::new(name).map_err(|e| ScimError::internal(format!("bad field name: {e}")))
}

/// "Strings in WHERE clauses can't exceed 4,000 characters" (SOQL reference, WHERE clause).
const MAX_FILTER_STRING_CHARS: usize = 4_000;

/// One comparison on one mapped field.
fn field_condition(
    field: FieldName,
    op: CompareOp,
    value: &CompValue,
    present: bool,
    attr: &AttrPath,
) -> Result<Condition, ScimError> {
    if present {
        return Ok(Condition::Compare {
            field,
            op: SoqlOp::Ne,
            value: SoqlValue::Null,
        });
    }
    // Mapped fields hold text (every mappable attribute is a string in RFC 7643; `active`, the
    // one boolean, is the disable field's), so an unquoted number (Entra's `externalId eq
    // 1234`) or boolean (`title eq true`) compares as its text: SOQL `Title = true` is refused
    // by Salesforce (INVALID_FIELD, "must be of type string").
    let text;
    let value = match value {
        CompValue::Number(n) => {
            text = CompValue::String(n.to_string());
            &text
        }
        CompValue::Bool(b) => {
            text = CompValue::String(b.to_string());
            &text
        }
        other => other,
    };
    // Salesforce refuses longer WHERE strings (MALFORMED_QUERY), and far longer ones make a
    // query URL no server reads (a transport failure, answered 503 and retried by IdPs).
    // A LIKE pattern's wildcards are part of the string: `co` adds two `%`, `sw` and `ew` one.
    if let CompValue::String(s) = value {
        let wildcards = match op {
            CompareOp::Co => 2,
            CompareOp::Sw | CompareOp::Ew => 1,
            _ => 0,
        };
        let longest = MAX_FILTER_STRING_CHARS - wildcards;
        if s.chars().count() > longest {
            let why = if wildcards == 0 {
                String::new()
            } else {
                format!(
                    " (with the {wildcards} '%' of '{}' it would exceed Salesforce's {MAX_FILTER_STRING_CHARS})",
                    op.as_str()
                )
            };
            return Err(ScimError::invalid_filter(format!(
                "the value compared with '{}' is longer than {longest} characters{why}, which Salesforce cannot query",
                display_path(attr)
            )));
        }
    }
    let literal = match value {
        CompValue::String(s) => SoqlValue::Str(s.clone()),
        CompValue::Bool(b) => SoqlValue::Bool(*b),
        CompValue::Number(n) => SoqlValue::Number(n.clone()),
        CompValue::Null => SoqlValue::Null,
    };
    match op {
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            let CompValue::String(s) = value else {
                return Err(ScimError::invalid_filter(format!(
                    "'{}' with '{}' needs a string value",
                    display_path(attr),
                    format!("{op:?}").to_ascii_lowercase()
                )));
            };
            let pattern = match op {
                CompareOp::Co => LikePattern::Contains(s.clone()),
                CompareOp::Sw => LikePattern::StartsWith(s.clone()),
                _ => LikePattern::EndsWith(s.clone()),
            };
            Ok(Condition::Like { field, pattern })
        }
        _ => {
            if matches!(literal, SoqlValue::Null) && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return Err(ScimError::invalid_filter(format!(
                    "'{}' cannot be ordered against null",
                    display_path(attr)
                )));
            }
            let op = ordering_op(op).unwrap_or(SoqlOp::Eq);
            Ok(Condition::Compare {
                field,
                op,
                value: literal,
            })
        }
    }
}

fn json_to_soql(v: &Value) -> SoqlValue {
    match v {
        Value::Bool(b) => SoqlValue::Bool(*b),
        Value::Number(n) => SoqlValue::Number(n.clone()),
        Value::String(s) => SoqlValue::Str(s.clone()),
        _ => SoqlValue::Null,
    }
}

fn display_path(attr: &AttrPath) -> String {
    let mut s = String::new();
    if let Some(u) = &attr.urn {
        s.push_str(u);
        s.push(':');
    }
    s.push_str(&attr.name);
    if let Some(sub) = &attr.sub_attr {
        s.push('.');
        s.push_str(sub);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::SObject;
    use crate::salesforce::soql::{render_where, Select};
    use crate::scim::filter::parse_filter;
    use crate::scim::ScimType;

    fn lead() -> Mapping {
        Mapping::defaults(SObject::Lead)
    }

    fn soql(m: &Mapping, f: &str) -> Option<String> {
        render_where(&m.to_condition(&parse_filter(f).unwrap()).unwrap())
    }

    #[test]
    fn pingones_mixed_case_username_filter_queries_the_indexed_key_field() {
        assert_eq!(
            soql(&lead(), r#"username Eq "jsmith@example.com""#).as_deref(),
            Some("SCIM_Key__c = 'jsmith@example.com'")
        );
    }

    #[test]
    fn emails_alone_and_a_work_value_filter_both_reach_the_email_field() {
        let m = lead();
        assert_eq!(
            soql(&m, r#"emails eq "a@b.c""#).as_deref(),
            Some("Email = 'a@b.c'")
        );
        let vp = soql(&m, r#"emails[type eq "work" and value co "@b.c"]"#).unwrap();
        assert!(vp.contains("Email LIKE '%@b.c%'"), "{vp}");
    }

    #[test]
    fn quotes_backslashes_and_wildcards_in_a_filter_stay_literal() {
        let out = soql(&lead(), r#"userName co "O'Br\\%_""#).unwrap();
        assert_eq!(out, r"SCIM_Key__c LIKE '%O\'Br\\\%\_%'");
    }

    #[test]
    fn an_unmapped_attribute_is_an_invalid_filter_that_names_it() {
        let err = lead()
            .to_condition(&parse_filter(r#"nickName eq "x""#).unwrap())
            .unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.detail.contains("nickName"), "{}", err.detail);
    }

    #[test]
    fn an_id_that_cannot_exist_matches_nothing_without_a_query() {
        let c = lead()
            .to_condition(&parse_filter(r#"id eq "0""#).unwrap())
            .unwrap();
        assert!(matches!(c.fold(), crate::salesforce::soql::Folded::False));
    }

    #[test]
    fn pingones_documented_email_co_filter_means_emails() {
        assert_eq!(
            soql(&lead(), r#"email Co "smith""#).as_deref(),
            Some("Email LIKE '%smith%'")
        );
    }

    #[test]
    fn an_unquoted_number_compares_as_text() {
        assert_eq!(
            soql(&lead(), "userName eq 1234").as_deref(),
            Some("SCIM_Key__c = '1234'")
        );
    }

    /// The SOQL `provisioning/list.rs` sends for a filter, checked by the emulator's parser
    /// (which refuses what Salesforce's grammar and limits refuse).
    fn emulator_parses(m: &Mapping, f: &str) -> Result<String, String> {
        let condition = m
            .to_condition(&parse_filter(f).unwrap())
            .map_err(|e| e.detail)?;
        let mut select = Select::new(m.object.name(), m.fields());
        select.filter = Some(condition);
        let text = select.to_soql();
        salesforce_emulator::soql::parse(&text)
            .map(|_| text)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_like_value_leaves_room_in_salesforces_4000_characters_for_its_wildcards() {
        let m = lead();
        for (op, longest) in [("eq", 4_000), ("co", 3_998), ("sw", 3_999), ("ew", 3_999)] {
            let at = format!(r#"userName {op} "{}""#, "_".repeat(longest));
            if let Err(e) = emulator_parses(&m, &at) {
                panic!("{op} with {longest} characters: {e}");
            }
            let over = format!(r#"userName {op} "{}""#, "_".repeat(longest + 1));
            let err = m.to_condition(&parse_filter(&over).unwrap()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidFilter), "{op}");
            assert!(err.detail.contains("4000"), "{op}: {}", err.detail);
        }
        // What the bridge used to send for `co` with 3,999 characters: one too many.
        let mut select = Select::new(m.object.name(), vec![FieldName::from_static("Id")]);
        select.filter = Some(Condition::Like {
            field: FieldName::from_static("Email"),
            pattern: LikePattern::Contains("_".repeat(3_999)),
        });
        let refused = salesforce_emulator::soql::parse(&select.to_soql()).unwrap_err();
        assert!(refused.message.contains("4,000"), "{refused}");
    }

    #[test]
    fn a_timestamp_whose_utc_year_has_no_four_digit_soql_form_is_refused_before_any_query() {
        for f in [
            r#"meta.created gt "0000-01-01T00:00:00+01:00""#,
            r#"meta.lastModified lt "9999-12-31T23:30:00-01:00""#,
        ] {
            let err = lead().to_condition(&parse_filter(f).unwrap()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidFilter), "{f}");
            assert!(err.detail.contains("year"), "{f}: {}", err.detail);
        }
        // What the bridge used to send for the first one: `-0001-12-31T23:00:00Z`.
        let at = DateTime::parse_from_rfc3339("0000-01-01T00:00:00+01:00")
            .unwrap()
            .with_timezone(&Utc);
        let mut select = Select::new(lead().object.name(), vec![FieldName::from_static("Id")]);
        select.filter = Some(Condition::Compare {
            field: FieldName::from_static("CreatedDate"),
            op: SoqlOp::Gt,
            value: SoqlValue::DateTime(at),
        });
        let text = select.to_soql();
        assert!(
            text.ends_with("CreatedDate > -0001-12-31T23:00:00Z"),
            "{text}"
        );
        assert!(salesforce_emulator::soql::parse(&text).is_err(), "{text}");
        // The first and last instants SOQL can write still query.
        for f in [
            r#"meta.created ge "0000-01-01T00:00:00Z""#,
            r#"meta.lastModified le "9999-12-31T23:59:59.999Z""#,
            r#"meta.lastModified le "9999-12-31T23:59:59+00:00""#,
        ] {
            if let Err(e) = emulator_parses(&lead(), f) {
                panic!("{f}: {e}");
            }
        }
    }

    #[test]
    fn active_filters_use_the_disable_field() {
        assert_eq!(
            soql(&lead(), "active eq false").as_deref(),
            Some("Status = 'Closed - Not Converted'")
        );
    }
}
