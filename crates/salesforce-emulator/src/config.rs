//! Emulator configuration: the org's credentials, token lifetime, API limit and custom fields.

use std::time::Duration;

/// How an emulated org behaves. `Default` gives the demo org documented in the README.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Connected app consumer key.
    pub client_id: String,
    /// Connected app consumer secret.
    pub client_secret: String,
    /// The refresh token valid from start (the root of the first rotation chain).
    pub refresh_token: String,
    /// If `Some`, this access token is valid from start until it expires.
    pub initial_access_token: Option<String>,
    /// The org's session timeout: after it a token answers 401 `INVALID_SESSION_ID`.
    pub access_token_lifetime: Duration,
    /// Refresh-token rotation: each refresh returns a new refresh token.
    pub rotate_refresh_tokens: bool,
    /// Whether the connected app allows the client_credentials grant. Salesforce requires an
    /// admin to enable that flow (with a run-as user) per app; otherwise the grant answers 400
    /// `invalid_grant` / `no client credentials user enabled`.
    pub client_credentials_enabled: bool,
    /// Daily API request limit (`DailyApiRequests.Max`).
    pub daily_request_limit: u64,
    /// Query cursors (`nextRecordsUrl`) a user may hold open: opening one more releases the
    /// oldest, whose locator then answers 400 `INVALID_QUERY_LOCATOR`. Salesforce: 10.
    pub max_open_cursors: usize,
    /// RS256 public key (PEM) for the jwt-bearer grant; `None` disables that grant.
    pub jwt_public_key_pem: Option<String>,
    /// Usernames accepted as the JWT `sub`.
    pub jwt_usernames: Vec<String>,
    /// Custom fields added to the standard objects.
    pub custom_fields: Vec<CustomField>,
    /// actix worker threads.
    pub workers: usize,
    /// The `instance_url` token grants answer; `None`: the emulator's own address. A test sets
    /// another to see a client refuse to send its token where it should not.
    pub granted_instance_url: Option<String>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            client_id: "demo-client-id".to_string(),
            client_secret: "demo-client-secret".to_string(),
            refresh_token: "demo-refresh-token".to_string(),
            initial_access_token: None,
            access_token_lifetime: Duration::from_secs(2 * 60 * 60),
            rotate_refresh_tokens: false,
            client_credentials_enabled: true,
            daily_request_limit: 100_000,
            max_open_cursors: 10,
            jwt_public_key_pem: None,
            jwt_usernames: vec!["demo@example.com".to_string()],
            custom_fields: Vec::new(),
            workers: 1,
            granted_instance_url: None,
        }
    }
}

/// A custom field on Contact, Lead or Account (`name` ends with `__c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub object: String,
    pub name: String,
    pub kind: CustomFieldKind,
}

/// The custom field types the emulator supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomFieldKind {
    /// A Checkbox (describe `boolean`); never null, `default` on create.
    Checkbox { default: bool },
    /// A plain Text field (describe `string`) of at most `length` (1..=255) characters.
    Text { length: usize },
    /// A Text field with Setup's "External ID" and/or "Unique" attributes (the Metadata API's
    /// `externalId`, `unique` and `caseSensitive`). A unique field refuses a value another record
    /// of the object already holds (`DUPLICATE_VALUE`); the comparison ignores case unless
    /// `case_sensitive` ("Treat "ABC" and "abc" as different values"), which only a unique field
    /// can be. An external ID field can key upserts (`PATCH /sobjects/{T}/{field}/{value}`).
    KeyText {
        length: usize,
        external_id: bool,
        unique: bool,
        case_sensitive: bool,
    },
}

impl CustomFieldKind {
    /// Whether the field keys upserts.
    pub fn is_external_id(&self) -> bool {
        matches!(
            self,
            CustomFieldKind::KeyText {
                external_id: true,
                ..
            }
        )
    }

    /// Whether no two records may hold the same (non-null) value.
    pub fn is_unique(&self) -> bool {
        matches!(self, CustomFieldKind::KeyText { unique: true, .. })
    }

    /// Whether uniqueness and external-ID matching respect letter case.
    pub fn is_case_sensitive(&self) -> bool {
        matches!(
            self,
            CustomFieldKind::KeyText {
                unique: true,
                case_sensitive: true,
                ..
            }
        )
    }
}

impl CustomField {
    /// A Checkbox field with its default.
    pub fn checkbox(object: &str, name: &str, default: bool) -> Self {
        Self::of(object, name, CustomFieldKind::Checkbox { default })
    }

    /// A plain Text field.
    pub fn text(object: &str, name: &str, length: usize) -> Self {
        Self::of(object, name, CustomFieldKind::Text { length })
    }

    /// A Text field marked External ID and Unique (case-insensitive), the usual integration
    /// key; `.case_sensitive(true)`, `.unique(false)` adjust it.
    pub fn external_id(object: &str, name: &str, length: usize) -> Self {
        Self::of(
            object,
            name,
            CustomFieldKind::KeyText {
                length,
                external_id: true,
                unique: true,
                case_sensitive: false,
            },
        )
    }

    /// The field with Setup's "Unique" attribute set or cleared (a Text field becomes a
    /// `KeyText`; a Checkbox is left alone: Salesforce has no unique checkboxes).
    pub fn unique(self, unique: bool) -> Self {
        self.with_key(|k| k.1 = unique)
    }

    /// The field with "Treat "ABC" and "abc" as different values" set or cleared.
    pub fn case_sensitive(self, case_sensitive: bool) -> Self {
        self.with_key(|k| k.2 = case_sensitive)
    }

    /// The field with the "External ID" attribute set or cleared.
    pub fn with_external_id(self, external_id: bool) -> Self {
        self.with_key(|k| k.0 = external_id)
    }

    fn of(object: &str, name: &str, kind: CustomFieldKind) -> Self {
        Self {
            object: object.to_string(),
            name: name.to_string(),
            kind,
        }
    }

    /// Edits (external_id, unique, case_sensitive) of a text field.
    fn with_key(mut self, edit: impl FnOnce(&mut (bool, bool, bool))) -> Self {
        let (length, mut key) = match self.kind {
            CustomFieldKind::Checkbox { .. } => return self,
            CustomFieldKind::Text { length } => (length, (false, false, false)),
            CustomFieldKind::KeyText {
                length,
                external_id,
                unique,
                case_sensitive,
            } => (length, (external_id, unique, case_sensitive)),
        };
        edit(&mut key);
        self.kind = match key {
            (false, false, _) => CustomFieldKind::Text { length },
            (external_id, unique, case_sensitive) => CustomFieldKind::KeyText {
                length,
                external_id,
                unique,
                case_sensitive,
            },
        };
        self
    }

    /// Parses the CLI form `Contact.Active__c:checkbox[:true]`, `Lead.Code__c:text[:80]` or a
    /// key field `Contact.SCIM_Key__c:text:255:external_id:unique[:case_sensitive]` (the
    /// length may be left out; flags in any order).
    pub fn parse_spec(spec: &str) -> Result<Self, String> {
        let (path, rest) = spec
            .split_once(':')
            .ok_or_else(|| format!("custom field `{spec}`: expected Object.Name__c:kind"))?;
        let (object, name) = path
            .split_once('.')
            .ok_or_else(|| format!("custom field `{spec}`: expected Object.Name__c"))?;
        if !name.ends_with("__c") || name.len() <= 3 {
            return Err(format!("custom field `{spec}`: the name must end with __c"));
        }
        let mut parts = rest.split(':');
        let kind = parts.next().unwrap_or_default();
        let args: Vec<&str> = parts.collect();
        let kind = match kind.to_ascii_lowercase().as_str() {
            "checkbox" | "boolean" => CustomFieldKind::Checkbox {
                default: match args.as_slice() {
                    [] => false,
                    [a] => a.parse().map_err(|_| {
                        format!("custom field `{spec}`: default must be true/false")
                    })?,
                    _ => {
                        return Err(format!(
                            "custom field `{spec}`: a checkbox takes only a default"
                        ))
                    }
                },
            },
            "text" | "string" => parse_text(spec, &args)?,
            other => {
                return Err(format!(
                    "custom field `{spec}`: unknown kind `{other}` (checkbox, text)"
                ))
            }
        };
        Ok(Self {
            object: object.to_string(),
            name: name.to_string(),
            kind,
        })
    }
}

/// `[LENGTH][:external_id][:unique][:case_sensitive]` of a text spec.
fn parse_text(spec: &str, args: &[&str]) -> Result<CustomFieldKind, String> {
    let mut length = 255;
    let mut flags = args;
    if let Some(first) = args
        .first()
        .filter(|a| a.chars().all(|c| c.is_ascii_digit()))
    {
        length = first
            .parse()
            .ok()
            .filter(|n| (1..=255).contains(n))
            .ok_or_else(|| format!("custom field `{spec}`: length must be 1..=255"))?;
        flags = &args[1..];
    }
    let (mut external_id, mut unique, mut case_sensitive) = (false, false, false);
    for flag in flags {
        match flag.to_ascii_lowercase().replace('-', "_").as_str() {
            "external_id" | "externalid" => external_id = true,
            "unique" => unique = true,
            "case_sensitive" | "casesensitive" => case_sensitive = true,
            other => {
                return Err(format!(
                    "custom field `{spec}`: unknown flag `{other}` (external_id, unique, case_sensitive)"
                ))
            }
        }
    }
    if case_sensitive && !unique {
        return Err(format!(
            "custom field `{spec}`: case_sensitive applies only to a unique field"
        ));
    }
    Ok(if external_id || unique {
        CustomFieldKind::KeyText {
            length,
            external_id,
            unique,
            case_sensitive,
        }
    } else {
        CustomFieldKind::Text { length }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_specs_parse_plain_and_key_fields() {
        assert_eq!(
            CustomField::parse_spec("Lead.Code__c:text:80"),
            Ok(CustomField::text("Lead", "Code__c", 80))
        );
        assert_eq!(
            CustomField::parse_spec("Contact.Active__c:checkbox:true"),
            Ok(CustomField::checkbox("Contact", "Active__c", true))
        );
        assert_eq!(
            CustomField::parse_spec("Contact.SCIM_Key__c:text:255:external_id:unique"),
            Ok(CustomField::external_id("Contact", "SCIM_Key__c", 255))
        );
        assert_eq!(
            CustomField::parse_spec("Contact.K__c:text:unique:case_sensitive"),
            Ok(CustomField::text("Contact", "K__c", 255)
                .unique(true)
                .case_sensitive(true))
        );
        assert_eq!(
            CustomField::parse_spec("Contact.E__c:text:40:external_id"),
            Ok(CustomField::text("Contact", "E__c", 40).with_external_id(true))
        );
        assert!(CustomField::parse_spec("Contact.K__c:text:case_sensitive").is_err());
        assert!(CustomField::parse_spec("Contact.K__c:text:80:primary").is_err());
        assert!(CustomField::parse_spec("Contact.K__c:text:256").is_err());
    }

    #[test]
    fn clearing_both_key_attributes_gives_a_plain_text_field() {
        let f = CustomField::external_id("Contact", "K__c", 80)
            .unique(false)
            .with_external_id(false);
        assert_eq!(f.kind, CustomFieldKind::Text { length: 80 });
    }
}
