//! The /__emulator control API: reset, faults (and how often each fired) and statistics.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use salesforce_emulator::testkit::FaultId;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn reset_drops_records_and_counters_but_keeps_tokens() {
    let org = Org::start().await;
    let id = org.create("Contact", json!({"LastName": "L"})).await;
    let fault = json!({"errorCode": "SERVER_UNAVAILABLE", "count": 2, "path": "/limits"});
    org.kit.inject_fault(&fault).await.unwrap();
    org.get("/limits").await;
    assert_eq!(org.stats().await["faults_fired"], 1);
    let r = org.control(Method::POST, "/__emulator/reset", None).await;
    assert!(r.status.is_success());
    let stats = org.stats().await;
    assert_eq!(stats["api_requests_total"], 0);
    assert_eq!(stats["faults_fired"], 0);
    assert_eq!(
        stats["faults"],
        json!([]),
        "the fault with one firing left is gone"
    );
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
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
    assert_eq!(r.status, StatusCode::CREATED);
    let id = FaultId(r.body["id"].as_u64().expect("the fault's id"));
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
    let stats = org.kit.stats().await.unwrap();
    assert_eq!(stats.fired(id), 2);
    assert_eq!(stats.fault(id).unwrap().remaining, Some(0));
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
    assert_eq!(org.kit.stats().await.unwrap().faults_fired, 3);
    // Token requests are never faulted.
    assert_eq!(
        org.token_grant(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULTS.client_id.as_str()),
            ("client_secret", DEFAULTS.client_secret.as_str())
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
    let stats = org.kit.stats().await.unwrap();
    assert!(stats.faults.is_empty(), "{stats:?}");
    assert_eq!(stats.faults_fired, 3, "a clear keeps the total");
}

#[tokio::test]
async fn a_delay_fault_slows_the_answer_but_it_still_succeeds() {
    let org = Org::start().await;
    let id = org
        .kit
        .inject_fault(&json!({"delay_ms": 300, "count": 1}))
        .await
        .unwrap();
    let started = Instant::now();
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(org.kit.fired(id).await.unwrap(), 1);
    let started = Instant::now();
    assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "spent after one"
    );
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

#[tokio::test]
async fn stats_list_each_fault_with_how_often_it_fired_and_how_many_firings_are_left() {
    let org = Org::start().await;
    let lock = json!({"errorCode": "UNABLE_TO_LOCK_ROW", "count": 3, "method": "PATCH",
                      "path": "/sobjects/Contact"});
    let stray = json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "rate": 1.0,
                       "path": "/sobjects/Nothing"});
    let slow = json!({"delay_ms": 1, "count": 2, "method": "GET", "path": "/limits"});
    let lock = org.kit.inject_fault(&lock).await.unwrap();
    let stray = org.kit.inject_fault(&stray).await.unwrap();
    let slow = org.kit.inject_fault(&slow).await.unwrap();
    assert!(lock.0 < stray.0 && stray.0 < slow.0, "ids grow");
    let id = org.create("Contact", json!({"LastName": "L"})).await;
    for _ in 0..2 {
        let r = org
            .patch(&format!("/sobjects/Contact/{id}"), json!({"Title": "x"}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    for _ in 0..3 {
        assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    }
    let stats = org.stats().await;
    assert_eq!(stats["faults_fired"], 4);
    assert_eq!(
        stats["faults"],
        json!([
            {"id": lock.0, "errorCode": "UNABLE_TO_LOCK_ROW", "status": 400, "delay_ms": null,
             "method": "PATCH", "path": "/sobjects/Contact", "after": null, "count": 3, "rate": null,
             "fired": 2, "remaining": 1},
            {"id": stray.0, "errorCode": "SERVER_UNAVAILABLE", "status": 503, "delay_ms": null,
             "method": null, "path": "/sobjects/Nothing", "after": null, "count": null, "rate": 1.0,
             "fired": 0, "remaining": null},
            {"id": slow.0, "errorCode": null, "status": null, "delay_ms": 1,
             "method": "GET", "path": "/limits", "after": null, "count": 2, "rate": null,
             "fired": 2, "remaining": 0}
        ])
    );
    let typed = org.kit.stats().await.unwrap();
    assert_eq!(
        (typed.fired(lock), typed.fired(stray), typed.fired(slow)),
        (2, 0, 2)
    );
}

#[tokio::test]
async fn a_fault_with_after_lets_that_many_matching_requests_through_first() {
    let org = Org::start().await;
    let fault = json!({"errorCode": "SERVER_UNAVAILABLE", "count": 1, "after": 2,
                       "method": "GET", "path": "/limits"});
    let fault = org.kit.inject_fault(&fault).await.unwrap();
    let statuses: Vec<StatusCode> = {
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(org.get("/limits").await.status);
        }
        out
    };
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::OK
        ]
    );
    assert_eq!(org.kit.stats().await.unwrap().fired(fault), 1);
}

#[tokio::test]
async fn an_error_fault_that_fails_a_composite_subrequest_counts_as_fired_but_a_delay_does_not() {
    let org = Org::start().await;
    let path = "/sobjects/Contact";
    let lock =
        json!({"errorCode": "UNABLE_TO_LOCK_ROW", "count": 1, "method": "POST", "path": path});
    let delay = json!({"delay_ms": 1, "count": 1, "method": "POST", "path": path});
    let delay = org.kit.inject_fault(&delay).await.unwrap();
    let lock = org.kit.inject_fault(&lock).await.unwrap();
    let r = org
        .post(
            "/composite",
            json!({"allOrNone": true, "compositeRequest": [
                {"method": "POST", "url": format!("{V}{path}"), "referenceId": "c",
                 "body": {"LastName": "L"}}
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let sub = &r.body["compositeResponse"][0];
    assert_eq!(sub["httpStatusCode"], 400, "{}", r.body);
    assert_eq!(sub["body"][0]["errorCode"], "UNABLE_TO_LOCK_ROW");
    let stats = org.kit.stats().await.unwrap();
    assert_eq!(stats.fired(lock), 1);
    assert_eq!(stats.fired(delay), 0, "delays apply to whole requests only");
    assert_eq!(
        org.create("Contact", json!({"LastName": "L"})).await.len(),
        18
    );
    assert_eq!(org.kit.fired(delay).await.unwrap(), 1);
}
