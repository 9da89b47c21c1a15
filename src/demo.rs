//! `scim-bridge demo`: the built-in Salesforce emulator and the bridge, with two connections
//! (`contacts` → Contact, `leads` → Lead), ready for curl. Nothing to configure.

use std::net::TcpListener;

use crate::config::{self, Config, ConfigError};
use crate::mapping;
use salesforce_emulator::{CustomField, CustomFieldKind, EmulatorConfig, EmulatorHandle};

/// The bearer token the demo's IdP side uses unless `--token` says otherwise.
pub const DEFAULT_TOKEN: &str = "demo-scim-token-0123456789";
/// The demo's admin token (for `POST /admin/connections/{name}/test`).
pub const ADMIN_TOKEN: &str = "demo-admin-token-0123456789";

/// The emulator as the demo (and the tests) run it: default credentials, and the custom fields
/// the default connections need, as `scim-bridge setup-org` would create them: on Contact and
/// Lead the key field (`SCIM_Key__c`, External ID + Unique) and `SCIM_External_Id__c`, on
/// Contact the checkbox `Active__c` that the default Contact disable setting writes, and for
/// Groups the same two on Campaign and the key on CampaignMember.
pub fn emulator_config() -> EmulatorConfig {
    let mut custom_fields = vec![CustomField {
        object: "Contact".to_string(),
        name: "Active__c".to_string(),
        kind: CustomFieldKind::Checkbox { default: true },
    }];
    for object in ["Contact", "Lead"] {
        custom_fields.push(CustomField {
            object: object.to_string(),
            name: mapping::DEFAULT_KEY_FIELD.to_string(),
            kind: CustomFieldKind::KeyText {
                length: 255,
                external_id: true,
                unique: true,
                case_sensitive: false,
            },
        });
        custom_fields.push(CustomField {
            object: object.to_string(),
            name: mapping::DEFAULT_EXTERNAL_ID_FIELD.to_string(),
            kind: CustomFieldKind::KeyText {
                length: 255,
                external_id: true,
                unique: false,
                case_sensitive: false,
            },
        });
    }
    // Groups: the Campaign key (unique) and externalId, and the CampaignMember key.
    custom_fields.push(CustomField {
        object: "Campaign".to_string(),
        name: mapping::group::DEFAULT_GROUP_KEY_FIELD.to_string(),
        kind: CustomFieldKind::KeyText {
            length: 255,
            external_id: true,
            unique: true,
            case_sensitive: false,
        },
    });
    custom_fields.push(CustomField {
        object: "Campaign".to_string(),
        name: mapping::group::DEFAULT_GROUP_EXTERNAL_ID_FIELD.to_string(),
        kind: CustomFieldKind::KeyText {
            length: 255,
            external_id: true,
            unique: false,
            case_sensitive: false,
        },
    });
    custom_fields.push(CustomField {
        object: "CampaignMember".to_string(),
        name: mapping::group::DEFAULT_GROUP_KEY_FIELD.to_string(),
        kind: CustomFieldKind::KeyText {
            length: 255,
            external_id: false,
            unique: false,
            case_sensitive: false,
        },
    });
    EmulatorConfig {
        custom_fields,
        ..EmulatorConfig::default()
    }
}

/// The demo's configuration, pointing at an emulator at `salesforce_url`: `contacts` promotes
/// Leads from `leads`.
pub fn demo_config_text(listen: &str, salesforce_url: &str, token: &str) -> String {
    let mut text = connections_text(listen, salesforce_url, token);
    // A person provisioned on `leads` and then on `contacts` is promoted: the Lead converts.
    text.push_str("\n[connections.contacts.promotion]\nfrom = \"leads\"\n");
    text
}

/// The demo's two connections without promotion (which costs a Lead look-up on every create):
/// what the integration tests pin their request counts on.
pub fn connections_text(listen: &str, salesforce_url: &str, token: &str) -> String {
    let defaults = EmulatorConfig::default();
    let mut text = format!("listen = \"{listen}\"\nadmin_token = \"{ADMIN_TOKEN}\"\n");
    for (name, record_type) in [("contacts", "Contact"), ("leads", "Lead")] {
        text.push_str(&format!(
            r#"
[connections.{name}]
record_type = "{record_type}"

[connections.{name}.salesforce]
domain = "{salesforce_url}"
client_id = "{client_id}"
client_secret = "{client_secret}"
refresh_token = "{refresh_token}"

[connections.{name}.groups]

[connections.{name}.inbound]
bearer_tokens = ["{token}"]
"#,
            client_id = defaults.client_id,
            client_secret = defaults.client_secret,
            refresh_token = defaults.refresh_token,
        ));
    }
    text
}

/// Parses and validates the demo configuration.
pub fn demo_config(listen: &str, salesforce_url: &str, token: &str) -> Result<Config, ConfigError> {
    Config::from_raw(config::parse_raw(&demo_config_text(
        listen,
        salesforce_url,
        token,
    ))?)
}

/// Starts the emulator on `port` (0 = any free port).
pub async fn start_emulator(port: u16) -> std::io::Result<EmulatorHandle> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    salesforce_emulator::spawn_on(listener, emulator_config()).await
}

/// What the demo prints once both servers are up.
pub fn banner(bridge_url: &str, salesforce_url: &str, token: &str) -> String {
    let d = EmulatorConfig::default();
    format!(
        r#"scim-bridge demo is running.

SCIM base URLs (bearer token: {token})
  Contacts: {bridge_url}/scim/v2/contacts
  Leads:    {bridge_url}/scim/v2/leads

Salesforce emulator: {salesforce_url}
  client id {cid}, client secret {secret}, refresh token {rt}

Try it:
  curl -s -X POST {bridge_url}/scim/v2/contacts/Users \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/scim+json' \
    -d '{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com","name":{{"givenName":"Ada","familyName":"Lovelace"}},"emails":[{{"value":"ada@example.com","type":"work","primary":true}}]}}'

  curl -s '{bridge_url}/scim/v2/contacts/Users?filter=userName%20eq%20%22ada@example.com%22' \
    -H 'Authorization: Bearer {token}'

  curl -s -X POST {bridge_url}/scim/v2/contacts/Groups \
    -H 'Authorization: Bearer {token}' -H 'Content-Type: application/scim+json' \
    -d '{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Beta Testers","members":[{{"value":"<the id above>"}}]}}'

  curl -s -X POST {bridge_url}/admin/connections/contacts/test -H 'Authorization: Bearer {ADMIN_TOKEN}'

Press Ctrl-C to stop.
"#,
        cid = d.client_id,
        secret = d.client_secret,
        rt = d.refresh_token,
    )
}
