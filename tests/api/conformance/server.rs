//! What the server must therefore do for every IdP: both JSON media types in and SCIM JSON
//! out, 404 after a delete, disabled users still readable, and a 2xx disable under every
//! policy.

use super::{content_type, policy_for_both, urlencode};
use crate::helpers::*;
use reqwest::{Method, Response};
use serde_json::{json, Value};

/// Sends a request with the given body type and Accept header and returns the response.
async fn typed(
    app: &TestApp,
    method: Method,
    path: &str,
    content: &str,
    accept: Option<&str>,
    body: Option<Vec<u8>>,
) -> Response {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.scim("contacts")))
        .bearer_auth(TOKEN);
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    if let Some(b) = body {
        req = req.header("Content-Type", content).body(b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn both_json_media_types_are_accepted_and_every_answer_is_application_scim_json() {
    let app = TestApp::spawn().await;
    let app_conflict = TestApp::spawn_with(CONTACTS.conflict()).await;
    let mut n = 0;
    for content in [SCIM, "application/json", "application/json; charset=utf-8"] {
        for accept in [
            Some(SCIM),
            Some("application/json"),
            Some("*/*"),
            Some("application/scim+json, application/json"),
            None,
        ] {
            n += 1;
            let email = format!("mt{n}@example.com");
            let body = |v: Value| Some(v.to_string().into_bytes());
            let mut successes: Vec<(String, Response, u16)> = Vec::new();
            let res = typed(
                &app,
                Method::POST,
                "/Users",
                content,
                accept,
                body(user(&email, "Media", "Type")),
            )
            .await;
            assert!(
                content_type(&res).starts_with(SCIM),
                "POST {content} {accept:?}"
            );
            let (status, created) = read(res).await;
            assert_eq!(status, 201, "POST {content} {accept:?}: {created}");
            let id = created["id"].as_str().unwrap().to_string();
            let one = format!("/Users/{id}");
            for (what, method, path, b, want) in [
                ("GET one", Method::GET, one.clone(), None, 200),
                ("list", Method::GET, "/Users".to_string(), None, 200),
                (
                    "filter",
                    Method::GET,
                    format!(
                        "/Users?filter={}",
                        urlencode(&format!("userName eq \"{email}\""))
                    ),
                    None,
                    200,
                ),
                (
                    "search",
                    Method::POST,
                    "/Users/.search".to_string(),
                    body(json!({"filter": format!("userName eq \"{email}\"")})),
                    200,
                ),
                (
                    "PUT",
                    Method::PUT,
                    one.clone(),
                    body(user(&email, "Media", "Typed")),
                    200,
                ),
                (
                    "PATCH",
                    Method::PATCH,
                    one.clone(),
                    body(patch_ops(
                        json!([{"op": "replace", "path": "title", "value": "T"}]),
                    )),
                    200,
                ),
                (
                    "SPC",
                    Method::GET,
                    "/ServiceProviderConfig".to_string(),
                    None,
                    200,
                ),
                (
                    "ResourceTypes",
                    Method::GET,
                    "/ResourceTypes".to_string(),
                    None,
                    200,
                ),
                (
                    "ResourceType",
                    Method::GET,
                    "/ResourceTypes/User".to_string(),
                    None,
                    200,
                ),
                ("Schemas", Method::GET, "/Schemas".to_string(), None, 200),
                (
                    "Schema",
                    Method::GET,
                    format!("/Schemas/{USER_URN}"),
                    None,
                    200,
                ),
                // Errors.
                (
                    "bad JSON",
                    Method::POST,
                    "/Users".to_string(),
                    Some(b"{".to_vec()),
                    400,
                ),
                (
                    "bad filter",
                    Method::GET,
                    "/Users?filter=userName%20zz%20%22x%22".to_string(),
                    None,
                    400,
                ),
                (
                    "bad patch",
                    Method::PATCH,
                    one.clone(),
                    body(patch_ops(json!([{"op": "explode", "path": "title"}]))),
                    400,
                ),
                ("unknown id", Method::GET, "/Users/0".to_string(), None, 404),
                (
                    "unknown route",
                    Method::GET,
                    "/Devices".to_string(),
                    None,
                    404,
                ),
                (
                    "wrong method",
                    Method::DELETE,
                    "/Users".to_string(),
                    None,
                    405,
                ),
            ] {
                let res = typed(&app, method, &path, content, accept, b).await;
                successes.push((what.to_string(), res, want));
            }
            for (what, res, want) in successes {
                let ct = content_type(&res);
                assert_eq!(res.status().as_u16(), want, "{what} {content} {accept:?}");
                assert!(ct.starts_with(SCIM), "{what} {content} {accept:?}: {ct}");
                let (_, json) = read(res).await;
                if want >= 400 {
                    assert_eq!(json["status"], json!(want.to_string()), "{what}");
                }
            }
            // DELETE answers 204 with no body.
            let res = typed(&app, Method::DELETE, &one, content, accept, None).await;
            assert_eq!(res.status(), 204);
            assert!(res.text().await.unwrap().is_empty());
        }
    }
    // Authentication failures, a stale If-Match, a wrong body type and a conflict.
    let res = app
        .http
        .get(format!("{}/Users", app.scim("contacts")))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 401, None).await;
    let id = app
        .create_user("contacts", user("etag@example.com", "E", "Tag"))
        .await;
    let res = app
        .http
        .put(format!("{}/Users/{id}", app.scim("contacts")))
        .bearer_auth(TOKEN)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .header("If-Match", "W/\"stale\"")
        .body(user("etag@example.com", "E", "Tagged").to_string())
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 412, None).await;
    let res = typed(
        &app,
        Method::POST,
        "/Users",
        "text/plain",
        Some("application/json"),
        Some(b"hello".to_vec()),
    )
    .await;
    assert_scim_error(res, 415, None).await;
    app_conflict
        .create_user("contacts", user("twice@example.com", "Tw", "Ice"))
        .await;
    let res = app_conflict
        .http
        .post(format!("{}/Users", app_conflict.scim("contacts")))
        .bearer_auth(TOKEN)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(user("twice@example.com", "Tw", "Ice").to_string())
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 409, Some("uniqueness")).await;
    app.stop().await;
    app_conflict.stop().await;
}

async fn delete_then_404(kind: Kind) {
    let app = TestApp::spawn_with(with_policy(kind.conn, "remove_action = \"delete\"")).await;
    let email = "gone@example.com";
    let id = app
        .create_user(kind.conn, kind.body(email, "Gone", "Away"))
        .await;
    let path = format!("/Users/{id}");
    let res = app.delete(kind.conn, &path).await;
    assert_eq!(res.status(), 204);
    assert!(res.text().await.unwrap().is_empty());
    assert!(app.sf_get(kind.object, &id).await.is_none());

    assert_scim_error(app.get(kind.conn, &path).await, 404, None).await;
    assert_scim_error(
        app.put(kind.conn, &path, kind.body(email, "Gone", "Back"))
            .await,
        404,
        None,
    )
    .await;
    assert_scim_error(
        app.patch(
            kind.conn,
            &path,
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_scim_error(app.delete(kind.conn, &path).await, 404, None).await;
    let found = app
        .filter(kind.conn, &format!("userName eq \"{email}\""))
        .await;
    assert_eq!(found["totalResults"], 0);
    // The IdP can provision the person again: a new record, not the deleted one.
    let again = app
        .create_user(kind.conn, kind.body(email, "Gone", "Away"))
        .await;
    assert_ne!(again, id);
    app.stop().await;
}

#[tokio::test]
async fn with_remove_action_delete_a_contact_delete_is_204_and_then_every_method_is_404() {
    delete_then_404(CONTACTS).await;
}

#[tokio::test]
async fn with_remove_action_delete_a_lead_delete_is_204_and_then_every_method_is_404() {
    delete_then_404(LEADS).await;
}

#[tokio::test]
async fn a_disabled_user_stays_readable_by_id_filter_list_and_search_on_both_record_types() {
    let app = TestApp::spawn().await;
    for kind in [CONTACTS, LEADS] {
        // Disabled two ways: Entra's PATCH and a PUT (a DELETE removes the person from the
        // connection instead: see people.rs).
        let mut ids = Vec::new();
        for (n, how) in ["patch", "put"].iter().enumerate() {
            let email = format!("off{n}@example.com");
            let id = app
                .create_user(kind.conn, kind.body(&email, "Off", how))
                .await;
            let path = format!("/Users/{id}");
            let status = match *how {
                "patch" => app
                    .patch(
                        kind.conn,
                        &path,
                        patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
                    )
                    .await
                    .status(),
                "put" => {
                    let mut b = kind.body(&email, "Off", how);
                    b["active"] = json!(false);
                    app.put(kind.conn, &path, b).await.status()
                }
                other => panic!("no such way to disable: {other}"),
            };
            assert!(status.is_success(), "{how}: {status}");
            ids.push((id, email));
        }
        for (id, email) in &ids {
            let (status, got) = read(app.get(kind.conn, &format!("/Users/{id}")).await).await;
            assert_eq!(status, 200, "{got}");
            assert_eq!(got["active"], false);
            assert_eq!(got["userName"], json!(email));
            let found = app
                .filter(kind.conn, &format!("userName eq \"{email}\""))
                .await;
            assert_eq!(found["totalResults"], 1, "{found}");
            assert_eq!(found["Resources"][0]["active"], false);
            let (status, searched) = read(
                app.post(
                    kind.conn,
                    "/Users/.search",
                    json!({"filter": format!("emails eq \"{email}\"")}),
                )
                .await,
            )
            .await;
            assert_eq!(status, 200);
            assert_eq!(searched["totalResults"], 1, "{searched}");
        }
        let (status, all) = read(app.get(kind.conn, "/Users").await).await;
        assert_eq!(status, 200);
        assert_eq!(all["totalResults"], 2, "{all}");
        let inactive = app.filter(kind.conn, "active eq false").await;
        assert_eq!(inactive["totalResults"], 2, "{inactive}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_disable_is_answered_2xx_under_every_policy_combination_and_shows_what_salesforce_holds()
{
    for mask in 0..32u32 {
        let bit = |i: u32| mask & (1 << i) != 0;
        let (update, disable, delete, deprovision) = (bit(0), bit(1), bit(2), bit(3));
        let remove = if bit(4) { "delete" } else { "disable" };
        let keys = format!(
            "allow_update = {update}\nallow_disable = {disable}\nallow_delete = {delete}\n\
             allow_deprovision = {deprovision}\nremove_action = \"{remove}\""
        );
        let app = TestApp::spawn_with(policy_for_both(keys.clone())).await;
        for kind in [CONTACTS, LEADS] {
            let email = "policy@example.com";
            // The person is on the connection already (creating may not be the point here).
            let mut fields = kind.existing(email);
            fields["SCIM_Key__c"] = json!(email);
            let id = app.sf_create(kind.object, fields).await;
            let path = format!("/Users/{id}");
            let mut put = kind.body(email, "Johnny", "Smith");
            put["active"] = json!(false);
            let disables = [
                (
                    "Entra PATCH",
                    Method::PATCH,
                    patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
                ),
                (
                    "Okta path-less PATCH",
                    Method::PATCH,
                    patch_ops(json!([{"op": "replace", "value": {"active": false}}])),
                ),
                ("PingOne PUT", Method::PUT, put),
            ];
            for (what, method, body) in disables {
                let res = app.call(method, kind.conn, &path, Some(body)).await;
                let status = res.status();
                let told = notice(&res);
                let (_, got) = read(res).await;
                assert_eq!(status, 200, "{what} with\n{keys}\n{got}");
                let sf = app.sf_record(kind, &id).await;
                // The answer is what Salesforce holds, and a refusal is explained.
                assert_eq!(
                    got["active"],
                    json!(!kind.is_disabled(&sf)),
                    "{what} with\n{keys}"
                );
                assert_eq!(kind.is_disabled(&sf), disable, "{what} with\n{keys}");
                if !disable {
                    assert!(told.is_some(), "{what} with\n{keys}: no notice");
                }
            }
            let res = app.delete(kind.conn, &path).await;
            let status = res.status();
            let told = notice(&res);
            assert_eq!(status, 204, "DELETE with\n{keys}");
            let sf = app.sf_get(kind.object, &id).await;
            let removed = deprovision && remove == "delete" && delete;
            assert_eq!(sf.is_none(), removed, "DELETE with\n{keys}");
            let refused = !deprovision
                || (remove == "delete" && !delete)
                || (remove == "disable" && !disable);
            if refused {
                assert!(told.is_some(), "DELETE with\n{keys}: no notice");
            }
        }
        app.stop().await;
    }
}
