//! The daily API limit, `Sforce-Limit-Info` and REQUEST_LIMIT_EXCEEDED.

use reqwest::StatusCode;
use salesforce_emulator::EmulatorConfig;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_rest_response_carries_the_usage_header() {
    let org = Org::start().await;
    let r = org.get("/limits").await;
    assert_eq!(r.headers["sforce-limit-info"], "api-usage=1/100000");
    let r = org.post("/sobjects/Contact", json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.headers["sforce-limit-info"], "api-usage=2/100000",
        "failed calls count too"
    );
    let l = org.get("/limits").await.body;
    assert_eq!(
        l["DailyApiRequests"],
        json!({"Max": 100000, "Remaining": 99997})
    );
}

#[tokio::test]
async fn a_spent_daily_limit_answers_request_limit_exceeded() {
    let org = Org::with(EmulatorConfig {
        daily_request_limit: 3,
        ..EmulatorConfig::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    }
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        err("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    );
    assert_eq!(r.headers["sforce-limit-info"], "api-usage=3/3");
    // Token requests are not API requests.
    assert_eq!(
        org.token_grant(&org.kit.refresh_form()).await.status,
        StatusCode::OK
    );
}
