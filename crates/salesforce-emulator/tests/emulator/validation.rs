//! Save-time validation: every Salesforce error a create or update can answer.

use reqwest::{Method, StatusCode};
use salesforce_emulator::{CustomField, CustomFieldKind, EmulatorConfig};
use serde_json::json;

use crate::helpers::*;

async fn rejected(
    org: &Org,
    method: Method,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let r = org.call(method, path, Some(body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    r.body
}

#[tokio::test]
async fn required_fields_are_enforced_per_object() {
    let org = Org::start().await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"FirstName": "Ada"}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
            &["LastName"]
        )
    );
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Lead",
        json!({"FirstName": "Grace"}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName, Company]",
            &["LastName", "Company"]
        )
    );
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Account",
        json!({"Phone": "1"}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [Name]",
            &["Name"]
        )
    );
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": ""}),
    )
    .await;
    assert_eq!(
        b[0]["errorCode"], "REQUIRED_FIELD_MISSING",
        "an empty string is a null"
    );
}

#[tokio::test]
async fn clearing_a_required_field_on_update_fails() {
    let org = Org::start().await;
    let id = org.create("Contact", json!({"LastName": "Lovelace"})).await;
    let b = rejected(
        &org,
        Method::PATCH,
        &format!("/sobjects/Contact/{id}"),
        json!({"LastName": null}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
            &["LastName"]
        )
    );
}

#[tokio::test]
async fn over_long_strings_fail_with_string_too_long() {
    let org = Org::start().await;
    let long = "x".repeat(41);
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "FirstName": long}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "STRING_TOO_LONG",
            &format!("First Name: data value too large: {long} (max length=40)"),
            &["FirstName"]
        )
    );
    // Exactly at the limit is fine (Company is 255 on Lead).
    org.create("Lead", json!({"LastName": "L", "Company": "c".repeat(255)}))
        .await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Lead",
        json!({"LastName": "L", "Company": "c".repeat(256)}),
    )
    .await;
    assert_eq!(b[0]["fields"], json!(["Company"]));
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "MailingPostalCode": "1".repeat(21)}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "STRING_TOO_LONG");
}

#[tokio::test]
async fn unknown_fields_are_invalid_field() {
    let org = Org::start().await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "Foo": 1}),
    )
    .await;
    assert_eq!(
        b,
        err(
            "INVALID_FIELD",
            "No such column 'Foo' on sobject of type Contact"
        )
    );
    // Company exists on Lead, not on Contact.
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "Company": "x"}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "INVALID_FIELD");
}

#[tokio::test]
async fn read_only_fields_cannot_be_written() {
    let org = Org::start().await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "CreatedDate": "2020-01-01T00:00:00.000+0000"}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(b[0]["fields"], json!(["CreatedDate"]));
    assert!(b[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Unable to create/update fields: CreatedDate."));
    for field in [
        "IsConverted",
        "ConvertedContactId",
        "IsDeleted",
        "SystemModstamp",
        "Name",
    ] {
        let b = rejected(
            &org,
            Method::POST,
            "/sobjects/Lead",
            json!({"LastName": "L", "Company": "C", field: null}),
        )
        .await;
        assert_eq!(
            b[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE",
            "{field}"
        );
    }
    let id = org.create("Contact", json!({"LastName": "L"})).await;
    let b = rejected(
        &org,
        Method::PATCH,
        &format!("/sobjects/Contact/{id}"),
        json!({"LastModifiedDate": null}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
}

#[tokio::test]
async fn an_id_in_a_create_body_is_invalid_field() {
    let org = Org::start().await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "Id": "0035g0000000001AAA"}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "INVALID_FIELD",
            "Record ID: cannot specify Id in an insert call",
            &["Id"]
        )
    );
}

#[tokio::test]
async fn a_bad_email_is_invalid_email_address() {
    let org = Org::start().await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "Email": "x"}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: x",
            &["Email"]
        )
    );
}

#[tokio::test]
async fn wrong_json_types_and_malformed_json_are_json_parser_errors() {
    let org = Org::start().await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "DoNotCall": "yes"}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "JSON_PARSER_ERROR");
    assert!(b[0].get("fields").is_none());
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": {"a": 1}}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "JSON_PARSER_ERROR");
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!([{"LastName": "L"}]),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "JSON_PARSER_ERROR");
    let r = org
        .raw(
            Method::POST,
            &format!("{V}/sobjects/Contact"),
            Some(&org.token.clone()),
            &[],
            Some("{\"LastName\": ".into()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "JSON_PARSER_ERROR");
}

#[tokio::test]
async fn lead_status_defaults_and_is_a_restricted_picklist() {
    let org = Org::start().await;
    let id = org
        .create("Lead", json!({"LastName": "L", "Company": "C"}))
        .await;
    assert_eq!(
        org.get(&format!("/sobjects/Lead/{id}")).await.body["Status"],
        "Open - Not Contacted"
    );
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Lead",
        json!({"LastName": "L", "Company": "C", "Status": "Hot"}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "Status: bad value for restricted picklist field: Hot",
            &["Status"]
        )
    );
    let r = org
        .patch(
            &format!("/sobjects/Lead/{id}"),
            json!({"Status": "Working - Contacted"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_contact_account_must_be_a_live_account() {
    let org = Org::start().await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "AccountId": "nope"}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "MALFORMED_ID",
            "Account ID: id value of incorrect type: nope",
            &["AccountId"]
        )
    );
    let other = org.create("Contact", json!({"LastName": "Other"})).await;
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "AccountId": other}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "FIELD_INTEGRITY_EXCEPTION");
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "AccountId": "0015g0000000999AAA"}),
    )
    .await;
    assert_eq!(
        b,
        dml_err(
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
            &["AccountId"]
        )
    );
    let acc = org.create("Account", json!({"Name": "Acme"})).await;
    org.create("Contact", json!({"LastName": "L", "AccountId": acc}))
        .await;
}

#[tokio::test]
async fn duplicate_rules_refuse_a_second_email_unless_allow_save() {
    let org = Org::start().await;
    org.create("Contact", json!({"LastName": "A", "Email": "ada@x.com"}))
        .await;
    // Off by default.
    org.create("Contact", json!({"LastName": "B", "Email": "ADA@x.com"}))
        .await;
    let r = org
        .control(
            Method::POST,
            "/__emulator/duplicate-rules",
            Some(json!({"object": "Contact", "enabled": true})),
        )
        .await;
    assert!(r.status.is_success());
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "C", "Email": "Ada@X.com"}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "DUPLICATES_DETECTED");
    let dr = &b[0]["duplicateResult"];
    assert_eq!(dr["duplicateRuleEntityType"], "Contact");
    assert_eq!(
        dr["matchResults"][0]["matchRecords"][0]["record"]["Id"]
            .as_str()
            .unwrap()
            .len(),
        18
    );
    // Leads have their own rule.
    org.create(
        "Lead",
        json!({"LastName": "C", "Company": "X", "Email": "ada@x.com"}),
    )
    .await;
    let r = org
        .raw(
            Method::POST,
            &format!("{V}/sobjects/Contact"),
            Some(&org.token.clone()),
            &[("Sforce-Duplicate-Rule-Header", "allowSave=true")],
            Some(json!({"LastName": "C", "Email": "ada@x.com"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // An update to a duplicate email fails too.
    let id = org
        .create("Contact", json!({"LastName": "D", "Email": "d@x.com"}))
        .await;
    let b = rejected(
        &org,
        Method::PATCH,
        &format!("/sobjects/Contact/{id}"),
        json!({"Email": "ada@x.com"}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "DUPLICATES_DETECTED");
}

#[tokio::test]
async fn custom_fields_take_their_defaults_and_lengths() {
    let org = Org::with(EmulatorConfig {
        custom_fields: vec![
            CustomField {
                object: "Contact".into(),
                name: "Active__c".into(),
                kind: CustomFieldKind::Checkbox { default: true },
            },
            CustomField {
                object: "Contact".into(),
                name: "Code__c".into(),
                kind: CustomFieldKind::Text { length: 5 },
            },
        ],
        ..EmulatorConfig::default()
    })
    .await;
    let id = org.create("Contact", json!({"LastName": "L"})).await;
    let rec = org.get(&format!("/sobjects/Contact/{id}")).await.body;
    assert_eq!(rec["Active__c"], true);
    assert_eq!(rec["Code__c"], json!(null));
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Contact",
        json!({"LastName": "L", "Code__c": "123456"}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "STRING_TOO_LONG");
    assert_eq!(b[0]["fields"], json!(["Code__c"]));
    let b = rejected(
        &org,
        Method::POST,
        "/sobjects/Lead",
        json!({"LastName": "L", "Company": "C", "Active__c": true}),
    )
    .await;
    assert_eq!(b[0]["errorCode"], "INVALID_FIELD");
}

async fn post_contact_with_header(org: &Org, header: &str, body: serde_json::Value) -> Resp {
    org.raw(
        Method::POST,
        &format!("{V}/sobjects/Contact"),
        Some(&org.token.clone()),
        &[("Sforce-Duplicate-Rule-Header", header)],
        Some(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn allow_save_in_the_documented_semicolon_form_acknowledges_an_alerting_rule() {
    let org = Org::start().await;
    org.create("Contact", json!({"LastName": "A", "Email": "ada@x.com"}))
        .await;
    org.control(
        Method::POST,
        "/__emulator/duplicate-rules",
        Some(json!({"object": "Contact"})),
    )
    .await;
    let refused = post_contact_with_header(
        &org,
        "allowSave=false; includeRecordDetails=true",
        json!({"LastName": "B", "Email": "ada@x.com"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // An alerting rule says in its result that the duplicate may be saved.
    assert_eq!(refused.body[0]["duplicateResult"]["allowSave"], true);
    let saved = post_contact_with_header(
        &org,
        "includeRecordDetails=true; allowSave=true; runAsCurrentUser=true",
        json!({"LastName": "B", "Email": "ada@x.com"}),
    )
    .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
}

#[tokio::test]
async fn a_blocking_duplicate_rule_refuses_even_with_allow_save() {
    let org = Org::start().await;
    org.create("Contact", json!({"LastName": "A", "Email": "ada@x.com"}))
        .await;
    let r = org
        .control(
            Method::POST,
            "/__emulator/duplicate-rules",
            Some(json!({"object": "Contact", "action": "block"})),
        )
        .await;
    assert!(r.status.is_success());
    let r = post_contact_with_header(
        &org,
        "allowSave=true",
        json!({"LastName": "B", "Email": "ADA@x.com"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "DUPLICATES_DETECTED");
    assert_eq!(r.body[0]["duplicateResult"]["allowSave"], false);
}
