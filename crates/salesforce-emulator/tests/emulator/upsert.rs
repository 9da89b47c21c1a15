//! Upsert and read by external ID: `/sobjects/{T}/{field}/{value}` (201 created, 200 updated,
//! 300 several, 404 not an external ID) and sObject Collections upsert
//! (`PATCH /composite/sobjects/{T}/{field}`), inside Composite too, with faults and counting.

use reqwest::{Method, StatusCode};
use salesforce_emulator::{CustomField, EmulatorConfig};
use serde_json::{json, Value};

use crate::helpers::*;

const KEY: &str = "/sobjects/Contact/SCIM_Key__c";

fn rec(name: &str, key: &str) -> Value {
    json!({"attributes": {"type": "Contact"}, "LastName": name, "SCIM_Key__c": key})
}

#[tokio::test]
async fn an_upsert_creates_with_201_then_updates_with_200_matching_without_case() {
    let org = key_org().await;
    let r = org
        .patch(&format!("{KEY}/conn1:u-1"), json!({"LastName": "Lovelace"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("003") && id.len() == 18);
    assert_eq!(
        r.body,
        json!({"id": id, "success": true, "errors": [], "created": true})
    );
    let rec = org.kit.record("Contact", &id).await.unwrap().unwrap();
    assert_eq!(
        rec["SCIM_Key__c"], "conn1:u-1",
        "the URL's value is written"
    );
    let r = org
        .patch(&format!("{KEY}/CONN1:U-1"), json!({"Title": "Countess"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"id": id, "success": true, "errors": [], "created": false})
    );
    let rec = org.kit.record("Contact", &id).await.unwrap().unwrap();
    assert_eq!(
        (&rec["LastName"], &rec["Title"]),
        (&json!("Lovelace"), &json!("Countess"))
    );
    assert_eq!(rec["SCIM_Key__c"], "conn1:u-1");
    assert_eq!(org.kit.count("Contact", None).await.unwrap(), 1);
}

#[tokio::test]
async fn an_upsert_by_a_field_that_is_not_an_external_id_is_not_found() {
    let org = key_org().await;
    for field in ["LastName", "Nope__c"] {
        let r = org
            .patch(
                &format!("/sobjects/Contact/{field}/x"),
                json!({"LastName": "L"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            r.body,
            err(
                "NOT_FOUND",
                &format!("Provided external ID field does not exist or is not accessible: {field}")
            )
        );
    }
}

#[tokio::test]
async fn a_non_unique_external_id_held_by_two_records_answers_300_with_their_urls() {
    let org = Org::with(EmulatorConfig {
        custom_fields: vec![CustomField::text("Contact", "Ext__c", 40).with_external_id(true)],
        ..EmulatorConfig::default()
    })
    .await;
    let a = org
        .create("Contact", json!({"LastName": "A", "Ext__c": "x"}))
        .await;
    let b = org
        .create("Contact", json!({"LastName": "B", "Ext__c": "X"}))
        .await;
    let r = org
        .patch("/sobjects/Contact/Ext__c/x", json!({"Title": "t"}))
        .await;
    assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES);
    assert_eq!(
        r.body,
        json!([
            format!("{V}/sobjects/Contact/{a}"),
            format!("{V}/sobjects/Contact/{b}")
        ])
    );
    let g = org.get("/sobjects/Contact/Ext__c/x").await;
    assert_eq!(g.status, StatusCode::MULTIPLE_CHOICES);
    let rec = org.kit.record("Contact", &a).await.unwrap().unwrap();
    assert_eq!(rec["Title"], Value::Null, "nothing was updated");
}

#[tokio::test]
async fn an_upsert_never_matches_the_recycle_bin_whose_value_still_blocks_the_create() {
    let org = key_org().await;
    let gone = org
        .create("Contact", json!({"LastName": "A", "SCIM_Key__c": "k"}))
        .await;
    org.kit.delete("Contact", &gone).await.unwrap();
    let r = org
        .patch(&format!("{KEY}/k"), json!({"LastName": "B"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body, duplicate_value("SCIM_Key__c", &gone));
}

#[tokio::test]
async fn a_body_giving_the_key_another_value_is_refused_and_the_same_value_is_accepted() {
    let org = key_org().await;
    let r = org
        .patch(
            &format!("{KEY}/k1"),
            json!({"LastName": "A", "SCIM_Key__c": "K1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = org
        .patch(&format!("{KEY}/k1"), json!({"SCIM_Key__c": "k2"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "INVALID_FIELD");
}

#[tokio::test]
async fn upsert_creates_are_validated_like_any_create() {
    let org = key_org().await;
    let r = org.patch(&format!("{KEY}/k"), json!({"Title": "x"})).await;
    assert_eq!(
        r.body,
        dml_err(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
            &["LastName"]
        )
    );
    let r = org.call(Method::PATCH, &format!("{KEY}/k"), None).await;
    assert_eq!(r.body[0]["errorCode"], "JSON_PARSER_ERROR");
}

#[tokio::test]
async fn percent_encoded_key_values_are_decoded_and_read_back_by_external_id() {
    let org = key_org().await;
    let id = org
        .kit
        .upsert(
            "Contact",
            "SCIM_Key__c",
            "conn 1/ü+1",
            &json!({"LastName": "A"}),
        )
        .await
        .unwrap();
    assert!(id.created);
    let rec = org
        .kit
        .record_by_key("Contact", "SCIM_Key__c", "CONN 1/Ü+1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec["Id"], id.id.as_str());
    assert_eq!(rec["SCIM_Key__c"], "conn 1/ü+1");
    let some = org
        .get(&format!("{KEY}/conn%201%2F%C3%BC%2B1?fields=LastName"))
        .await;
    assert_eq!(some.body["LastName"], "A");
    assert_eq!(some.body["Id"], id.id.as_str());
    let none = org.get(&format!("{KEY}/missing")).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(
        none.body,
        err("NOT_FOUND", "The requested resource does not exist")
    );
}

#[tokio::test]
async fn collections_upsert_answers_one_result_per_record_with_created_flags() {
    let org = key_org().await;
    let existing = org
        .create("Contact", json!({"LastName": "Old", "SCIM_Key__c": "k1"}))
        .await;
    let results = org
        .kit
        .upsert_many(
            "Contact",
            "SCIM_Key__c",
            false,
            &[
                rec("New", "k2"),
                rec("Updated", "K1"),
                json!({"attributes": {"type": "Contact"}, "SCIM_Key__c": "k3"}),
            ],
        )
        .await
        .unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["created"], true);
    assert_eq!(results[0]["success"], true);
    assert_eq!(
        results[1],
        json!({"id": existing, "success": true, "errors": [], "created": false})
    );
    assert_eq!(
        results[2],
        json!({"success": false, "created": false, "errors": [{
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [LastName]",
            "fields": ["LastName"],
        }]})
    );
    let old = org.kit.record("Contact", &existing).await.unwrap().unwrap();
    assert_eq!(old["LastName"], "Updated");
    let stats = org.kit.stats().await.unwrap();
    assert_eq!(
        stats.endpoint("PATCH /composite/sobjects/{object}/{field}"),
        1
    );
}

#[tokio::test]
async fn the_same_key_twice_in_one_collections_upsert_fails_both_records() {
    let org = key_org().await;
    let results = org
        .kit
        .upsert_many(
            "Contact",
            "SCIM_Key__c",
            false,
            &[rec("A", "k"), rec("B", "K"), rec("C", "j")],
        )
        .await
        .unwrap();
    for (r, k) in results.iter().zip(["k", "K"]) {
        assert_eq!(
            r,
            &json!({"success": false, "created": false, "errors": [{
                "statusCode": "DUPLICATE_VALUE",
                "message": format!("Duplicate external id specified: {k}"),
                "fields": ["SCIM_Key__c"],
            }]})
        );
    }
    assert_eq!(results[2]["created"], true);
}

#[tokio::test]
async fn an_all_or_none_collections_upsert_rolls_back_creates_and_updates() {
    let org = key_org().await;
    let existing = org
        .create("Contact", json!({"LastName": "Old", "SCIM_Key__c": "k1"}))
        .await;
    let results = org
        .kit
        .upsert_many(
            "Contact",
            "SCIM_Key__c",
            true,
            &[
                rec("Changed", "k1"),
                rec("New", "k2"),
                json!({"attributes": {"type": "Contact"}, "SCIM_Key__c": "k3"}),
            ],
        )
        .await
        .unwrap();
    for r in &results[..2] {
        assert_eq!(r["success"], false);
        assert_eq!(r["created"], false);
        assert_eq!(
            r["errors"][0]["statusCode"],
            "ALL_OR_NONE_OPERATION_ROLLED_BACK"
        );
    }
    assert_eq!(
        results[2]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    let old = org.kit.record("Contact", &existing).await.unwrap().unwrap();
    assert_eq!(old["LastName"], "Old");
    assert_eq!(org.kit.count("Contact", None).await.unwrap(), 1);
    assert!(org
        .kit
        .record_by_key("Contact", "SCIM_Key__c", "k2")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn collections_upsert_refuses_a_field_that_is_not_an_external_id_and_over_200_records() {
    let org = key_org().await;
    let r = org
        .patch(
            "/composite/sobjects/Contact/LastName",
            json!({"records": [rec("A", "k")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        err(
            "INVALID_FIELD",
            "Field name provided, LastName is not an External ID or indexed field for Contact"
        )
    );
    let many: Vec<Value> = (0..201).map(|i| rec("A", &format!("k{i}"))).collect();
    let r = org
        .patch(
            "/composite/sobjects/Contact/SCIM_Key__c",
            json!({"records": many}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "EXCEEDED_ID_LIMIT");
    let r = org
        .patch(
            "/composite/sobjects/Contact/SCIM_Key__c",
            json!({"records": [{"attributes": {"type": "Lead"}, "LastName": "L", "Company": "C"}]}),
        )
        .await;
    assert_eq!(r.body[0]["errors"][0]["statusCode"], "INVALID_TYPE");
}

#[tokio::test]
async fn composite_subrequests_can_upsert_by_external_id() {
    let org = key_org().await;
    let sub = |r: &str, body: Value| json!({"method": "PATCH", "url": format!("{V}{KEY}/k1"), "referenceId": r, "body": body});
    let r = org
        .post(
            "/composite",
            json!({"compositeRequest": [
                sub("make", json!({"LastName": "A"})),
                sub("again", json!({"Title": "T"})),
                {"method": "GET", "url": format!("{V}/sobjects/Contact/@{{make.id}}?fields=Title"), "referenceId": "read"},
            ]}),
        )
        .await;
    let subs = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(subs[0]["httpStatusCode"], 201);
    assert_eq!(subs[0]["body"]["created"], true);
    assert_eq!(subs[1]["httpStatusCode"], 200);
    assert_eq!(subs[1]["body"]["created"], false);
    assert_eq!(subs[1]["body"]["id"], subs[0]["body"]["id"]);
    assert_eq!(subs[2]["body"]["Title"], "T");
}

#[tokio::test]
async fn faults_match_upsert_paths_and_stats_name_their_templates() {
    let org = key_org().await;
    let single = org
        .kit
        .inject_fault(&json!({"errorCode": "UNABLE_TO_LOCK_ROW", "count": 1, "method": "PATCH", "path": "/SCIM_Key__c/"}))
        .await
        .unwrap();
    let r = org
        .patch(&format!("{KEY}/k"), json!({"LastName": "A"}))
        .await;
    assert_eq!(r.body[0]["errorCode"], "UNABLE_TO_LOCK_ROW");
    let many = org
        .kit
        .inject_fault(&json!({"errorCode": "UNABLE_TO_LOCK_ROW", "count": 1, "path": "/composite/sobjects/Contact/SCIM_Key__c"}))
        .await
        .unwrap();
    let r = org
        .patch(
            "/composite/sobjects/Contact/SCIM_Key__c",
            json!({"records": [rec("A", "k")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    org.patch(&format!("{KEY}/k"), json!({"LastName": "A"}))
        .await;
    org.get(&format!("{KEY}/k")).await;
    let stats = org.kit.stats().await.unwrap();
    assert_eq!(stats.fired(single), 1);
    assert_eq!(stats.fired(many), 1);
    assert_eq!(
        stats.endpoint("PATCH /sobjects/{object}/{field}/{value}"),
        1
    );
    assert_eq!(stats.endpoint("GET /sobjects/{object}/{field}/{value}"), 1);
    assert_eq!(
        stats.api_requests_total, 4,
        "faulted 4xx calls count, as row locks do"
    );
}
