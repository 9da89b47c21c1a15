//! SCIM 2.0 protocol (RFC 7643/7644), independent of HTTP framework and of Salesforce.
//!
//! Components, each a pure function of its input:
//! - [`error`]: the RFC 7644 §3.12 error body, [`ScimError`], returned by every parser here.
//! - [`filter`]: the §3.4.2.2 filter grammar (tree, parser with positions and limits, `Display`).
//! - [`path`]: PATCH paths (§3.5.2), sharing the filter parser.
//! - [`patch`]: PATCH bodies (§3.5.2), normalised to one operation per attribute.
//! - [`list`]: list/search requests (§3.4.2, §3.4.3), ListResponse, attribute projection.
//! - [`values`]: tolerant readers for client-typed values (`"False"` booleans, `manager`).
//! - [`discovery`]: ServiceProviderConfig, ResourceTypes, Schemas (RFC 7643 §5-§7).
//! - [`resource`]: a typed resource (`meta`, ETag, Location) and the resource types served.
//! - [`urn`]: schema and message URNs, `application/scim+json`.
//!
//! How each client quirk (PingOne, Entra ID, Okta, OneLogin) is absorbed is written in the module
//! docs of `filter`, `patch` and `list`.

pub mod discovery;
pub mod error;
pub mod filter;
pub mod group;
pub mod list;
pub mod patch;
pub mod path;
pub mod resource;
pub mod urn;
pub mod values;

pub use discovery::{
    enterprise_user_schema, resource_types, schemas, service_provider_config, user_schema,
};
pub use error::{ScimError, ScimType};
pub use filter::{parse_filter, AttrPath, CompValue, CompareOp, Filter};
pub use list::{list_response, project, ListQuery};
pub use patch::{parse_patch, PatchOpKind, PatchOperation};
pub use path::{parse_path, PatchPath};
pub use values::coerce_bool;
