//! The basic life of a user: create, read, list, replace, patch, delete.

use std::collections::BTreeMap;

use crate::helpers::*;
use salesforce_emulator::testkit::Stats;
use serde_json::{json, Value};

#[tokio::test]
async fn a_created_contact_is_in_salesforce_and_reads_back_as_scim() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "contacts",
            "/Users",
            user("ada@example.com", "Ada", "Lovelace"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("003"));
    assert_eq!(location, format!("{}/Users/{id}", app.scim("contacts")));
    assert_eq!(body["meta"]["location"], json!(location));
    assert_eq!(body["meta"]["version"], json!(etag));
    assert_eq!(body["meta"]["resourceType"], "User");
    let sf = app.sf_get("Contact", id).await.unwrap();
    assert_eq!(sf["LastName"], "Lovelace");
    assert_eq!(sf["Email"], "ada@example.com");
    let again: Value = app
        .get("contacts", &format!("/Users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["name"]["givenName"], "Ada");
    assert_eq!(again["userName"], "ada@example.com");
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// A person who is already in Salesforce

async fn a_create_links_the_existing_record(kind: Kind) {
    let app = TestApp::spawn().await;
    let email = "jsmith@example.com";
    let existing = app.sf_create(kind.object, kind.existing(email)).await;

    let mut body = kind.body(email, "John", "Smith");
    body["title"] = json!("Account Executive");
    let res = app.post(kind.conn, "/Users", body).await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("{}/Users/{existing}", app.scim(kind.conn))
    );
    let (_, created) = read(res).await;
    assert_eq!(created["id"], json!(existing), "not linked: {created}");
    assert_eq!(created["name"]["givenName"], "John");
    assert_eq!(created["title"], "Account Executive");

    let sf = app.sf_get(kind.object, &existing).await.unwrap();
    assert_eq!(sf["FirstName"], "John");
    assert_eq!(sf["Title"], "Account Executive");
    assert_eq!(sf["Description"], "Met at Dreamforce");
    if kind.object == "Lead" {
        assert_eq!(sf["Company"], "US Navy");
    }
    let same = app
        .sf_query(&format!(
            "SELECT Id FROM {} WHERE Email = '{email}'",
            kind.object
        ))
        .await;
    assert_eq!(same.len(), 1, "a second record was created: {same:?}");
    app.stop().await;
}

#[tokio::test]
async fn creating_a_user_whose_email_a_contact_already_has_links_that_contact() {
    a_create_links_the_existing_record(CONTACTS).await;
}

#[tokio::test]
async fn creating_a_user_whose_email_a_lead_already_has_links_that_lead() {
    a_create_links_the_existing_record(LEADS).await;
}

async fn a_create_conflicts_with_the_existing_record(kind: Kind) {
    let app = TestApp::spawn_with(kind.conflict()).await;
    let email = "jsmith@example.com";
    let existing = app.sf_create(kind.object, kind.existing(email)).await;

    let body = assert_scim_error(
        app.post(kind.conn, "/Users", kind.body(email, "John", "Smith"))
            .await,
        409,
        Some("uniqueness"),
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains(&existing),
        "the detail should name the existing record: {body}"
    );
    let sf = app.sf_get(kind.object, &existing).await.unwrap();
    assert_eq!(sf["FirstName"], "Johnny", "a conflict must not write");

    // Okta's spec test: a new user, then the same create again.
    let fresh = kind.body("new.person@example.com", "New", "Person");
    let id = app.create_user(kind.conn, fresh.clone()).await;
    assert_scim_error(
        app.post(kind.conn, "/Users", fresh).await,
        409,
        Some("uniqueness"),
    )
    .await;
    let all = app
        .sf_query(&format!(
            "SELECT Id FROM {} WHERE Email = 'new.person@example.com'",
            kind.object
        ))
        .await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["Id"], json!(id));
    app.stop().await;
}

#[tokio::test]
async fn with_on_existing_conflict_a_contact_with_the_same_email_is_a_409() {
    a_create_conflicts_with_the_existing_record(CONTACTS).await;
}

#[tokio::test]
async fn with_on_existing_conflict_a_lead_with_the_same_email_is_a_409() {
    a_create_conflicts_with_the_existing_record(LEADS).await;
}

// ---------------------------------------------------------------------------------------------
// Lists

async fn list(app: &TestApp, conn: &str, query: &str) -> Value {
    let (status, body) = read(app.get(conn, &format!("/Users{query}")).await).await;
    assert_eq!(status, 200, "list {query}: {body}");
    body
}

fn ids(page: &Value) -> Vec<String> {
    page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn lists_page_stably(kind: Kind) {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for (i, name) in ["Ames", "Baker", "Clark"].iter().enumerate() {
        let email = format!("{}@example.com", name.to_lowercase());
        created.push(
            app.create_user(kind.conn, kind.body(&email, &format!("P{i}"), name))
                .await,
        );
    }

    // No startIndex or count: everything, with integer counts.
    let all = list(&app, kind.conn, "").await;
    assert_eq!(all["totalResults"], 3);
    assert_eq!(all["startIndex"], 1);
    assert_eq!(all["itemsPerPage"], 3);
    let mut everyone = ids(&all);
    let mut expected = created.clone();
    everyone.sort();
    expected.sort();
    assert_eq!(everyone, expected);

    // count=1, page by page: each person once, in the same order as the full list.
    let mut paged = Vec::new();
    for start in 1..=3 {
        let page = list(&app, kind.conn, &format!("?startIndex={start}&count=1")).await;
        assert_eq!(page["totalResults"], 3, "{page}");
        assert_eq!(page["startIndex"], start);
        assert_eq!(page["itemsPerPage"], 1);
        paged.extend(ids(&page));
    }
    assert_eq!(paged, ids(&all));
    // Asking again gives the same pages.
    let again = list(&app, kind.conn, "?startIndex=2&count=1").await;
    assert_eq!(ids(&again), vec![paged[1].clone()]);

    // Beyond the end: no resources, but the true total.
    let past = list(&app, kind.conn, "?startIndex=10&count=5").await;
    assert_eq!(past["totalResults"], 3, "{past}");
    assert_eq!(past["Resources"], json!([]));
    assert_eq!(past["itemsPerPage"], 0);
    assert_eq!(past["startIndex"], 10);

    // count=0: only the total.
    let counted = list(&app, kind.conn, "?count=0").await;
    assert_eq!(counted["totalResults"], 3);
    assert_eq!(counted["Resources"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn contacts_list_with_or_without_paging_in_a_stable_order() {
    lists_page_stably(CONTACTS).await;
}

#[tokio::test]
async fn leads_list_with_or_without_paging_in_a_stable_order() {
    lists_page_stably(LEADS).await;
}

async fn lists_project_attributes(kind: Kind) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(kind.conn, kind.body("pat@example.com", "Pat", "Lee"))
        .await;

    let only = list(&app, kind.conn, "?attributes=userName").await;
    let r = &only["Resources"][0];
    let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, vec!["id", "schemas", "userName"], "{r}");
    assert_eq!(r["id"], json!(id));

    let sub = list(&app, kind.conn, "?attributes=name.familyName,emails").await;
    let r = &sub["Resources"][0];
    assert_eq!(r["name"], json!({"familyName": "Lee"}));
    assert_eq!(r["emails"][0]["value"], "pat@example.com");
    assert!(
        r.get("userName").is_none() && r.get("meta").is_none(),
        "{r}"
    );
    assert_eq!(r["id"], json!(id));

    let without = list(&app, kind.conn, "?excludedAttributes=emails,name,meta").await;
    let r = &without["Resources"][0];
    assert!(r.get("emails").is_none() && r.get("name").is_none() && r.get("meta").is_none());
    assert_eq!(r["userName"], "pat@example.com");
    assert_eq!(r["id"], json!(id));
    assert!(r["schemas"].is_array());

    // id and schemas cannot be excluded.
    let kept = list(&app, kind.conn, "?excludedAttributes=id,schemas").await;
    let r = &kept["Resources"][0];
    assert_eq!(r["id"], json!(id), "{r}");
    assert!(r["schemas"].is_array());

    // The same on a single GET.
    let (status, one) = read(
        app.get(kind.conn, &format!("/Users/{id}?attributes=userName"))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let mut keys: Vec<&str> = one
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, vec!["id", "schemas", "userName"], "{one}");

    if kind.object == "Lead" {
        let ext = list(
            &app,
            kind.conn,
            &format!("?attributes={ENTERPRISE}:organization"),
        )
        .await;
        assert_eq!(
            ext["Resources"][0][ENTERPRISE],
            json!({"organization": "US Navy"})
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn contact_lists_return_only_the_requested_attributes_plus_id_and_schemas() {
    lists_project_attributes(CONTACTS).await;
}

#[tokio::test]
async fn lead_lists_return_only_the_requested_attributes_plus_id_and_schemas() {
    lists_project_attributes(LEADS).await;
}

// ---------------------------------------------------------------------------------------------
// Salesforce API cost

/// The Salesforce requests made between two stats snapshots, by endpoint.
fn spent(before: &Stats, after: &Stats) -> BTreeMap<String, u64> {
    after
        .by_endpoint
        .iter()
        .map(|(k, n)| (k.clone(), n - before.endpoint(k)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn requests(list: &[(&str, u64)]) -> BTreeMap<String, u64> {
    list.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

async fn api_cost(kind: Kind) {
    let app = TestApp::spawn().await;
    // A new person: the Email match query, then one Composite call that creates and reads back.
    let create = requests(&[("GET /query", 1), ("POST /composite", 1)]);
    let before = app.kit.stats().await.unwrap();
    let id = app
        .create_user(kind.conn, kind.body("cost@example.com", "Cost", "Counter"))
        .await;
    let after = app.kit.stats().await.unwrap();
    assert_eq!(
        spent(&before, &after),
        create,
        "creating a new {}",
        kind.object
    );
    assert_eq!(after.api_requests_total - before.api_requests_total, 2);

    let before = after;
    let res = app.get(kind.conn, &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 200);
    let after = app.kit.stats().await.unwrap();
    assert_eq!(
        spent(&before, &after),
        requests(&[("GET /sobjects/{object}/{id}", 1)]),
        "a GET costs one request"
    );

    let before = after;
    let id2 = app
        .create_user(
            kind.conn,
            kind.body("cost2@example.com", "Second", "Counter"),
        )
        .await;
    let after = app.kit.stats().await.unwrap();
    assert_eq!(
        spent(&before, &after),
        create,
        "the second create costs the same"
    );
    assert_ne!(id, id2);
    app.stop().await;
}

#[tokio::test]
async fn creating_a_contact_costs_two_salesforce_requests_and_reading_it_one() {
    api_cost(CONTACTS).await;
}

#[tokio::test]
async fn creating_a_lead_costs_two_salesforce_requests_and_reading_it_one() {
    api_cost(LEADS).await;
}

async fn a_create_links_regardless_of_email_case(kind: Kind) {
    let app = TestApp::spawn().await;
    let existing = app
        .sf_create(kind.object, kind.existing("JSmith@Example.com"))
        .await;
    let id = app
        .create_user(kind.conn, kind.body("jsmith@example.com", "John", "Smith"))
        .await;
    assert_eq!(id, existing, "Salesforce matches Email case-insensitively");
    let all = app
        .sf_query(&format!(
            "SELECT Id, Email FROM {} WHERE Email = 'jsmith@example.com'",
            kind.object
        ))
        .await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["Email"], "jsmith@example.com");
    app.stop().await;
}

#[tokio::test]
async fn an_existing_contact_is_linked_even_when_its_email_differs_in_case() {
    a_create_links_regardless_of_email_case(CONTACTS).await;
}

#[tokio::test]
async fn an_existing_lead_is_linked_even_when_its_email_differs_in_case() {
    a_create_links_regardless_of_email_case(LEADS).await;
}

async fn a_put_renaming_user_name(kind: Kind) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(kind.conn, kind.body("old@example.com", "Rosa", "Parks"))
        .await;
    // A PUT carries every attribute, so when userName and the work email disagree the
    // mapping order decides (the work email row comes first), the same way every time; a PUT
    // that renames both moves Email.
    let mut body = kind.body("old@example.com", "Rosa", "Parks");
    body["userName"] = json!("new@example.com");
    let (status, res) = read(app.put(kind.conn, &format!("/Users/{id}"), body).await).await;
    assert_eq!(status, 200, "{res}");
    let sf = app.sf_get(kind.object, &id).await.unwrap();
    assert_eq!(sf["Email"], "old@example.com");
    let body = kind.body("new@example.com", "Rosa", "Parks");
    let (status, res) = read(app.put(kind.conn, &format!("/Users/{id}"), body).await).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["userName"], "new@example.com");
    let sf = app.sf_get(kind.object, &id).await.unwrap();
    assert_eq!(sf["Email"], "new@example.com");
    app.stop().await;
}

#[tokio::test]
async fn a_put_follows_mapping_order_when_user_name_and_email_of_a_contact_disagree() {
    a_put_renaming_user_name(CONTACTS).await;
}

#[tokio::test]
async fn a_put_follows_mapping_order_when_user_name_and_email_of_a_lead_disagree() {
    a_put_renaming_user_name(LEADS).await;
}

async fn a_repeated_create_is_a_conflict(kind: Kind) {
    let app = TestApp::spawn().await;
    let body = kind.body("twice@example.com", "Tw", "Ice");
    let first = app.create_user(kind.conn, body.clone()).await;
    // A second POST for someone this connection already has (an IdP resending, Okta's spec
    // test) is RFC 7644 §3.3's 409, and never a second record.
    let res = app.post(kind.conn, "/Users", body).await;
    let err = assert_scim_error(res, 409, Some("uniqueness")).await;
    assert!(err["detail"].as_str().unwrap().contains(&first), "{err}");
    let all = app
        .sf_query(&format!(
            "SELECT Id FROM {} WHERE Email = 'twice@example.com'",
            kind.object
        ))
        .await;
    assert_eq!(all.len(), 1, "{all:?}");
    app.stop().await;
}

#[tokio::test]
async fn creating_the_same_contact_twice_is_a_409_and_leaves_one_record() {
    a_repeated_create_is_a_conflict(CONTACTS).await;
}

#[tokio::test]
async fn creating_the_same_lead_twice_is_a_409_and_leaves_one_record() {
    a_repeated_create_is_a_conflict(LEADS).await;
}

/// Creates `n` Contacts directly in Salesforce, 200 per Collections call.
async fn seed_contacts(app: &TestApp, n: usize) {
    let token = app.sf_token().await;
    for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|i| {
                json!({
                    "attributes": {"type": "Contact"},
                    "LastName": format!("Seed{i:05}"),
                    "Email": format!("seed{i:05}@example.com"),
                    "SCIM_Key__c": format!("seed{i:05}@example.com")
                })
            })
            .collect();
        let res = app
            .http
            .post(app.sf_rest_url("/composite/sobjects"))
            .bearer_auth(&token)
            .json(&json!({"allOrNone": true, "records": records}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
}

async fn page_ids(app: &TestApp, start: usize, count: usize) -> (u64, Vec<String>) {
    let page: Value = app
        .get(
            "contacts",
            &format!("/Users?startIndex={start}&count={count}&attributes=id"),
        )
        .await
        .json()
        .await
        .unwrap();
    let ids = page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    (page["totalResults"].as_u64().unwrap(), ids)
}

#[tokio::test]
async fn pages_beyond_salesforces_2000_row_offset_are_served_in_the_same_order() {
    let app = TestApp::spawn().await;
    seed_contacts(&app, 2_150).await;
    // Walk everything 200 at a time: the reference order. Each page continues the cursor the
    // previous one left: one request per page (11), and one for the empty page past the end.
    let before = app.api_requests().await;
    let mut all = Vec::new();
    let mut start = 1;
    loop {
        let (total, ids) = page_ids(&app, start, 200).await;
        assert_eq!(total, 2_150);
        if ids.is_empty() {
            break;
        }
        start += ids.len();
        all.extend(ids);
    }
    assert_eq!(all.len(), 2_150);
    assert_eq!(app.api_requests().await - before, 12);
    let unique: std::collections::BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), 2_150, "a page repeated someone");
    // Jump straight past OFFSET 2,000: same people, same order.
    let (total, deep) = page_ids(&app, 2_051, 75).await;
    assert_eq!(total, 2_150);
    assert_eq!(deep, all[2_050..2_125].to_vec());
    let (_, tail) = page_ids(&app, 2_140, 50).await;
    assert_eq!(tail, all[2_139..].to_vec());
    // A page inside the first 2,000 rows costs one Salesforce request, with an exact total.
    let before = app.api_requests().await;
    let (total, mid) = page_ids(&app, 1_801, 100).await;
    assert_eq!((total, mid), (2_150, all[1_800..1_900].to_vec()));
    assert_eq!(app.api_requests().await - before, 1);
    // Past the end costs one request too, however large the startIndex.
    let before = app.api_requests().await;
    let (total, none) = page_ids(&app, 999_999_999, 100).await;
    assert_eq!((total, none.len()), (2_150, 0));
    assert_eq!(app.api_requests().await - before, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_put_without_the_family_name_keeps_last_name_and_says_why() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("kept@example.com", "Kept", "Lastname"))
        .await;
    let mut body = user("kept@example.com", "Kept", "Lastname");
    body["name"] = json!({});
    let res = app.put("contacts", &format!("/Users/{id}"), body).await;
    assert_eq!(res.status(), 200);
    let notice = res.headers()["x-scim-bridge-notice"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(notice.contains("LastName"), "{notice}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"]["familyName"], "Lastname");
    assert!(body["name"].get("givenName").is_none(), "{body}");
    let sf = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(sf["LastName"], "Lastname");
    assert_eq!(sf["FirstName"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn an_identical_put_with_a_different_user_name_and_work_email_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut body = user("ada@corp.example.com", "Ada", "Lovelace");
    body["emails"] = json!([{"value": "ada@example.com", "type": "work", "primary": true}]);
    let id = app.create_user("contacts", body.clone()).await;
    let path = format!("/Users/{id}");
    let first: Value = app
        .put("contacts", &path, body.clone())
        .await
        .json()
        .await
        .unwrap();
    let stamp = first["meta"]["version"].clone();
    for _ in 0..3 {
        let again: Value = app
            .put("contacts", &path, body.clone())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            again["meta"]["version"], stamp,
            "an identical PUT wrote to Salesforce"
        );
    }
    // The work email is what Salesforce keeps (first mapping row).
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["Email"],
        "ada@example.com"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_put_that_clears_mapped_fields_names_them_in_the_notice() {
    let app = TestApp::spawn().await;
    let mut body = user("clear@example.com", "Clara", "Lear");
    body["title"] = json!("Analyst");
    body["phoneNumbers"] = json!([{"type": "mobile", "value": "+1 555 0100"}]);
    let id = app.create_user("contacts", body).await;
    let res = app
        .put(
            "contacts",
            &format!("/Users/{id}"),
            user("clear@example.com", "Clara", "Lear"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let notice = res.headers()["x-scim-bridge-notice"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        notice.contains("Title") && notice.contains("MobilePhone"),
        "{notice}"
    );
    let sf = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(sf["Title"], Value::Null);
    assert_eq!(sf["MobilePhone"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn provisioning_a_removed_person_again_enables_the_same_record() {
    let app = TestApp::spawn().await;
    let mut body = user("again@example.com", "Again", "Back");
    body.as_object_mut().unwrap().remove("active");
    let id = app.create_user("contacts", body.clone()).await;
    // The default remove action disables.
    assert_eq!(
        app.delete("contacts", &format!("/Users/{id}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["Active__c"],
        false
    );
    // The IdP provisions the person again (without saying `active`): same record, enabled.
    let res = app.post("contacts", "/Users", body).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["id"], json!(id));
    assert_eq!(created["active"], true);
    assert_eq!(app.sf_get("Contact", &id).await.unwrap()["Active__c"], true);
    app.stop().await;
}
