//! Composite: references between subrequests, allOrNone, the 25-subrequest cap, one API call.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn later_subrequests_use_earlier_results_through_references() {
    let org = Org::start().await;
    let r = org
        .post(
            "/composite",
            json!({"allOrNone": false, "compositeRequest": [
                {"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "acc", "body": {"Name": "Acme"}},
                {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "con",
                 "body": {"LastName": "Coyote", "AccountId": "@{acc.id}"}},
                {"method": "GET", "url": format!("{V}/sobjects/Contact/@{{con.id}}?fields=AccountId"), "referenceId": "read"},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let subs = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(subs[0]["httpStatusCode"], 201);
    assert_eq!(subs[0]["referenceId"], "acc");
    assert!(subs[0]["httpHeaders"]["Location"]
        .as_str()
        .unwrap()
        .contains("/sobjects/Account/"));
    assert_eq!(subs[1]["httpStatusCode"], 201);
    assert_eq!(subs[2]["httpStatusCode"], 200);
    assert_eq!(subs[2]["body"]["AccountId"], subs[0]["body"]["id"]);
    let stats = org.stats().await;
    assert_eq!(
        stats["api_requests_total"], 1,
        "one Composite call is one API request"
    );
}

#[tokio::test]
async fn a_reference_into_query_records_resolves() {
    let org = Org::start().await;
    org.create("Contact", json!({"LastName": "Q", "Email": "q@x.com"}))
        .await;
    let r = org
        .post(
            "/composite",
            json!({"compositeRequest": [
                {"method": "GET", "url": format!("{V}/query?q=SELECT+Id+FROM+Contact"), "referenceId": "q"},
                {"method": "PATCH", "url": format!("{V}/sobjects/Contact/@{{q.records[0].Id}}"), "referenceId": "u",
                 "body": {"Title": "Found"}},
            ]}),
        )
        .await;
    let subs = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(subs[0]["httpStatusCode"], 200, "{}", subs[0]);
    assert_eq!(subs[1]["httpStatusCode"], 204, "{}", subs[1]);
    assert_eq!(subs[1]["body"], Value::Null);
    let q = org.get("/query?q=SELECT+Title+FROM+Contact").await;
    assert_eq!(q.body["records"][0]["Title"], "Found");
}

#[tokio::test]
async fn all_or_none_rolls_back_earlier_subrequests_when_one_fails() {
    let org = Org::start().await;
    let r = org
        .post(
            "/composite",
            json!({"allOrNone": true, "compositeRequest": [
                {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "ok", "body": {"LastName": "Kept?"}},
                {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "bad", "body": {"FirstName": "x"}},
                {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "after", "body": {"LastName": "Never"}},
            ]}),
        )
        .await;
    let subs = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(subs[1]["httpStatusCode"], 400);
    assert_eq!(subs[1]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    for i in [0, 2] {
        assert_eq!(subs[i]["httpStatusCode"], 400);
        assert_eq!(subs[i]["body"][0]["errorCode"], "PROCESSING_HALTED");
    }
    let created = subs[0]["body"].clone();
    assert!(created[0].get("id").is_none());
    // Nothing survived: a fresh create gets the next id, and no Contact is readable by listing.
    let g = org
        .get("/composite/sobjects/Contact?ids=0035g0000000001AAA&fields=LastName")
        .await;
    assert_eq!(g.body, json!([null]));
}

#[tokio::test]
async fn without_all_or_none_a_failed_reference_halts_only_its_dependents() {
    let org = Org::start().await;
    let r = org
        .post(
            "/composite",
            json!({"compositeRequest": [
                {"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "acc", "body": {}},
                {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "con", "body": {"LastName": "X", "AccountId": "@{acc.id}"}},
                {"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "solo", "body": {"LastName": "Solo"}},
            ]}),
        )
        .await;
    let subs = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(subs[0]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(subs[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(subs[2]["httpStatusCode"], 201);
}

#[tokio::test]
async fn more_than_25_subrequests_are_refused() {
    let org = Org::start().await;
    let subs: Vec<Value> = (0..26)
        .map(|i| json!({"method": "GET", "url": format!("{V}/limits"), "referenceId": format!("r{i}")}))
        .collect();
    let r = org
        .post("/composite", json!({"compositeRequest": subs}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn more_than_5_query_or_collections_subrequests_are_refused_and_5_run() {
    let org = Org::start().await;
    let query = |i: usize| {
        json!({"method": "GET", "url": format!("{V}/query?q=SELECT+Id+FROM+Contact"),
               "referenceId": format!("q{i}")})
    };
    let five: Vec<Value> = (0..5).map(query).collect();
    let r = org
        .post("/composite", json!({"compositeRequest": five}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["compositeResponse"][4]["httpStatusCode"], 200);
    let mut six: Vec<Value> = (0..5).map(query).collect();
    six.push(
        json!({"method": "DELETE", "url": format!("{V}/composite/sobjects?ids=003000000000001AAA"),
                    "referenceId": "collections"}),
    );
    let r = org
        .post("/composite", json!({"compositeRequest": six}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "LIMIT_EXCEEDED");
}
