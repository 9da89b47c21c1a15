//! Records an org has from the start and that no DML creates: the Lead Status values
//! (`LeadStatus`, which `convertLead` checks `convertedStatus` against) and the running user's
//! effective permissions (`UserPermissionAccess`, "Convert Leads"). Seeded at start and after a
//! reset; the control API turns the permission off and on.

use serde_json::Value;

use super::{s, Record, Store};
use crate::ids;
use crate::schema::{LEAD_STATUSES, USER_ID};

/// The status a conversion sets by default, as a new org has it.
pub const CONVERTED_STATUS: &str = "Closed - Converted";

impl Store {
    pub(super) fn seed_metadata(&mut self) {
        let schema = std::sync::Arc::clone(&self.schema);
        let stamp = self.stamp();
        if let Some(obj) = schema.object_index("LeadStatus") {
            for (i, label) in LEAD_STATUSES.iter().enumerate() {
                let id = ids::make("01J", self.next_id);
                self.next_id += 1;
                let mut row = crate::soql::Row::new();
                row.insert("Id".into(), s(&id));
                row.insert("IsDeleted".into(), Value::Bool(false));
                row.insert("MasterLabel".into(), s(label));
                row.insert("ApiName".into(), s(label));
                row.insert(
                    "IsConverted".into(),
                    Value::Bool(*label == CONVERTED_STATUS),
                );
                row.insert("IsDefault".into(), Value::Bool(i == 0));
                row.insert("SortOrder".into(), Value::from(i + 1));
                self.stamped(&mut row, &stamp);
                self.set(
                    obj,
                    &id,
                    Some(Record {
                        row,
                        portal_user: false,
                    }),
                );
            }
        }
        if let Some(obj) = schema.object_index("UserPermissionAccess") {
            let id = ids::make("0Yp", self.next_id);
            self.next_id += 1;
            let mut row = crate::soql::Row::new();
            row.insert("Id".into(), s(&id));
            row.insert("IsDeleted".into(), Value::Bool(false));
            row.insert("PermissionsConvertLeads".into(), Value::Bool(true));
            self.stamped(&mut row, &stamp);
            self.set(
                obj,
                &id,
                Some(Record {
                    row,
                    portal_user: false,
                }),
            );
        }
    }

    fn stamped(&self, row: &mut crate::soql::Row, stamp: &str) {
        for k in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            row.insert(k.into(), s(stamp));
        }
        for k in ["OwnerId", "CreatedById", "LastModifiedById"] {
            row.insert(k.into(), s(USER_ID));
        }
    }

    /// Whether the running user may convert Leads ("Convert Leads" in its profile or a
    /// permission set).
    pub fn may_convert_leads(&self) -> bool {
        self.permission_row()
            .and_then(|r| r.row.get("PermissionsConvertLeads"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Grants or removes "Convert Leads" (`POST /__emulator/permissions`).
    pub fn set_convert_leads(&mut self, allowed: bool) {
        let Some(obj) = self.schema.object_index("UserPermissionAccess") else {
            return;
        };
        let Some((id, mut rec)) = self
            .tables
            .get(obj)
            .and_then(|t| t.iter().next())
            .map(|(id, r)| (id.clone(), r.clone()))
        else {
            return;
        };
        rec.row
            .insert("PermissionsConvertLeads".into(), Value::Bool(allowed));
        self.set(obj, &id, Some(rec));
    }

    fn permission_row(&self) -> Option<&Record> {
        let obj = self.schema.object_index("UserPermissionAccess")?;
        self.tables.get(obj)?.values().next()
    }

    /// Whether `status` is a Lead Status value that marks a Lead converted.
    pub fn is_converted_status(&self, status: &str) -> bool {
        let Some(obj) = self.schema.object_index("LeadStatus") else {
            return false;
        };
        self.tables.get(obj).is_some_and(|t| {
            t.values().any(|r| {
                r.row.get("MasterLabel").and_then(Value::as_str) == Some(status)
                    && r.row.get("IsConverted") == Some(&Value::Bool(true))
            })
        })
    }
}
