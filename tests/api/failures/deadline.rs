//! A slow Salesforce against `salesforce.timeout_secs` and `request_deadline_secs`: slow but in
//! time still answers, a create with no answer is not resent, and what cannot finish before the
//! deadline is a 503 (a create is not even sent).

use std::time::{Duration, Instant};

use super::{ada, detail, retry_after};
use crate::helpers::*;
use serde_json::{json, Value};

/// Reads sent when each outlasts the 1 s timeout: the first and one resend, which the 2 s
/// deadline cuts off.
const TOO_SLOW_READ: u64 = 2;

#[tokio::test]
async fn a_slow_salesforce_within_the_timeout_still_answers_correctly_and_nothing_is_resent() {
    // Every Salesforce call takes 500 ms: under the 1 s client timeout, so none times out or is
    // resent, and a create (match query, then the Composite create) still fits the 2 s deadline
    // with a whole timeout left after the query, so the create is sent.
    let app = TestApp::spawn_with(with_timeouts(2, 1)).await;
    let slow = app.sf_fault(json!({"delay_ms": 500, "rate": 1.0})).await;
    let started = Instant::now();
    let id = ada(&app).await;
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "two slow calls"
    );
    let started = Instant::now();
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "one slow call"
    );
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], json!(id));
    assert_eq!(body["userName"], "ada@example.com");
    let stats = app.kit.stats().await.unwrap();
    assert_eq!(
        stats.api_requests_total, 3,
        "query + create, then the read: {stats:?}"
    );
    assert_eq!(stats.fired(slow), 3, "every call was slowed: {stats:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_create_that_gets_no_answer_is_not_resent_and_the_idps_retry_finds_the_record_it_made() {
    let app = TestApp::spawn_with(with_salesforce_keys("timeout_secs = 1")).await;
    // Salesforce takes longer than the bridge waits, then saves the record anyway.
    let fault = app
        .sf_fault(json!({"delay_ms": 2500, "count": 1, "method": "POST", "path": "/composite"}))
        .await;
    let body = user("slow@example.com", "Slow", "Save");
    let res = app.post("contacts", "/Users", body.clone()).await;
    assert_scim_error(res, 503, None).await;
    let soql = "SELECT Id FROM Contact WHERE Email = 'slow@example.com'";
    let mut found = Vec::new();
    for _ in 0..100 {
        found = app.sf_query(soql).await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "the first create never landed");
    assert_eq!(app.sf_fired(fault).await, 1);
    // The IdP retries the create: the first attempt's record holds the key, so the retry is a
    // 409 naming it (an IdP then looks the user up by userName), and never a second record.
    let res = app.post("contacts", "/Users", body).await;
    let err = assert_scim_error(res, 409, Some("uniqueness")).await;
    let first = found[0]["Id"].as_str().unwrap();
    assert!(err["detail"].as_str().unwrap().contains(first), "{err}");
    assert_eq!(app.sf_query(soql).await.len(), 1, "a duplicate was made");
    let listed = app
        .filter("contacts", "userName eq \"slow@example.com\"")
        .await;
    assert_eq!(listed["Resources"][0]["id"], json!(first));
    app.stop().await;
}

#[tokio::test]
async fn a_request_salesforce_is_too_slow_for_is_answered_503_within_the_deadline() {
    let app = TestApp::spawn_with(with_timeouts(2, 1)).await;
    let id = app
        .create_user("contacts", user("slowpoke@example.com", "Slow", "Poke"))
        .await;
    // Every attempt (the first and its retries) is slower than the client timeout, and the
    // attempts together outlast the 2 s deadline.
    let fault = app
        .sf_fault(
            json!({"delay_ms": 3000, "count": 5, "method": "GET", "path": "/sobjects/Contact/"}),
        )
        .await;
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert!(retry_after(&res).is_some());
    let body = assert_scim_error(res, 503, None).await;
    assert!(body["detail"].as_str().unwrap().contains("2 s"), "{body}");
    assert_eq!(
        app.sf_fired(fault).await,
        TOO_SLOW_READ,
        "attempts before the deadline"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_create_that_could_not_finish_before_the_deadline_is_not_sent() {
    let app = TestApp::spawn_with(with_timeouts(3, 2)).await;
    // Warm the session so the slow match query is the only delay: it answers, but leaves
    // less than one Salesforce timeout (2 s) before the 3 s deadline.
    assert_eq!(app.get("contacts", "/Users?count=1").await.status(), 200);
    let fault = app
        .sf_fault(json!({"delay_ms": 1500, "count": 1, "method": "GET", "path": "/query"}))
        .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("late@example.com", "Late", "Comer"),
        )
        .await;
    let body = assert_scim_error(res, 503, None).await;
    assert!(detail(&body).contains("not sent"), "{body}");
    assert_eq!(
        app.sf_fired(fault).await,
        1,
        "the match query was not slowed"
    );
    let stats = app.sf_stats().await;
    assert!(
        stats["by_endpoint"].get("POST /composite").is_none(),
        "a create was sent: {stats}"
    );
    assert_eq!(
        app.sf_query("SELECT Id FROM Contact WHERE Email = 'late@example.com'")
            .await
            .len(),
        0
    );
    app.stop().await;
}
