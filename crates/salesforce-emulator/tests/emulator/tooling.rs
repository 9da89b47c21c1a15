//! Tooling API `POST /tooling/sobjects/CustomField`: Text key fields and Checkbox fields
//! appear in describe, SOQL and records; Salesforce's answer and errors; auth, counting,
//! faults and reset.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const TOOLING: &str = "/tooling/sobjects/CustomField";

fn key_metadata() -> Value {
    json!({"label": "SCIM Key", "type": "Text", "length": 255, "externalId": true,
           "unique": true, "caseSensitive": false, "description": "the bridge's key"})
}

#[tokio::test]
async fn creating_a_text_key_field_answers_201_and_the_field_is_everywhere_next() {
    let org = Org::start().await;
    let before = org.create("Contact", json!({"LastName": "Before"})).await;
    let r = org
        .post(
            TOOLING,
            json!({"FullName": "Contact.SCIM_Key__c", "Metadata": key_metadata()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("00N") && id.len() == 18, "{id}");
    assert_eq!(
        r.body,
        json!({"id": id, "success": true, "errors": [], "warnings": [], "infos": []})
    );
    let f = org
        .kit
        .describe_field("Contact", "SCIM_Key__c")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f["label"], "SCIM Key");
    assert_eq!(f["length"], 255);
    assert_eq!(
        (&f["externalId"], &f["unique"], &f["caseSensitive"]),
        (&json!(true), &json!(true), &json!(false))
    );
    let old = org.kit.record("Contact", &before).await.unwrap().unwrap();
    assert_eq!(
        old["SCIM_Key__c"],
        Value::Null,
        "existing records hold null"
    );
    let up = org
        .kit
        .upsert("Contact", "SCIM_Key__c", "k", &json!({"LastName": "New"}))
        .await
        .unwrap();
    assert!(up.created);
    assert_eq!(
        org.kit
            .count("Contact", Some("SCIM_Key__c = 'K'"))
            .await
            .unwrap(),
        1
    );
    let dup = org
        .post(
            "/sobjects/Contact",
            json!({"LastName": "Dup", "SCIM_Key__c": "k"}),
        )
        .await;
    assert_eq!(dup.body, duplicate_value("SCIM_Key__c", &up.id));
}

#[tokio::test]
async fn a_checkbox_field_gives_existing_and_new_records_its_default() {
    let org = Org::start().await;
    let before = org.create("Contact", json!({"LastName": "Before"})).await;
    for (name, default) in [("Active__c", json!("true")), ("Flag__c", json!(false))] {
        org.kit
            .create_custom_field(
                &format!("Contact.{name}"),
                &json!({"label": name, "type": "Checkbox", "defaultValue": default}),
            )
            .await
            .unwrap();
    }
    let f = org
        .kit
        .describe_field("Contact", "Active__c")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (&f["type"], &f["defaultValue"], &f["nillable"]),
        (&json!("boolean"), &json!(true), &json!(false))
    );
    let old = org.kit.record("Contact", &before).await.unwrap().unwrap();
    assert_eq!(
        (&old["Active__c"], &old["Flag__c"]),
        (&json!(true), &json!(false))
    );
    let new = org.create("Contact", json!({"LastName": "New"})).await;
    let new = org.kit.record("Contact", &new).await.unwrap().unwrap();
    assert_eq!(
        (&new["Active__c"], &new["Flag__c"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(
        org.kit
            .count("Contact", Some("Active__c = true"))
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn creating_a_field_that_exists_is_duplicate_developer_name() {
    let org = key_org().await;
    for full_name in ["Contact.SCIM_Key__c", "contact.scim_key__c"] {
        let r = org
            .post(
                TOOLING,
                json!({"FullName": full_name, "Metadata": key_metadata()}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.body,
            dml_err(
                "DUPLICATE_DEVELOPER_NAME",
                "There is already a field named SCIM_Key on Contact.",
                &[]
            )
        );
    }
    // The same name on another object is another field.
    let lead = org
        .post(
            TOOLING,
            json!({"FullName": "Lead.SCIM_Key__c", "Metadata": key_metadata()}),
        )
        .await;
    assert_eq!(lead.status, StatusCode::CREATED);
}

#[tokio::test]
async fn bad_definitions_are_refused_with_metadata_api_messages() {
    let org = Org::start().await;
    let text = |extra: Value| {
        let mut m = json!({"label": "K", "type": "Text", "length": 80});
        if let (Some(m), Value::Object(e)) = (m.as_object_mut(), extra) {
            m.extend(e);
        }
        m
    };
    let cases = [
        (json!({"FullName": "SCIM_Key__c", "Metadata": text(json!({}))}), "FIELD_INTEGRITY_EXCEPTION",
         "Invalid fullName SCIM_Key__c: must be of the form ObjectName.FieldName__c"),
        (json!({"FullName": "Opportunity.K__c", "Metadata": text(json!({}))}), "FIELD_INTEGRITY_EXCEPTION",
         "In field: fullName - no CustomObject named Opportunity found"),
        (json!({"FullName": "Contact.K__c", "Metadata": {"label": "K", "type": "Text"}}), "FIELD_INTEGRITY_EXCEPTION",
         "Must specify 'length' for a CustomField of type Text"),
        (json!({"FullName": "Contact.K__c", "Metadata": {"label": "K", "type": "Checkbox"}}), "FIELD_INTEGRITY_EXCEPTION",
         "Must specify 'defaultValue' for a CustomField of type Checkbox"),
        (json!({"FullName": "Contact.K__c", "Metadata": {"label": "K", "type": "Checkbox", "defaultValue": "false", "length": 1}}),
         "FIELD_INTEGRITY_EXCEPTION", "Can not specify 'length' for a CustomField of type Checkbox"),
        (json!({"FullName": "Contact.K__c", "Metadata": {"type": "Text", "length": 80}}), "FIELD_INTEGRITY_EXCEPTION",
         "Must specify a non-empty label for the CustomField"),
        (json!({"FullName": "Contact.K__c", "Metadata": text(json!({"type": "Number"}))}), "FIELD_INTEGRITY_EXCEPTION",
         "salesforce-emulator: field type Number is not emulated (Text and Checkbox fields without required)"),
    ];
    for (body, code, message) in cases {
        let r = org.post(TOOLING, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.body, dml_err(code, message, &[]), "{body}");
    }
    for bad_name in [
        "Contact.K",
        "Contact.2K__c",
        "Contact.K__x__c",
        "Contact.K___c",
    ] {
        let r = org
            .post(
                TOOLING,
                json!({"FullName": bad_name, "Metadata": text(json!({}))}),
            )
            .await;
        assert_eq!(
            r.body[0]["errorCode"], "FIELD_INTEGRITY_EXCEPTION",
            "{bad_name}"
        );
    }
    let r = org
        .post(
            TOOLING,
            json!({"FullName": "Contact.K__c", "Metadata": text(json!({"type": "Texte"}))}),
        )
        .await;
    assert_eq!(r.body[0]["errorCode"], "JSON_PARSER_ERROR");
    let r = org
        .post(
            TOOLING,
            json!({"FullName": "Contact.K__c", "Metadata": text(json!({"externalID": true}))}),
        )
        .await;
    assert_eq!(
        r.body[0]["errorCode"], "JSON_PARSER_ERROR",
        "misspelt properties are not ignored"
    );
    let r = org
        .post(
            TOOLING,
            json!({"FullName": "Contact.K__c", "DeveloperName": "K", "Metadata": text(json!({}))}),
        )
        .await;
    assert_eq!(
        r.body,
        err(
            "INVALID_FIELD",
            "No such column 'DeveloperName' on sobject of type CustomField"
        )
    );
    assert!(org
        .kit
        .describe_field("Contact", "K__c")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn the_tooling_call_needs_a_token_counts_once_and_can_be_faulted() {
    let org = Org::start().await;
    let body = json!({"FullName": "Contact.K__c", "Metadata": key_metadata()}).to_string();
    let path = format!("{V}{TOOLING}");
    let r = org
        .raw(Method::POST, &path, None, &[], Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let fault = org
        .kit
        .inject_fault(&json!({"errorCode": "SERVER_UNAVAILABLE", "count": 1, "path": "/tooling/sobjects/CustomField"}))
        .await
        .unwrap();
    let token = org.token.clone();
    let r = org
        .raw(Method::POST, &path, Some(&token), &[], Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let r = org
        .raw(Method::POST, &path, Some(&token), &[], Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let stats = org.kit.stats().await.unwrap();
    assert_eq!(stats.fired(fault), 1);
    assert_eq!(stats.endpoint("POST /tooling/sobjects/CustomField"), 1);
    assert_eq!(
        stats.api_requests_total, 1,
        "a 503 is not counted; the create is"
    );
    assert_eq!(
        r.headers["Sforce-Limit-Info"].to_str().unwrap(),
        "api-usage=1/100000"
    );
}

#[tokio::test]
async fn reset_drops_tooling_fields_but_keeps_configured_ones() {
    let org = key_org().await;
    org.kit
        .create_custom_field(
            "Contact.Extra__c",
            &json!({"label": "Extra", "type": "Text", "length": 10}),
        )
        .await
        .unwrap();
    assert!(org
        .kit
        .describe_field("Contact", "Extra__c")
        .await
        .unwrap()
        .is_some());
    org.kit.reset().await.unwrap();
    assert!(org
        .kit
        .describe_field("Contact", "Extra__c")
        .await
        .unwrap()
        .is_none());
    assert!(org
        .kit
        .describe_field("Contact", "SCIM_Key__c")
        .await
        .unwrap()
        .is_some());
    let again = org
        .kit
        .create_custom_field(
            "Contact.Extra__c",
            &json!({"label": "Extra", "type": "Text", "length": 10}),
        )
        .await;
    assert!(again.is_ok(), "{again:?}");
}

#[tokio::test]
async fn composite_does_not_run_tooling_subrequests() {
    let org = Org::start().await;
    let r = org
        .post(
            "/composite",
            json!({"compositeRequest": [{"method": "POST", "url": format!("{V}{TOOLING}"), "referenceId": "f",
                   "body": {"FullName": "Contact.K__c", "Metadata": key_metadata()}}]}),
        )
        .await;
    assert_eq!(r.body["compositeResponse"][0]["httpStatusCode"], 404);
    assert!(org
        .kit
        .describe_field("Contact", "K__c")
        .await
        .unwrap()
        .is_none());
}
