//! The connector's provisioning policy: independent toggles for create, update, delete, disable
//! and deprovision, the remove action, and what a create does when the match field finds a
//! record ("Salesforce Leads and Contacts" connector, PingOne docs: "Provisioning options").

/// The connector's provisioning toggles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub allow_create: bool,
    pub allow_update: bool,
    pub allow_delete: bool,
    pub allow_disable: bool,
    pub allow_deprovision: bool,
    pub remove_action: RemoveAction,
    /// The IdP carries it out by sending a DELETE per person; kept so that the configuration
    /// can refuse it together with `allow_deprovision = false`.
    pub deprovision_on_rule_deletion: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_create: true,
            allow_update: true,
            allow_delete: true,
            allow_disable: true,
            allow_deprovision: true,
            remove_action: RemoveAction::Disable,
            deprovision_on_rule_deletion: false,
        }
    }
}

/// What a SCIM DELETE (the IdP's "remove") does in Salesforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveAction {
    Disable,
    Delete,
}

/// What a create does when a record with the same match value already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// The connector's behaviour: adopt the record, update it, answer 201 with its Id.
    Link,
    /// RFC 7644 §3.3: answer 409 `uniqueness` (what Okta's SCIM spec runner expects).
    Conflict,
}

/// Promoting a Lead to a Contact the way Salesforce does: a contacts connection that creates
/// or adopts a person whose match value belongs to an unconverted Lead converts that Lead
/// (`convertLead`) instead of making an unrelated Contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// The Lead connection promoted from (`None`: any unconverted Lead with the email).
    pub from: Option<String>,
    /// That connection's key field: only Leads holding a key are its people, and the key is
    /// released as the Lead converts, so the Lead leaves that connection.
    pub lead_key: Option<crate::salesforce::FieldName>,
    /// Every promoted Lead goes under this Account (else one named like the Lead's Company,
    /// else a new one).
    pub account_id: Option<String>,
    /// The Lead Status to set (else the org's first converted one).
    pub converted_status: Option<String>,
}
