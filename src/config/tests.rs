//! Configuration tests: defaults, every problem at once, secrets from files and the
//! environment, and the annotated example.

// figment::Jail's closures return its own (large) error type.
#![allow(clippy::result_large_err)]

use secrecy::ExposeSecret;

use super::*;
use crate::provisioning::{OnExisting, Policy, RemoveAction};
use crate::salesforce::SObject;

fn minimal(extra: &str) -> String {
    format!(
        r#"
listen = "127.0.0.1:0"
[connections.contacts]
record_type = "Contact"
{extra}
[connections.contacts.salesforce]
domain = "https://acme.my.salesforce.com"
client_id = "cid"
client_secret = "secret"
refresh_token = "rt"
[connections.contacts.inbound]
bearer_tokens = ["0123456789abcdef0123"]
"#
    )
}

#[test]
fn a_minimal_contact_connection_gets_the_default_mapping_and_policy() {
    let cfg = Config::from_raw(parse_raw(&minimal("")).unwrap()).unwrap();
    let conn = cfg.connection("contacts").unwrap();
    assert_eq!(conn.spec.mapping.object, SObject::Contact);
    assert_eq!(conn.spec.policy, Policy::default());
    assert_eq!(conn.spec.match_field.as_str(), "Email");
    assert!(conn
        .spec
        .mapping
        .rows
        .iter()
        .any(|r| r.field.as_str() == "LastName"));
    assert_eq!(conn.spec.on_existing, OnExisting::Link);
    assert_eq!(conn.spec.max_results, 200);
    assert_eq!(conn.salesforce.api_version, "62.0");
    assert_eq!(conn.spec.call_timeout, conn.salesforce.timeout);
}

#[test]
fn every_problem_is_reported_at_once_by_key_name() {
    let text = r#"
listen = "nowhere"
colour = "blue"
[connections.Bad]
record_type = "Opportunity"
[connections.Bad.salesforce]
domain = "http://acme.my.salesforce.com"
[connections.Bad.policy]
remove_action = "explode"
"#;
    let err = Config::from_raw(parse_raw(text).unwrap()).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    for expected in [
        "listen",
        "colour",
        "connections.Bad",
        "connections.Bad.record_type",
        "connections.Bad.salesforce.domain",
        "connections.Bad.salesforce.client_id",
        "connections.Bad.salesforce",
        "connections.Bad.inbound.bearer_tokens",
        "connections.Bad.policy.remove_action",
    ] {
        assert!(keys.contains(&expected), "{expected} missing from {keys:?}");
    }
}

#[test]
fn a_secret_in_a_file_is_read_and_trimmed() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("secret", "from-file\n")?;
        let path = jail.directory().join("secret");
        let text = minimal("").replace(
            "client_secret = \"secret\"",
            &format!("client_secret_file = {:?}", path.display().to_string()),
        );
        let cfg = Config::from_raw(parse_raw(&text).unwrap()).unwrap();
        let sf = &cfg.connection("contacts").unwrap().salesforce;
        assert_eq!(
            sf.client_secret.as_ref().unwrap().expose_secret(),
            "from-file"
        );
        Ok(())
    });
}

#[test]
fn a_debug_print_of_the_config_never_shows_a_secret() {
    let cfg = Config::from_raw(parse_raw(&minimal("")).unwrap()).unwrap();
    let printed = format!("{cfg:?}");
    assert!(!printed.contains("0123456789abcdef0123"));
    assert!(!printed.contains("\"secret\""));
}

#[test]
fn an_environment_variable_overrides_the_file() {
    // figment's Jail: a temporary directory and environment, restored afterwards and never
    // shared with a parallel test.
    figment::Jail::expect_with(|jail| {
        jail.create_file("config.toml", &minimal(""))?;
        jail.set_env(
            "SCIM_BRIDGE_CONNECTIONS__CONTACTS__SALESFORCE__CLIENT_SECRET",
            "from-env",
        );
        let cfg = load(Path::new("config.toml")).unwrap();
        let sf = &cfg.connection("contacts").unwrap().salesforce;
        assert_eq!(
            sf.client_secret.as_ref().unwrap().expose_secret(),
            "from-env"
        );
        Ok(())
    });
}

#[test]
fn a_missing_file_is_reported_by_name() {
    let err = load(Path::new("/nonexistent/scim-bridge.toml")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/scim-bridge.toml"));
}

#[test]
fn the_annotated_example_config_is_valid() {
    figment::Jail::expect_with(|jail| {
        let dir = jail.directory().to_path_buf();
        for (name, content) in [
            ("scim-bridge-admin-token", "an-admin-token-of-some-length"),
            ("sf-client-secret", "secret"),
            ("sf-refresh-token", "refresh"),
            (
                "scim-bridge-contacts-tokens",
                "# tokens\ncontacts-token-0123456789\n",
            ),
            ("scim-bridge-leads-tokens", "leads-token-0123456789"),
            (
                "scim-bridge-token-signing-secret",
                "a-signing-secret-of-at-least-32-characters",
            ),
            (
                "scim-bridge-contacts-oauth-secret",
                "oauth-secret-0123456789",
            ),
        ] {
            jail.create_file(name, content)?;
        }
        let text = include_str!("../../config.example.toml")
            .replace("/run/secrets/", &format!("{}/", dir.display()));
        let cfg = Config::from_raw(parse_raw(&text).unwrap()).unwrap();
        assert_eq!(cfg.connections.len(), 2);
        let contacts = cfg.connection("contacts").unwrap();
        assert_eq!(contacts.inbound.bearer_tokens.len(), 1);
        assert!(contacts.inbound.oauth_client.is_some());
        assert!(cfg.token_signing_secret.is_some());
        // The key row, then the file's eight.
        assert_eq!(contacts.spec.mapping.rows.len(), 9);
        assert!(contacts.spec.mapping.rows[2].fallback);
        assert!(!contacts.spec.mapping.rows[8].update);
        assert_eq!(
            cfg.connection("leads").unwrap().spec.policy.remove_action,
            RemoveAction::Delete
        );
        Ok(())
    });
}

#[test]
fn deprovisioning_on_rule_deletion_with_deprovisioning_off_is_a_contradiction() {
    let text = minimal(
        "[connections.contacts.policy]\nallow_deprovision = false\ndeprovision_on_rule_deletion = true\n",
    );
    let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
    assert_eq!(
        err.0[0].key,
        "connections.contacts.policy.deprovision_on_rule_deletion"
    );
}

#[test]
fn an_oauth_client_needs_a_signing_secret() {
    let text = minimal("").replace(
        "bearer_tokens = [\"0123456789abcdef0123\"]",
        "oauth_client_id = \"pingone\"\noauth_client_secret = \"0123456789abcdef0123\"",
    );
    let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
    assert!(
        err.0.iter().any(|p| p.key == "token_signing_secret"),
        "{err}"
    );
    let with_secret = format!("token_signing_secret = \"{}\"\n{text}", "s".repeat(32));
    let cfg = Config::from_raw(parse_raw(&with_secret).unwrap()).unwrap();
    assert!(cfg
        .connection("contacts")
        .unwrap()
        .inbound
        .oauth_client
        .is_some());
}

#[test]
fn a_lead_mapping_without_company_is_refused() {
    let text = minimal(
        r#"
[[connections.contacts.mapping]]
scim = "name.familyName"
field = "LastName"
[[connections.contacts.mapping]]
scim = "userName"
field = "Email"
"#,
    )
    .replace("record_type = \"Contact\"", "record_type = \"Lead\"");
    let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
    assert!(err.0.iter().any(|p| p.message.contains("Company")), "{err}");
}

#[test]
fn public_url_and_trusted_proxies_are_checked_and_kept() {
    let text = format!(
        "public_url = \"https://scim.example.com/\"\ntrusted_proxies = [\"10.0.0.0/8\", \"192.168.1.7\"]\n{}",
        minimal("")
    );
    let cfg = Config::from_raw(parse_raw(&text).unwrap()).unwrap();
    assert_eq!(cfg.public_url.as_deref(), Some("https://scim.example.com"));
    assert_eq!(cfg.trusted_proxies.len(), 2);
    let text = format!(
        "public_url = \"javascript://x\"\ntrusted_proxies = [\"lb.internal\"]\n{}",
        minimal("")
    );
    let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["public_url", "trusted_proxies"]);
}

#[test]
fn the_removal_guard_is_on_by_default_and_off_only_when_configured_off() {
    let cfg = Config::from_raw(parse_raw(&minimal("")).unwrap()).unwrap();
    let spec = cfg.connection("contacts").unwrap().spec.removal_guard;
    assert_eq!(spec, Some(crate::provisioning::guard::GuardSpec::default()));
    let text = minimal("[connections.contacts.removal_guard]\nenabled = false\n");
    let cfg = Config::from_raw(parse_raw(&text).unwrap()).unwrap();
    assert_eq!(cfg.connection("contacts").unwrap().spec.removal_guard, None);
    let text = minimal("[connections.contacts.removal_guard]\nwindow_secs = 0\nthreshold = 5\n");
    let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
    let keys: Vec<&str> = err.0.iter().map(|p| p.key.as_str()).collect();
    assert!(
        keys.contains(&"connections.contacts.removal_guard.window_secs"),
        "{keys:?}"
    );
    assert!(keys.iter().any(|k| k.contains("threshold")), "{keys:?}");
}

#[test]
fn a_groups_table_turns_groups_on_with_defaults_and_enabled_false_turns_them_off() {
    let cfg =
        Config::from_raw(parse_raw(&minimal("[connections.contacts.groups]")).unwrap()).unwrap();
    let groups = cfg
        .connection("contacts")
        .unwrap()
        .spec
        .groups
        .clone()
        .unwrap();
    assert_eq!(groups.mapping.owner, "contacts");
    assert_eq!(groups.mapping.key_field.as_str(), "SCIM_Key__c");
    assert_eq!(
        groups
            .mapping
            .external_id_field
            .as_ref()
            .map(|f| f.as_str()),
        Some("SCIM_External_Id__c")
    );
    assert_eq!(
        groups.mapping.fixed.get("IsActive"),
        Some(&serde_json::json!(true))
    );
    assert_eq!(
        groups.on_delete,
        crate::provisioning::groups::GroupDelete::Deactivate
    );
    let off = minimal("[connections.contacts.groups]\nenabled = false");
    let cfg = Config::from_raw(parse_raw(&off).unwrap()).unwrap();
    assert!(cfg.connection("contacts").unwrap().spec.groups.is_none());
}

#[test]
fn a_bad_groups_table_names_each_key_and_what_to_write() {
    let text = minimal(
        r#"[connections.contacts.groups]
owner = "a:b"
key_field = "Name"
on_delete = "archive"
colour = "blue"
[connections.contacts.groups.campaign]
Name = "x"
Type = ["a", "b"]"#,
    );
    let err = Config::from_raw(parse_raw(&text).unwrap()).unwrap_err();
    let text = err.to_string();
    for (key, says) in [
        ("connections.contacts.groups.owner", "letters, digits"),
        (
            "connections.contacts.groups.key_field",
            "is not a custom field",
        ),
        (
            "connections.contacts.groups.on_delete",
            "deactivate, delete",
        ),
        ("connections.contacts.groups.colour", "unknown key"),
        (
            "connections.contacts.groups.campaign.Name",
            "writes this field itself",
        ),
        (
            "connections.contacts.groups.campaign.Type",
            "text, number or true/false",
        ),
    ] {
        assert!(
            err.0
                .iter()
                .any(|p| p.key == key && p.message.contains(says)),
            "{key}: {text}"
        );
    }
}
