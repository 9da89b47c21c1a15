//! sObject Collections: per-record results in input order, allOrNone, the 200-record cap.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn contact(last: &str) -> Value {
    json!({"attributes": {"type": "Contact"}, "LastName": last})
}

#[tokio::test]
async fn a_collection_create_answers_one_result_per_record_in_order() {
    let org = Org::start().await;
    let r = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [contact("A"), {"attributes": {"type": "Contact"}, "FirstName": "x"}, contact("C")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let res = r.body.as_array().unwrap();
    assert_eq!(res.len(), 3);
    assert_eq!(res[0]["success"], true);
    assert_eq!(res[1]["success"], false);
    assert_eq!(
        res[1]["errors"],
        json!([{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}])
    );
    assert_eq!(res[2]["success"], true);
    let stats = org.stats().await;
    assert_eq!(stats["by_endpoint"]["POST /composite/sobjects"], 1);
    assert_eq!(
        stats["api_requests_total"], 1,
        "a Collections call counts once"
    );
    let id = res[2]["id"].as_str().unwrap();
    assert_eq!(
        org.get(&format!("/sobjects/Contact/{id}")).await.body["LastName"],
        "C"
    );
}

#[tokio::test]
async fn all_or_none_rolls_back_every_record_on_one_failure() {
    let org = Org::start().await;
    let r = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [contact("A"), {"attributes": {"type": "Contact"}, "Email": "bad"}]}),
        )
        .await;
    let res = r.body.as_array().unwrap();
    assert_eq!(res[0]["success"], false);
    assert_eq!(
        res[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(res[1]["errors"][0]["statusCode"], "INVALID_EMAIL_ADDRESS");
    let q = org.get("/query?q=SELECT+Id+FROM+Contact").await;
    assert_eq!(q.body["totalSize"], 0, "{}", q.body);
    let again = org
        .post(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [contact("A"), contact("B")]}),
        )
        .await;
    assert!(again
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["success"] == true));
}

#[tokio::test]
async fn more_than_200_records_is_exceeded_id_limit() {
    let org = Org::start().await;
    let records: Vec<Value> = (0..201).map(|i| contact(&format!("C{i}"))).collect();
    let r = org
        .post("/composite/sobjects", json!({"records": records}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body[0]["errorCode"], "EXCEEDED_ID_LIMIT");
    let records: Vec<Value> = (0..200).map(|i| contact(&format!("C{i}"))).collect();
    let r = org
        .post("/composite/sobjects", json!({"records": records}))
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn collection_update_get_and_delete_work_by_id() {
    let org = Org::start().await;
    let a = org.create("Contact", json!({"LastName": "A"})).await;
    let b = org.create("Contact", json!({"LastName": "B"})).await;
    let r = org
        .patch(
            "/composite/sobjects",
            json!({"records": [
                {"attributes": {"type": "Contact"}, "Id": a, "Title": "T"},
                {"attributes": {"type": "Contact"}, "Id": b, "LastName": null},
                {"attributes": {"type": "Contact"}, "Title": "no id"},
            ]}),
        )
        .await;
    let res = r.body.as_array().unwrap();
    assert_eq!(res[0], json!({"id": a, "success": true, "errors": []}));
    assert_eq!(res[1]["id"], b.as_str());
    assert_eq!(res[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(res[2]["errors"][0]["statusCode"], "MISSING_ARGUMENT");

    let g = org
        .get(&format!(
            "/composite/sobjects/Contact?ids={a},{b},0035g0000000zzzAAA&fields=Title"
        ))
        .await;
    let got = g.body.as_array().unwrap();
    assert_eq!(got[0]["Title"], "T");
    assert_eq!(got[1]["Title"], json!(null));
    assert_eq!(got[2], json!(null));

    let d = org
        .call(
            Method::DELETE,
            &format!("/composite/sobjects?ids={a},{b}&allOrNone=false"),
            None,
        )
        .await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["success"] == true));
    let d = org
        .call(
            Method::DELETE,
            &format!("/composite/sobjects?ids={a}"),
            None,
        )
        .await;
    assert_eq!(d.body[0]["errors"][0]["statusCode"], "ENTITY_IS_DELETED");
}

#[tokio::test]
async fn an_all_or_none_delete_keeps_everything_when_one_fails() {
    let org = Org::start().await;
    let a = org.create("Contact", json!({"LastName": "A"})).await;
    let p = org.create("Contact", json!({"LastName": "Portal"})).await;
    org.control(
        Method::POST,
        &format!("/__emulator/contacts/{p}/portal-user"),
        None,
    )
    .await;
    let d = org
        .call(
            Method::DELETE,
            &format!("/composite/sobjects?ids={a},{p}&allOrNone=true"),
            None,
        )
        .await;
    let res = d.body.as_array().unwrap();
    assert_eq!(
        res[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(res[1]["errors"][0]["statusCode"], "DELETE_FAILED");
    assert_eq!(
        org.get(&format!("/sobjects/Contact/{a}")).await.status,
        StatusCode::OK
    );
}
