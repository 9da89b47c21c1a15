//! Malformed and refused requests (RFC 7644 §3.12): each is answered with a SCIM Error body
//! (`status` as a string, `application/scim+json`), the right status and `scimType`, the headers
//! a client needs (`Allow`, `WWW-Authenticate`), and nothing written to Salesforce.

use crate::helpers::*;
use reqwest::{Method, Response};
use serde_json::{json, Value};

/// Sends `body` as-is with the given `Content-Type` (none when `None`) and the connection token.
async fn raw(
    app: &TestApp,
    method: Method,
    url: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Response {
    let mut req = app.http.request(method, url).bearer_auth(TOKEN);
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    req.body(body).send().await.unwrap()
}

/// `GET /Users?<query>` with the query string exactly as given.
async fn list_with_query(app: &TestApp, query: &str) -> Response {
    app.http
        .get(format!("{}/Users?{query}", app.scim("contacts")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn unreadable_create_bodies_are_invalid_syntax_and_write_nothing() {
    let app = TestApp::spawn().await;
    let url = format!("{}/Users", app.scim("contacts"));
    let before = app.api_requests().await;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("invalid JSON", br#"{"userName": "a@b.test",}"#.to_vec()),
        ("truncated JSON", br#"{"userName": "a@b.test""#.to_vec()),
        ("empty body", Vec::new()),
        ("whitespace body", b"  \r\n\t ".to_vec()),
        ("a JSON array", br#"[{"userName": "a@b.test"}]"#.to_vec()),
        ("a JSON string", br#""a@b.test""#.to_vec()),
        ("JSON null", b"null".to_vec()),
        (
            "invalid UTF-8",
            b"{\"userName\": \"\xff\xfe@b.test\"}".to_vec(),
        ),
        (
            "a raw NUL byte",
            b"{\"userName\": \"a\x00@b.test\"}".to_vec(),
        ),
    ];
    for (what, body) in cases {
        for ct in [
            SCIM,
            "application/json",
            "application/scim+json; charset=utf-8",
        ] {
            let res = raw(&app, Method::POST, &url, Some(ct), body.clone()).await;
            assert_eq!(res.status(), 400, "{what} as {ct}");
            let body = assert_scim_error(res, 400, Some("invalidSyntax")).await;
            assert!(!body["detail"].as_str().unwrap().is_empty(), "{what}");
        }
    }
    assert_eq!(app.api_requests().await, before, "Salesforce was called");
    assert_eq!(app.contact_count(None).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_with_415() {
    let app = TestApp::spawn().await;
    let url = format!("{}/Users", app.scim("contacts"));
    let json_text = user("a@b.test", "A", "B").to_string().into_bytes();
    for ct in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
    ] {
        let res = raw(&app, Method::POST, &url, Some(ct), json_text.clone()).await;
        let body = assert_scim_error(res, 415, None).await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("application/scim+json"),
            "{body}"
        );
    }
    assert_eq!(app.contact_count(None).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_content_type_that_only_mentions_json_is_refused_with_415_and_the_json_types_pass_in_any_case(
) {
    let app = TestApp::spawn().await;
    let url = format!("{}/Users", app.scim("contacts"));
    for ct in [
        "text/plain; charset=json",
        "application/jsonx",
        "application/json-patch+json",
        "text/json",
    ] {
        let body = user("refused@example.com", "Re", "Fused")
            .to_string()
            .into_bytes();
        let res = raw(&app, Method::POST, &url, Some(ct), body).await;
        assert_scim_error(res, 415, None).await;
    }
    assert_eq!(app.contact_count(None).await, 0);
    for (n, ct) in [
        Some("APPLICATION/SCIM+JSON; Charset=UTF-8"),
        Some("application/json;charset=utf-8"),
        None,
    ]
    .into_iter()
    .enumerate()
    {
        let email = format!("typed{n}@example.com");
        let body = user(&email, "Ty", "Ped").to_string().into_bytes();
        let res = raw(&app, Method::POST, &url, ct, body).await;
        assert_eq!(res.status(), 201, "{ct:?}: {}", res.text().await.unwrap());
    }
    assert_eq!(app.contact_count(None).await, 3);
    app.stop().await;
}

#[tokio::test]
async fn a_body_over_256_kib_is_refused_with_413() {
    let app = TestApp::spawn().await;
    let url = format!("{}/Users", app.scim("contacts"));
    let mut big = user("big@b.test", "Big", "Body");
    big["title"] = json!("x".repeat(300 * 1024));
    let res = raw(
        &app,
        Method::POST,
        &url,
        Some(SCIM),
        big.to_string().into_bytes(),
    )
    .await;
    assert_scim_error(res, 413, None).await;
    // A body just under the limit is read (and then judged on its content).
    let mut fits = user("fits@b.test", "Fits", "Body");
    fits["nickName"] = json!("y".repeat(200 * 1024));
    let res = raw(
        &app,
        Method::POST,
        &url,
        Some(SCIM),
        fits.to_string().into_bytes(),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.contact_count(None).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn attributes_of_the_wrong_type_are_invalid_values_and_write_nothing() {
    let app = TestApp::spawn().await;
    let before = app.api_requests().await;
    let mut cases = Vec::new();
    let mut u = user("t1@b.test", "T", "One");
    u["active"] = json!("maybe");
    cases.push(("active: maybe", u, "active"));
    let mut u = user("t2@b.test", "T", "Two");
    u["name"] = json!("x");
    cases.push(("name as a string", u, "name"));
    let mut u = user("t3@b.test", "T", "Three");
    u["emails"] = json!(42);
    cases.push(("emails as a number", u, "emails"));
    let mut u = user("t4@b.test", "T", "Four");
    u["name"]["familyName"] = json!({"nested": true});
    cases.push(("familyName as an object", u, "familyName"));
    let mut u = user("t5@b.test", "T", "Five");
    u["emails"] = json!([{"value": ["t5@b.test"], "type": "work"}]);
    cases.push(("an email value as a list", u, "emails"));
    for (what, body, attr) in cases {
        let res = app.post("contacts", "/Users", body).await;
        let err = assert_scim_error(res, 400, Some("invalidValue")).await;
        assert!(
            err["detail"].as_str().unwrap().contains(attr),
            "{what}: {err}"
        );
    }
    assert_eq!(app.api_requests().await, before, "Salesforce was called");
    app.stop().await;
}

#[tokio::test]
async fn a_create_without_user_name_is_refused() {
    let app = TestApp::spawn().await;
    let before = app.api_requests().await;
    for body in [
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
               "name": {"familyName": "Nameless"},
               "emails": [{"value": "nameless@b.test", "type": "work"}]}),
        json!({"userName": "", "name": {"familyName": "Empty"}}),
        json!({"userName": "   ", "name": {"familyName": "Blank"}}),
        json!({}),
    ] {
        let res = app.post("contacts", "/Users", body.clone()).await;
        let err = assert_scim_error(res, 400, None).await;
        assert!(
            err["detail"].as_str().unwrap().contains("userName"),
            "{body}: {err}"
        );
    }
    assert_eq!(app.api_requests().await, before);
    assert_eq!(app.contact_count(None).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn malformed_patch_requests_are_refused_with_their_scim_type_and_change_nothing() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("pat@b.test", "Pat", "Patched"))
        .await;
    let path = format!("/Users/{id}");
    let record_before = app.sf_get("Contact", &id).await.unwrap();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "no Operations",
            json!({"schemas": [PATCH_OP]}),
            "invalidSyntax",
        ),
        ("empty Operations", patch_ops(json!([])), "invalidSyntax"),
        (
            "Operations not a list",
            patch_ops(json!({"op": "replace"})),
            "invalidSyntax",
        ),
        (
            "an unknown op",
            patch_ops(json!([{"op": "merge", "path": "title", "value": "x"}])),
            "invalidSyntax",
        ),
        (
            "an op that is not a string",
            patch_ops(json!([{"op": 1, "path": "title", "value": "x"}])),
            "invalidSyntax",
        ),
        (
            "remove without a path",
            patch_ops(json!([{"op": "remove"}])),
            "noTarget",
        ),
        (
            "an unparsable path",
            patch_ops(json!([{"op": "replace", "path": "name..givenName", "value": "x"}])),
            "invalidPath",
        ),
        (
            "an unterminated value filter",
            patch_ops(json!([{"op": "replace", "path": "emails[type eq \"work\"", "value": "x"}])),
            "invalidPath",
        ),
        (
            "a path that is not a string",
            patch_ops(json!([{"op": "replace", "path": 7, "value": "x"}])),
            "invalidPath",
        ),
        (
            "replace without a value",
            patch_ops(json!([{"op": "replace", "path": "title"}])),
            "invalidValue",
        ),
        (
            "a wrong schemas URN",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
            "invalidSyntax",
        ),
        (
            "a valid op after an invalid one",
            patch_ops(json!([
                {"op": "replace", "path": "title", "value": "Changed"},
                {"op": "remove"}
            ])),
            "noTarget",
        ),
    ];
    for (what, body, scim_type) in cases {
        let res = app.patch("contacts", &path, body).await;
        assert_eq!(res.status(), 400, "{what}");
        assert_scim_error(res, 400, Some(scim_type)).await;
    }
    let record_after = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(record_after["Title"], record_before["Title"]);
    assert_eq!(
        record_after["SystemModstamp"], record_before["SystemModstamp"],
        "the record was written"
    );
    app.stop().await;
}

#[tokio::test]
async fn non_integer_start_index_or_count_is_invalid_value_and_odd_integers_are_clamped() {
    let app = TestApp::spawn().await;
    app.create_user("contacts", user("one@b.test", "O", "One"))
        .await;
    for q in [
        "startIndex=abc",
        "count=ten",
        "count=1.5",
        "startIndex=1e3",
        "count=0x10",
        "startIndex=--1",
    ] {
        let res = list_with_query(&app, q).await;
        let err = assert_scim_error(res, 400, Some("invalidValue")).await;
        let name = q.split('=').next().unwrap();
        assert!(err["detail"].as_str().unwrap().contains(name), "{q}: {err}");
    }
    // RFC 7644 §3.4.2.4: startIndex below 1 is 1, a negative count is 0; empty means absent.
    for (q, items) in [
        ("startIndex=0", 1),
        ("startIndex=-5&count=10", 1),
        ("count=-1", 0),
        ("count=0", 0),
        ("startIndex=&count=", 1),
        ("startIndex=99999999999999999999999999999999999999999", 0),
        ("count=99999999999999999999999999999999999999999", 1),
    ] {
        let res = list_with_query(&app, q).await;
        assert_eq!(res.status(), 200, "{q}");
        let list: Value = res.json().await.unwrap();
        assert_eq!(list["itemsPerPage"], json!(items), "{q}: {list}");
        assert_eq!(list["totalResults"], json!(1), "{q}: {list}");
    }
    // The same rules apply in a SearchRequest body.
    let res = app
        .post("contacts", "/Users/.search", json!({"count": "many"}))
        .await;
    assert_scim_error(res, 400, Some("invalidValue")).await;
    let res = app
        .post("contacts", "/Users/.search", json!({"startIndex": true}))
        .await;
    assert_scim_error(res, 400, Some("invalidValue")).await;
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_are_scim_404s() {
    let app = TestApp::spawn().await;
    for url in [
        format!("{}/nope", app.address),
        format!("{}/", app.address),
        format!("{}/scim/v2", app.address),
        format!("{}/scim/v2/contacts/Devices", app.address),
        format!("{}/scim/v2/contacts/Devices/123", app.address),
        format!("{}/scim/v2/contacts/Users/abc/extra", app.address),
        format!("{}/scim/v1/contacts/Users", app.address),
    ] {
        let res = app.http.get(&url).bearer_auth(TOKEN).send().await.unwrap();
        let err = assert_scim_error(res, 404, None).await;
        assert!(
            err["detail"].as_str().unwrap().contains("no such endpoint"),
            "{url}: {err}"
        );
    }
    // Unknown users, even `/Users/0` (Okta's probe), are a resource 404, not a route 404.
    for id in ["0", "003000000000001AAA", "00Q000000000001AAA", "not-an-id"] {
        let res = app.get("contacts", &format!("/Users/{id}")).await;
        let err = assert_scim_error(res, 404, None).await;
        assert!(
            !err["detail"].as_str().unwrap().contains("no such endpoint"),
            "{id}: {err}"
        );
    }
    app.stop().await;
}

/// Status, `WWW-Authenticate`, `Content-Type` and body of an answer, to compare two answers.
async fn answer(res: Response) -> (u16, Option<String>, Option<String>, Value) {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (www, ct) = (header("www-authenticate"), header("content-type"));
    (res.status().as_u16(), www, ct, res.json().await.unwrap())
}

#[tokio::test]
async fn an_unknown_connection_is_answered_exactly_like_a_wrong_credential_on_a_real_one() {
    // Basic on `leads` too, so a refused Basic login on a connection that has one is compared.
    let app = TestApp::spawn_with(|t| {
        format!("{t}basic_username = \"pingone\"\nbasic_password = \"a-basic-password-0123\"\n")
    })
    .await;
    let credentials: [(&str, Option<String>); 5] = [
        ("no Authorization header", None),
        (
            "a wrong bearer token",
            Some("Bearer not-the-token-0123456789".into()),
        ),
        (
            "wrong Basic credentials",
            Some(format!("Basic {}", b64("pingone:wrong"))),
        ),
        ("an unknown scheme", Some("Digest username=\"x\"".into())),
        ("an empty bearer", Some("Bearer ".into())),
    ];
    for (what, auth) in &credentials {
        for path in [
            "/Users",
            "/Users/003000000000001AAA",
            "/ServiceProviderConfig",
            "/Schemas",
        ] {
            let mut answers = Vec::new();
            for conn in ["contacts", "leads", "nope"] {
                let mut req = app.http.get(format!("{}{path}", app.scim(conn)));
                if let Some(a) = auth {
                    req = req.header("Authorization", a);
                }
                answers.push(answer(req.send().await.unwrap()).await);
            }
            assert_eq!(
                answers[0].0, 401,
                "{what} on contacts{path}: {:?}",
                answers[0]
            );
            assert!(answers[0].1.is_some(), "no WWW-Authenticate");
            for (conn, a) in ["leads", "nope"].iter().zip(&answers[1..]) {
                assert_eq!(
                    a, &answers[0],
                    "{what} on {conn}{path} differs from contacts"
                );
            }
        }
    }
    // A credential valid on every real connection does not make an unknown name exist either.
    let res = app
        .http
        .post(format!("{}/Users", app.scim("nope")))
        .bearer_auth(TOKEN)
        .header("Content-Type", SCIM)
        .body(user("ghost@example.com", "Gh", "Ost").to_string())
        .send()
        .await
        .unwrap();
    let (status, www, _, body) = answer(res).await;
    assert_eq!((status, www.is_some()), (401, true), "{body}");
    assert!(!body.to_string().contains("nope"), "{body}");
    assert_eq!(app.contact_count(None).await, 0);
    app.stop().await;
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn a_method_a_route_does_not_serve_is_a_scim_405_with_allow() {
    let app = TestApp::spawn().await;
    let cases = [
        (Method::DELETE, "/scim/v2/contacts/Users", "GET, POST"),
        (Method::PUT, "/scim/v2/contacts/Users", "GET, POST"),
        (Method::PATCH, "/scim/v2/contacts/Users", "GET, POST"),
        (Method::GET, "/scim/v2/contacts/Users/.search", "POST"),
        (
            Method::POST,
            "/scim/v2/contacts/Users/003000000000001AAA",
            "GET, PUT, PATCH, DELETE",
        ),
        (
            Method::PUT,
            "/scim/v2/contacts/ServiceProviderConfig",
            "GET",
        ),
        (Method::POST, "/scim/v2/contacts/ResourceTypes", "GET"),
        (
            Method::DELETE,
            "/scim/v2/contacts/ResourceTypes/User",
            "GET",
        ),
        (Method::POST, "/scim/v2/contacts/Schemas", "GET"),
        (
            Method::DELETE,
            "/scim/v2/contacts/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            "GET",
        ),
        (Method::GET, "/admin/connections/contacts/test", "POST"),
    ];
    for (method, path, allow) in cases {
        let res = app
            .http
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let got = res
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        assert_eq!(got.as_deref(), Some(allow), "{method} {path}");
        assert_scim_error(res, 405, None).await;
    }
    assert_eq!(app.contact_count(None).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_request_without_or_with_a_wrong_token_is_a_scim_401_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("auth@b.test", "Au", "Th"))
        .await;
    let users = format!("{}/Users", app.scim("contacts"));
    let one = format!("{users}/{id}");
    let before = app.api_requests().await;
    let attempts: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("wrong token", Some("Bearer not-the-token".to_string())),
        (
            "token prefix",
            Some(format!("Bearer {}", &TOKEN[..TOKEN.len() - 1])),
        ),
        ("token plus a byte", Some(format!("Bearer {TOKEN}x"))),
        ("empty bearer", Some("Bearer ".to_string())),
        ("no scheme", Some(TOKEN.to_string())),
        (
            "Basic not configured",
            Some("Basic dXNlcjpwYXNz".to_string()),
        ),
        ("admin token", Some(format!("Bearer {ADMIN_TOKEN}"))),
    ];
    for (what, auth) in attempts {
        for (method, url) in [
            (Method::GET, users.clone()),
            (Method::POST, users.clone()),
            (Method::DELETE, one.clone()),
        ] {
            let mut req = app.http.request(method.clone(), &url);
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            if method == Method::POST {
                req = req
                    .header("Content-Type", SCIM)
                    .body(user("intruder@b.test", "I", "N").to_string());
            }
            let res = req.send().await.unwrap();
            let www = res
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            assert!(www.starts_with("Bearer"), "{what} {method}: '{www}'");
            let err = assert_scim_error(res, 401, None).await;
            let detail = err["detail"].as_str().unwrap();
            assert!(!detail.contains(TOKEN), "the token leaked: {detail}");
        }
    }
    assert_eq!(app.api_requests().await, before, "Salesforce was called");
    assert!(
        app.sf_get("Contact", &id).await.is_some(),
        "the DELETE went through"
    );
    // The scheme is case-insensitive (`bearer`), as RFC 9110 §11.1 says.
    let res = app
        .http
        .get(&users)
        .header("Authorization", format!("bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn the_admin_route_needs_the_admin_token() {
    let app = TestApp::spawn().await;
    let url = format!("{}/admin/connections/contacts/test", app.address);
    let res = app.http.post(&url).send().await.unwrap();
    assert_scim_error(res, 401, None).await;
    let res = app.http.post(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_scim_error(res, 401, None).await;
    let res = app
        .http
        .post(format!("{}/admin/connections/nope/test", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_scim_error(res, 404, None).await;
    let res = app
        .http
        .post(&url)
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.stop().await;
}

/// PUT, PATCH and DELETE with `If-Match`; returns the response.
async fn conditional(
    app: &TestApp,
    method: Method,
    id: &str,
    etag: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app
        .http
        .request(method, format!("{}/Users/{id}", app.scim("contacts")))
        .bearer_auth(TOKEN)
        .header("If-Match", etag);
    if let Some(b) = body {
        req = req.header("Content-Type", SCIM).body(b.to_string());
    }
    req.send().await.unwrap()
}

async fn etag_of(app: &TestApp, id: &str) -> String {
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 200);
    res.headers()["etag"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_stale_if_match_is_a_412_that_changes_nothing_and_the_current_etag_succeeds() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("ver@b.test", "Vera", "Version"))
        .await;
    let stale = etag_of(&app, &id).await;
    // Someone else changes the user: the first ETag is now stale.
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{id}"),
            patch_ops(json!([{"op": "replace", "path": "title", "value": "First"}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    let current = etag_of(&app, &id).await;
    assert_ne!(stale, current, "a change must give a new version");
    let record = app.sf_get("Contact", &id).await.unwrap();

    let mut replaced = user("ver@b.test", "Vera", "Replaced");
    replaced["title"] = json!("Second");
    let patch = patch_ops(json!([{"op": "replace", "path": "title", "value": "Second"}]));
    for (method, body) in [
        (Method::PUT, Some(replaced.clone())),
        (Method::PATCH, Some(patch.clone())),
        (Method::DELETE, None),
    ] {
        for tag in [stale.as_str(), "W/\"1\"", "\"garbage\""] {
            let res = conditional(&app, method.clone(), &id, tag, body.clone()).await;
            assert_scim_error(res, 412, None).await;
        }
    }
    let after = app.sf_get("Contact", &id).await.unwrap();
    assert_eq!(after["SystemModstamp"], record["SystemModstamp"]);
    assert_eq!(after["Title"], json!("First"));
    assert_eq!(after["LastName"], json!("Version"));

    // With the current ETag (weak or not, or in a list) each one goes through.
    let res = conditional(&app, Method::PATCH, &id, &current, Some(patch)).await;
    assert_eq!(res.status(), 200);
    let next = res.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(next, current);
    let strong = next.trim_start_matches("W/").to_string();
    let res = conditional(&app, Method::PUT, &id, &strong, Some(replaced)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["LastName"],
        json!("Replaced")
    );
    let latest = etag_of(&app, &id).await;
    let list = format!("{stale}, {latest}");
    let res = conditional(&app, Method::DELETE, &id, &list, None).await;
    assert_eq!(res.status(), 204);
    // The person left the connection (RFC 7644 §3.6); the demo's remove action disabled the
    // record in Salesforce.
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_scim_error(res, 404, None).await;
    assert_eq!(
        app.sf_get("Contact", &id).await.unwrap()["Active__c"],
        json!(false)
    );
    app.stop().await;
}

#[tokio::test]
async fn if_match_star_matches_any_version() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("star@b.test", "S", "Star"))
        .await;
    let res = conditional(
        &app,
        Method::PATCH,
        &id,
        "*",
        Some(patch_ops(
            json!([{"op": "replace", "path": "title", "value": "Any"}]),
        )),
    )
    .await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn hostile_inputs_are_answered_with_4xx_scim_errors_not_panics() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("survivor@b.test", "S", "Survivor"))
        .await;
    let users = format!("{}/Users", app.scim("contacts"));
    let enc = |f: &str| url::form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>();

    // Filters in a SearchRequest body, where no URL length limit stops them first.
    let filters: Vec<(&str, String)> = vec![
        (
            "10,000 nested parentheses",
            format!("{}userName pr{}", "(".repeat(10_000), ")".repeat(10_000)),
        ),
        (
            "10,000 nested nots",
            format!(
                "{}userName pr{}",
                "not (".repeat(10_000),
                ")".repeat(10_000)
            ),
        ),
        ("10,000 unclosed parentheses", "(".repeat(10_000)),
        (
            "10,000 nested brackets",
            format!("emails{}", "[".repeat(10_000)),
        ),
        (
            "10,000 nested value filters",
            format!(
                "{}type eq \"work\"{}",
                "emails[".repeat(10_000),
                "]".repeat(10_000)
            ),
        ),
        (
            "5,000 or terms",
            vec![r#"userName eq "a""#; 5_000].join(" or "),
        ),
        ("an escaped NUL", r#"userName eq "a\u0000" and"#.to_string()),
        ("a raw NUL", "userName eq \"a\u{0}\" and".to_string()),
        (
            "a lone surrogate escape",
            r#"userName eq "\ud800""#.to_string(),
        ),
        ("an operator alone", "eq".to_string()),
        ("only quotes", r#"""""""#.to_string()),
        ("a bracket soup", "][)([".to_string()),
        (
            "a 100,000-character filter",
            format!(r#"userName eq "{}" and"#, "a".repeat(100_000)),
        ),
    ];
    for (what, filter) in &filters {
        let res = app
            .post("contacts", "/Users/.search", json!({ "filter": filter }))
            .await;
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{what}: {status}");
        let err = assert_scim_error(res, status, Some("invalidFilter")).await;
        let detail = err["detail"].as_str().unwrap();
        assert!(detail.len() < 2_000, "{what}: the detail echoes the input");
    }
    // Well-formed filters with odd values are answered (matching nothing), never with a 5xx.
    for (what, filter) in [
        ("an escaped NUL", r#"userName eq "a\u0000b""#.to_string()),
        ("a raw NUL", "name.familyName co \"\u{0}\"".to_string()),
        (
            "control characters",
            "name.familyName sw \"\u{1}\u{7f}\t\"".to_string(),
        ),
        (
            "a lone surrogate escape",
            r#"userName eq "\ud800""#.to_string(),
        ),
        (
            "a 5,000-character value",
            format!(r#"userName eq "{}""#, "a".repeat(5_000)),
        ),
        (
            "a 50,000-character value",
            format!(r#"userName co "{}""#, "%".repeat(50_000)),
        ),
        (
            "200 values of 3,000 characters",
            vec![format!(r#"title eq "{}""#, "'".repeat(3_000)); 200].join(" or "),
        ),
    ] {
        let res = app
            .post("contacts", "/Users/.search", json!({ "filter": filter }))
            .await;
        let status = res.status().as_u16();
        if status == 200 {
            let list: Value = res.json().await.unwrap();
            assert_eq!(list["totalResults"], json!(0), "{what}");
        } else {
            assert!((400..500).contains(&status), "{what}: {status}");
            assert_scim_error(res, status, None).await;
        }
    }
    // And in the query string, at sizes a URL can carry.
    for (what, q) in [
        (
            "1,000 nested parentheses",
            format!(
                "filter={}",
                enc(&format!(
                    "{}userName pr{}",
                    "(".repeat(1_000),
                    ")".repeat(1_000)
                ))
            ),
        ),
        (
            "a raw NUL",
            "filter=userName%20eq%20%22a%00%22%20and".to_string(),
        ),
        (
            "invalid UTF-8",
            "filter=userName%20eq%20%22%FF%FE%22%20and".to_string(),
        ),
        (
            "a stray percent",
            "filter=userName%20eq%20%22%ZZ%22%20and".to_string(),
        ),
        (
            "a 15,000-character filter",
            format!(
                "filter={}",
                enc(&format!("{}userName pr", "(".repeat(15_000)))
            ),
        ),
    ] {
        let res = app
            .http
            .get(format!("{users}?{q}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{what}: {status}");
        assert_scim_error(res, status, Some("invalidFilter")).await;
    }

    let bodies: Vec<(&str, Vec<u8>)> = vec![
        (
            "10,000 nested arrays",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        ),
        (
            "10,000 nested objects",
            format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000)).into_bytes(),
        ),
        ("invalid UTF-8", vec![b'{', 0xc3, 0x28, b'}']),
        ("only NUL bytes", vec![0; 64]),
        (
            "a UTF-8 BOM then JSON",
            b"\xef\xbb\xbf{\"userName\":\"bom@b.test\"}".to_vec(),
        ),
        (
            "a number too big for any type",
            br#"{"userName":"n@b.test","active":1e999}"#.to_vec(),
        ),
    ];
    for (what, body) in &bodies {
        for (method, url) in [
            (Method::POST, users.clone()),
            (Method::PUT, format!("{users}/{id}")),
            (Method::PATCH, format!("{users}/{id}")),
            (Method::POST, format!("{users}/.search")),
        ] {
            let res = raw(&app, method.clone(), &url, Some(SCIM), body.clone()).await;
            let status = res.status().as_u16();
            assert!(
                (400..500).contains(&status),
                "{what} {method} {url}: {status}"
            );
            assert_scim_error(res, status, None).await;
        }
    }

    // Odd ids and paths.
    for path in [
        format!("/Users/{}", "a".repeat(10_000)),
        "/Users/%00".to_string(),
        "/Users/%FF%FE".to_string(),
        "/Users/..%2F..%2Fadmin".to_string(),
        format!("/Users/{id}'%20OR%20Id%20!%3D%20'"),
    ] {
        let res = app.get("contacts", &path).await;
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
        assert_scim_error(res, status, None).await;
    }

    // The server is still up and the user untouched.
    let res = app.get("contacts", &format!("/Users/{id}")).await;
    assert_eq!(res.status(), 200);
    let back: Value = res.json().await.unwrap();
    assert_eq!(back["name"]["familyName"], json!("Survivor"));
    assert_eq!(app.contact_count(None).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn every_answer_carries_a_request_id_for_the_logs() {
    let app = TestApp::spawn().await;
    let ok = app.get("contacts", "/Users").await;
    let refused = app.get("contacts", "/Users?filter=nope").await;
    let mut ids = Vec::new();
    for res in [ok, refused] {
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(id.len() >= 32, "{id}");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    app.stop().await;
}

#[tokio::test]
async fn thousands_of_attribute_names_are_refused_at_once_and_the_bridge_keeps_answering() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("many@example.com", "Ma", "Ny"))
        .await;
    let names: Vec<String> = (0..3000).map(|i| format!("{ENTERPRISE}:attr{i}")).collect();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "excludedAttributes": names,
    });
    let started = std::time::Instant::now();
    let (a, b, health) = tokio::join!(
        app.post("contacts", "/Users/.search", body.clone()),
        app.post("contacts", "/Users/.search", body),
        app.http.get(format!("{}/healthz", app.address)).send(),
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(health.unwrap().status(), 200);
    for res in [a, b] {
        let err = assert_scim_error(res, 400, Some("invalidValue")).await;
        assert!(
            err["detail"].as_str().unwrap().contains("at most 200"),
            "{err}"
        );
    }
    // The same cap on a GET's query parameters; a sensible list still works.
    let query = format!(
        "/Users/{id}?attributes={}",
        (0..300)
            .map(|i| format!("a{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_scim_error(app.get("contacts", &query).await, 400, Some("invalidValue")).await;
    let res = app
        .get(
            "contacts",
            &format!("/Users/{id}?excludedAttributes=emails,title"),
        )
        .await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn over_long_input_is_a_400_before_any_salesforce_call() {
    let app = TestApp::spawn().await;
    let before = app.api_requests().await;
    let long = format!("{}@example.com", "x".repeat(4_100));
    let res = app
        .post("contacts", "/Users", user(&long, "Lo", "Ng"))
        .await;
    let err = assert_scim_error(res, 400, Some("invalidValue")).await;
    assert!(
        err["detail"].as_str().unwrap().contains("at most 255"),
        "{err}"
    );
    // A filter whose query would not fit in one Salesforce request URI.
    let filter = (0..200)
        .map(|i| format!("title eq \"{}{i}\"", "t".repeat(60)))
        .collect::<Vec<_>>()
        .join(" or ");
    let url = reqwest::Url::parse_with_params(
        &format!("{}/Users", app.scim("contacts")),
        &[("filter", filter.as_str())],
    )
    .unwrap();
    let res = app.http.get(url).bearer_auth(TOKEN).send().await.unwrap();
    let err = assert_scim_error(res, 400, Some("invalidFilter")).await;
    assert!(
        err["detail"].as_str().unwrap().contains("split it"),
        "{err}"
    );
    assert_eq!(app.api_requests().await, before, "nothing was sent");
    app.stop().await;
}

#[tokio::test]
async fn a_body_that_trickles_in_is_a_408_at_the_deadline_and_nothing_reaches_salesforce() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(with_timeouts(2, 1)).await;
    let before = app.api_requests().await;
    let host = app.address.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&host).await.unwrap();
    // Headers promise 100 bytes; one arrives, then nothing (a slowloris).
    let head = format!(
        "POST /scim/v2/contacts/Users HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        conn.read_to_end(&mut answer),
    )
    .await;
    assert!(
        read.is_ok(),
        "the bridge still waits for the body after 10 s"
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("did not arrive within 2 s"), "{text}");
    assert_eq!(
        app.api_requests().await,
        before,
        "nothing sent to Salesforce"
    );
    // The server keeps answering others.
    let res = app.get("contacts", "/Users?count=1").await;
    assert_eq!(res.status(), 200);
    app.stop().await;
}
