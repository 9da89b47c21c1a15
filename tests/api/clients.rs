//! Real identity providers' call sequences, as `reference/scim-clients.md` records them, replayed
//! against both record types: PingOne (filter, POST, full PUT, disable by PUT, DELETE), Entra
//! (GUID probe, capitalised ops, string booleans, path-less dotted keys, enterprise URN paths),
//! Okta (paged lookup, password never kept, path-less deactivate, upper-cased lookup) and
//! OneLogin (string booleans and `"id": null` from admin-written templates).

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// PingOne

async fn pingone_provisions_updates_disables_and_removes(kind: Kind) {
    let app = TestApp::spawn().await;
    let email = "grace@example.com";

    // The admin-written lookup filter, in PingOne's own casing; no match is an empty list.
    let found = app
        .filter(kind.conn, &format!("username Eq \"{email}\""))
        .await;
    assert_eq!(
        found["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert!(found["totalResults"].is_u64(), "not an integer: {found}");
    assert_eq!(found["totalResults"], 0);
    assert_eq!(found["Resources"], json!([]));

    let mut body = kind.body(email, "Grace", "Hopper");
    body["title"] = json!("Rear Admiral");
    body["phoneNumbers"] = json!([{"value": "+1 555 0100", "type": "mobile"}]);
    let res = app.post(kind.conn, "/Users", body).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let (_, created) = read(res).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with(kind.id_prefix()), "id {id}");
    assert_eq!(location, format!("{}/Users/{id}", app.scim(kind.conn)));
    assert_eq!(created["meta"]["location"], json!(location));
    assert_eq!(created["meta"]["version"], json!(etag));
    assert_eq!(created["meta"]["resourceType"], "User");
    assert!(created["meta"]["created"].is_string());
    assert!(created["meta"]["lastModified"].is_string());
    assert_eq!(created["userName"], email);
    assert_eq!(created["name"]["givenName"], "Grace");
    assert_eq!(created["name"]["familyName"], "Hopper");
    assert_eq!(created["emails"][0]["value"], email);
    assert_eq!(created["title"], "Rear Admiral");
    assert_eq!(created["phoneNumbers"][0]["value"], "+1 555 0100");
    assert_eq!(created["active"], true);
    if kind.object == "Lead" {
        assert_eq!(created[ENTERPRISE]["organization"], "US Navy");
    }

    // A Salesforce user notes something the mapping does not cover.
    app.sf_update(
        kind.object,
        &id,
        json!({"Description": "Invented the compiler"}),
    )
    .await;

    // PingOne updates with a full PUT: new first name and title, no phone, and (for a Lead) no
    // enterprise extension and (for both) no family name.
    let put = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Grace Brewster"},
        "emails": [{"value": email, "type": "work", "primary": true}],
        "title": "Commodore",
        "active": true
    });
    let (status, updated) = read(
        app.put(kind.conn, &format!("/Users/{id}"), put.clone())
            .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["id"], json!(id));
    assert_eq!(updated["title"], "Commodore");
    assert_eq!(updated["name"]["givenName"], "Grace Brewster");
    assert_eq!(updated["name"]["familyName"], "Hopper");
    assert!(updated.get("phoneNumbers").is_none(), "{updated}");
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["FirstName"], "Grace Brewster");
    assert_eq!(sf["Title"], "Commodore");
    assert_eq!(
        sf["MobilePhone"],
        Value::Null,
        "an absent mapped attribute is cleared"
    );
    assert_eq!(sf["LastName"], "Hopper", "LastName is never blanked");
    if kind.object == "Lead" {
        assert_eq!(sf["Company"], "US Navy", "Company is never blanked");
    }
    assert_eq!(sf["Description"], "Invented the compiler");
    assert!(!kind.is_disabled(&sf));

    // Disable: the same full PUT with active false.
    let mut off = put.clone();
    off["active"] = json!(false);
    let (status, disabled) = read(app.put(kind.conn, &format!("/Users/{id}"), off).await).await;
    assert_eq!(status, 200, "{disabled}");
    assert_eq!(disabled["active"], false);
    let sf = app.sf_record(kind, &id).await;
    assert!(kind.is_disabled(&sf), "not disabled in Salesforce: {sf}");
    if kind.object == "Lead" {
        assert_eq!(sf["Status"], "Closed - Not Converted");
    } else {
        assert_eq!(sf["Active__c"], false);
    }
    assert_eq!(sf["Description"], "Invented the compiler");

    // A disabled user stays readable, by id and by filter.
    let (status, got) = read(app.get(kind.conn, &format!("/Users/{id}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(got["active"], false);
    let found = app
        .filter(kind.conn, &format!("username Eq \"{email}\""))
        .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], json!(id));
    assert_eq!(found["Resources"][0]["active"], false);
    let inactive = app.filter(kind.conn, "active eq false").await;
    assert_eq!(inactive["totalResults"], 1, "{inactive}");
    assert_eq!(inactive["Resources"][0]["id"], json!(id));
    let active = app.filter(kind.conn, "active eq true").await;
    assert_eq!(active["totalResults"], 0, "{active}");

    // DELETE with the default remove action (disable): 204, and the record is kept, disabled.
    let res = app.delete(kind.conn, &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 204);
    let sf = app.sf_record(kind, &id).await;
    assert!(kind.is_disabled(&sf));
    assert_eq!(sf["LastName"], "Hopper");
    app.stop().await;
}

#[tokio::test]
async fn pingone_creates_updates_disables_and_removes_a_contact() {
    pingone_provisions_updates_disables_and_removes(CONTACTS).await;
}

#[tokio::test]
async fn pingone_creates_updates_disables_and_removes_a_lead() {
    pingone_provisions_updates_disables_and_removes(LEADS).await;
}

async fn pingone_work_email_filter_and_trailing_slash_base_url(kind: Kind) {
    let app = TestApp::spawn().await;
    let email = "alan@example.com";
    // The admin typed the base URL with a trailing slash; PingOne appends `/Users`.
    let base = format!("{}/", app.scim(kind.conn));
    let res = app
        .http
        .post(format!("{base}/Users"))
        .bearer_auth(TOKEN)
        .header("Content-Type", SCIM)
        .body(kind.body(email, "Alan", "Turing").to_string())
        .send()
        .await
        .unwrap();
    let (status, created) = read(res).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        created["meta"]["location"],
        json!(format!("{}/Users/{id}", app.scim(kind.conn)))
    );

    let url = reqwest::Url::parse_with_params(
        &format!("{base}/Users"),
        &[("filter", format!("emails eq \"{email}\""))],
    )
    .unwrap();
    let (status, found) = read(app.http.get(url).bearer_auth(TOKEN).send().await.unwrap()).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], json!(id));

    let (status, got) = read(
        app.http
            .get(format!("{base}/Users/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["userName"], email);

    // Any casing of the work-email filter, and no match is an empty list.
    let found = app
        .filter(kind.conn, &format!("EMAILS EQ \"{email}\""))
        .await;
    assert_eq!(found["totalResults"], 1);
    let none = app
        .filter(kind.conn, "emails eq \"nobody@example.com\"")
        .await;
    assert_eq!(none["totalResults"], 0);
    assert_eq!(none["Resources"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn pingone_finds_a_contact_by_work_email_through_a_base_url_with_a_trailing_slash() {
    pingone_work_email_filter_and_trailing_slash_base_url(CONTACTS).await;
}

#[tokio::test]
async fn pingone_finds_a_lead_by_work_email_through_a_base_url_with_a_trailing_slash() {
    pingone_work_email_filter_and_trailing_slash_base_url(LEADS).await;
}

// ---------------------------------------------------------------------------------------------
// Microsoft Entra ID

async fn entra_probes_creates_and_patches(kind: Kind) {
    let app = TestApp::spawn().await;

    // Test Connection: a random GUID as userName, expecting 200 and an empty list.
    let probe = app
        .filter(
            kind.conn,
            &format!("userName eq \"{}\"", uuid::Uuid::new_v4()),
        )
        .await;
    assert_eq!(probe["totalResults"], 0);
    assert_eq!(probe["Resources"], json!([]));

    let email = "megan@example.com";
    let mut body = kind.body(email, "Megan", "Bowen");
    body["externalId"] = json!("7c3e2a0e-1f5b-4b8e-9d1c-000000000001");
    body["displayName"] = json!("Megan Bowen");
    body["title"] = json!("Marketing Manager");
    let id = app.create_user(kind.conn, body).await;
    let path = format!("/Users/{id}");

    // Capitalised op and a value-filter path on the work email.
    let (status, res) = read(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([{
                "op": "Replace",
                "path": "emails[type eq \"work\"].value",
                "value": "new@x.com"
            }])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["id"], json!(id));
    assert_eq!(res["emails"][0]["value"], "new@x.com");
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["Email"], "new@x.com");
    assert_eq!(sf["LastName"], "Bowen");

    // Disable with the string "False".
    let (status, res) = read(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["active"], false);
    assert!(kind.is_disabled(&app.sf_record(kind, &id).await));
    let (status, got) = read(app.get(kind.conn, &path).await).await;
    assert_eq!(status, 200);
    assert_eq!(got["active"], false);

    // aadOptscim062020: one path-less replace with dotted keys, re-enabling.
    let (status, res) = read(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([{
                "op": "replace",
                "value": {"name.givenName": "A", "name.familyName": "B", "active": true}
            }])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["name"]["givenName"], "A");
    assert_eq!(res["name"]["familyName"], "B");
    assert_eq!(res["active"], true);
    assert!(
        res.get("name.givenName").is_none(),
        "stored as a literal key: {res}"
    );
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["FirstName"], "A");
    assert_eq!(sf["LastName"], "B");
    assert!(!kind.is_disabled(&sf), "not re-enabled: {sf}");
    assert_eq!(sf["Email"], "new@x.com");
    assert_eq!(sf["Title"], "Marketing Manager");

    // Enterprise extension paths: department (mapped on Contact only), organization (Lead's
    // Company), and manager as a plain string (not mapped by default: accepted, no effect).
    let (status, res) = read(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([
                {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": "Finance"},
                {"op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": "0030000000000AAAAA"}
            ])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "manager as a plain string: {res}");
    let sf = app.sf_record(kind, &id).await;
    if kind.object == "Contact" {
        assert_eq!(res[ENTERPRISE]["department"], "Finance");
        assert_eq!(sf["Department"], "Finance");
    } else {
        let (status, res) = read(
            app.patch(
                kind.conn,
                &path,
                patch_ops(json!([{
                    "op": "Replace",
                    "path": format!("{ENTERPRISE}:organization"),
                    "value": "Contoso"
                }])),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{res}");
        assert_eq!(res[ENTERPRISE]["organization"], "Contoso");
        assert_eq!(app.sf_record(kind, &id).await["Company"], "Contoso");
    }

    // Manager in its object form, too.
    let (status, res) = read(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([{
                "op": "Replace",
                "path": format!("{ENTERPRISE}:manager"),
                "value": {"value": "0030000000000AAAAA"}
            }])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    app.stop().await;
}

#[tokio::test]
async fn entra_probes_creates_and_patches_a_contact_with_its_own_dialect() {
    entra_probes_creates_and_patches(CONTACTS).await;
}

#[tokio::test]
async fn entra_probes_creates_and_patches_a_lead_with_its_own_dialect() {
    entra_probes_creates_and_patches(LEADS).await;
}

async fn entra_manager_string_on_create(kind: Kind) {
    let app = TestApp::spawn().await;
    let mut body = kind.body("adele@example.com", "Adele", "Vance");
    body["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
    body[ENTERPRISE]["manager"] = json!("0030000000000AAAAA");
    body[ENTERPRISE]["department"] = json!("Retail");
    let (status, res) = read(app.post(kind.conn, "/Users", body).await).await;
    assert_eq!(status, 201, "{res}");
    let id = res["id"].as_str().unwrap();
    let sf = app.sf_record(kind, id).await;
    assert_eq!(sf["LastName"], "Vance");
    if kind.object == "Contact" {
        assert_eq!(sf["Department"], "Retail");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_contact_created_with_a_plain_string_manager_is_not_a_server_error() {
    entra_manager_string_on_create(CONTACTS).await;
}

#[tokio::test]
async fn a_lead_created_with_a_plain_string_manager_is_not_a_server_error() {
    entra_manager_string_on_create(LEADS).await;
}

async fn entra_renames_user_name(kind: Kind) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(
            kind.conn,
            kind.body("lynne@example.com", "Lynne", "Robbins"),
        )
        .await;
    // A UPN change: Entra replaces userName alone. userName is the key; Email comes from the
    // work email, which Entra did not change.
    let (status, res) = read(
        app.patch(
            kind.conn,
            &format!("/Users/{id}"),
            patch_ops(
                json!([{"op": "Replace", "path": "userName", "value": "lynne.r@example.com"}]),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["userName"], "lynne.r@example.com", "{res}");
    let record = app.sf_record(kind, &id).await;
    assert_eq!(record["SCIM_Key__c"], "lynne.r@example.com");
    assert_eq!(record["Email"], "lynne@example.com");
    let found = app
        .filter(kind.conn, "userName eq \"lynne.r@example.com\"")
        .await;
    assert_eq!(found["Resources"][0]["id"], json!(id));
    app.stop().await;
}

#[tokio::test]
async fn entra_replacing_the_user_name_of_a_contact_renames_its_key_and_keeps_its_work_email() {
    entra_renames_user_name(CONTACTS).await;
}

#[tokio::test]
async fn entra_replacing_the_user_name_of_a_lead_renames_its_key_and_keeps_its_work_email() {
    entra_renames_user_name(LEADS).await;
}

// ---------------------------------------------------------------------------------------------
// Okta

/// A request as Okta sends it: its own Accept and Content-Type (with a charset).
async fn okta(
    app: &TestApp,
    method: Method,
    conn: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.scim(conn)))
        .bearer_auth(TOKEN)
        .header("Accept", "application/scim+json");
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/scim+json; charset=utf-8")
            .body(b.to_string());
    }
    read(req.send().await.expect("bridge answers")).await
}

const OKTA_PASSWORD: &str = "Okta-Sup3r-S3cret!";

fn okta_user(kind: Kind, email: &str, given: &str, family: &str) -> Value {
    let mut body = kind.body(email, given, family);
    body["displayName"] = json!(format!("{given} {family}"));
    body["locale"] = json!("en-US");
    body["externalId"] = json!("00u1abcdEFGHijkl0h7");
    body["password"] = json!(OKTA_PASSWORD);
    body
}

async fn okta_looks_up_creates_updates_and_deactivates(kind: Kind) {
    let app = TestApp::spawn().await;
    let email = "isaac@example.com";
    let lookup = format!(
        "/Users?filter={}&startIndex=1&count=100",
        urlencode(&format!("userName eq \"{email}\""))
    );
    let (status, found) = okta(&app, Method::GET, kind.conn, &lookup, None).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["totalResults"], json!(0));
    assert!(found["totalResults"].is_u64() && found["startIndex"].is_u64());
    assert_eq!(found["startIndex"], 1);
    assert_eq!(found["Resources"], json!([]));

    let (status, created) = okta(
        &app,
        Method::POST,
        kind.conn,
        "/Users",
        Some(okta_user(kind, email, "Isaac", "Brock")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"]["givenName"], "Isaac");
    assert_eq!(created["name"]["familyName"], "Brock");
    assert_eq!(created["userName"], email);
    assert!(
        !created.to_string().contains(OKTA_PASSWORD),
        "password echoed: {created}"
    );
    assert!(created.get("password").is_none());
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/Users/{id}");

    let (status, got) = okta(&app, Method::GET, kind.conn, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(got["id"], json!(id));
    assert!(!got.to_string().contains(OKTA_PASSWORD));

    // Okta's update: the full user back, with changes (and the password again).
    let mut put = okta_user(kind, email, "Isaac", "Brock-Smith");
    put["id"] = json!(id);
    put["title"] = json!("Director");
    let (status, updated) = okta(&app, Method::PUT, kind.conn, &path, Some(put)).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"]["familyName"], "Brock-Smith");
    assert_eq!(updated["title"], "Director");
    assert!(!updated.to_string().contains(OKTA_PASSWORD));
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["LastName"], "Brock-Smith");
    assert_eq!(sf["Title"], "Director");

    // Deactivate: a path-less replace.
    let (status, off) = okta(
        &app,
        Method::PATCH,
        kind.conn,
        &path,
        Some(patch_ops(
            json!([{"op": "replace", "value": {"active": false}}]),
        )),
    )
    .await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(off["active"], false);
    assert!(!off.to_string().contains(OKTA_PASSWORD));
    let sf = app.sf_record(kind, &id).await;
    assert!(kind.is_disabled(&sf), "{sf}");
    assert_eq!(sf["LastName"], "Brock-Smith");
    assert!(
        !sf.to_string().contains(OKTA_PASSWORD),
        "the password reached a Salesforce field: {sf}"
    );

    let (status, got) = okta(&app, Method::GET, kind.conn, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(got["active"], false);
    let (status, found) = okta(&app, Method::GET, kind.conn, &lookup, None).await;
    assert_eq!(status, 200);
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["active"], false);
    app.stop().await;
}

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn okta_looks_up_creates_updates_and_deactivates_a_contact_without_keeping_the_password() {
    okta_looks_up_creates_updates_and_deactivates(CONTACTS).await;
}

#[tokio::test]
async fn okta_looks_up_creates_updates_and_deactivates_a_lead_without_keeping_the_password() {
    okta_looks_up_creates_updates_and_deactivates(LEADS).await;
}

async fn okta_spec_lookups(kind: Kind) {
    let app = TestApp::spawn().await;
    let email = "Jane.Doe@example.com";
    let id = app
        .create_user(kind.conn, okta_user(kind, email, "Jane", "Doe"))
        .await;

    // The userName upper-cased still finds the user.
    let found = app
        .filter(
            kind.conn,
            &format!("userName eq \"{}\"", email.to_uppercase()),
        )
        .await;
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], json!(id));
    // A random userName finds nobody.
    let none = app
        .filter(
            kind.conn,
            &format!("userName eq \"{}@example.com\"", uuid::Uuid::new_v4()),
        )
        .await;
    assert_eq!(none["totalResults"], 0);

    // Unknown ids, well-formed or not, are SCIM 404s with a detail.
    let unknown = format!("{}5g0000009999AAA", kind.id_prefix());
    let body = assert_scim_error(
        app.get(kind.conn, &format!("/Users/{unknown}")).await,
        404,
        None,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains(&unknown),
        "{body}"
    );
    assert_scim_error(app.get(kind.conn, "/Users/0").await, 404, None).await;
    let (s, _) = okta(&app, Method::GET, kind.conn, "/Users/0", None).await;
    assert_eq!(s, 404);
    app.stop().await;
}

#[tokio::test]
async fn okta_finds_a_contact_by_upper_cased_user_name_and_gets_404_for_unknown_ids() {
    okta_spec_lookups(CONTACTS).await;
}

#[tokio::test]
async fn okta_finds_a_lead_by_upper_cased_user_name_and_gets_404_for_unknown_ids() {
    okta_spec_lookups(LEADS).await;
}

// ---------------------------------------------------------------------------------------------
// OneLogin

async fn onelogin_template_types(kind: Kind) {
    let app = TestApp::spawn().await;
    let mut body = kind.body("ida@example.com", "Ida", "Lovelace");
    body["active"] = json!("true");
    body["id"] = Value::Null;
    body["title"] = json!("Analyst");
    let (status, created) = read(app.post(kind.conn, "/Users", body).await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["active"], true);
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with(kind.id_prefix()));
    let sf = app.sf_record(kind, &id).await;
    assert!(!kind.is_disabled(&sf), "{sf}");
    assert_eq!(sf["Title"], "Analyst");

    let path = format!("/Users/{id}");
    let (status, res) = read(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([
                {"op": "remove", "path": "title"},
                {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+44 20 7946 0000"},
                {"op": "replace", "path": "active", "value": "false"}
            ])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["active"], false);
    assert!(res.get("title").is_none(), "{res}");
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["Title"], Value::Null);
    assert_eq!(sf["Phone"], "+44 20 7946 0000");
    assert!(kind.is_disabled(&sf));

    // Re-enabled with the string "true" on a PUT.
    let mut put = kind.body("ida@example.com", "Ida", "Lovelace");
    put["active"] = json!("true");
    put["id"] = Value::Null;
    let (status, res) = read(app.put(kind.conn, &path, put).await).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["active"], true);
    assert!(!kind.is_disabled(&app.sf_record(kind, &id).await));
    app.stop().await;
}

#[tokio::test]
async fn onelogin_string_booleans_null_ids_and_lowercase_ops_work_on_a_contact() {
    onelogin_template_types(CONTACTS).await;
}

#[tokio::test]
async fn onelogin_string_booleans_null_ids_and_lowercase_ops_work_on_a_lead() {
    onelogin_template_types(LEADS).await;
}

async fn entra_attribute_paths(kind: Kind) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user(
            kind.conn,
            kind.body("diego@example.com", "Diego", "Siciliani"),
        )
        .await;
    let (status, res) = read(
        app.patch(
            kind.conn,
            &format!("/Users/{id}"),
            patch_ops(json!([
                {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 425 555 0109"},
                {"op": "Add", "path": "addresses[type eq \"work\"].postalCode", "value": "98052"},
                {"op": "Replace", "path": "title", "value": "Product Manager"},
                {"op": "Replace", "path": "displayName", "value": "Diego S."},
                {"op": "Replace", "path": "emails", "value": [
                    {"value": "diego.s@example.com", "type": "work", "primary": true}
                ]}
            ])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["phoneNumbers"][0]["type"], "mobile");
    assert_eq!(res["phoneNumbers"][0]["value"], "+1 425 555 0109");
    assert_eq!(res["addresses"][0]["postalCode"], "98052");
    assert_eq!(res["emails"][0]["value"], "diego.s@example.com");
    let sf = app.sf_record(kind, &id).await;
    assert_eq!(sf["MobilePhone"], "+1 425 555 0109");
    let postal = if kind.object == "Lead" {
        "PostalCode"
    } else {
        "MailingPostalCode"
    };
    assert_eq!(sf[postal], "98052");
    assert_eq!(sf["Title"], "Product Manager");
    assert_eq!(sf["Email"], "diego.s@example.com");

    // Entra's disable for a user with those attributes keeps them.
    let (status, _) = read(
        app.patch(
            kind.conn,
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let sf = app.sf_record(kind, &id).await;
    assert!(kind.is_disabled(&sf));
    assert_eq!(sf["MobilePhone"], "+1 425 555 0109");
    assert_eq!(sf["Title"], "Product Manager");
    app.stop().await;
}

#[tokio::test]
async fn entra_phone_address_title_and_email_paths_reach_a_contact() {
    entra_attribute_paths(CONTACTS).await;
}

#[tokio::test]
async fn entra_phone_address_title_and_email_paths_reach_a_lead() {
    entra_attribute_paths(LEADS).await;
}
