//! The removal guard: removals past a connection's threshold are held (429 + `Retry-After`),
//! listed on the admin API, and go through once an admin releases them, or stay undone when
//! an admin discards them. What landed in Salesforce is checked after each step.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// The demo with the contacts connection's guard at `max` removals an hour.
async fn guarded(max: u32) -> TestApp {
    TestApp::spawn_with(move |toml| {
        format!("{toml}\n[connections.contacts.removal_guard]\nmax_removals = {max}\nwindow_secs = 3600\n")
    })
    .await
}

async fn admin(app: &TestApp, method: Method, path: &str) -> (u16, Value) {
    let res = app
        .http
        .request(
            method,
            format!("{}/admin/connections/contacts/removals{path}", app.address),
        )
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    (status.as_u16(), body)
}

async fn people(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let email = format!("leaver{i}@example.com");
        ids.push(
            app.create_user("contacts", user(&email, "Lea", &format!("Ver{i}")))
                .await,
        );
    }
    ids
}

fn deactivate() -> Value {
    patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}]))
}

#[tokio::test]
async fn removals_past_the_threshold_are_held_with_retry_after_and_salesforce_keeps_the_people() {
    let app = guarded(2).await;
    let ids = people(&app, 4).await;
    for id in &ids[..2] {
        assert_eq!(
            app.delete("contacts", &format!("/Users/{id}"))
                .await
                .status(),
            204
        );
    }
    let res = app.delete("contacts", &format!("/Users/{}", ids[2])).await;
    assert_eq!(res.headers()["retry-after"], "60");
    let err = assert_scim_error(res, 429, None).await;
    assert!(err["detail"]
        .as_str()
        .unwrap()
        .contains("/admin/connections/contacts/removals"));
    // Entra's disable is a removal too.
    let res = app
        .patch("contacts", &format!("/Users/{}", ids[3]), deactivate())
        .await;
    assert_scim_error(res, 429, None).await;
    for id in &ids[2..] {
        let record = app.sf_record(CONTACTS, id).await;
        assert_eq!(
            record["Active__c"], true,
            "a held removal reached Salesforce"
        );
        assert!(
            record["SCIM_Key__c"].is_string(),
            "a held delete released the key"
        );
    }
    assert_eq!(
        app.get("contacts", &format!("/Users/{}", ids[2]))
            .await
            .status(),
        200
    );

    let (status, body) = admin(&app, Method::GET, "").await;
    assert_eq!(status, 200);
    assert_eq!(body["tripped"], true);
    assert_eq!(body["maxRemovals"], 2);
    assert_eq!(body["removalsInWindow"], 2);
    let held: Vec<(&str, &str)> = body["held"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["id"].as_str().unwrap(), h["kind"].as_str().unwrap()))
        .collect();
    let mut want = vec![(ids[2].as_str(), "delete"), (ids[3].as_str(), "deactivate")];
    want.sort();
    assert_eq!(held, want);
    app.stop().await;
}

#[tokio::test]
async fn a_retried_held_removal_costs_no_salesforce_request() {
    let app = guarded(0).await;
    let ids = people(&app, 1).await;
    let path = format!("/Users/{}", ids[0]);
    let before = app.api_requests().await;
    assert_eq!(app.delete("contacts", &path).await.status(), 429);
    // The first hold read the record (it had to exist); the retries read nothing.
    assert_eq!(app.api_requests().await - before, 1);
    for _ in 0..5 {
        assert_eq!(app.delete("contacts", &path).await.status(), 429);
        assert_eq!(
            app.patch("contacts", &path, deactivate()).await.status(),
            429
        );
    }
    assert_eq!(app.api_requests().await - before, 1);
    let (_, body) = admin(&app, Method::GET, "").await;
    assert_eq!(body["held"][0]["attempts"], 11);
    app.stop().await;
}

#[tokio::test]
async fn released_removals_go_through_on_the_next_retry() {
    let app = guarded(1).await;
    let ids = people(&app, 3).await;
    assert_eq!(
        app.delete("contacts", &format!("/Users/{}", ids[0]))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.delete("contacts", &format!("/Users/{}", ids[1]))
            .await
            .status(),
        429
    );
    assert_eq!(
        app.patch("contacts", &format!("/Users/{}", ids[2]), deactivate())
            .await
            .status(),
        429
    );

    let (status, body) = admin(&app, Method::POST, &format!("/release?id={}", ids[1])).await;
    assert_eq!((status, body), (200, json!({"released": [ids[1]]})));
    assert_eq!(
        app.delete("contacts", &format!("/Users/{}", ids[1]))
            .await
            .status(),
        204
    );
    let record = app.sf_record(CONTACTS, &ids[1]).await;
    assert_eq!(record["Active__c"], false);
    assert!(record["SCIM_Key__c"].is_null());
    // The other one is still held, and so the guard is still tripped.
    assert_eq!(
        app.patch("contacts", &format!("/Users/{}", ids[2]), deactivate())
            .await
            .status(),
        429
    );

    let (_, body) = admin(&app, Method::POST, "/release").await;
    assert_eq!(body, json!({"released": [ids[2]]}));
    let res = app
        .patch("contacts", &format!("/Users/{}", ids[2]), deactivate())
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.sf_record(CONTACTS, &ids[2]).await["Active__c"], false);
    let (_, body) = admin(&app, Method::GET, "").await;
    assert_eq!(body["tripped"], false);
    assert_eq!(body["releasedPending"], 0);
    app.stop().await;
}

#[tokio::test]
async fn discarded_removals_leave_the_people_in_salesforce_and_a_retry_is_held_again() {
    let app = guarded(0).await;
    let ids = people(&app, 2).await;
    for id in &ids {
        assert_eq!(
            app.delete("contacts", &format!("/Users/{id}"))
                .await
                .status(),
            429
        );
    }
    let (_, body) = admin(&app, Method::POST, "/discard").await;
    assert_eq!(body["discarded"].as_array().unwrap().len(), 2);
    let (_, body) = admin(&app, Method::GET, "").await;
    assert_eq!(
        (body["tripped"].clone(), body["heldCount"].clone()),
        (json!(false), json!(0))
    );
    for id in &ids {
        let record = app.sf_record(CONTACTS, id).await;
        assert_eq!(record["Active__c"], true);
        assert!(record["SCIM_Key__c"].is_string());
    }
    assert_eq!(
        app.delete("contacts", &format!("/Users/{}", ids[0]))
            .await
            .status(),
        429
    );
    app.stop().await;
}

#[tokio::test]
async fn the_guard_is_on_by_default_at_100_an_hour_and_other_connections_are_not_touched() {
    let app = guarded(0).await;
    let (_, body) = admin(&app, Method::GET, "").await;
    assert_eq!(
        (body["enabled"].clone(), body["maxRemovals"].clone()),
        (json!(true), json!(0))
    );
    let res = app
        .http
        .get(format!("{}/admin/connections/leads/removals", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let body = json_of(res).await;
    assert_eq!(body["maxRemovals"], 100);
    assert_eq!(body["windowSecs"], 3600);
    let lead = app
        .create_user("leads", LEADS.body("gone@example.com", "Al", "Gone"))
        .await;
    assert_eq!(
        app.delete("leads", &format!("/Users/{lead}"))
            .await
            .status(),
        204
    );
    app.stop().await;
}

#[tokio::test]
async fn a_guard_configured_off_lets_every_removal_through() {
    let app = TestApp::spawn_with(|toml| {
        format!("{toml}\n[connections.contacts.removal_guard]\nenabled = false\nmax_removals = 0\n")
    })
    .await;
    for id in people(&app, 3).await {
        assert_eq!(
            app.delete("contacts", &format!("/Users/{id}"))
                .await
                .status(),
            204
        );
    }
    let (_, body) = admin(&app, Method::GET, "").await;
    assert_eq!(body["enabled"], false);
    app.stop().await;
}

#[tokio::test]
async fn the_removals_api_needs_the_admin_token() {
    let app = guarded(1).await;
    let url = format!(
        "{}/admin/connections/contacts/removals/release",
        app.address
    );
    let res = app.http.post(&url).send().await.unwrap();
    assert_scim_error(res, 401, None).await;
    let res = app.http.post(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_scim_error(res, 401, None).await;
    let res = app
        .http
        .get(format!("{}/admin/connections/nope/removals", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 404, None).await;
    app.stop().await;
}
