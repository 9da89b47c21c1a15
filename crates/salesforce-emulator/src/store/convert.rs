//! State changes Salesforce makes outside plain DML: Lead conversion (SOAP `convertLead`, and
//! the control API's shortcut) and Contacts linked to portal users.

use serde_json::{Map, Value};

use super::{s, DmlOptions, Store, Undo};

/// The Lead fields a conversion copies to the Contact under the same name (Salesforce's
/// standard Lead field mappings).
const CONTACT_FIELDS: [&str; 13] = [
    "FirstName",
    "MiddleName",
    "LastName",
    "Suffix",
    "Title",
    "Email",
    "Phone",
    "MobilePhone",
    "Fax",
    "LeadSource",
    "HasOptedOutOfEmail",
    "DoNotCall",
    "Description",
];

/// Lead address fields and the Contact mailing fields they map to.
const ADDRESS_FIELDS: [(&str, &str); 5] = [
    ("Street", "MailingStreet"),
    ("City", "MailingCity"),
    ("State", "MailingState"),
    ("PostalCode", "MailingPostalCode"),
    ("Country", "MailingCountry"),
];

/// Lead address fields and the Account billing fields they map to.
const ACCOUNT_ADDRESS_FIELDS: [(&str, &str); 5] = [
    ("Street", "BillingStreet"),
    ("City", "BillingCity"),
    ("State", "BillingState"),
    ("PostalCode", "BillingPostalCode"),
    ("Country", "BillingCountry"),
];

/// One `LeadConvert` of a `convertLead` call.
#[derive(Debug, Clone, Default)]
pub struct LeadConvert {
    pub lead_id: String,
    pub account_id: Option<String>,
    pub contact_id: Option<String>,
    pub converted_status: String,
    pub do_not_create_opportunity: bool,
}

/// A `LeadConvertResult` that succeeded.
#[derive(Debug, Clone)]
pub struct Converted {
    pub lead_id: String,
    pub account_id: String,
    pub contact_id: String,
}
use crate::error::SfError;
use crate::ids;
use crate::schema::Schema;

impl Store {
    /// Marks a Contact as linked to an enabled portal user (it then refuses deletion).
    pub fn set_portal_user(&mut self, schema: &Schema, id: &str) -> Result<String, SfError> {
        let obj = schema
            .object_index("Contact")
            .ok_or_else(SfError::not_found)?;
        self.lookup(schema, obj, id)?;
        let canon = ids::canonical(id).unwrap_or_default();
        if let Some(mut r) = self.tables.get(obj).and_then(|t| t.get(&canon)).cloned() {
            r.portal_user = true;
            self.set(obj, &canon, Some(r));
        }
        Ok(canon)
    }

    /// Converts a Lead with defaults (a new Account and Contact), as the control API's
    /// `POST /__emulator/leads/{id}/convert` does. Returns (contactId, accountId).
    pub fn convert_lead(&mut self, schema: &Schema, id: &str) -> Result<(String, String), SfError> {
        let req = LeadConvert {
            lead_id: id.to_string(),
            converted_status: super::CONVERTED_STATUS.to_string(),
            do_not_create_opportunity: true,
            ..LeadConvert::default()
        };
        self.convert(schema, &req)
            .map(|c| (c.contact_id, c.account_id))
    }

    /// One `LeadConvert` as SOAP `convertLead` carries it out ("convertLead()", SOAP API
    /// Developer Guide): checks the user's "Convert Leads" permission, the Lead (not converted
    /// yet), the converted status (a `LeadStatus` with `IsConverted`), and the Account and
    /// Contact named; then creates the Account (named after Company) unless one is named,
    /// creates the Contact from the Lead's standard mappings or, when one is named, fills its
    /// blank fields from the Lead, and marks the Lead converted (read-only from then on). All or
    /// nothing: a failure leaves every record as it was.
    pub fn convert(&mut self, schema: &Schema, req: &LeadConvert) -> Result<Converted, SfError> {
        let lead_i = schema.object_index("Lead").ok_or_else(SfError::not_found)?;
        let contact_i = schema
            .object_index("Contact")
            .ok_or_else(SfError::not_found)?;
        let account_i = schema
            .object_index("Account")
            .ok_or_else(SfError::not_found)?;
        if !self.may_convert_leads() {
            return Err(SfError::dml(
                "INSUFFICIENT_ACCESS_OR_READONLY",
                "insufficient access rights: the user lacks the Convert Leads permission",
                Vec::new(),
            ));
        }
        let cross_ref = |what: &str| {
            SfError::dml(
                "INVALID_CROSS_REFERENCE_KEY",
                format!("invalid cross reference id: {what}"),
                Vec::new(),
            )
        };
        let lead = self
            .lookup(schema, lead_i, &req.lead_id)
            .map_err(|_| cross_ref("leadId"))?
            .row
            .clone();
        if lead.get("IsConverted") == Some(&Value::Bool(true)) {
            return Err(SfError::dml(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
                Vec::new(),
            ));
        }
        if !self.is_converted_status(&req.converted_status) {
            return Err(SfError::dml(
                "INVALID_STATUS",
                format!("invalid convertedStatus: {}", req.converted_status),
                vec!["convertedStatus".to_string()],
            ));
        }
        if !req.do_not_create_opportunity {
            return Err(SfError::dml(
                "FIELD_INTEGRITY_EXCEPTION",
                "this emulator has no Opportunity object: set doNotCreateOpportunity",
                vec!["doNotCreateOpportunity".to_string()],
            ));
        }
        if let Some(a) = &req.account_id {
            self.lookup(schema, account_i, a)
                .map_err(|_| cross_ref("accountId"))?;
        }
        let existing_contact = match &req.contact_id {
            None => None,
            Some(c) => {
                let Some(account) = &req.account_id else {
                    return Err(SfError::dml(
                        "REQUIRED_FIELD_MISSING",
                        "accountId is required when contactId is given",
                        vec!["accountId".to_string()],
                    ));
                };
                let row = self
                    .lookup(schema, contact_i, c)
                    .map_err(|_| cross_ref("contactId"))?
                    .row
                    .clone();
                let same_account = row
                    .get("AccountId")
                    .and_then(Value::as_str)
                    .and_then(ids::canonical)
                    == ids::canonical(account);
                if !same_account {
                    return Err(cross_ref("the contact is not associated with accountId"));
                }
                Some(row)
            }
        };
        let get = |k: &str| lead.get(k).cloned().unwrap_or(Value::Null);
        let opts = DmlOptions {
            allow_save: true,
            version: 0,
        };
        let mut undo = Undo::default();
        let result = (|| -> Result<Converted, SfError> {
            let account_id = match &req.account_id {
                Some(a) => ids::canonical(a).unwrap_or_default(),
                None => {
                    // The standard Lead → Account mappings: Company, phone, billing address.
                    let mut account = Map::new();
                    account.insert("Name".into(), get("Company"));
                    account.insert("Phone".into(), get("Phone"));
                    for (from, to) in ACCOUNT_ADDRESS_FIELDS {
                        account.insert(to.to_string(), get(from));
                    }
                    self.insert(schema, account_i, &Value::Object(account), opts, &mut undo)?
                }
            };
            let mut fields = Map::new();
            for k in CONTACT_FIELDS {
                fields.insert(k.to_string(), get(k));
            }
            for (from, to) in ADDRESS_FIELDS {
                fields.insert(to.to_string(), get(from));
            }
            let contact_id = match &existing_contact {
                None => {
                    fields.insert("AccountId".into(), s(&account_id));
                    self.insert(schema, contact_i, &Value::Object(fields), opts, &mut undo)?
                }
                Some(row) => {
                    let id = row
                        .get("Id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    // Existing values win; the Lead fills what the Contact lacks.
                    let blanks: Map<String, Value> = fields
                        .into_iter()
                        .filter(|(k, v)| !v.is_null() && row.get(k).is_none_or(Value::is_null))
                        .collect();
                    if !blanks.is_empty() {
                        self.update(
                            schema,
                            contact_i,
                            &id,
                            &Value::Object(blanks),
                            opts,
                            &mut undo,
                        )?;
                    }
                    id
                }
            };
            Ok(Converted {
                lead_id: ids::canonical(&req.lead_id).unwrap_or_default(),
                account_id,
                contact_id,
            })
        })();
        let converted = match result {
            Ok(c) => c,
            Err(e) => {
                self.rollback(undo);
                return Err(e);
            }
        };
        let stamp = self.stamp();
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        if let Some(mut r) = self
            .tables
            .get(lead_i)
            .and_then(|t| t.get(&converted.lead_id))
            .cloned()
        {
            r.row.insert("IsConverted".into(), Value::Bool(true));
            r.row
                .insert("ConvertedContactId".into(), s(&converted.contact_id));
            r.row
                .insert("ConvertedAccountId".into(), s(&converted.account_id));
            r.row.insert("ConvertedDate".into(), Value::String(today));
            r.row.insert("Status".into(), s(&req.converted_status));
            r.row.insert("LastModifiedDate".into(), s(&stamp));
            r.row.insert("SystemModstamp".into(), Value::String(stamp));
            self.set(lead_i, &converted.lead_id, Some(r));
        }
        Ok(converted)
    }
}
