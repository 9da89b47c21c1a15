//! Interop failures seen in public threads: 405 with Allow for every unserved method, never
//! HTML, and listing with or without startIndex and count.

use super::content_type;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn every_method_a_route_does_not_serve_is_a_scim_405_with_allow_including_head_options_and_trace(
) {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("contacts", user("kept@example.com", "Kept", "Safe"))
        .await;
    let routes: Vec<(String, &str)> = vec![
        ("/Users".to_string(), "GET, POST"),
        ("/Users/.search".to_string(), "POST"),
        (format!("/Users/{id}"), "GET, PUT, PATCH, DELETE"),
        ("/ServiceProviderConfig".to_string(), "GET"),
        ("/ResourceTypes".to_string(), "GET"),
        ("/ResourceTypes/User".to_string(), "GET"),
        ("/Schemas".to_string(), "GET"),
        (format!("/Schemas/{USER_URN}"), "GET"),
    ];
    for (path, allow) in &routes {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"] {
            if allow.split(", ").any(|m| m == method) {
                continue;
            }
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let mut req = app
                .http
                .request(m, format!("{}{path}", app.scim("contacts")))
                .bearer_auth(TOKEN);
            if matches!(method, "POST" | "PUT" | "PATCH") {
                req = req
                    .header("Content-Type", SCIM)
                    .body(user("kept@example.com", "Kept", "Safe").to_string());
            }
            let res = req.send().await.unwrap();
            assert_eq!(
                res.headers().get("allow").and_then(|v| v.to_str().ok()),
                Some(*allow),
                "{method} {path}"
            );
            assert_scim_error(res, 405, None).await;
        }
        // HEAD carries no body, but its status and type are the same as any refusal.
        if !allow.contains("HEAD") && !allow.contains("GET") {
            let res = app
                .http
                .head(format!("{}{path}", app.scim("contacts")))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 405, "HEAD {path}");
            assert!(content_type(&res).starts_with(SCIM), "HEAD {path}");
        }
    }
    // The user the refused calls targeted is untouched.
    let (status, got) = read(app.get("contacts", &format!("/Users/{id}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(got["active"], true);
    assert_eq!(app.sf_query("SELECT Id FROM Contact").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn no_path_or_method_is_ever_answered_with_html_even_for_a_browser_accept_header() {
    let app = TestApp::spawn().await;
    let base = app.scim("contacts");
    let cases: Vec<(Method, String)> = vec![
        (Method::GET, format!("{}/", app.address)),
        (Method::GET, format!("{}/index.html", app.address)),
        (Method::GET, format!("{}/scim/v2", app.address)),
        (Method::GET, format!("{base}/users")),
        (Method::GET, format!("{base}/Users/003000000000001AAA/x")),
        (Method::GET, format!("{base}/Groups/701000000000001")),
        (Method::POST, format!("{base}/Groups")),
        (Method::PATCH, format!("{base}/Groups/00G000000000001")),
        (Method::PUT, format!("{base}/Groups/00G000000000001")),
        (Method::DELETE, format!("{base}/Groups/00G000000000001")),
        (Method::GET, format!("{base}/Users/0")),
        (Method::PUT, format!("{base}/Users/0")),
        (Method::PATCH, format!("{base}/Users/0")),
        (Method::DELETE, format!("{base}/Users/0")),
        (Method::GET, format!("{}/scim/v2/nope/Users", app.address)),
    ];
    for (method, url) in cases {
        let mut req = app
            .http
            .request(method.clone(), &url)
            .bearer_auth(TOKEN)
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        if matches!(method, Method::POST | Method::PUT | Method::PATCH) {
            req = req.header("Content-Type", SCIM).body(
                patch_ops(json!([{"op": "add", "path": "members", "value": []}])).to_string(),
            );
        }
        let res = req.send().await.unwrap();
        let ct = content_type(&res);
        assert!(!ct.contains("html"), "{method} {url}: {ct}");
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{method} {url}: {status}");
        let body = assert_scim_error(res, status, None).await;
        assert!(
            !body.to_string().to_ascii_lowercase().contains("<html"),
            "{method} {url}: {body}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn listing_works_with_neither_either_or_both_of_start_index_and_count() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for name in ["ames", "baker", "clark"] {
        ids.push(
            app.create_user("contacts", user(&format!("{name}@example.com"), "P", name))
                .await,
        );
    }
    ids.sort();
    let page_ids = |page: &Value| -> Vec<String> {
        page["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    for (q, start, items) in [
        ("", 1, 3),
        ("?startIndex=1", 1, 3),
        ("?startIndex=2", 2, 2),
        ("?count=2", 1, 2),
        ("?count=100", 1, 3),
        ("?startIndex=1&count=100", 1, 3),
        ("?startIndex=3&count=1", 3, 1),
        ("?filter=userName%20pr", 1, 3),
    ] {
        let (status, page) = read(app.get("contacts", &format!("/Users{q}")).await).await;
        assert_eq!(status, 200, "{q}: {page}");
        assert_eq!(page["totalResults"], json!(3), "{q}: {page}");
        assert_eq!(page["startIndex"], json!(start), "{q}");
        assert_eq!(page["itemsPerPage"], json!(items), "{q}");
        let got = page_ids(&page);
        assert_eq!(got.len(), items, "{q}");
        // Pages are slices of one stable order (by id).
        assert_eq!(got, ids[start - 1..start - 1 + items].to_vec(), "{q}");
    }
    // The same through POST /.search, with an empty SearchRequest and with only one of them.
    for body in [
        json!({}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}),
        json!({"startIndex": 1}),
        json!({"count": 3}),
    ] {
        let (status, page) = read(app.post("contacts", "/Users/.search", body.clone()).await).await;
        assert_eq!(status, 200, "{body}: {page}");
        assert_eq!(page["totalResults"], json!(3), "{body}");
        assert_eq!(page_ids(&page), ids, "{body}");
    }
    app.stop().await;
}
