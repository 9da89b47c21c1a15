//! Spending the org's daily API allowance: a look-up followed by its create costs two
//! requests, and concurrent look-ups and creates go to Salesforce together (one `IN` query, one
//! sObject Collections create and one read-back), each SCIM request getting its own answer.

use crate::helpers::*;
use serde_json::{json, Value};

/// The demo with a generous coalescing window, so that requests sent together in a test are
/// batched together even on a loaded machine (the default window is a few milliseconds).
async fn spawn_batching() -> TestApp {
    TestApp::spawn_with(with_salesforce_keys("coalesce_window_ms = 500")).await
}

/// Marks `n` requests in flight together first, so the next `n` concurrent ones are expected
/// as one batch (the bridge sizes batches by the recent peak of requests in flight).
async fn warm_up(app: &TestApp, n: usize) {
    let filters: Vec<String> = (0..n)
        .map(|i| format!("userName eq \"warm{i}@example.com\""))
        .collect();
    let lookups = filters.iter().map(|f| app.filter("contacts", f));
    futures_util::future::join_all(lookups).await;
}

#[tokio::test]
async fn a_look_up_then_its_create_cost_two_requests_for_a_new_person() {
    let app = TestApp::spawn().await;
    let before = app.api_requests().await;
    let found = app
        .filter("contacts", "userName eq \"seq@example.com\"")
        .await;
    assert_eq!(found["totalResults"], json!(0));
    let id = app
        .create_user("contacts", user("seq@example.com", "Se", "Quential"))
        .await;
    assert_eq!(app.api_requests().await - before, 2, "filter + create");
    assert!(app.sf_get("Contact", &id).await.is_some());
    app.stop().await;
}

#[tokio::test]
async fn a_remembered_look_up_still_adopts_the_record_sales_entered() {
    let app = TestApp::spawn().await;
    let janet = app
        .sf_create("Contact", CONTACTS.existing("janet@example.com"))
        .await;
    let before = app.api_requests().await;
    let found = app
        .filter("contacts", "userName eq \"janet@example.com\"")
        .await;
    assert_eq!(
        found["totalResults"],
        json!(0),
        "not a person of this connection yet"
    );
    let (status, body) = read(
        app.post(
            "contacts",
            "/Users",
            user("janet@example.com", "Janet", "Smith"),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"], json!(janet), "adopted, not duplicated");
    assert_eq!(app.api_requests().await - before, 2, "filter + one write");
    assert_eq!(app.contact_count(Some("janet@example.com")).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn sixteen_concurrent_new_people_cost_one_look_up_one_collections_create_and_one_read() {
    let app = spawn_batching().await;
    warm_up(&app, 16).await;
    let before = app.api_requests().await;
    let creates = (0..16).map(|i| {
        app.post(
            "contacts",
            "/Users",
            user(&format!("batch{i}@example.com"), "Bat", &format!("Ch{i}")),
        )
    });
    let answers = futures_util::future::join_all(creates).await;
    let spent = app.api_requests().await - before;
    let mut ids = Vec::new();
    for (i, res) in answers.into_iter().enumerate() {
        let (status, body) = read(res).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["userName"], json!(format!("batch{i}@example.com")));
        assert_eq!(body["name"]["familyName"], json!(format!("Ch{i}")));
        assert!(body["meta"]["version"].is_string(), "{body}");
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    assert_eq!(spent, 3, "an IN query, a Collections create, a read-back");
    let stats = app.sf_stats().await;
    assert_eq!(
        stats["by_endpoint"]["POST /composite/sobjects"],
        json!(1),
        "{stats}"
    );
    for (i, id) in ids.iter().enumerate() {
        let sf = app.sf_get("Contact", id).await.expect("in Salesforce");
        assert_eq!(sf["SCIM_Key__c"], json!(format!("batch{i}@example.com")));
    }
    app.stop().await;
}

#[tokio::test]
async fn a_batch_answers_each_request_alone_a_duplicate_and_a_bad_value_included() {
    let app = spawn_batching().await;
    app.create_user("contacts", user("taken@example.com", "Ta", "Ken"))
        .await;
    warm_up(&app, 4).await;
    let mut bad = user("bad@example.com", "Bad", "Value");
    bad["title"] = json!("t".repeat(200));
    let bodies: Vec<Value> = vec![
        user("fine1@example.com", "Fi", "Ne"),
        user("taken@example.com", "Ta", "Ken"),
        bad,
        user("fine2@example.com", "Fi", "Ne"),
    ];
    let answers = futures_util::future::join_all(
        bodies
            .into_iter()
            .map(|b| app.post("contacts", "/Users", b)),
    )
    .await;
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [201, 409, 400, 201]);
    let mut answers = answers.into_iter();
    let _ = answers.next();
    let taken = assert_scim_error(answers.next().unwrap(), 409, Some("uniqueness")).await;
    // The detail names the holder's id, not the userName (details reach the sync status).
    assert!(
        taken["detail"]
            .as_str()
            .unwrap()
            .contains("already has a User with this userName (id 003"),
        "{taken}"
    );
    let bad = assert_scim_error(answers.next().unwrap(), 400, Some("invalidValue")).await;
    assert!(bad["detail"].as_str().unwrap().contains("title"), "{bad}");
    assert_eq!(app.contact_count(Some("bad@example.com")).await, 0);
    assert_eq!(app.contact_count(Some("taken@example.com")).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn two_creates_of_one_person_in_one_batch_make_one_record() {
    let app = spawn_batching().await;
    warm_up(&app, 2).await;
    let body = user("twin@example.com", "Tw", "In");
    let answers = futures_util::future::join_all([
        app.post("contacts", "/Users", body.clone()),
        app.post("contacts", "/Users", body),
    ])
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    assert_eq!(app.contact_count(Some("twin@example.com")).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn sixteen_concurrent_look_ups_cost_one_query() {
    let app = spawn_batching().await;
    for i in 0..4 {
        app.create_user(
            "contacts",
            user(&format!("known{i}@example.com"), "Kn", "Own"),
        )
        .await;
    }
    warm_up(&app, 16).await;
    let before = app.api_requests().await;
    let filters: Vec<String> = (0..16)
        .map(|i| format!("userName eq \"known{}@example.com\"", i % 8))
        .collect();
    let lookups = filters.iter().map(|f| app.filter("contacts", f));
    let answers = futures_util::future::join_all(lookups).await;
    assert_eq!(app.api_requests().await - before, 1);
    for (i, a) in answers.iter().enumerate() {
        let expected = if i % 8 < 4 { 1 } else { 0 };
        assert_eq!(a["totalResults"], json!(expected), "{i}: {a}");
    }
    app.stop().await;
}

#[tokio::test]
async fn concurrent_email_and_external_id_filters_cost_one_query_each_kind_and_answer_exactly() {
    let app = spawn_batching().await;
    for i in 0..3 {
        let mut body = user(&format!("e{i}@example.com"), "E", "Mail");
        body["externalId"] = json!(format!("ext-{i}"));
        app.create_user("contacts", body).await;
    }
    // A record sales entered with the same email is not one of the connection's people.
    app.sf_create("Contact", CONTACTS.existing("e0@example.com"))
        .await;
    warm_up(&app, 8).await;
    let before = app.api_requests().await;
    let filters: Vec<String> = (0..4)
        .map(|i| format!("emails eq \"e{i}@example.com\""))
        .chain((0..4).map(|i| format!("externalId eq \"ext-{i}\"")))
        .collect();
    let answers =
        futures_util::future::join_all(filters.iter().map(|f| app.filter("contacts", f))).await;
    assert_eq!(
        app.api_requests().await - before,
        2,
        "one IN query per field"
    );
    for (n, a) in answers.iter().enumerate() {
        let expected = if n % 4 < 3 { 1 } else { 0 };
        assert_eq!(a["totalResults"], json!(expected), "{}: {a}", filters[n]);
    }
    app.stop().await;
}
