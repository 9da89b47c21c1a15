//! The standard fields of Contact, Lead and Account as a new org describes them: names,
//! labels, types, lengths and access (createable, updateable, nillable, defaulted), after
//! Salesforce's Object Reference ("Contact", "Lead", "Account").

use crate::soql::FieldKind;

pub(super) struct F {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) kind: FieldKind,
    pub(super) sf_type: &'static str,
    pub(super) length: usize,
    pub(super) access: Access,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Access {
    /// createable, updateable, nillable
    Rw,
    /// createable, updateable, not nillable, no default: required
    Required,
    /// system-maintained
    ReadOnly,
    /// createable, updateable, not nillable, defaulted on create
    Defaulted,
    /// createable, not updateable (a CampaignMember's person)
    CreateOnly,
    /// createable, not updateable, required (a CampaignMember's Campaign)
    RequiredCreateOnly,
}

fn f(
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    sf_type: &'static str,
    length: usize,
    access: Access,
) -> F {
    F {
        name,
        label,
        kind,
        sf_type,
        length,
        access,
    }
}

fn text(name: &'static str, label: &'static str, length: usize) -> F {
    f(name, label, FieldKind::String, "string", length, Access::Rw)
}

pub(super) fn system_fields() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    vec![
        f(
            "OwnerId",
            "Owner ID",
            K::Reference,
            "reference",
            18,
            Defaulted,
        ),
        f(
            "CreatedDate",
            "Created Date",
            K::DateTime,
            "datetime",
            0,
            ReadOnly,
        ),
        f(
            "CreatedById",
            "Created By ID",
            K::Reference,
            "reference",
            18,
            ReadOnly,
        ),
        f(
            "LastModifiedDate",
            "Last Modified Date",
            K::DateTime,
            "datetime",
            0,
            ReadOnly,
        ),
        f(
            "LastModifiedById",
            "Last Modified By ID",
            K::Reference,
            "reference",
            18,
            ReadOnly,
        ),
        f(
            "SystemModstamp",
            "System Modstamp",
            K::DateTime,
            "datetime",
            0,
            ReadOnly,
        ),
    ]
}

pub(super) fn person_fields() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    vec![
        text("FirstName", "First Name", 40),
        text("MiddleName", "Middle Name", 40),
        f("LastName", "Last Name", K::String, "string", 80, Required),
        text("Suffix", "Suffix", 40),
        f("Name", "Full Name", K::String, "string", 121, ReadOnly),
        text("Title", "Title", 128),
        f("Email", "Email", K::Email, "email", 80, Rw),
        f("Phone", "Phone", K::Phone, "phone", 40, Rw),
        f("MobilePhone", "Mobile Phone", K::Phone, "phone", 40, Rw),
        f("Fax", "Fax", K::Phone, "phone", 40, Rw),
        f("LeadSource", "Lead Source", K::Picklist, "picklist", 40, Rw),
        f(
            "HasOptedOutOfEmail",
            "Email Opt Out",
            K::Boolean,
            "boolean",
            0,
            Defaulted,
        ),
        f(
            "DoNotCall",
            "Do Not Call",
            K::Boolean,
            "boolean",
            0,
            Defaulted,
        ),
        f(
            "Description",
            "Description",
            K::TextArea,
            "textarea",
            32_000,
            Rw,
        ),
    ]
}

pub(super) fn head() -> Vec<F> {
    vec![
        f("Id", "Record ID", FieldKind::Id, "id", 18, Access::ReadOnly),
        f(
            "IsDeleted",
            "Deleted",
            FieldKind::Boolean,
            "boolean",
            0,
            Access::ReadOnly,
        ),
    ]
}

pub(super) fn contact() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    let mut v = head();
    v.push(f(
        "AccountId",
        "Account ID",
        K::Reference,
        "reference",
        18,
        Rw,
    ));
    v.extend(person_fields());
    v.push(text("Department", "Department", 80));
    v.push(f(
        "MailingStreet",
        "Mailing Street",
        K::TextArea,
        "textarea",
        255,
        Rw,
    ));
    v.push(text("MailingCity", "Mailing City", 40));
    v.push(text("MailingState", "Mailing State/Province", 80));
    v.push(text("MailingPostalCode", "Mailing Zip/Postal Code", 20));
    v.push(text("MailingCountry", "Mailing Country", 80));
    v.extend(system_fields());
    v
}

pub(super) fn lead() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    let mut v = head();
    v.extend(person_fields());
    v.push(f("Company", "Company", K::String, "string", 255, Required));
    v.push(f("Street", "Street", K::TextArea, "textarea", 255, Rw));
    v.push(text("City", "City", 40));
    v.push(text("State", "State/Province", 80));
    v.push(text("PostalCode", "Zip/Postal Code", 20));
    v.push(text("Country", "Country", 80));
    v.push(f(
        "Status",
        "Status",
        K::Picklist,
        "picklist",
        40,
        Defaulted,
    ));
    v.push(f(
        "IsConverted",
        "Converted",
        K::Boolean,
        "boolean",
        0,
        ReadOnly,
    ));
    v.push(f(
        "ConvertedDate",
        "Converted Date",
        K::Date,
        "date",
        0,
        ReadOnly,
    ));
    v.push(f(
        "ConvertedAccountId",
        "Converted Account ID",
        K::Reference,
        "reference",
        18,
        ReadOnly,
    ));
    v.push(f(
        "ConvertedContactId",
        "Converted Contact ID",
        K::Reference,
        "reference",
        18,
        ReadOnly,
    ));
    v.extend(system_fields());
    v
}

pub(super) fn account() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    let mut v = head();
    v.push(f(
        "Name",
        "Account Name",
        K::String,
        "string",
        255,
        Required,
    ));
    v.push(f("Phone", "Account Phone", K::Phone, "phone", 40, Rw));
    v.push(f("Fax", "Account Fax", K::Phone, "phone", 40, Rw));
    v.push(f("Website", "Website", K::String, "url", 255, Rw));
    v.push(f(
        "BillingStreet",
        "Billing Street",
        K::TextArea,
        "textarea",
        255,
        Rw,
    ));
    v.push(text("BillingCity", "Billing City", 40));
    v.push(text("BillingState", "Billing State/Province", 80));
    v.push(text("BillingPostalCode", "Billing Zip/Postal Code", 20));
    v.push(text("BillingCountry", "Billing Country", 80));
    v.push(f(
        "Description",
        "Account Description",
        K::TextArea,
        "textarea",
        32_000,
        Rw,
    ));
    v.extend(system_fields());
    v
}

/// `LeadStatus`: the org's Lead Status picklist values as records, with which of them mark a
/// Lead converted (what `convertLead`'s `convertedStatus` must name). Read-only over the API.
pub(super) fn lead_status() -> Vec<F> {
    use Access::ReadOnly;
    use FieldKind as K;
    let mut v = head();
    v.push(f(
        "MasterLabel",
        "Master Label",
        K::String,
        "string",
        255,
        ReadOnly,
    ));
    v.push(f("ApiName", "Api Name", K::String, "string", 255, ReadOnly));
    v.push(f(
        "IsConverted",
        "Is Converted",
        K::Boolean,
        "boolean",
        0,
        ReadOnly,
    ));
    v.push(f(
        "IsDefault",
        "Is Default",
        K::Boolean,
        "boolean",
        0,
        ReadOnly,
    ));
    v.push(f("SortOrder", "Sort Order", K::Int, "int", 0, ReadOnly));
    v
}

/// `UserPermissionAccess`: the running user's effective permissions (one row). Only the one
/// the bridge checks is emulated: "Convert Leads".
pub(super) fn user_permission_access() -> Vec<F> {
    use Access::ReadOnly;
    use FieldKind as K;
    let mut v = head();
    v.push(f(
        "PermissionsConvertLeads",
        "Convert Leads",
        K::Boolean,
        "boolean",
        0,
        ReadOnly,
    ));
    v
}

/// `Campaign` ("Campaign", Object Reference): what a SCIM group becomes.
pub(super) fn campaign() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    let mut v = head();
    v.push(f("Name", "Name", K::String, "string", 80, Required));
    v.push(f("Type", "Type", K::Picklist, "picklist", 255, Rw));
    v.push(f("Status", "Status", K::Picklist, "picklist", 255, Rw));
    v.push(f("IsActive", "Active", K::Boolean, "boolean", 0, Rw));
    v.push(f(
        "Description",
        "Description",
        K::TextArea,
        "textarea",
        32_000,
        Rw,
    ));
    v.extend(system_fields());
    v
}

/// `CampaignMember`: one Contact or Lead in one Campaign.
pub(super) fn campaign_member() -> Vec<F> {
    use Access::*;
    use FieldKind as K;
    let mut v = head();
    v.push(f(
        "CampaignId",
        "Campaign ID",
        K::Reference,
        "reference",
        18,
        RequiredCreateOnly,
    ));
    v.push(f(
        "ContactId",
        "Contact ID",
        K::Reference,
        "reference",
        18,
        CreateOnly,
    ));
    v.push(f(
        "LeadId",
        "Lead ID",
        K::Reference,
        "reference",
        18,
        CreateOnly,
    ));
    v.push(f("Status", "Status", K::String, "string", 40, Rw));
    v.push(f(
        "HasResponded",
        "Responded",
        K::Boolean,
        "boolean",
        0,
        ReadOnly,
    ));
    v.extend(system_fields());
    v
}
