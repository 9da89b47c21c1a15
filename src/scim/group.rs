//! Group resources (RFC 7643 §4.2): the body of a POST or PUT read into a [`GroupInput`], a
//! PATCH's normalised operations ([`super::patch`]) reduced to a [`GroupPatch`], and the
//! membership change a patch makes as a pure function ([`GroupPatch::members_after`]).
//!
//! Every client dialect ends in the same few changes:
//! - Entra ID: `{"op":"Add","path":"members","value":[{"value":"…"}]}`, `Remove` with the same
//!   value list, or (with `aadOptscim062020`) `remove` with `path: members[value eq "…"]`;
//!   `Replace` of `displayName`.
//! - Okta: `replace` without a path whose value restates `id` and `displayName`, and
//!   `add`/`remove` of `members`, also with `members[value eq "…"]`.
//! - PingOne: `add`/`remove` of `members` value lists and `replace` of `members`.
//! - PUT: the whole member list, replacing what is there (RFC 7644 §3.5.1).
//!
//! Members are Users only: a member with `type` other than `User` is refused (this bridge does
//! not nest groups, since a Campaign's members are Contacts and Leads).

use serde_json::{json, Map, Value};

use super::error::ScimError;
use super::filter::{CompValue, CompareOp, Filter};
use super::patch::{check_schemas, PatchOpKind, PatchOperation};
use super::urn;
use super::values::get_ci;

/// A Group as a POST or PUT gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    /// Member ids (User ids), without repeats, in the order given.
    pub members: Vec<String>,
}

/// A member change, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    Add(Vec<String>),
    Remove(Vec<String>),
    /// `remove` of `members` with neither a value nor a filter (RFC 7644 §3.5.2.2).
    RemoveAll,
    Replace(Vec<String>),
}

/// What a PATCH changes on a Group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupPatch {
    pub display_name: Option<String>,
    /// `Some(None)` clears `externalId`.
    pub external_id: Option<Option<String>>,
    pub members: Vec<MemberChange>,
}

/// The membership after a patch, as far as it can be known without reading the Group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Members {
    /// Exactly these (a replace, or a remove of all, came first): the current members must be
    /// read to find what to add and remove.
    Exactly(Vec<String>),
    /// These added and those removed, whoever else is a member.
    Delta {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

fn push_unique(out: &mut Vec<String>, id: &str) {
    if !out.iter().any(|x| x == id) {
        out.push(id.to_string());
    }
}

impl GroupPatch {
    /// The net membership change of [`Self::members`], applied in order.
    pub fn members_after(&self) -> Members {
        let start = self
            .members
            .iter()
            .rposition(|c| matches!(c, MemberChange::RemoveAll | MemberChange::Replace(_)));
        match start {
            Some(i) => {
                let mut set = match &self.members[i] {
                    MemberChange::Replace(ids) => ids.clone(),
                    _ => Vec::new(),
                };
                for change in &self.members[i + 1..] {
                    match change {
                        MemberChange::Add(ids) => {
                            ids.iter().for_each(|id| push_unique(&mut set, id))
                        }
                        MemberChange::Remove(ids) => set.retain(|x| !ids.contains(x)),
                        MemberChange::RemoveAll | MemberChange::Replace(_) => {}
                    }
                }
                Members::Exactly(set)
            }
            None => {
                let (mut add, mut remove) = (Vec::new(), Vec::new());
                for change in &self.members {
                    match change {
                        MemberChange::Add(ids) => {
                            for id in ids {
                                remove.retain(|x| x != id);
                                push_unique(&mut add, id);
                            }
                        }
                        MemberChange::Remove(ids) => {
                            for id in ids {
                                add.retain(|x| x != id);
                                push_unique(&mut remove, id);
                            }
                        }
                        MemberChange::RemoveAll | MemberChange::Replace(_) => {}
                    }
                }
                Members::Delta { add, remove }
            }
        }
    }
}

/// The member ids of a `members` value: an array of `{"value": "…"}` (or one such object).
pub fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        Value::Null => Vec::new(),
        _ => {
            return Err(ScimError::invalid_value(
                "\"members\" must be an array of objects such as {\"value\": \"<User id>\"} (RFC 7643 §4.2)",
            ))
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let Some(obj) = item.as_object() else {
            return Err(ScimError::invalid_value(format!(
                "member {} is not an object; write {{\"value\": \"<User id>\"}} (RFC 7643 §4.2)",
                i + 1
            )));
        };
        if let Some(t) = get_ci(obj, "type").and_then(Value::as_str) {
            if !t.eq_ignore_ascii_case("User") {
                return Err(ScimError::invalid_value(format!(
                    "member {} has type '{t}': members here are Users (a Campaign's members are people, so groups do not nest)",
                    i + 1
                )));
            }
        }
        match get_ci(obj, "value") {
            Some(Value::String(s)) if !s.trim().is_empty() => push_unique(&mut out, s.trim()),
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "member {} has no \"value\" (the User's id, RFC 7643 §4.2)",
                    i + 1
                )))
            }
        }
    }
    Ok(out)
}

fn optional_text(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, ScimError> {
    match get_ci(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ScimError::invalid_value(format!(
            "\"{name}\" must be a string, found {other}"
        ))),
    }
}

fn display_name(value: Option<&Value>) -> Result<String, ScimError> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(ScimError::invalid_value(
            "a Group needs a \"displayName\" (RFC 7643 §4.2); it names the Campaign",
        )),
        Some(other) => Err(ScimError::invalid_value(format!(
            "\"displayName\" must be a string, found {other}"
        ))),
    }
}

/// Reads a POST or PUT body (RFC 7644 §3.3, §3.5.1).
pub fn parse_group(body: &Value) -> Result<GroupInput, ScimError> {
    let Some(obj) = body.as_object() else {
        return Err(ScimError::invalid_syntax(
            "a Group must be a JSON object (RFC 7643 §4.2)",
        ));
    };
    check_schemas(obj, urn::GROUP_SCHEMA, "Group")?;
    Ok(GroupInput {
        display_name: display_name(get_ci(obj, "displayName"))?,
        external_id: optional_text(obj, "externalId")?,
        members: match get_ci(obj, "members") {
            Some(v) => member_ids(v)?,
            None => Vec::new(),
        },
    })
}

/// The ids a `members[…]` filter selects: `value eq "…"`, alone or joined with `or`.
fn filtered_ids(filter: &Filter, out: &mut Vec<String>) -> Result<(), ScimError> {
    match filter {
        Filter::Or(a, b) => {
            filtered_ids(a, out)?;
            filtered_ids(b, out)
        }
        Filter::Compare {
            attr,
            op: CompareOp::Eq,
            value: CompValue::String(v),
        } if attr.name.eq_ignore_ascii_case("value") && attr.sub_attr.is_none() => {
            push_unique(out, v.trim());
            Ok(())
        }
        other => Err(ScimError::invalid_path(format!(
            "members[{other}] is not supported: select members with members[value eq \"<User id>\"]"
        ))),
    }
}

/// Reduces a PATCH (already normalised by [`super::patch::parse_patch`]) on the Group `id`.
pub fn group_patch(ops: &[PatchOperation], id: &str) -> Result<GroupPatch, ScimError> {
    let mut out = GroupPatch::default();
    for op in ops {
        let Some(path) = &op.path else {
            return Err(ScimError::no_target(
                "a Group PATCH operation has no target",
            ));
        };
        if path.urn.as_deref().is_some_and(|u| !urn::is_core(u)) || path.is_schema() {
            return Err(ScimError::invalid_path(format!(
                "'{path}' is not a Group attribute (displayName, externalId, members)"
            )));
        }
        let attr = path.attr.as_str();
        let is = |name: &str| attr.eq_ignore_ascii_case(name);
        if is("members") {
            if path.sub_attr.is_some() {
                return Err(ScimError::invalid_path(format!(
                    "'{path}': change members as a whole, e.g. {{\"op\":\"add\",\"path\":\"members\",\"value\":[{{\"value\":\"<User id>\"}}]}}"
                )));
            }
            let change = match (op.op, &path.filter, &op.value) {
                (PatchOpKind::Remove, Some(f), _) => {
                    let mut ids = Vec::new();
                    filtered_ids(f, &mut ids)?;
                    MemberChange::Remove(ids)
                }
                (_, Some(_), _) => {
                    return Err(ScimError::invalid_path(format!(
                        "'{path}': a member filter only selects members to remove; add members with path \"members\""
                    )))
                }
                // No value (or null, which RFC 7643 §2.5 reads as unassigned) removes them all
                // (RFC 7644 §3.5.2.2). An empty list names no one and removes no one: a client
                // sending an empty difference must not empty the Campaign.
                (PatchOpKind::Remove, None, None | Some(Value::Null)) => MemberChange::RemoveAll,
                (PatchOpKind::Remove, None, Some(v)) => MemberChange::Remove(member_ids(v)?),
                (PatchOpKind::Add, None, Some(v)) => MemberChange::Add(member_ids(v)?),
                (PatchOpKind::Replace, None, Some(v)) => MemberChange::Replace(member_ids(v)?),
                (_, None, None) => {
                    return Err(ScimError::invalid_value(format!(
                        "operation {} of members has no value",
                        op.op
                    )))
                }
            };
            out.members.push(change);
        } else if is("displayName") {
            if op.op == PatchOpKind::Remove {
                return Err(ScimError::mutability(
                    "displayName cannot be removed: a Group needs one (RFC 7643 §4.2)",
                ));
            }
            out.display_name = Some(display_name(op.value.as_ref())?);
        } else if is("externalId") {
            out.external_id = Some(match op.op {
                PatchOpKind::Remove => None,
                _ => match &op.value {
                    Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                    Some(Value::String(_)) | Some(Value::Null) | None => None,
                    Some(other) => {
                        return Err(ScimError::invalid_value(format!(
                            "\"externalId\" must be a string, found {other}"
                        )))
                    }
                },
            });
        } else if is("id") {
            // Okta restates the id in a path-less replace; it cannot change (RFC 7643 §3.1).
            let same = op.value.as_ref().and_then(Value::as_str) == Some(id);
            if !same {
                return Err(ScimError::mutability(
                    "a Group's id cannot change (RFC 7643 §3.1)",
                ));
            }
        } else if is("meta") || is("schemas") {
            // Restated by some clients in a path-less replace; not attributes to change.
        } else {
            return Err(ScimError::invalid_path(format!(
                "'{path}' is not a Group attribute here (displayName, externalId, members)"
            )));
        }
    }
    Ok(out)
}

/// The Group schema resource (RFC 7643 §8.7.1), with `externalId` when it is stored.
pub fn group_schema(external_id: bool) -> Value {
    let mut attributes = vec![json!({
        "name": "displayName", "type": "string", "multiValued": false,
        "description": "A human-readable name for the Group; the Campaign's name.",
        "required": true, "caseExact": false, "mutability": "readWrite",
        "returned": "default", "uniqueness": "server"
    })];
    if external_id {
        attributes.push(json!({
            "name": "externalId", "type": "string", "multiValued": false,
            "description": "An identifier for the Group as defined by the provisioning client.",
            "required": false, "caseExact": true, "mutability": "readWrite",
            "returned": "default", "uniqueness": "none"
        }));
    }
    attributes.push(json!({
        "name": "members", "type": "complex", "multiValued": true,
        "description": "The Users in the Group: the Campaign's members.",
        "required": false, "caseExact": false, "mutability": "readWrite",
        "returned": "default", "uniqueness": "none",
        "subAttributes": [
            {"name": "value", "type": "string", "multiValued": false,
             "description": "The id of a User of this connection.", "required": false,
             "caseExact": false, "mutability": "immutable", "returned": "default",
             "uniqueness": "none"},
            {"name": "$ref", "type": "reference", "referenceTypes": ["User", "Group"],
             "multiValued": false, "description": "The URI of the member User.",
             "required": false, "caseExact": false, "mutability": "immutable",
             "returned": "default", "uniqueness": "none"},
            {"name": "type", "type": "string", "multiValued": false,
             "description": "The type of the member: User.", "required": false,
             "caseExact": false, "canonicalValues": ["User", "Group"], "mutability": "immutable",
             "returned": "default", "uniqueness": "none"}
        ]
    }));
    json!({
        "schemas": [urn::SCHEMA],
        "id": urn::GROUP_SCHEMA,
        "name": "Group",
        "description": "Group",
        "attributes": attributes,
    })
}

/// Whether a response shaped by `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) shows
/// `members`: when it does not, the members are not read at all.
pub fn wants_members(attributes: &[String], excluded: &[String]) -> bool {
    let names_members = |a: &String| {
        let a = a.trim();
        let a = a
            .get(..urn::GROUP_SCHEMA.len() + 1)
            .filter(|p| p.eq_ignore_ascii_case(&format!("{}:", urn::GROUP_SCHEMA)))
            .map_or(a, |_| &a[urn::GROUP_SCHEMA.len() + 1..]);
        a.eq_ignore_ascii_case("members")
            || a.get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("members."))
    };
    if !attributes.is_empty() {
        return attributes.iter().any(names_members);
    }
    !excluded.iter().any(|a| {
        a.trim().eq_ignore_ascii_case("members")
            || a.trim()
                .eq_ignore_ascii_case(&format!("{}:members", urn::GROUP_SCHEMA))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::patch::parse_patch;

    fn patch(body: Value) -> Result<GroupPatch, ScimError> {
        group_patch(&parse_patch(&body)?, "701000000000001AAA")
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_post_body_gives_name_external_id_and_members_without_repeats() {
        let g = parse_group(&json!({
            "schemas": [urn::GROUP_SCHEMA],
            "displayName": " Beta Testers ",
            "externalId": "e-1",
            "members": [{"value": "003A"}, {"value": "003B", "type": "User"}, {"value": "003A"}]
        }))
        .unwrap();
        assert_eq!(g.display_name, "Beta Testers");
        assert_eq!(g.external_id.as_deref(), Some("e-1"));
        assert_eq!(g.members, ids(&["003A", "003B"]));
    }

    #[test]
    fn a_group_without_a_name_or_with_a_group_member_is_refused() {
        let e = parse_group(&json!({"members": []})).unwrap_err();
        assert_eq!(
            (e.status, e.scim_type.map(|t| t.as_str())),
            (400, Some("invalidValue"))
        );
        let e = parse_group(
            &json!({"displayName": "x", "members": [{"value": "701A", "type": "Group"}]}),
        )
        .unwrap_err();
        assert!(e.detail.contains("groups do not nest"), "{}", e.detail);
        let e =
            parse_group(&json!({"displayName": "x", "members": [{"display": "Ada"}]})).unwrap_err();
        assert!(
            e.detail.contains("member 1 has no \"value\""),
            "{}",
            e.detail
        );
    }

    #[test]
    fn entra_adds_and_removes_members_with_value_lists() {
        let p = patch(json!({"schemas": [urn::PATCH_OP], "Operations": [
            {"op": "Add", "path": "members", "value": [{"value": "003A"}, {"value": "003B"}]},
            {"op": "Remove", "path": "members", "value": [{"value": "003C"}]}
        ]}))
        .unwrap();
        assert_eq!(
            p.members_after(),
            Members::Delta {
                add: ids(&["003A", "003B"]),
                remove: ids(&["003C"])
            }
        );
    }

    #[test]
    fn a_member_filter_removes_the_members_it_names() {
        let p = patch(json!({"Operations": [
            {"op": "remove", "path": "members[value eq \"003A\" or value eq \"003B\"]"}
        ]}))
        .unwrap();
        assert_eq!(
            p.members,
            vec![MemberChange::Remove(ids(&["003A", "003B"]))]
        );
        let e =
            patch(json!({"Operations": [{"op": "remove", "path": "members[display eq \"Ada\"]"}]}))
                .unwrap_err();
        assert_eq!(e.scim_type.map(|t| t.as_str()), Some("invalidPath"));
    }

    #[test]
    fn okta_restates_the_id_in_a_pathless_replace_and_that_is_fine() {
        let p = patch(json!({"Operations": [{"op": "replace", "value": {
            "id": "701000000000001AAA", "displayName": "Renamed"}}]}))
        .unwrap();
        assert_eq!(p.display_name.as_deref(), Some("Renamed"));
        let e = patch(json!({"Operations": [{"op": "replace", "value": {"id": "701OTHER"}}]}))
            .unwrap_err();
        assert_eq!(e.scim_type.map(|t| t.as_str()), Some("mutability"));
    }

    #[test]
    fn a_replace_of_members_is_exact_and_later_changes_apply_to_it() {
        let p = patch(json!({"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "003X"}]},
            {"op": "replace", "path": "members", "value": [{"value": "003A"}, {"value": "003B"}]},
            {"op": "remove", "path": "members[value eq \"003B\"]"},
            {"op": "add", "path": "members", "value": [{"value": "003C"}]}
        ]}))
        .unwrap();
        assert_eq!(p.members_after(), Members::Exactly(ids(&["003A", "003C"])));
        let all = patch(json!({"Operations": [{"op": "remove", "path": "members"}]})).unwrap();
        assert_eq!(all.members_after(), Members::Exactly(Vec::new()));
    }

    #[test]
    fn a_remove_of_an_empty_list_removes_no_one_and_a_null_value_removes_everyone() {
        let none = patch(json!({"Operations": [
            {"op": "remove", "path": "members", "value": []}
        ]}))
        .unwrap();
        assert_eq!(
            none.members_after(),
            Members::Delta {
                add: vec![],
                remove: vec![]
            }
        );
        let all = patch(json!({"Operations": [
            {"op": "remove", "path": "members", "value": null}
        ]}))
        .unwrap();
        assert_eq!(all.members_after(), Members::Exactly(Vec::new()));
    }

    #[test]
    fn a_member_added_then_removed_is_neither() {
        let p = patch(json!({"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "003A"}]},
            {"op": "remove", "path": "members", "value": [{"value": "003A"}]}
        ]}))
        .unwrap();
        assert_eq!(
            p.members_after(),
            Members::Delta {
                add: vec![],
                remove: ids(&["003A"])
            }
        );
    }

    #[test]
    fn display_name_cannot_be_removed_and_unknown_attributes_are_named() {
        let e =
            patch(json!({"Operations": [{"op": "remove", "path": "displayName"}]})).unwrap_err();
        assert_eq!(e.scim_type.map(|t| t.as_str()), Some("mutability"));
        let e = patch(json!({"Operations": [{"op": "replace", "path": "title", "value": "x"}]}))
            .unwrap_err();
        assert!(
            e.detail.contains("'title' is not a Group attribute"),
            "{}",
            e.detail
        );
    }

    #[test]
    fn members_are_read_only_when_the_answer_shows_them() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(wants_members(&[], &[]));
        assert!(!wants_members(&[], &s(&["members"])));
        assert!(!wants_members(&s(&["displayName"]), &[]));
        assert!(wants_members(&s(&["members.value"]), &[]));
        assert!(wants_members(
            &s(&[&format!("{}:members", urn::GROUP_SCHEMA)]),
            &[]
        ));
    }
}
