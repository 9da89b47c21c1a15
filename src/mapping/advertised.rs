//! What a connection's mapping advertises in `/Schemas` and `/ResourceTypes` (RFC 7643 §7):
//! the attributes it stores, those Salesforce requires (so clients know they cannot be
//! removed), and those it only reads (`displayName` from Salesforce's computed `Name`).

use super::view::Mapping;

/// The mapping's attributes in the mapping syntax, as discovery takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Advertised {
    /// Every attribute a row reads, plus `active`.
    pub supported: Vec<String>,
    /// userName (the key) and the attributes feeding fields Salesforce requires.
    pub required: Vec<String>,
    /// Attributes read from fields Salesforce computes, never written.
    pub read_only: Vec<String>,
}

impl Mapping {
    /// What discovery should say about this mapping.
    pub fn advertised(&self) -> Advertised {
        let mut out = Advertised::default();
        for r in self.readable_rows() {
            let a = r.attr.to_string();
            if !out.supported.contains(&a) {
                out.supported.push(a.clone());
            }
            // A required field with a `default` (Lead Company) is not required of the IdP.
            let required = r.attr.name == super::USER_NAME
                || (self.object.is_required(r.field.as_str()) && !self.has_default(&r.field));
            if r.read_only && !out.read_only.contains(&a) {
                out.read_only.push(a.clone());
            }
            if required && !out.required.contains(&a) {
                out.required.push(a);
            }
        }
        out.supported.push("active".to_string());
        // Every record is enabled or disabled: `active` always has a value and cannot be
        // removed (a create without it is active).
        if self.disable.is_some() {
            out.required.push("active".to_string());
        }
        out
    }

    /// Whether some row gives `field` a default (written when the IdP sends no value).
    pub fn has_default(&self, field: &crate::salesforce::FieldName) -> bool {
        self.rows
            .iter()
            .any(|r| r.field == *field && r.default.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::SObject;

    #[test]
    fn a_lead_advertises_its_required_name_and_active_a_company_with_a_default_and_a_read_only_display_name(
    ) {
        let a = Mapping::defaults(SObject::Lead).advertised();
        assert!(a.required.contains(&"userName".to_string()));
        assert!(a.required.contains(&"name.familyName".to_string()));
        assert!(a.required.contains(&"active".to_string()));
        // Company has a default, so the IdP need not send an organization.
        assert!(!a.required.iter().any(|r| r.ends_with(":organization")));
        assert_eq!(a.read_only, ["displayName"]);
        assert!(a.supported.contains(&"externalId".to_string()));
    }
}
