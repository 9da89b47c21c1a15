//! REQUEST_LIMIT_EXCEEDED and a spent daily limit: a SCIM 429 with `Retry-After`, never retried
//! and never answered with a token renewal.

use super::{ada, detail, retry_after};
use crate::helpers::*;
use salesforce_emulator::EmulatorConfig;
use scim_bridge::demo;
use serde_json::json;

#[tokio::test]
async fn an_exhausted_api_limit_is_a_429_that_the_bridge_does_not_retry() {
    let app = TestApp::spawn().await;
    let id = ada(&app).await;
    // Two refusals: if the bridge retried, both would be used up by the first request.
    let fault = app
        .sf_fault(
            json!({"status": 403, "errorCode": "REQUEST_LIMIT_EXCEEDED", "count": 2,
               "method": "GET", "path": "/sobjects/Contact"}),
        )
        .await;
    let tokens_before = app.token_requests().await;
    let path = format!("/Users/{id}");
    let res = app.get("contacts", &path).await;
    assert!(retry_after(&res).is_some_and(|s| s > 0), "no Retry-After");
    let body = assert_scim_error(res, 429, None).await;
    assert!(detail(&body).contains("REQUEST_LIMIT_EXCEEDED"), "{body}");
    assert_eq!(app.sf_fired(fault).await, 1, "one refusal per IdP request");
    // After Salesforce said the org is out, the bridge sends one probe per minute: the second
    // request is that probe (refused again), the third waits without reaching Salesforce.
    let res = app.get("contacts", &path).await;
    assert_scim_error(res, 429, None).await;
    assert_eq!(app.sf_fired(fault).await, 2);
    let sent = app.api_requests().await;
    let res = app.get("contacts", &path).await;
    assert!(retry_after(&res).is_some_and(|s| (1..=60).contains(&s)));
    assert_scim_error(res, 429, None).await;
    assert_eq!(app.api_requests().await, sent, "nothing sent while waiting");
    assert_eq!(
        app.token_requests().await,
        tokens_before,
        "a limit refusal must not trigger a token renewal"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_spent_daily_limit_is_a_429_with_retry_after() {
    let app = TestApp::spawn_custom(
        EmulatorConfig {
            daily_request_limit: 3,
            ..demo::emulator_config()
        },
        |t| t,
    )
    .await;
    // Match lookup, then create + read back in one Composite call; one request left.
    let id = ada(&app).await;
    assert_eq!(app.api_requests().await, 2);
    assert_eq!(
        app.get("contacts", &format!("/Users/{id}")).await.status(),
        200
    );
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert!(retry_after(&res).is_some());
    assert_scim_error(res, 429, None).await;
    let stats = app.sf_stats().await;
    assert_eq!(stats["api_requests_total"], 3, "{stats}");
    app.stop().await;
}
