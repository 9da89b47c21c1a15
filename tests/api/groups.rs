//! SCIM Groups as Campaigns: each IdP's group sequence on both a Contact and a Lead
//! connection, checking Salesforce's CampaignMember rows after every step; members that are not
//! the connection's people; the API cost of large membership changes; DELETE by policy.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// The person field of a connection's memberships.
fn person_field(kind: Kind) -> &'static str {
    match kind.object {
        "Lead" => "LeadId",
        _ => "ContactId",
    }
}

fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"schemas": [GROUP_URN], "displayName": name, "members": members})
}

fn members_value(ids: &[&str]) -> Value {
    Value::Array(ids.iter().map(|m| json!({"value": m})).collect())
}

/// The people of `campaign` as Salesforce holds them: the person ids of every CampaignMember
/// row, with the row's key.
async fn rows(app: &TestApp, kind: Kind, campaign: &str) -> BTreeSet<(String, String)> {
    let field = person_field(kind);
    app.sf_query(&format!(
        "SELECT {field}, SCIM_Key__c FROM CampaignMember WHERE CampaignId = '{campaign}'"
    ))
    .await
    .iter()
    .map(|r| {
        (
            r[field].as_str().unwrap_or("-").to_string(),
            r["SCIM_Key__c"].as_str().unwrap_or("").to_string(),
        )
    })
    .collect()
}

fn keyed(kind: Kind, people: &[&str]) -> BTreeSet<(String, String)> {
    people
        .iter()
        .map(|p| (p.to_string(), kind.conn.to_string()))
        .collect()
}

async fn create_group(app: &TestApp, kind: Kind, body: Value) -> String {
    let res = app.post(kind.conn, "/Groups", body).await;
    let (status, json) = read(res).await;
    assert_eq!(status, 201, "{json}");
    json["id"].as_str().unwrap().to_string()
}

async fn people(app: &TestApp, kind: Kind, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let email = format!("member{i}@example.com");
        out.push(
            app.create_user(kind.conn, kind.body(&email, "Member", &format!("No{i}")))
                .await,
        );
    }
    out
}

async fn patch_group(app: &TestApp, kind: Kind, id: &str, ops: Value) {
    let res = app
        .patch(kind.conn, &format!("/Groups/{id}"), patch_ops(ops))
        .await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 204, "{text}");
}

async fn group_list(app: &TestApp, kind: Kind, query: &[(&str, &str)]) -> Value {
    let url =
        reqwest::Url::parse_with_params(&format!("{}/Groups", app.scim(kind.conn)), query).unwrap();
    let res = app.http.get(url).bearer_auth(TOKEN).send().await.unwrap();
    let (status, json) = read(res).await;
    assert_eq!(status, 200, "{json}");
    json
}

async fn entra_sequence(kind: Kind) {
    let app = TestApp::spawn().await;
    let p = people(&app, kind, 3).await;
    let (a, b, c) = (p[0].as_str(), p[1].as_str(), p[2].as_str());
    // Entra looks the group up first, without members.
    let found = group_list(
        &app,
        kind,
        &[
            ("excludedAttributes", "members"),
            ("filter", "displayName eq \"Beta Testers\""),
        ],
    )
    .await;
    assert_eq!(found["totalResults"], 0);
    let id = create_group(
        &app,
        kind,
        json!({"schemas": [GROUP_URN], "displayName": "Beta Testers", "externalId": "8c9a-entra"}),
    )
    .await;
    let campaign = app.sf_get("Campaign", &id).await.unwrap();
    assert_eq!(campaign["Name"], "Beta Testers");
    assert_eq!(campaign["IsActive"], true);
    assert_eq!(campaign["SCIM_External_Id__c"], "8c9a-entra");
    assert!(rows(&app, kind, &id).await.is_empty());
    // Add (capitalised), then Remove with a value list (without aadOptscim062020).
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "Add", "path": "members", "value": members_value(&[a, b, c])}]),
    )
    .await;
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[a, b, c]));
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "Remove", "path": "members", "value": [{"value": a}]}]),
    )
    .await;
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[b, c]));
    // With aadOptscim062020: remove by a member filter.
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]),
    )
    .await;
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[c]));
    // Entra's membership check, and the rename.
    let check = group_list(
        &app,
        kind,
        &[
            ("filter", &format!("id eq \"{id}\" and members eq \"{c}\"")),
            ("attributes", "id"),
        ],
    )
    .await;
    assert_eq!(check["totalResults"], 1);
    assert!(check["Resources"][0].get("members").is_none());
    let not_member = group_list(
        &app,
        kind,
        &[("filter", &format!("id eq \"{id}\" and members eq \"{a}\""))],
    )
    .await;
    assert_eq!(not_member["totalResults"], 0);
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "Replace", "path": "displayName", "value": "Beta Testers EMEA"}]),
    )
    .await;
    assert_eq!(
        app.sf_get("Campaign", &id).await.unwrap()["Name"],
        "Beta Testers EMEA"
    );
    let renamed = group_list(
        &app,
        kind,
        &[("filter", "displayName eq \"beta testers emea\"")],
    )
    .await;
    assert_eq!(renamed["Resources"][0]["id"], json!(id));
    assert_eq!(
        renamed["Resources"][0]["members"],
        json!([{"value": c, "$ref": format!("{}/Users/{c}", app.scim(kind.conn)), "type": "User"}])
    );
    // DELETE (the default policy): the Campaign stays, inactive, with its key released.
    let res = app.delete(kind.conn, &format!("/Groups/{id}")).await;
    assert_eq!(res.status(), 204);
    let campaign = app.sf_get("Campaign", &id).await.unwrap();
    assert_eq!(campaign["IsActive"], false);
    assert_eq!(campaign["SCIM_Key__c"], Value::Null);
    assert_eq!(
        rows(&app, kind, &id).await,
        keyed(kind, &[c]),
        "history kept"
    );
    assert_scim_error(
        app.get(kind.conn, &format!("/Groups/{id}")).await,
        404,
        None,
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn entra_creates_fills_renames_and_deletes_a_group_of_contacts() {
    entra_sequence(CONTACTS).await;
}

#[tokio::test]
async fn entra_creates_fills_renames_and_deletes_a_group_of_leads() {
    entra_sequence(LEADS).await;
}

async fn okta_sequence(kind: Kind) {
    let app = TestApp::spawn().await;
    let p = people(&app, kind, 3).await;
    let (a, b, c) = (p[0].as_str(), p[1].as_str(), p[2].as_str());
    // Group Push: the group with its members in one POST.
    let id = create_group(&app, kind, group("Engineering", &[a, b])).await;
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[a, b]));
    // Okta renames with a path-less replace restating the id.
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "replace", "value": {"id": id, "displayName": "Engineering (all)"}}]),
    )
    .await;
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "add", "path": "members", "value": [{"value": c, "display": "Carol"}]}]),
    )
    .await;
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
    )
    .await;
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[b, c]));
    // PUT replaces every member.
    let res = app
        .put(
            kind.conn,
            &format!("/Groups/{id}"),
            group("Engineering (all)", &[a]),
        )
        .await;
    let (status, body) = read(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["members"][0]["value"], json!(a));
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[a]));
    // Okta's list of groups.
    let list = group_list(&app, kind, &[("startIndex", "1"), ("count", "100")]).await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["displayName"], "Engineering (all)");
    assert_eq!(list["Resources"][0]["members"][0]["value"], json!(a));
    app.stop().await;
}

#[tokio::test]
async fn okta_group_push_creates_renames_and_replaces_members_of_contacts() {
    okta_sequence(CONTACTS).await;
}

#[tokio::test]
async fn okta_group_push_creates_renames_and_replaces_members_of_leads() {
    okta_sequence(LEADS).await;
}

async fn pingone_sequence(kind: Kind) {
    let app = TestApp::spawn().await;
    let p = people(&app, kind, 3).await;
    let (a, b, c) = (p[0].as_str(), p[1].as_str(), p[2].as_str());
    let id = create_group(&app, kind, group("Partners", &[])).await;
    // PingOne replaces the member list, then adds and removes lists.
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "replace", "path": "members", "value": members_value(&[a, b])}]),
    )
    .await;
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[a, b]));
    patch_group(
        &app,
        kind,
        &id,
        json!([
            {"op": "add", "path": "members", "value": members_value(&[c])},
            {"op": "remove", "path": "members", "value": members_value(&[a])}
        ]),
    )
    .await;
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[b, c]));
    // An empty list names no one: the members stay, and nothing is spent beyond the read.
    // An id that cannot be a person's is not a member, so removing it changes nothing either.
    let before = app.api_requests().await;
    patch_group(
        &app,
        kind,
        &id,
        json!([
            {"op": "remove", "path": "members", "value": []},
            {"op": "remove", "path": "members[value eq \"not-an-id\"]"},
            {"op": "remove", "path": "members", "value": [{"value": "001000000000000AAA"}]}
        ]),
    )
    .await;
    assert_eq!(app.api_requests().await - before, 1);
    assert_eq!(rows(&app, kind, &id).await, keyed(kind, &[b, c]));
    // Removing everyone (`remove` of members without a value).
    patch_group(
        &app,
        kind,
        &id,
        json!([{"op": "remove", "path": "members"}]),
    )
    .await;
    assert!(rows(&app, kind, &id).await.is_empty());
    let (status, got) = read(app.get(kind.conn, &format!("/Groups/{id}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(got["members"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn pingone_replaces_adds_and_removes_members_of_contacts() {
    pingone_sequence(CONTACTS).await;
}

#[tokio::test]
async fn pingone_replaces_adds_and_removes_members_of_leads() {
    pingone_sequence(LEADS).await;
}

#[tokio::test]
async fn a_member_that_is_not_one_of_the_connections_people_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let contact = app
        .create_user("contacts", user("ada@example.com", "Ada", "Lovelace"))
        .await;
    let lead = app
        .create_user(
            "leads",
            lead_user("grace@example.com", "Grace", "Hopper", "Navy"),
        )
        .await;
    // A Contact that is not a person of the connection (no key), made in Salesforce.
    let stranger = app
        .sf_create("Contact", json!({"LastName": "Stranger"}))
        .await;
    for bad in [lead.as_str(), stranger.as_str(), "not-an-id"] {
        let res = app
            .post("contacts", "/Groups", group("Bad", &[&contact, bad]))
            .await;
        let err = assert_scim_error(res, 400, Some("invalidValue")).await;
        assert!(err["detail"].as_str().unwrap().contains(bad), "{err}");
        assert!(err["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was written"));
    }
    assert!(app.sf_query("SELECT Id FROM Campaign").await.is_empty());
    let id = create_group(&app, CONTACTS, group("Good", &[&contact])).await;
    let res = app
        .patch(
            "contacts",
            &format!("/Groups/{id}"),
            patch_ops(json!([
                {"op": "add", "path": "members", "value": members_value(&[&stranger])},
                {"op": "replace", "path": "displayName", "value": "Renamed"}
            ])),
        )
        .await;
    assert_scim_error(res, 400, Some("invalidValue")).await;
    assert_eq!(
        rows(&app, CONTACTS, &id).await,
        keyed(CONTACTS, &[&contact])
    );
    assert_eq!(app.sf_get("Campaign", &id).await.unwrap()["Name"], "Good");
    // Nested groups are refused by type.
    let res = app
        .post(
            "contacts",
            "/Groups",
            json!({"displayName": "Nested", "members": [{"value": id, "type": "Group"}]}),
        )
        .await;
    assert_scim_error(res, 400, Some("invalidValue")).await;
    app.stop().await;
}

#[tokio::test]
async fn a_second_group_with_the_same_name_is_a_409_and_each_connection_sees_only_its_own() {
    let app = TestApp::spawn().await;
    let id = create_group(&app, CONTACTS, group("Beta", &[])).await;
    let res = app.post("contacts", "/Groups", group("beta", &[])).await;
    assert_scim_error(res, 409, Some("uniqueness")).await;
    // Renaming another group to that name is a 409 too; changing only its letter case is not.
    let gamma = create_group(&app, CONTACTS, group("Gamma", &[])).await;
    let res = app
        .patch(
            "contacts",
            &format!("/Groups/{gamma}"),
            patch_ops(json!([{"op": "replace", "path": "displayName", "value": "BETA"}])),
        )
        .await;
    assert_scim_error(res, 409, Some("uniqueness")).await;
    assert_eq!(
        app.sf_get("Campaign", &gamma).await.unwrap()["Name"],
        "Gamma"
    );
    patch_group(
        &app,
        CONTACTS,
        &id,
        json!([{"op": "replace", "path": "displayName", "value": "BETA"}]),
    )
    .await;
    assert_eq!(app.sf_get("Campaign", &id).await.unwrap()["Name"], "BETA");
    app.delete("contacts", &format!("/Groups/{gamma}")).await;
    // The leads connection has its own groups: the same name is another Campaign.
    let lead_group = create_group(&app, LEADS, group("Beta", &[])).await;
    assert_ne!(id, lead_group);
    let list = group_list(&app, LEADS, &[]).await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], json!(lead_group));
    assert_scim_error(app.get("leads", &format!("/Groups/{id}")).await, 404, None).await;
    // A Campaign a marketer made is nobody's group (nor is the deactivated Gamma).
    app.sf_create("Campaign", json!({"Name": "Spring Webinar"}))
        .await;
    assert_eq!(group_list(&app, CONTACTS, &[]).await["totalResults"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_marketers_membership_is_adopted_not_duplicated_and_never_shown_or_removed_otherwise() {
    let app = TestApp::spawn().await;
    let p = people(&app, CONTACTS, 2).await;
    let id = create_group(&app, CONTACTS, group("Customers", &[])).await;
    // A marketer adds both people in Salesforce (rows without the bridge's key).
    for person in &p {
        app.sf_create(
            "CampaignMember",
            json!({"CampaignId": id, "ContactId": person}),
        )
        .await;
    }
    let (_, got) = read(app.get("contacts", &format!("/Groups/{id}")).await).await;
    assert_eq!(got["members"], json!([]), "not the IdP's members");
    patch_group(
        &app,
        CONTACTS,
        &id,
        json!([{"op": "add", "path": "members", "value": members_value(&[&p[0]])}]),
    )
    .await;
    let mut want = keyed(CONTACTS, &[&p[0]]);
    want.insert((p[1].clone(), String::new()));
    assert_eq!(
        rows(&app, CONTACTS, &id).await,
        want,
        "adopted, one row each"
    );
    // A PUT with no members removes the IdP's member only.
    let res = app
        .put(
            "contacts",
            &format!("/Groups/{id}"),
            group("Customers", &[]),
        )
        .await;
    assert_eq!(res.status(), 200);
    let left: BTreeSet<(String, String)> = [(p[1].clone(), String::new())].into();
    assert_eq!(rows(&app, CONTACTS, &id).await, left);
    app.stop().await;
}

#[tokio::test]
async fn with_on_delete_delete_the_campaign_and_its_members_are_deleted() {
    let app = TestApp::spawn_with(|t| {
        t.replace(
            "[connections.contacts.groups]\n",
            "[connections.contacts.groups]\non_delete = \"delete\"\n",
        )
    })
    .await;
    let p = people(&app, CONTACTS, 1).await;
    let id = create_group(&app, CONTACTS, group("Temp", &[&p[0]])).await;
    let res = app.delete("contacts", &format!("/Groups/{id}")).await;
    assert_eq!(res.status(), 204);
    assert!(app.sf_get("Campaign", &id).await.is_none());
    assert!(rows(&app, CONTACTS, &id).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_removed_person_keeps_their_memberships_unless_salesforce_deletes_the_record() {
    let app = TestApp::spawn_with(with_policy("leads", "remove_action = \"delete\"")).await;
    let contact = people(&app, CONTACTS, 1).await.remove(0);
    let lead = people(&app, LEADS, 1).await.remove(0);
    let g1 = create_group(&app, CONTACTS, group("Alumni", &[&contact])).await;
    let g2 = create_group(&app, LEADS, group("Prospects", &[&lead])).await;
    // The Contact connection disables (its default remove action): the membership stays.
    assert_eq!(
        app.delete("contacts", &format!("/Users/{contact}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        rows(&app, CONTACTS, &g1).await,
        keyed(CONTACTS, &[&contact])
    );
    // The Lead connection deletes: Salesforce deletes the Lead's memberships with it.
    assert_eq!(
        app.delete("leads", &format!("/Users/{lead}"))
            .await
            .status(),
        204
    );
    assert!(rows(&app, LEADS, &g2).await.is_empty());
    app.stop().await;
}

/// Makes `n` people of the contacts connection directly in Salesforce (Collections, 200 a call).
async fn bulk_people(app: &TestApp, n: usize) -> Vec<String> {
    let token = app.sf_token().await;
    let mut ids = Vec::with_capacity(n);
    for start in (0..n).step_by(200) {
        let records: Vec<Value> = (start..(start + 200).min(n))
            .map(|i| {
                json!({"attributes": {"type": "Contact"}, "LastName": format!("Bulk{i}"),
                       "Email": format!("bulk{i}@example.com"), "SCIM_Key__c": format!("bulk{i}@example.com")})
            })
            .collect();
        ids.extend(sf_collection_create(app, &token, records).await);
    }
    ids
}

async fn sf_collection_create(app: &TestApp, token: &str, records: Vec<Value>) -> Vec<String> {
    let body = json!({"allOrNone": true, "records": records});
    let reply = app
        .kit
        .rest_with(token, Method::POST, "/composite/sobjects", Some(&body))
        .await
        .unwrap();
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["success"], true, "{r}");
            r["id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_patch_adding_1000_members_costs_7_api_requests_and_removing_them_6() {
    let app = TestApp::spawn().await;
    let ids = bulk_people(&app, 1000).await;
    let id = create_group(&app, CONTACTS, group("Everyone", &[])).await;
    let before = app.api_requests().await;
    let values: Vec<&str> = ids.iter().map(String::as_str).collect();
    patch_group(
        &app,
        CONTACTS,
        &id,
        json!([{"op": "Add", "path": "members", "value": members_value(&values)}]),
    )
    .await;
    // 2 Composite requests of reads (the Campaign, 3 look-ups of the 1,000 people at 400 ids
    // each, 3 of their memberships: Salesforce allows 5 queries a Composite request), then 5
    // Collections creates of 200 rows.
    assert_eq!(app.api_requests().await - before, 7);
    let count = app
        .kit
        .count("CampaignMember", Some(&format!("CampaignId = '{id}'")))
        .await
        .unwrap();
    assert_eq!(count, 1000);
    // Removing them: 1 Composite of reads (the Campaign, 3 membership look-ups), 5 Collections
    // deletes.
    let before = app.api_requests().await;
    patch_group(
        &app,
        CONTACTS,
        &id,
        json!([{"op": "Remove", "path": "members", "value": members_value(&values)}]),
    )
    .await;
    assert_eq!(app.api_requests().await - before, 6);
    assert!(rows(&app, CONTACTS, &id).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_group_of_10000_members_is_read_in_5_requests_and_in_1_when_members_are_excluded() {
    let app = TestApp::spawn().await;
    let ids = bulk_people(&app, 10_000).await;
    let id = create_group(&app, CONTACTS, group("Newsletter", &[])).await;
    let token = app.sf_token().await;
    for chunk in ids.chunks(200) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|p| json!({"attributes": {"type": "CampaignMember"}, "CampaignId": id, "ContactId": p, "SCIM_Key__c": "contacts"}))
            .collect();
        sf_collection_create(&app, &token, records).await;
    }
    let before = app.api_requests().await;
    let (status, got) = read(app.get("contacts", &format!("/Groups/{id}")).await).await;
    assert_eq!(status, 200);
    // One Composite request (the Campaign and the first 2,000 rows), then 4 more pages.
    assert_eq!(app.api_requests().await - before, 5);
    let shown: BTreeSet<&str> = got["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), 10_000);
    assert!(ids.iter().all(|i| shown.contains(i.as_str())));
    let before = app.api_requests().await;
    let res = app
        .get(
            "contacts",
            &format!("/Groups/{id}?excludedAttributes=members"),
        )
        .await;
    let (_, lean) = read(res).await;
    assert!(lean.get("members").is_none());
    assert_eq!(app.api_requests().await - before, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_root_search_finds_users_and_groups_as_one_list() {
    let app = TestApp::spawn().await;
    let p = people(&app, CONTACTS, 2).await;
    let g = create_group(&app, CONTACTS, group("Both", &[&p[0]])).await;
    let search = |body: Value| {
        let app = &app;
        async move { read(app.post("contacts", "/.search", body).await).await }
    };
    let (status, all) =
        search(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]})).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["totalResults"], 3);
    assert_eq!(all["Resources"][2]["id"], json!(g));
    let (_, page) = search(json!({"startIndex": 2, "count": 2})).await;
    assert_eq!(page["totalResults"], 3);
    let ids: Vec<&str> = page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [p[1].as_str(), g.as_str()]);
    // A filter only Groups can answer finds the group; one only Users can, the users.
    let (_, groups) = search(json!({"filter": "displayName eq \"Both\""})).await;
    assert_eq!(groups["totalResults"], 1);
    let (_, users) = search(json!({"filter": "userName sw \"member\""})).await;
    assert_eq!(users["totalResults"], 2);
    app.stop().await;
}

#[tokio::test]
async fn a_connection_without_groups_serves_no_groups_and_discovery_says_so() {
    let app = TestApp::spawn_with(|t| t.replace("[connections.leads.groups]\n", "")).await;
    let err = assert_scim_error(app.get("leads", "/Groups").await, 404, None).await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap()
            .contains("[connections.leads.groups]"),
        "{err}"
    );
    let (_, types) = read(app.get("leads", "/ResourceTypes").await).await;
    assert_eq!(types["totalResults"], 1);
    assert_scim_error(
        app.get("leads", &format!("/Schemas/{GROUP_URN}")).await,
        404,
        None,
    )
    .await;
    let (_, types) = read(app.get("contacts", "/ResourceTypes").await).await;
    assert_eq!(types["Resources"][1]["id"], "Group");
    app.stop().await;
}

#[tokio::test]
async fn group_filters_the_bridge_cannot_answer_are_invalid_filters_naming_what_works() {
    let app = TestApp::spawn().await;
    let url = reqwest::Url::parse_with_params(
        &format!("{}/Groups", app.scim("contacts")),
        &[("filter", "title eq \"x\"")],
    )
    .unwrap();
    let res = app.http.get(url).bearer_auth(TOKEN).send().await.unwrap();
    let err = assert_scim_error(res, 400, Some("invalidFilter")).await;
    assert!(err["detail"]
        .as_str()
        .unwrap()
        .contains("displayName, externalId, id or members"));
    let res = app
        .call(
            Method::PATCH,
            "contacts",
            "/Groups/701000000000001AAA",
            Some(patch_ops(json!([{"op": "remove", "path": "displayName"}]))),
        )
        .await;
    assert_scim_error(res, 400, Some("mutability")).await;
    app.stop().await;
}

#[tokio::test]
async fn a_membership_write_that_fails_halfway_is_undone_and_the_retry_completes_it() {
    let app = TestApp::spawn().await;
    let ids = bulk_people(&app, 400).await;
    let id = create_group(&app, CONTACTS, group("Halfway", &[])).await;
    // The second Collections create (rows 201-400) fails; the first one had succeeded.
    let fault = app
        .sf_fault(json!({"errorCode": "SERVER_UNAVAILABLE", "method": "POST",
                         "path": "/composite/sobjects", "after": 1, "count": 1}))
        .await;
    let values: Vec<&str> = ids.iter().map(String::as_str).collect();
    let ops = json!([{"op": "add", "path": "members", "value": members_value(&values)}]);
    let res = app
        .patch("contacts", &format!("/Groups/{id}"), patch_ops(ops.clone()))
        .await;
    assert_scim_error(res, 503, None).await;
    assert_eq!(app.sf_fired(fault).await, 1);
    assert!(
        rows(&app, CONTACTS, &id).await.is_empty(),
        "the first 200 rows were deleted again"
    );
    // The IdP's retry writes everything.
    patch_group(&app, CONTACTS, &id, ops).await;
    assert_eq!(rows(&app, CONTACTS, &id).await.len(), 400);
    app.stop().await;
}

#[tokio::test]
async fn everyday_group_operations_cost_one_to_three_api_requests() {
    let app = TestApp::spawn().await;
    let p = people(&app, CONTACTS, 2).await;
    let cost = |before: u64| {
        let app = &app;
        async move { app.api_requests().await - before }
    };
    // POST with a member: the name look-up and the member check (1), the Campaign and its
    // read-back (1), the row (1).
    let before = app.api_requests().await;
    let id = create_group(&app, CONTACTS, group("Daily", &[&p[0]])).await;
    assert_eq!(cost(before).await, 3);
    // Entra's add of one member: the reads (1), the row (1).
    let before = app.api_requests().await;
    patch_group(
        &app,
        CONTACTS,
        &id,
        json!([{"op": "Add", "path": "members", "value": [{"value": p[1]}]}]),
    )
    .await;
    assert_eq!(cost(before).await, 2);
    // Adding someone who is already a member writes nothing.
    let before = app.api_requests().await;
    patch_group(
        &app,
        CONTACTS,
        &id,
        json!([{"op": "Add", "path": "members", "value": [{"value": p[1]}]}]),
    )
    .await;
    assert_eq!(cost(before).await, 1);
    // A GET with its members, and Entra's look-up by name without them.
    let before = app.api_requests().await;
    let (_, got) = read(app.get("contacts", &format!("/Groups/{id}")).await).await;
    assert_eq!(got["members"].as_array().unwrap().len(), 2);
    assert_eq!(cost(before).await, 1);
    let before = app.api_requests().await;
    let found = group_list(
        &app,
        CONTACTS,
        &[
            ("excludedAttributes", "members"),
            ("filter", "displayName eq \"Daily\""),
        ],
    )
    .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(cost(before).await, 1);
    // A rename: the reads with the name look-up (1), the update with read-back (1).
    let before = app.api_requests().await;
    patch_group(
        &app,
        CONTACTS,
        &id,
        json!([{"op": "Replace", "path": "displayName", "value": "Daily 2"}]),
    )
    .await;
    assert_eq!(cost(before).await, 2);
    // A refused member costs no write: the reads only, or nothing for an id that cannot be one.
    let before = app.api_requests().await;
    let res = app
        .patch(
            "contacts",
            &format!("/Groups/{id}"),
            patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": "00Q000000000001AAA"}]}])),
        )
        .await;
    assert_scim_error(res, 400, Some("invalidValue")).await;
    assert_eq!(cost(before).await, 0);
    app.stop().await;
}
