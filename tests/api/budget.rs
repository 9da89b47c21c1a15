//! The budget guard: the bridge keeps a reserve of the org's daily API allowance
//! (`salesforce.api_reserve_percent`, 20 % by default) for the org's other integrations, and
//! answers 429 with `Retry-After` instead of spending it, so the org never reaches
//! `REQUEST_LIMIT_EXCEEDED` because of the bridge.

use crate::helpers::*;
use salesforce_emulator::EmulatorConfig;
use serde_json::json;

fn org_with_limit(limit: u64) -> EmulatorConfig {
    EmulatorConfig {
        daily_request_limit: limit,
        ..scim_bridge::demo::emulator_config()
    }
}

#[tokio::test]
async fn below_the_reserve_the_bridge_answers_429_and_sends_nothing() {
    // 20 requests a day, 20 % (4) kept: the bridge may spend 16.
    let app = TestApp::spawn_custom(org_with_limit(20), |t| t).await;
    let mut created = 0;
    let mut refused = None;
    for i in 0..20 {
        let res = app
            .post(
                "contacts",
                "/Users",
                user(&format!("p{i}@example.com"), "P", "Erson"),
            )
            .await;
        if res.status() == 201 {
            created += 1;
            continue;
        }
        refused = Some(res);
        break;
    }
    // Each create costs 2: 8 creates spend 16, the allowance's last 4 are the org's.
    assert_eq!(created, 8);
    let res = refused.expect("the reserve was reached");
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body = assert_scim_error(res, 429, None).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("api_reserve_percent"),
        "{body}"
    );
    // 16 spent by the creates, plus the interval's one probe (the ninth create's look-up); its
    // write was refused before it was sent, so no ninth record exists.
    let stats = app.sf_stats().await;
    assert_eq!(stats["api_requests_total"], json!(17), "{stats}");
    let res = app
        .post("contacts", "/Users", user("late@example.com", "La", "Te"))
        .await;
    assert_scim_error(res, 429, None).await;
    assert_eq!(app.sf_stats().await["api_requests_total"], json!(17));
    assert_eq!(app.contact_count(None).await, 8);
    // The org still has its reserve: Salesforce never answered REQUEST_LIMIT_EXCEEDED.
    let limits = app
        .kit
        .rest(reqwest::Method::GET, "/limits", None)
        .await
        .unwrap();
    assert_eq!(limits.status, 200, "{:?}", limits.body);
    app.stop().await;
}

#[tokio::test]
async fn test_connection_shows_used_limit_and_reserve() {
    let app = TestApp::spawn_custom(org_with_limit(1000), |t| t).await;
    let (_, report) = read(app.admin_test("contacts", Some(ADMIN_TOKEN)).await).await;
    let api = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "api")
        .unwrap()
        .clone();
    let detail = api["detail"].as_str().unwrap();
    assert!(detail.contains("of 1000"), "{detail}");
    assert!(detail.contains("the last 200 kept"), "{detail}");
    app.stop().await;
}

#[tokio::test]
async fn at_the_limit_one_probe_per_interval_reaches_salesforce_and_the_rest_wait() {
    let app = TestApp::spawn_custom(org_with_limit(6), |t| {
        t.replace(
            "refresh_token = \"demo-refresh-token\"",
            "refresh_token = \"demo-refresh-token\"\napi_reserve_percent = 0",
        )
    })
    .await;
    for i in 0..3 {
        let body = user(&format!("z{i}@example.com"), "Z", "Ero");
        assert_eq!(app.post("contacts", "/Users", body).await.status(), 201);
    }
    // With no reserve the bridge may spend the whole allowance (6 of 6). The next call is the
    // interval's probe (Salesforce refuses it: the org is out), the ones after it wait locally.
    let probe = app.get("contacts", "/Users?count=1").await;
    assert_scim_error(probe, 429, None).await;
    let before = app.sf_stats().await["api_requests_total"].clone();
    for _ in 0..3 {
        let res = app.get("contacts", "/Users?count=1").await;
        assert!(res.headers().contains_key("retry-after"));
        assert_scim_error(res, 429, None).await;
    }
    assert_eq!(
        app.sf_stats().await["api_requests_total"],
        before,
        "nothing was sent"
    );
    app.stop().await;
}
