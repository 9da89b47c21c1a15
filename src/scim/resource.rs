//! A SCIM resource as a service provider answers it (RFC 7643 §3): `schemas`, `id`, the
//! resource's attributes, and `meta` (§3.1). The HTTP layer reads `ETag` and `Location` from
//! the typed [`Meta`], never back out of rendered JSON.
//!
//! [`ResourceType`] names what a connection serves (`User` today), so discovery and `meta`
//! come from one description of each type.

use serde_json::{Map, Value};

use super::urn;

/// A resource type a connection serves (RFC 7643 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    /// `id` and `name` of the ResourceType resource, and `meta.resourceType` of its resources.
    pub name: &'static str,
    /// The endpoint below the connection's base URL (`/Users`).
    pub endpoint: &'static str,
    /// The core schema URN.
    pub schema: &'static str,
    pub description: &'static str,
}

/// RFC 7643 §4.1 and §8.7.2.
pub const USER: ResourceType = ResourceType {
    name: "User",
    endpoint: "/Users",
    schema: urn::USER_SCHEMA,
    description: "User Account",
};

/// RFC 7643 §4.2 and §8.7.1.
pub const GROUP: ResourceType = ResourceType {
    name: "Group",
    endpoint: "/Groups",
    schema: urn::GROUP_SCHEMA,
    description: "Group",
};

/// `meta` (RFC 7643 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub resource_type: &'static str,
    /// RFC 3339 (`2026-11-28T03:50:17.000Z`).
    pub created: Option<String>,
    pub last_modified: Option<String>,
    /// The resource's URI: `{base}/Users/{id}`.
    pub location: String,
    /// A weak entity tag (`W/"…"`, RFC 7644 §3.14), sent as `ETag`.
    pub version: Option<String>,
}

/// One resource, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: String,
    /// The schema URNs the resource uses: the core one, then extensions it carries.
    pub schemas: Vec<&'static str>,
    /// The attributes other than `schemas`, `id` and `meta`, in output order (extension
    /// attributes under their URN key).
    pub attributes: Map<String, Value>,
    pub meta: Meta,
}

impl Resource {
    /// A resource of `kind` with id `id` under `base_url` (`https://…/scim/v2/contacts`).
    pub fn new(
        kind: &ResourceType,
        base_url: &str,
        id: &str,
        attributes: Map<String, Value>,
    ) -> Resource {
        let mut schemas = vec![kind.schema];
        if attributes.contains_key(urn::ENTERPRISE_USER_SCHEMA) {
            schemas.push(urn::ENTERPRISE_USER_SCHEMA);
        }
        Resource {
            id: id.to_string(),
            schemas,
            attributes,
            meta: Meta {
                resource_type: kind.name,
                created: None,
                last_modified: None,
                location: format!("{}{}/{id}", base_url.trim_end_matches('/'), kind.endpoint),
                version: None,
            },
        }
    }

    /// The `ETag` header value, when the resource has a version.
    pub fn etag(&self) -> Option<&str> {
        self.meta.version.as_deref()
    }

    /// The `Location` header value.
    pub fn location(&self) -> &str {
        &self.meta.location
    }

    /// The JSON representation: `schemas`, `id`, the attributes, then `meta`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert(
            "schemas".into(),
            Value::Array(
                self.schemas
                    .iter()
                    .map(|s| Value::String((*s).to_string()))
                    .collect(),
            ),
        );
        out.insert("id".into(), Value::String(self.id.clone()));
        out.extend(self.attributes.clone());
        let mut meta = Map::new();
        meta.insert(
            "resourceType".into(),
            Value::String(self.meta.resource_type.to_string()),
        );
        if let Some(c) = &self.meta.created {
            meta.insert("created".into(), Value::String(c.clone()));
        }
        if let Some(m) = &self.meta.last_modified {
            meta.insert("lastModified".into(), Value::String(m.clone()));
        }
        meta.insert("location".into(), Value::String(self.meta.location.clone()));
        if let Some(v) = &self.meta.version {
            meta.insert("version".into(), Value::String(v.clone()));
        }
        out.insert("meta".into(), Value::Object(meta));
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_user_renders_schemas_id_attributes_and_meta_in_order() {
        let mut attrs = Map::new();
        attrs.insert("userName".into(), json!("ada@example.com"));
        attrs.insert(
            urn::ENTERPRISE_USER_SCHEMA.into(),
            json!({"department": "R&D"}),
        );
        let mut r = Resource::new(&USER, "https://b.example/scim/v2/contacts/", "003A", attrs);
        r.meta.version = Some("W/\"1\"".into());
        assert_eq!(
            r.location(),
            "https://b.example/scim/v2/contacts/Users/003A"
        );
        assert_eq!(r.etag(), Some("W/\"1\""));
        let v = r.to_json();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "schemas",
                "id",
                "userName",
                urn::ENTERPRISE_USER_SCHEMA,
                "meta"
            ]
        );
        assert_eq!(v["schemas"][1], json!(urn::ENTERPRISE_USER_SCHEMA));
        assert_eq!(v["meta"]["resourceType"], json!("User"));
        assert!(v["meta"].get("created").is_none());
    }
}
