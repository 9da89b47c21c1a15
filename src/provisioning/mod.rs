//! Provisioning: what each SCIM operation does in Salesforce under a connection's policy.
//!
//! This is the connector's semantics: one object per connection; people matched on the match
//! field (Email) so that a create links an existing record instead of duplicating it;
//! independent toggles for create, update, disable, delete and deprovision; the remove action;
//! and the `update` flag on mapping rows. Every answer shows what is really in Salesforce: when
//! a toggle stops a change, the resource comes back as Salesforce holds it, with a notice that
//! the HTTP layer sends as the `X-Scim-Bridge-Notice` header (and that is logged).
//!
//! - [`connection`]: [`Connection`] and [`ConnectionSpec`], what every operation shares.
//! - [`users`]: create, replace, patch, delete of people; [`promote`]: Lead conversion; [`list`]: get, list, search.
//! - [`groups`]: SCIM Groups as Campaigns, their members as CampaignMembers.
//! - [`guard`]: the removal guard, a brake on mass removals; [`failures`]: the recent
//!   failures a sync status shows.
//! - [`policy`]: the toggles; [`notices`]: every notice's wording; [`error`]: Salesforce
//!   failures → SCIM errors, in one table.
//!
//! No actix and no configuration format here: handlers call these functions with parsed SCIM
//! input, and the composition root builds connections from the configuration. A new SCIM
//! resource gets its own module beside `users` (its operations on [`Connection`]) and its
//! [`crate::scim::resource::ResourceType`] in [`Connection::resource_types`].

pub mod connection;
pub mod error;
pub mod failures;
pub mod groups;
pub mod guard;
pub mod list;
pub mod memory;
pub mod notices;
pub mod policy;
pub mod promote;
pub mod users;

use crate::scim::resource::Resource;

pub use connection::{Connection, ConnectionSpec};
pub use list::MAX_LIST_DEPTH;
pub use policy::{OnExisting, Policy, RemoveAction};

/// A successful operation: the resource as Salesforce now holds it, and what the IdP should
/// know about policy decisions taken on the way.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub resource: Resource,
    pub notices: Vec<String>,
}

/// The result of a DELETE.
#[derive(Debug, Clone, Default)]
pub struct Removal {
    pub notices: Vec<String>,
}

/// What the SCIM answers of one request need to know about it.
pub struct Ctx<'a> {
    /// `https://bridge.example.com/scim/v2/contacts`: for `meta.location`.
    pub base_url: &'a str,
    /// When the IdP's answer is due (see `users::check_time_for_create`).
    pub deadline: Option<std::time::Instant>,
}
