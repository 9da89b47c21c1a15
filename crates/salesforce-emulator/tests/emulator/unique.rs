//! Unique / External ID text fields: describe, DUPLICATE_VALUE on every write path (single
//! create and update, Collections, Composite), nulls, letter case, the Recycle Bin, rollback,
//! and SOQL filters on them.

use reqwest::{Method, StatusCode};
use salesforce_emulator::{CustomField, EmulatorConfig};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn describe_reports_an_external_id_unique_field_as_salesforce_does() {
    let org = Org::with(EmulatorConfig {
        custom_fields: vec![
            CustomField::external_id("Contact", "SCIM_Key__c", 255),
            CustomField::text("Contact", "Exact__c", 40)
                .unique(true)
                .case_sensitive(true),
            CustomField::text("Contact", "Plain__c", 80),
        ],
        ..EmulatorConfig::default()
    })
    .await;
    let key = org
        .kit
        .describe_field("Contact", "scim_key__c")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(key["name"], "SCIM_Key__c");
    assert_eq!(key["type"], "string");
    assert_eq!(key["length"], 255);
    assert_eq!(key["externalId"], true);
    assert_eq!(key["unique"], true);
    assert_eq!(key["caseSensitive"], false);
    assert_eq!(key["idLookup"], true, "external IDs can key an upsert");
    assert_eq!(key["custom"], true);
    assert_eq!(key["nillable"], true);
    let exact = org
        .kit
        .describe_field("Contact", "Exact__c")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            &exact["externalId"],
            &exact["unique"],
            &exact["caseSensitive"],
            &exact["idLookup"]
        ),
        (&json!(false), &json!(true), &json!(true), &json!(false))
    );
    let plain = org
        .kit
        .describe_field("Contact", "Plain__c")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            &plain["externalId"],
            &plain["unique"],
            &plain["caseSensitive"]
        ),
        (&json!(false), &json!(false), &json!(false))
    );
}

#[tokio::test]
async fn a_second_record_with_the_same_key_in_any_letter_case_is_refused_with_duplicate_value() {
    let org = key_org().await;
    let first = org
        .create(
            "Contact",
            json!({"LastName": "A", "SCIM_Key__c": "conn1:u-1"}),
        )
        .await;
    let r = org
        .post(
            "/sobjects/Contact",
            json!({"LastName": "B", "SCIM_Key__c": "CONN1:U-1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body, duplicate_value("SCIM_Key__c", &first));
    assert_eq!(org.kit.count("Contact", None).await.unwrap(), 1);
}

#[tokio::test]
async fn nulls_and_empty_strings_never_collide() {
    let org = key_org().await;
    for body in [
        json!({"LastName": "A"}),
        json!({"LastName": "B"}),
        json!({"LastName": "C", "SCIM_Key__c": null}),
        json!({"LastName": "D", "SCIM_Key__c": ""}),
    ] {
        org.create("Contact", body).await;
    }
    assert_eq!(
        org.kit
            .count("Contact", Some("SCIM_Key__c = null"))
            .await
            .unwrap(),
        4
    );
}

#[tokio::test]
async fn a_case_sensitive_unique_field_refuses_only_the_exact_value() {
    let org = Org::with(EmulatorConfig {
        custom_fields: vec![CustomField::text("Contact", "Exact__c", 40)
            .unique(true)
            .case_sensitive(true)],
        ..EmulatorConfig::default()
    })
    .await;
    let first = org
        .create("Contact", json!({"LastName": "A", "Exact__c": "abc"}))
        .await;
    org.create("Contact", json!({"LastName": "B", "Exact__c": "ABC"}))
        .await;
    let r = org
        .post(
            "/sobjects/Contact",
            json!({"LastName": "C", "Exact__c": "abc"}),
        )
        .await;
    assert_eq!(r.body, duplicate_value("Exact__c", &first));
}

#[tokio::test]
async fn an_update_may_keep_its_own_key_but_not_take_another_records() {
    let org = key_org().await;
    let a = org
        .create("Contact", json!({"LastName": "A", "SCIM_Key__c": "k-a"}))
        .await;
    let b = org
        .create("Contact", json!({"LastName": "B", "SCIM_Key__c": "k-b"}))
        .await;
    let same = org
        .patch(
            &format!("/sobjects/Contact/{b}"),
            json!({"SCIM_Key__c": "K-B", "Title": "t"}),
        )
        .await;
    assert_eq!(same.status, StatusCode::NO_CONTENT, "{}", same.body);
    let r = org
        .patch(
            &format!("/sobjects/Contact/{b}"),
            json!({"SCIM_Key__c": "k-a"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body, duplicate_value("SCIM_Key__c", &a));
    let rec = org.kit.record("Contact", &b).await.unwrap().unwrap();
    assert_eq!(
        rec["SCIM_Key__c"], "K-B",
        "the refused update changed nothing"
    );
    // Clearing a key frees it.
    org.patch(
        &format!("/sobjects/Contact/{a}"),
        json!({"SCIM_Key__c": null}),
    )
    .await;
    let moved = org
        .patch(
            &format!("/sobjects/Contact/{b}"),
            json!({"SCIM_Key__c": "k-a"}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::NO_CONTENT, "{}", moved.body);
}

#[tokio::test]
async fn a_record_in_the_recycle_bin_still_holds_its_unique_value() {
    let org = key_org().await;
    let gone = org
        .create("Contact", json!({"LastName": "A", "SCIM_Key__c": "k"}))
        .await;
    org.kit.delete("Contact", &gone).await.unwrap();
    let r = org
        .post(
            "/sobjects/Contact",
            json!({"LastName": "B", "SCIM_Key__c": "k"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body, duplicate_value("SCIM_Key__c", &gone));
}

#[tokio::test]
async fn collections_create_fails_duplicates_per_record_and_all_or_none_rolls_everything_back() {
    let org = key_org().await;
    let rec = |name: &str, key: &str| json!({"attributes": {"type": "Contact"}, "LastName": name, "SCIM_Key__c": key});
    let r = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [rec("A", "k1"), rec("B", "K1"), rec("C", "k2")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let first = r.body[0]["id"].as_str().unwrap().to_string();
    assert_eq!(r.body[0]["success"], true);
    assert_eq!(
        r.body[1],
        json!({"success": false, "errors": [{
            "statusCode": "DUPLICATE_VALUE",
            "message": format!("duplicate value found: SCIM_Key__c duplicates value on record with id: {}", id15(&first)),
            "fields": [],
        }]})
    );
    assert_eq!(r.body[2]["success"], true);

    let r = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [rec("D", "k3"), rec("E", "k1")]}),
        )
        .await;
    assert_eq!(
        r.body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(r.body[1]["errors"][0]["statusCode"], "DUPLICATE_VALUE");
    // The rolled-back record released its key.
    org.create("Contact", json!({"LastName": "F", "SCIM_Key__c": "k3"}))
        .await;
    assert_eq!(org.kit.count("Contact", None).await.unwrap(), 3);
}

#[tokio::test]
async fn collections_update_and_composite_enforce_uniqueness_too() {
    let org = key_org().await;
    let a = org
        .create("Contact", json!({"LastName": "A", "SCIM_Key__c": "k-a"}))
        .await;
    let b = org.create("Contact", json!({"LastName": "B"})).await;
    let r = org
        .patch(
            "/composite/sobjects",
            json!({"records": [{"attributes": {"type": "Contact"}, "Id": b, "SCIM_Key__c": "K-A"}]}),
        )
        .await;
    assert_eq!(r.body[0]["id"], b.as_str());
    assert_eq!(r.body[0]["success"], false);
    assert_eq!(r.body[0]["errors"][0]["statusCode"], "DUPLICATE_VALUE");
    let r = org
        .post(
            "/composite",
            json!({"compositeRequest": [{
                "method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "dup",
                "body": {"LastName": "C", "SCIM_Key__c": "k-a"},
            }]}),
        )
        .await;
    let sub = &r.body["compositeResponse"][0];
    assert_eq!(sub["httpStatusCode"], 400);
    assert_eq!(sub["body"], duplicate_value("SCIM_Key__c", &a));
}

#[tokio::test]
async fn soql_filters_on_key_fields_with_equals_in_and_not_null() {
    let org = key_org().await;
    let a = org
        .create(
            "Contact",
            json!({"LastName": "A", "SCIM_Key__c": "Conn1:U-1"}),
        )
        .await;
    org.create(
        "Contact",
        json!({"LastName": "B", "SCIM_Key__c": "conn1:u-2"}),
    )
    .await;
    org.create("Contact", json!({"LastName": "C"})).await;
    let rows = org
        .kit
        .query("SELECT Id, SCIM_Key__c FROM Contact WHERE SCIM_Key__c = 'conn1:u-1'")
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["Id"], a.as_str());
    assert_eq!(rows[0]["SCIM_Key__c"], "Conn1:U-1", "stored as written");
    let n = |w: &'static str| {
        let kit = org.kit.clone();
        async move { kit.count("Contact", Some(w)).await.unwrap() }
    };
    assert_eq!(n("SCIM_Key__c IN ('CONN1:U-1', 'conn1:u-2', 'x')").await, 2);
    assert_eq!(n("SCIM_Key__c != null").await, 2);
    assert_eq!(n("SCIM_Key__c LIKE 'conn1:%'").await, 2);
}

#[tokio::test]
async fn key_values_longer_than_the_field_are_string_too_long() {
    let org = Org::with(EmulatorConfig {
        custom_fields: vec![CustomField::external_id("Contact", "SCIM_Key__c", 5)],
        ..EmulatorConfig::default()
    })
    .await;
    let r = org
        .call(
            Method::POST,
            "/sobjects/Contact",
            Some(json!({"LastName": "A", "SCIM_Key__c": "123456"})),
        )
        .await;
    assert_eq!(
        r.body,
        dml_err(
            "STRING_TOO_LONG",
            "SCIM Key: data value too large: 123456 (max length=5)",
            &["SCIM_Key__c"]
        )
    );
}
