//! PATCH request parsing and normalisation (RFC 7644 §3.5.2).
//!
//! The output is a flat list of operations, each with at most one attribute as target, so the
//! layer that applies them never sees the many shapes clients send:
//! - `op` in any case (`Add`, `Replace`, `Remove` from Entra; `REPLACE`); `Operations` key in
//!   any case.
//! - A path-less `add`/`replace` (§3.5.2.1, §3.5.2.3: "the target location is assumed to be the
//!   resource itself") becomes one operation per key of its object value. Keys may be simple
//!   (`active`), dotted (`name.givenName`), URN-qualified
//!   (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`), value-filter paths,
//!   or a schema URN whose value is an object of that schema's attributes (Okta, Entra with
//!   `aadOptscim062020`).
//! - An object value for a complex, single-valued attribute (`"name": {"givenName": "A"}`, or a
//!   path `name` / `emails[type eq "work"]` with an object value) becomes one operation per
//!   sub-attribute (`name.givenName`): §3.5.2.1 and §3.5.2.3 say sub-attributes not given are
//!   left unchanged, which is exactly what per-sub-attribute operations do. Multi-valued
//!   attributes (`emails`, …) keep their value whole.
//! - Values stay JSON: `"False"` for `active` is converted later with
//!   [`super::values::coerce_bool`].
//!
//! RFC rules enforced here: `schemas`, when present, must list the PatchOp URN (a missing
//! `schemas` is tolerated because some templated clients omit it and the intent is unambiguous);
//! `Operations` must be a non-empty array (§3.5.2 "an array of one or more PATCH operations");
//! an unknown `op` is `invalidSyntax`; `remove` without `path` is `noTarget` (§3.5.2.2);
//! `add`/`replace` without `value` is `invalidValue` (§3.5.2.1 "MUST contain a value member");
//! a path that does not parse is `invalidPath`.

use std::fmt;

use serde_json::{Map, Value};

use super::discovery;
use super::error::ScimError;
use super::path::{parse_path, PatchPath};
use super::urn;
use super::values::get_ci;

/// The three PATCH operations of RFC 7644 §3.5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOpKind {
    Add,
    Replace,
    Remove,
}

impl PatchOpKind {
    /// Parses `op` in any case (`add`, `Add`, `ADD`).
    pub fn from_keyword(s: &str) -> Option<Self> {
        [Self::Add, Self::Replace, Self::Remove]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Lower-case keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
            Self::Remove => "remove",
        }
    }
}

impl fmt::Display for PatchOpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One normalised operation. `path` is `None` only for a path-less op whose value could not be
/// split (never produced by [`parse_patch`] for add/replace: those are always expanded).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// An object value for a multi-valued attribute is one element, not a set of sub-attributes.
/// `members` is the Group attribute (RFC 7643 §4.2); the rest come from the User definitions.
fn is_multi_valued(path: &PatchPath) -> bool {
    discovery::is_multi_valued(&path.attr_path())
        || (!path.is_enterprise() && path.attr.eq_ignore_ascii_case("members"))
}

/// Parses and normalises a PATCH body (RFC 7644 §3.5.2).
pub fn parse_patch(body: &Value) -> Result<Vec<PatchOperation>, ScimError> {
    let Some(obj) = body.as_object() else {
        return Err(ScimError::invalid_syntax(
            "a PATCH body must be a JSON object with \"schemas\" and \"Operations\" (RFC 7644 §3.5.2)",
        ));
    };
    check_schemas(obj, urn::PATCH_OP, "PATCH")?;
    let ops = match get_ci(obj, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        Some(Value::Array(_)) => {
            return Err(ScimError::invalid_syntax(
                "\"Operations\" must hold one or more operations (RFC 7644 §3.5.2)",
            ))
        }
        Some(_) => {
            return Err(ScimError::invalid_syntax(
                "\"Operations\" must be an array of operations (RFC 7644 §3.5.2)",
            ))
        }
        None => {
            return Err(ScimError::invalid_syntax(
                "the PATCH body has no \"Operations\" array (RFC 7644 §3.5.2)",
            ))
        }
    };
    let mut out = Vec::new();
    for (i, raw) in ops.iter().enumerate() {
        parse_one(i + 1, raw, &mut out)?;
    }
    Ok(out)
}

/// `schemas`, when present, must list `expected` (compared case-insensitively, RFC 7643 §2.1).
/// A single string instead of an array is tolerated.
pub(crate) fn check_schemas(
    obj: &Map<String, Value>,
    expected: &str,
    what: &str,
) -> Result<(), ScimError> {
    let listed = match get_ci(obj, "schemas") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::String(s)) => s.eq_ignore_ascii_case(expected),
        Some(Value::Array(items)) => items
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(expected))),
        Some(_) => false,
    };
    if listed {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "a {what} request's \"schemas\" must contain \"{expected}\""
        )))
    }
}

fn parse_one(n: usize, raw: &Value, out: &mut Vec<PatchOperation>) -> Result<(), ScimError> {
    let Some(obj) = raw.as_object() else {
        return Err(ScimError::invalid_syntax(format!(
            "operation {n} is not a JSON object"
        )));
    };
    let op = match get_ci(obj, "op") {
        Some(Value::String(s)) => PatchOpKind::from_keyword(s).ok_or_else(|| {
            ScimError::invalid_syntax(format!(
                "operation {n} has an unknown op '{s}' (expected add, replace or remove)"
            ))
        })?,
        Some(other) => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n} has an op that is not a string: {other}"
            )))
        }
        None => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n} has no \"op\" (expected add, replace or remove)"
            )))
        }
    };
    // A null or empty path is treated as absent: templated clients (OneLogin) emit both.
    let path = match get_ci(obj, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim()),
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "operation {n}: \"path\" must be a string, found {other}"
            )))
        }
    };
    let value = get_ci(obj, "value").cloned();
    let ctx = |e: ScimError| ScimError {
        detail: format!("operation {n} ({op}): {}", e.detail),
        ..e
    };

    match (op, path, value) {
        // §3.5.2.2: "If "path" is unspecified, the operation fails with HTTP status code 400
        // and a "scimType" error code of "noTarget"."
        (PatchOpKind::Remove, None, _) => Err(ScimError::no_target(format!(
            "operation {n} (remove) has no \"path\" (RFC 7644 §3.5.2.2)"
        ))),
        (PatchOpKind::Remove, Some(p), _) if urn::is_known_schema(p) => {
            // A whole schema (`urn:…:enterprise:2.0:User`): every attribute of it is removed.
            out.push(PatchOperation {
                op,
                path: Some(PatchPath::schema(p)),
                value: None,
            });
            Ok(())
        }
        (PatchOpKind::Remove, Some(p), value) => {
            // `value` is kept: Entra removes group members with a value list.
            let path = parse_path(p).map_err(ctx)?;
            out.push(PatchOperation {
                op,
                path: Some(path),
                value,
            });
            Ok(())
        }
        (_, _, None) => Err(ScimError::invalid_value(format!(
            "operation {n} ({op}) has no \"value\" (RFC 7644 §3.5.2.1, §3.5.2.3)"
        ))),
        (_, None, Some(Value::Object(map))) => expand_resource(op, &map, out).map_err(ctx),
        (_, None, Some(other)) => Err(ScimError::invalid_value(format!(
            "operation {n} ({op}) has no \"path\", so its value must be an object of attributes, found {}",
            json_kind(&other)
        ))),
        (_, Some(p), Some(value)) => expand_keyed(op, p, value, out).map_err(ctx),
    }
}

/// A path-less value: one operation per key (§3.5.2.1, §3.5.2.3).
fn expand_resource(
    op: PatchOpKind,
    map: &Map<String, Value>,
    out: &mut Vec<PatchOperation>,
) -> Result<(), ScimError> {
    for (key, value) in map {
        // `schemas` inside a path-less value restates the resource's schemas; it is not an
        // attribute to change.
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        expand_keyed(op, key, value.clone(), out).map_err(|e| ScimError {
            detail: format!("in the key '{key}': {}", e.detail),
            ..e
        })?;
    }
    Ok(())
}

/// One target (a path or a path-less key) with its value.
fn expand_keyed(
    op: PatchOpKind,
    key: &str,
    value: Value,
    out: &mut Vec<PatchOperation>,
) -> Result<(), ScimError> {
    if urn::is_known_schema(key) {
        // `"urn:…:enterprise:2.0:User": {"department": "x"}` names attributes of that schema.
        let Value::Object(attrs) = value else {
            return Err(ScimError::invalid_value(format!(
                "the value of the schema '{key}' must be an object of its attributes, found {}",
                json_kind(&value)
            )));
        };
        let core = urn::is_core(key);
        for (attr, v) in attrs {
            let qualified = if core {
                attr.clone()
            } else {
                format!("{key}:{attr}")
            };
            let path = parse_path(&qualified)?;
            push_expanded(op, path, v, out)?;
        }
        return Ok(());
    }
    let path = parse_path(key)?;
    push_expanded(op, path, value, out)
}

/// Splits an object value aimed at a complex attribute into per-sub-attribute operations.
fn push_expanded(
    op: PatchOpKind,
    path: PatchPath,
    value: Value,
    out: &mut Vec<PatchOperation>,
) -> Result<(), ScimError> {
    let splittable = path.sub_attr.is_none() && (path.filter.is_some() || !is_multi_valued(&path));
    match value {
        Value::Object(map) if splittable => {
            for (sub, v) in map {
                let mut sub_path = path.clone();
                let sub_text = format!("{}.{sub}", path.attr);
                // Validate the sub-attribute name with the path grammar.
                let parsed = parse_path(&sub_text)?;
                sub_path.sub_attr = parsed.sub_attr;
                out.push(PatchOperation {
                    op,
                    path: Some(sub_path),
                    value: Some(v),
                });
            }
            Ok(())
        }
        value => {
            out.push(PatchOperation {
                op,
                path: Some(path),
                value: Some(value),
            });
            Ok(())
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ScimType;
    use serde_json::json;

    fn ops(body: Value) -> Vec<PatchOperation> {
        parse_patch(&body).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    fn fail(body: Value) -> ScimError {
        parse_patch(&body).expect_err("should fail")
    }

    fn body(operations: Value) -> Value {
        json!({"schemas": [urn::PATCH_OP], "Operations": operations})
    }

    /// (op, path as text, value) for compact assertions.
    fn flat(list: &[PatchOperation]) -> Vec<(PatchOpKind, String, Option<Value>)> {
        list.iter()
            .map(|o| {
                (
                    o.op,
                    o.path.as_ref().map(ToString::to_string).unwrap_or_default(),
                    o.value.clone(),
                )
            })
            .collect()
    }

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn an_entra_disable_with_capitalised_op_and_a_string_boolean_parses() {
        let got = ops(body(
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        ));
        assert_eq!(
            flat(&got),
            vec![(PatchOpKind::Replace, "active".into(), Some(json!("False")))]
        );
        assert_eq!(
            crate::scim::values::coerce_bool(got[0].value.as_ref().unwrap()),
            Some(false)
        );
    }

    #[test]
    fn a_typical_entra_update_with_several_capitalised_ops_parses_in_order() {
        let got = ops(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Replace", "path": "displayName", "value": "Ada L"},
                {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ada@example.com"},
                {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"},
                {"op": "Replace", "path": "addresses[type eq \"work\"].postalCode", "value": "75001"},
                {"op": "Add", "path": format!("{ENT}:department"), "value": "R&D"},
                {"op": "Remove", "path": "title"}
            ]
        }));
        let paths: Vec<String> = flat(&got).into_iter().map(|(_, p, _)| p).collect();
        assert_eq!(
            paths,
            vec![
                "displayName".to_string(),
                r#"emails[type eq "work"].value"#.into(),
                r#"phoneNumbers[type eq "mobile"].value"#.into(),
                r#"addresses[type eq "work"].postalCode"#.into(),
                format!("{ENT}:department"),
                "title".into(),
            ]
        );
        assert_eq!(got[5].op, PatchOpKind::Remove);
    }

    #[test]
    fn op_keywords_are_case_insensitive() {
        for (kw, kind) in [
            ("add", PatchOpKind::Add),
            ("Add", PatchOpKind::Add),
            ("REPLACE", PatchOpKind::Replace),
            ("Remove", PatchOpKind::Remove),
        ] {
            let got = ops(body(json!([{"op": kw, "path": "title", "value": "x"}])));
            assert_eq!(got[0].op, kind, "{kw}");
        }
    }

    #[test]
    fn the_operations_key_and_op_keys_are_found_in_any_case() {
        let got = ops(json!({
            "schemas": [urn::PATCH_OP],
            "operations": [{"OP": "replace", "Path": "title", "Value": "CTO"}]
        }));
        assert_eq!(
            flat(&got),
            vec![(PatchOpKind::Replace, "title".into(), Some(json!("CTO")))]
        );
    }

    #[test]
    fn an_unknown_op_is_invalid_syntax_naming_it() {
        let e = fail(body(json!([{"op": "move", "path": "title", "value": "x"}])));
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        assert!(e.detail.contains("'move'"), "{}", e.detail);
        let e = fail(body(json!([{"path": "title", "value": "x"}])));
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn remove_without_a_path_is_no_target() {
        let e = fail(body(json!([{"op": "remove"}])));
        assert_eq!(e.scim_type, Some(ScimType::NoTarget));
        assert_eq!(e.status, 400);
    }

    #[test]
    fn remove_keeps_its_value_for_member_removal() {
        let got = ops(body(
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
        ));
        assert_eq!(got[0].value, Some(json!([{"value": "u1"}])));
        let plain = ops(body(json!([{"op": "remove", "path": "title"}])));
        assert_eq!(plain[0].value, None);
    }

    #[test]
    fn add_or_replace_without_a_value_is_invalid_value() {
        for op in ["add", "replace"] {
            let e = fail(body(json!([{"op": op, "path": "title"}])));
            assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{op}");
        }
        // An explicit null is a value (it clears the attribute, RFC 7643 §2.5).
        let got = ops(body(
            json!([{"op": "replace", "path": "title", "value": null}]),
        ));
        assert_eq!(got[0].value, Some(Value::Null));
    }

    #[test]
    fn schemas_without_the_patch_op_urn_is_invalid_syntax() {
        let e = fail(
            json!({"schemas": [urn::LIST_RESPONSE], "Operations": [{"op": "remove", "path": "title"}]}),
        );
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        assert!(e.detail.contains(urn::PATCH_OP));
    }

    #[test]
    fn a_missing_schemas_member_is_tolerated() {
        let got = ops(json!({"Operations": [{"op": "remove", "path": "title"}]}));
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn a_body_without_operations_or_with_an_empty_list_is_invalid_syntax() {
        for b in [
            json!({"schemas": [urn::PATCH_OP]}),
            json!({"schemas": [urn::PATCH_OP], "Operations": []}),
            json!({"schemas": [urn::PATCH_OP], "Operations": {"op": "add"}}),
            json!([1]),
            json!({"Operations": ["add"]}),
        ] {
            assert_eq!(fail(b).scim_type, Some(ScimType::InvalidSyntax));
        }
    }

    #[test]
    fn an_okta_path_less_deactivation_becomes_one_replace_of_active() {
        let got = ops(body(json!([{"op": "replace", "value": {"active": false}}])));
        assert_eq!(
            flat(&got),
            vec![(PatchOpKind::Replace, "active".into(), Some(json!(false)))]
        );
    }

    #[test]
    fn a_path_less_replace_with_dotted_and_urn_keys_becomes_one_op_per_key() {
        let got = ops(body(json!([{"op": "replace", "value": {
            "name.givenName": "A",
            "active": false,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
            "emails[type eq \"work\"].value": "a@b.c"
        }}])));
        let mut f = flat(&got);
        f.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            f,
            vec![
                (PatchOpKind::Replace, "active".into(), Some(json!(false))),
                (
                    PatchOpKind::Replace,
                    r#"emails[type eq "work"].value"#.into(),
                    Some(json!("a@b.c"))
                ),
                (
                    PatchOpKind::Replace,
                    "name.givenName".into(),
                    Some(json!("A"))
                ),
                (
                    PatchOpKind::Replace,
                    format!("{ENT}:department"),
                    Some(json!("Sales"))
                ),
            ]
        );
        let given = got
            .iter()
            .find(|o| o.path.as_ref().is_some_and(|p| p.attr == "name"))
            .unwrap();
        assert_eq!(
            given.path.as_ref().unwrap().sub_attr.as_deref(),
            Some("givenName")
        );
    }

    #[test]
    fn a_path_less_extension_object_becomes_urn_qualified_ops_and_manager_object_splits() {
        let got = ops(body(json!([{"op": "add", "value": {
            ENT: {"department": "x", "manager": {"value": "y"}}
        }}])));
        let mut f = flat(&got);
        f.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            f,
            vec![
                (
                    PatchOpKind::Add,
                    format!("{ENT}:department"),
                    Some(json!("x"))
                ),
                (
                    PatchOpKind::Add,
                    format!("{ENT}:manager.value"),
                    Some(json!("y"))
                ),
            ]
        );
        assert!(got.iter().all(|o| o.path.as_ref().unwrap().is_enterprise()));
    }

    #[test]
    fn a_manager_given_as_a_plain_string_is_kept_whole() {
        let got = ops(body(
            json!([{"op": "Replace", "path": format!("{ENT}:manager"), "value": "m-1"}]),
        ));
        assert_eq!(
            flat(&got),
            vec![(
                PatchOpKind::Replace,
                format!("{ENT}:manager"),
                Some(json!("m-1"))
            )]
        );
    }

    #[test]
    fn a_complex_value_becomes_one_op_per_sub_attribute_leaving_others_unchanged() {
        let got = ops(body(
            json!([{"op": "replace", "value": {"name": {"givenName": "A", "familyName": "B"}}}]),
        ));
        let mut f = flat(&got);
        f.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            f,
            vec![
                (
                    PatchOpKind::Replace,
                    "name.familyName".into(),
                    Some(json!("B"))
                ),
                (
                    PatchOpKind::Replace,
                    "name.givenName".into(),
                    Some(json!("A"))
                ),
            ]
        );
    }

    #[test]
    fn a_path_to_a_complex_attribute_with_an_object_value_is_expanded_the_same_way() {
        let got = ops(body(
            json!([{"op": "replace", "path": "name", "value": {"givenName": "A"}}]),
        ));
        assert_eq!(
            flat(&got),
            vec![(
                PatchOpKind::Replace,
                "name.givenName".into(),
                Some(json!("A"))
            )]
        );
        let filtered = ops(body(
            json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "a@b.c"}}]),
        ));
        assert_eq!(
            flat(&filtered),
            vec![(
                PatchOpKind::Replace,
                r#"emails[type eq "work"].value"#.into(),
                Some(json!("a@b.c"))
            )]
        );
    }

    #[test]
    fn a_multi_valued_attribute_value_is_kept_whole() {
        let emails = json!([{"type": "work", "value": "a@b.c", "primary": true}]);
        let got = ops(body(
            json!([{"op": "add", "path": "emails", "value": emails.clone()}]),
        ));
        assert_eq!(
            flat(&got),
            vec![(PatchOpKind::Add, "emails".into(), Some(emails))]
        );
        let one = json!({"type": "work", "value": "a@b.c"});
        let got = ops(body(
            json!([{"op": "add", "path": "emails", "value": one.clone()}]),
        ));
        assert_eq!(
            flat(&got),
            vec![(PatchOpKind::Add, "emails".into(), Some(one))]
        );
    }

    #[test]
    fn a_schemas_key_inside_a_path_less_value_is_ignored() {
        let got = ops(body(
            json!([{"op": "replace", "value": {"schemas": [urn::USER_SCHEMA], "title": "x"}}]),
        ));
        assert_eq!(
            flat(&got),
            vec![(PatchOpKind::Replace, "title".into(), Some(json!("x")))]
        );
    }

    #[test]
    fn a_path_less_core_schema_object_names_top_level_attributes() {
        let got = ops(body(
            json!([{"op": "replace", "value": {urn::USER_SCHEMA: {"title": "x"}}}]),
        ));
        assert_eq!(
            flat(&got),
            vec![(PatchOpKind::Replace, "title".into(), Some(json!("x")))]
        );
    }

    #[test]
    fn a_path_less_value_that_is_not_an_object_is_invalid_value() {
        let e = fail(body(json!([{"op": "replace", "value": "x"}])));
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn a_bad_path_is_invalid_path_with_the_reason() {
        let e = fail(body(
            json!([{"op": "replace", "path": "emails[type eq]", "value": "x"}]),
        ));
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
        assert!(e.detail.contains("operation 1 (replace)"), "{}", e.detail);
        assert!(e.detail.contains("expected a value"), "{}", e.detail);
        let e = fail(body(json!([{"op": "replace", "value": {"bad key!": 1}}])));
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
        assert!(e.detail.contains("bad key!"), "{}", e.detail);
        let e = fail(body(json!([{"op": "replace", "path": 5, "value": 1}])));
        assert_eq!(e.scim_type, Some(ScimType::InvalidPath));
    }

    #[test]
    fn a_null_or_empty_path_is_treated_as_path_less() {
        let got = ops(body(
            json!([{"op": "replace", "path": null, "value": {"active": "true"}}]),
        ));
        assert_eq!(
            flat(&got),
            vec![(PatchOpKind::Replace, "active".into(), Some(json!("true")))]
        );
        let got = ops(body(
            json!([{"op": "replace", "path": "", "value": {"title": "x"}}]),
        ));
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn operations_keep_their_order() {
        let got = ops(body(json!([
            {"op": "add", "path": "title", "value": "a"},
            {"op": "remove", "path": "title"},
            {"op": "replace", "path": "displayName", "value": "b"}
        ])));
        let kinds: Vec<_> = got.iter().map(|o| o.op).collect();
        assert_eq!(
            kinds,
            vec![PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace]
        );
    }
}
