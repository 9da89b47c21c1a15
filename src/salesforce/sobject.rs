//! [`SObject`]: the Salesforce objects the bridge provisions into, with what Salesforce fixes
//! about each of them (API name, record-id key prefix, fields it refuses to create without).
//!
//! "Record Type" is a different Salesforce feature (`RecordTypeId`); the configuration key is
//! still called `record_type` because that is the connector's word for it.

use std::fmt;

use super::name::FieldName;

/// An object a connection provisions people into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SObject {
    Contact,
    Lead,
}

impl SObject {
    /// The API name (`Contact`).
    pub fn as_str(self) -> &'static str {
        match self {
            SObject::Contact => "Contact",
            SObject::Lead => "Lead",
        }
    }

    /// The API name as a SOQL name.
    pub fn name(self) -> FieldName {
        match self {
            SObject::Contact => FieldName::from_static("Contact"),
            SObject::Lead => FieldName::from_static("Lead"),
        }
    }

    /// The first three characters of every record id of this object ("Standard Field Record
    /// ID Prefix Decoder", Salesforce Help): an id with another prefix is not one of its records.
    pub fn key_prefix(self) -> &'static str {
        match self {
            SObject::Contact => "003",
            SObject::Lead => "00Q",
        }
    }

    /// Fields Salesforce refuses to create a record without, with the reason shown to admins.
    pub fn required_fields(self) -> &'static [(&'static str, &'static str)] {
        match self {
            SObject::Contact => &[("LastName", "Salesforce requires it on every Contact")],
            SObject::Lead => &[
                ("LastName", "Salesforce requires it on every Lead"),
                ("Company", "Salesforce requires it on every Lead"),
            ],
        }
    }

    /// Whether `field` is one of [`Self::required_fields`].
    pub fn is_required(self, field: &str) -> bool {
        self.required_fields()
            .iter()
            .any(|(f, _)| f.eq_ignore_ascii_case(field))
    }

    /// Whether Salesforce can convert records of this object (Leads become Contacts).
    pub fn is_convertible(self) -> bool {
        self == SObject::Lead
    }
}

impl fmt::Display for SObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
