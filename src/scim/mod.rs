//! SCIM 2.0 protocol (RFC 7643/7644), independent of HTTP framework and of Salesforce.
//!
//! Components: [`error`] (§3.12 error bodies), [`filter`] (§3.4.2.2 filter grammar), [`urn`]
//! (schema URNs and the media type).

pub mod discovery;
pub mod error;
pub mod filter;
pub mod list;
pub mod patch;
pub mod path;
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
