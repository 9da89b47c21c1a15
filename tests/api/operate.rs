//! Operating the bridge: `/metrics` read as Prometheus reads it, moving as operations happen;
//! the open metrics listener; `/readyz` following Salesforce's verdict on the credentials
//! without spending API requests; and the sync status an admin checks.

use std::time::Duration;

use salesforce_emulator::EmulatorConfig;
use scim_bridge::demo;
use serde_json::{json, Value};

use crate::helpers::*;

const CREATED: &str = "scim_bridge_outcomes_total";

#[tokio::test]
async fn a_create_moves_the_request_outcome_and_salesforce_series_of_its_connection() {
    let app = TestApp::spawn().await;
    let before = app.metrics().await;
    let contacts = [("connection", "contacts")];
    assert_eq!(
        sample(
            &before,
            CREATED,
            &[("connection", "contacts"), ("outcome", "created")]
        ),
        0.0
    );
    let sf_before = sample(&before, "scim_bridge_salesforce_requests_total", &contacts);

    app.create_user("contacts", user("metered@example.com", "Met", "Ered"))
        .await;

    let after = app.metrics().await;
    assert_eq!(
        sample(
            &after,
            CREATED,
            &[("connection", "contacts"), ("outcome", "created")]
        ),
        1.0
    );
    assert_eq!(sample(&after, CREATED, &[("connection", "leads")]), 0.0);
    assert_eq!(
        sample(
            &after,
            "scim_bridge_scim_requests_total",
            &[
                ("connection", "contacts"),
                ("operation", "create"),
                ("status", "201")
            ]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &after,
            "scim_bridge_scim_request_duration_seconds_count",
            &[("connection", "contacts"), ("operation", "create")]
        ),
        1.0
    );
    // A new person costs two Salesforce requests (the look-up, then one Composite create).
    assert_eq!(
        sample(&after, "scim_bridge_salesforce_requests_total", &contacts) - sf_before,
        2.0
    );
    assert_eq!(
        sample(
            &after,
            "scim_bridge_salesforce_requests_total",
            &[
                ("connection", "contacts"),
                ("call", "composite"),
                ("outcome", "ok")
            ]
        ),
        1.0
    );
    // The org's allowance, from Sforce-Limit-Info.
    assert_eq!(
        sample(
            &after,
            "scim_bridge_salesforce_api_requests_limit",
            &contacts
        ),
        100_000.0
    );
    assert!(
        sample(
            &after,
            "scim_bridge_salesforce_api_requests_used",
            &contacts
        ) >= 2.0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_salesforce_failure_shows_as_a_server_error_a_retry_and_a_failed_outcome() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("flaky@example.com", "Fla", "Ky"))
        .await;
    let fault = app
        .sf_fault(json!({"status": 503, "errorCode": "SERVER_UNAVAILABLE", "count": 10, "method": "PATCH", "path": "/sobjects/Contact/"}))
        .await;
    // DELETE (remove action: disable) reads the Contact, then updates it: the update fails.
    let res = app.delete("contacts", &format!("/Users/{id}")).await;
    assert_scim_error(res, 503, None).await;
    let fired = app.sf_fired(fault).await;
    assert_eq!(fired, 3, "the fault fired on every attempt");
    let m = app.metrics().await;
    let c = ("connection", "contacts");
    assert_eq!(
        sample(
            &m,
            "scim_bridge_salesforce_requests_total",
            &[c, ("call", "update"), ("outcome", "server_error")]
        ),
        fired as f64
    );
    assert_eq!(
        sample(&m, "scim_bridge_salesforce_retries_total", &[c]),
        2.0
    );
    assert_eq!(sample(&m, CREATED, &[c, ("outcome", "failed")]), 1.0);
    assert_eq!(
        sample(
            &m,
            "scim_bridge_scim_requests_total",
            &[c, ("operation", "delete"), ("status", "503")]
        ),
        1.0
    );
    app.stop().await;
}

#[tokio::test]
async fn policy_refusals_and_token_grants_are_counted_by_toggle_and_grant() {
    let app = TestApp::spawn_with(with_policy("contacts", "allow_create = false")).await;
    let res = app
        .post("contacts", "/Users", user("nope@example.com", "No", "Pe"))
        .await;
    assert_eq!(res.status(), 403);
    let m = app.metrics().await;
    let c = ("connection", "contacts");
    assert_eq!(
        sample(
            &m,
            "scim_bridge_policy_refusals_total",
            &[c, ("toggle", "allow_create")]
        ),
        1.0
    );
    assert_eq!(sample(&m, CREATED, &[c, ("outcome", "refused")]), 1.0);
    assert_eq!(
        sample(
            &m,
            "scim_bridge_token_grants_total",
            &[c, ("grant", "refresh_token"), ("outcome", "ok")]
        ),
        1.0
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_need_the_admin_token_on_the_main_port_and_no_raw_path_becomes_a_label() {
    let app = TestApp::spawn().await;
    let res = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 401, None).await;
    for path in [
        "/Users/003000000000000AAA",
        "/Users/not-an-id",
        "/Schemas/x",
    ] {
        app.get("contacts", path).await;
    }
    app.get("no-such-connection", "/Users").await;
    let text = app
        .http
        .get(format!("{}/metrics", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("not-an-id")
            && !text.contains("no-such-connection")
            && !text.contains("003000"),
        "{text}"
    );
    assert!(
        text.contains("connection=\"-\""),
        "an unknown connection is '-':\n{text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_listen_serves_metrics_without_credentials_and_nothing_else() {
    let app = TestApp::spawn_with(|t| format!("metrics_listen = \"127.0.0.1:0\"\n{t}")).await;
    let port = app.metrics_port.expect("a metrics port");
    assert_eq!(app.get("contacts", "/Users?count=1").await.status(), 200);
    let res = app
        .http
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(res.text().await.unwrap().contains("scim_bridge_scim_requests_total{connection=\"contacts\",operation=\"list\",status=\"200\"} 1"));
    let res = app
        .http
        .get(format!("http://127.0.0.1:{port}/scim/v2/contacts/Users"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn readyz_fails_while_salesforce_refuses_the_credentials_and_passes_once_they_work() {
    // The connected app's secret was reset in Salesforce; the bridge still has the old one.
    let app = TestApp::spawn_custom(
        EmulatorConfig {
            client_secret: "reset-in-setup".to_string(),
            ..demo::emulator_config()
        },
        |t| t,
    )
    .await;
    let api = app.api_requests().await;
    let readyz = || async {
        let res = app
            .http
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.unwrap())
    };
    let (status, body) = readyz().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["notReady"], 2);
    let tokens = app.token_requests().await;
    for _ in 0..5 {
        assert_eq!(readyz().await.0, 503);
    }
    assert_eq!(
        app.token_requests().await,
        tokens,
        "probes within the recheck ask Salesforce nothing"
    );
    let status = app.admin_get("contacts", "status").await;
    assert_eq!(status["ready"], false);
    assert!(
        status["readyDetail"]
            .as_str()
            .unwrap()
            .contains("invalid_client"),
        "{status}"
    );

    // The admin puts the bridge's secret back on the connected app.
    app.sf_control(
        "client-secret",
        json!({"secret": EmulatorConfig::default().client_secret}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(5_100)).await;
    let (status, body) = readyz().await;
    assert_eq!(status, 200, "{body}");
    for _ in 0..5 {
        assert_eq!(readyz().await.0, 200);
    }
    assert_eq!(
        app.api_requests().await,
        api,
        "readiness spent API requests"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_sync_status_counts_outcomes_and_keeps_recent_failures_without_personal_data() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("status@example.com", "Sta", "Tus"))
        .await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("status@example.com", "Sta", "Tus"),
        )
        .await;
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_scim_error(res, 409, Some("uniqueness")).await;
    app.sf_fault(json!({"status": 400, "errorCode": "STRING_TOO_LONG", "message": "Title: data value too large: status@example.com", "count": 1, "method": "PATCH", "path": "/sobjects/Contact/"}))
        .await;
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "replace", "path": "title", "value": "x"}])),
        )
        .await;
    assert_eq!(res.status(), 400);

    let status = app.admin_get("contacts", "status").await;
    assert_eq!(status["outcomes"]["created"], 1);
    assert_eq!(status["outcomes"]["refused"], 2);
    assert_eq!(status["ready"], true);
    let failures = status["recentFailures"].as_array().unwrap();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0]["operation"], "patch");
    assert_eq!(failures[0]["id"], id.as_str());
    assert_eq!(failures[0]["salesforceCode"], "STRING_TOO_LONG");
    assert_eq!(failures[0]["status"], 400);
    assert_eq!(failures[1]["operation"], "create");
    assert_eq!(failures[1]["requestId"], request_id.as_str());
    assert_eq!(failures[1]["scimType"], "uniqueness");
    let text = status.to_string();
    assert!(
        !text.contains("status@example.com"),
        "personal data in the status: {text}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_refused_group_change_counts_under_its_group_operation_not_as_a_refused_person() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "contacts",
            "/Groups",
            json!({"schemas": [GROUP_URN], "displayName": "Metered"}),
        )
        .await;
    let (status, group) = read(res).await;
    assert_eq!(status, 201, "{group}");
    let id = group["id"].as_str().unwrap();
    let res = app
        .patch(
            "contacts",
            &format!("/Groups/{id}"),
            patch_ops(json!([
                {"op": "add", "path": "members", "value": [{"value": "003000000000000AAA"}]}
            ])),
        )
        .await;
    assert_scim_error(res, 400, Some("invalidValue")).await;

    let after = app.metrics().await;
    let op = |operation, status| {
        sample(
            &after,
            "scim_bridge_scim_requests_total",
            &[
                ("connection", "contacts"),
                ("operation", operation),
                ("status", status),
            ],
        )
    };
    assert_eq!(op("group_create", "201"), 1.0);
    assert_eq!(op("group_patch", "400"), 1.0);
    // Outcomes are what happened to people: neither the group nor its refusal is one.
    assert_eq!(sample(&after, CREATED, &[("connection", "contacts")]), 0.0);
    // The sync status still keeps the refusal, for the admin to read.
    let status = app.admin_get("contacts", "status").await;
    assert_eq!(status["outcomes"]["refused"], 0);
    let failures = status["recentFailures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{status}");
    assert_eq!(failures[0]["operation"], "group_patch");
    app.stop().await;
}
