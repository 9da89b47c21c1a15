//! State changes Salesforce makes outside plain DML, driven by the control API: Lead
//! conversion (SOAP `convertLead`) and Contacts linked to portal users.

use serde_json::{json, Map, Value};

use super::{s, DmlOptions, Store, Undo};
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

    /// Converts a Lead as Salesforce's `convertLead` does: a new Account (named after Company)
    /// and a new Contact; the Lead becomes read-only. Returns (contactId, accountId).
    pub fn convert_lead(&mut self, schema: &Schema, id: &str) -> Result<(String, String), SfError> {
        let lead_i = schema.object_index("Lead").ok_or_else(SfError::not_found)?;
        let contact_i = schema
            .object_index("Contact")
            .ok_or_else(SfError::not_found)?;
        let account_i = schema
            .object_index("Account")
            .ok_or_else(SfError::not_found)?;
        let lead = self.lookup(schema, lead_i, id)?.row.clone();
        if lead.get("IsConverted") == Some(&Value::Bool(true)) {
            return Err(SfError::dml(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
                Vec::new(),
            ));
        }
        let get = |k: &str| lead.get(k).cloned().unwrap_or(Value::Null);
        let opts = DmlOptions {
            allow_save: true,
            version: 0,
        };
        let mut undo = Undo::default();
        let account = json!({"Name": get("Company")});
        let account_id = self.insert(schema, account_i, &account, opts, &mut undo)?;
        let mut contact = Map::new();
        for k in [
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
        ] {
            contact.insert(k.to_string(), get(k));
        }
        for (from, to) in [
            ("Street", "MailingStreet"),
            ("City", "MailingCity"),
            ("State", "MailingState"),
            ("PostalCode", "MailingPostalCode"),
            ("Country", "MailingCountry"),
        ] {
            contact.insert(to.to_string(), get(from));
        }
        contact.insert("AccountId".into(), s(&account_id));
        let contact_id =
            match self.insert(schema, contact_i, &Value::Object(contact), opts, &mut undo) {
                Ok(c) => c,
                Err(e) => {
                    self.rollback(undo);
                    return Err(e);
                }
            };
        let canon = ids::canonical(id).unwrap_or_default();
        let stamp = self.stamp();
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        if let Some(mut r) = self.tables.get(lead_i).and_then(|t| t.get(&canon)).cloned() {
            r.row.insert("IsConverted".into(), Value::Bool(true));
            r.row.insert("ConvertedContactId".into(), s(&contact_id));
            r.row.insert("ConvertedAccountId".into(), s(&account_id));
            r.row.insert("ConvertedDate".into(), Value::String(today));
            r.row.insert("Status".into(), s("Closed - Converted"));
            r.row.insert("LastModifiedDate".into(), s(&stamp));
            r.row.insert("SystemModstamp".into(), Value::String(stamp));
            self.set(lead_i, &canon, Some(r));
        }
        Ok((contact_id, account_id))
    }
}
