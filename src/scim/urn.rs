//! Schema and message URNs (RFC 7643 §3, §8.7; RFC 7644 §3.12, §3.4.2, §3.4.3, §3.5.2) and the
//! SCIM media type (RFC 7644 §3.1), kept in one place so no layer spells them twice.

/// Core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema (RFC 7643 §4.2).
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// PATCH request message (RFC 7644 §3.5.2).
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// List response message (RFC 7644 §3.4.2).
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// POST `/.search` request message (RFC 7644 §3.4.3).
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// Error message (RFC 7644 §3.12).
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// ServiceProviderConfig resource (RFC 7643 §5).
pub const SERVICE_PROVIDER_CONFIG: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// ResourceType resource (RFC 7643 §6).
pub const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// Schema resource (RFC 7643 §7).
pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// Prefix shared by the core schemas; an attribute qualified with it is a top-level attribute.
pub const CORE_SCHEMA_PREFIX: &str = "urn:ietf:params:scim:schemas:core:2.0:";

/// The SCIM media type (RFC 7644 §3.1). Requests may also use `application/json`.
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// Schema URNs that name a whole schema rather than an attribute (compared case-insensitively,
/// RFC 7643 §2.1: URNs and attribute names are case-insensitive).
pub const KNOWN_SCHEMAS: [&str; 3] = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA];

/// True when `s` names one of [`KNOWN_SCHEMAS`], in any case.
pub fn is_known_schema(s: &str) -> bool {
    KNOWN_SCHEMAS.iter().any(|k| k.eq_ignore_ascii_case(s))
}

/// True when `s` names the enterprise extension, in any case.
pub fn is_enterprise(s: &str) -> bool {
    ENTERPRISE_USER_SCHEMA.eq_ignore_ascii_case(s)
}

/// True when `s` is a core schema URN (`urn:ietf:params:scim:schemas:core:2.0:*`), in any case.
pub fn is_core(s: &str) -> bool {
    s.len() >= CORE_SCHEMA_PREFIX.len()
        && s.is_char_boundary(CORE_SCHEMA_PREFIX.len())
        && s[..CORE_SCHEMA_PREFIX.len()].eq_ignore_ascii_case(CORE_SCHEMA_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_urns_are_recognised_in_any_case() {
        assert!(is_enterprise(
            "URN:ietf:params:scim:schemas:extension:Enterprise:2.0:user"
        ));
        assert!(is_known_schema(
            "urn:ietf:params:scim:schemas:core:2.0:user"
        ));
        assert!(is_core("urn:ietf:params:scim:schemas:CORE:2.0:User"));
        assert!(!is_core(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ));
        assert!(!is_core("urn:é"));
    }
}
