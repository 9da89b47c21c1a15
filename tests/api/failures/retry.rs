//! Retryable Salesforce failures (UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE, plain and gateway
//! 5xx): resent when that is safe, with the record looked up first for a create so a retry
//! never makes a duplicate, and a SCIM 503 with `Retry-After` once the retries are spent.

use super::{ada, contacts_with_email, detail, retry_after};
use crate::helpers::*;
use serde_json::{json, Value};

/// Creates sent when every one meets a 503 (`max_retries = 2`): the Composite create-and-read,
/// then its two resends, each after a look-up that finds nothing (the client's one retry
/// policy: at most `1 + max_retries` attempts of any call).
const PERSISTENT_503_CREATE: u64 = 3;

/// Reads sent when every one meets a row lock: the first and `max_retries = 2` resends.
const PERSISTENT_LOCK_READ: u64 = 3;

#[tokio::test]
async fn a_row_lock_on_update_is_retried_and_the_put_succeeds() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let fault = app
        .sf_fault(
            json!({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "count": 1,
               "method": "PATCH", "path": "/sobjects/Contact"}),
        )
        .await;
    let res = app
        .put(
            "contacts",
            &format!("/Users/{id}"),
            user("ada@example.com", "Augusta", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"]["givenName"], "Augusta");
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["FirstName"],
        "Augusta"
    );
    assert_eq!(app.sf_fired(fault).await, 1, "the row lock never happened");
    app.stop().await;
}

#[tokio::test]
async fn a_row_lock_on_create_is_retried_without_making_a_duplicate() {
    let app = TestApp::spawn().await;
    let fault = app
        .sf_fault(
            json!({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "count": 1,
               "method": "POST", "path": "/sobjects/Contact"}),
        )
        .await;
    let id = ada(&app).await;
    assert_eq!(app.sf_fired(fault).await, 1, "the row lock never happened");
    let found = contacts_with_email(&app, "ada@example.com").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["Id"], json!(id));
    app.stop().await;
}

#[tokio::test]
async fn a_503_once_on_create_succeeds_with_exactly_one_record() {
    let app = TestApp::spawn().await;
    let fault = app
        .sf_fault(
            json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 1,
               "method": "POST", "path": "/sobjects/Contact"}),
        )
        .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.sf_fired(fault).await, 1, "the 503 never happened");
    let body: Value = res.json().await.unwrap();
    let found = contacts_with_email(&app, "ada@example.com").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["Id"], body["id"]);
    app.stop().await;
}

#[tokio::test]
async fn a_plain_500_once_on_read_is_retried() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let fault = app
        .sf_fault(
            json!({"status": 500, "errorCode": "UNKNOWN_EXCEPTION", "count": 1,
               "method": "GET", "path": "/sobjects/Contact"}),
        )
        .await;
    let before = app.api_requests().await;
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], json!(id));
    assert_eq!(app.sf_fired(fault).await, 1, "the 500 never happened");
    // A 5xx is not counted by Salesforce: the one counted request is the resent read.
    assert_eq!(app.api_requests().await - before, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_persistent_503_on_create_is_a_scim_503_with_retry_after_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let fault = app
        .sf_fault(
            json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "rate": 1.0,
               "method": "POST", "path": "/sobjects/Contact"}),
        )
        .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert!(retry_after(&res).is_some_and(|s| s > 0), "no Retry-After");
    let body = assert_scim_error(res, 503, None).await;
    assert!(detail(&body).contains("SERVER_UNAVAILABLE"), "{body}");
    assert!(detail(&body).contains("try again"), "{body}");
    assert_eq!(app.sf_fired(fault).await, PERSISTENT_503_CREATE, "attempts");
    app.sf_clear_faults().await;
    assert!(contacts_with_email(&app, "ada@example.com")
        .await
        .is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_persistent_row_lock_on_read_is_a_scim_503_with_retry_after() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    let fault = app
        .sf_fault(
            json!({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "rate": 1.0,
               "method": "GET", "path": "/sobjects/Contact"}),
        )
        .await;
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert!(retry_after(&res).is_some());
    let body = assert_scim_error(res, 503, None).await;
    assert!(detail(&body).contains("UNABLE_TO_LOCK_ROW"), "{body}");
    assert_eq!(app.sf_fired(fault).await, PERSISTENT_LOCK_READ, "attempts");
    app.stop().await;
}

#[tokio::test]
async fn a_failed_read_back_inside_the_composite_create_is_retried_not_reported_as_a_400() {
    let app = TestApp::spawn().await;
    // The create sub-request succeeds, the read-back hits an outage: allOrNone rolls the
    // create back and marks it PROCESSING_HALTED. The real error is the retryable 503.
    let fault = app.sf_fault(json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 1, "method": "GET", "path": "/sobjects/Contact/"})).await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("halted@example.com", "Hal", "Ted"),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.sf_fired(fault).await, 1, "the read-back never failed");
    let body: Value = res.json().await.unwrap();
    let records = app
        .sf_query("SELECT Id FROM Contact WHERE Email = 'halted@example.com'")
        .await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["Id"], body["id"]);
    app.stop().await;
}

#[tokio::test]
async fn a_gateway_timeout_on_create_is_not_resent_blindly() {
    let app = TestApp::spawn().await;
    // A 504 from a proxy in front of Salesforce: the insert may or may not have happened
    // behind it, so the bridge looks, finds nothing yet, and leaves the retry to the IdP.
    let fault = app.sf_fault(json!({"status": 504, "errorCode": "GATEWAY_TIMEOUT", "count": 1, "method": "POST", "path": "/composite"})).await;
    let body = user("gateway@example.com", "Gate", "Way");
    let res = app.post("contacts", "/Users", body.clone()).await;
    assert_scim_error(res, 503, None).await;
    assert_eq!(app.sf_fired(fault).await, 1, "the 504 never happened");
    let soql = "SELECT Id FROM Contact WHERE Email = 'gateway@example.com'";
    assert_eq!(app.sf_query(soql).await.len(), 0, "the create was resent");
    let res = app.post("contacts", "/Users", body).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.sf_query(soql).await.len(), 1);
    app.stop().await;
}
