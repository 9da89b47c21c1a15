//! The /__emulator control API: reset, faults and statistics.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn reset_drops_records_and_counters_but_keeps_tokens() {
    let org = Org::start().await;
    let id = org.create("Contact", json!({"LastName": "L"})).await;
    let r = org.control(Method::POST, "/__emulator/reset", None).await;
    assert!(r.status.is_success());
    assert_eq!(org.stats().await["api_requests_total"], 0);
    let g = org.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(
        g.status,
        StatusCode::NOT_FOUND,
        "token still valid, record gone"
    );
}

#[tokio::test]
async fn an_injected_fault_fails_the_given_number_of_matching_requests() {
    let org = Org::start().await;
    let r = org
        .control(
            Method::POST,
            "/__emulator/faults",
            Some(json!({"status": 400, "errorCode": "UNABLE_TO_LOCK_ROW", "count": 2, "method": "POST", "path": "/sobjects/Contact"})),
        )
        .await;
    assert!(r.status.is_success());
    assert_eq!(
        org.get("/limits").await.status,
        StatusCode::OK,
        "GET does not match"
    );
    for _ in 0..2 {
        let r = org
            .post("/sobjects/Contact", json!({"LastName": "L"}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.body[0]["errorCode"], "UNABLE_TO_LOCK_ROW");
    }
    assert_eq!(
        org.post("/sobjects/Contact", json!({"LastName": "L"}))
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn server_unavailable_and_limit_faults_answer_their_status() {
    let org = Org::start().await;
    org.control(
        Method::POST,
        "/__emulator/faults",
        Some(json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 1})),
    )
    .await;
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.body[0]["errorCode"], "SERVER_UNAVAILABLE");
    org.control(
        Method::POST,
        "/__emulator/faults",
        Some(json!({"status": 403, "errorCode": "REQUEST_LIMIT_EXCEEDED", "count": 1})),
    )
    .await;
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        err("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    );
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_rate_fault_of_one_hits_every_request_until_cleared() {
    let org = Org::start().await;
    org.control(
        Method::POST,
        "/__emulator/faults",
        Some(json!({"errorCode": "SERVER_UNAVAILABLE", "rate": 1.0})),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            org.get("/limits").await.status,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    // Token requests are never faulted.
    assert_eq!(
        org.token_grant(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client-id"),
            ("client_secret", "demo-client-secret")
        ])
        .await
        .status,
        StatusCode::OK
    );
    let r = org
        .control(Method::DELETE, "/__emulator/faults", None)
        .await;
    assert!(r.status.is_success());
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_delay_fault_slows_the_answer_but_it_still_succeeds() {
    let org = Org::start().await;
    org.control(
        Method::POST,
        "/__emulator/faults",
        Some(json!({"delay_ms": 50, "count": 1})),
    )
    .await;
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_fault_without_count_or_rate_is_refused() {
    let org = Org::start().await;
    let r = org
        .control(
            Method::POST,
            "/__emulator/faults",
            Some(json!({"errorCode": "UNABLE_TO_LOCK_ROW"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn stats_count_requests_by_method_and_path_template() {
    let org = Org::start().await;
    let a = org.create("Contact", json!({"LastName": "A"})).await;
    let b = org.create("Contact", json!({"LastName": "B"})).await;
    org.get(&format!("/sobjects/Contact/{a}")).await;
    org.get(&format!("/sobjects/Contact/{b}")).await;
    org.patch(&format!("/sobjects/Contact/{b}"), json!({"Title": "x"}))
        .await;
    let s = org.stats().await;
    assert_eq!(s["api_requests_total"], 5);
    assert_eq!(s["by_endpoint"]["POST /sobjects/{object}"], 2);
    assert_eq!(s["by_endpoint"]["GET /sobjects/{object}/{id}"], 2);
    assert_eq!(s["by_endpoint"]["PATCH /sobjects/{object}/{id}"], 1);
    assert_eq!(s["token_requests"], 1);
}
