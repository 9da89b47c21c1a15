//! `openapi/scim-bridge.yaml` against the server, both ways: every documented operation is served
//! by a live bridge (no route-level 404 or 405), every route of the server's route table is
//! documented with its methods, and methods the spec does not list are refused by a live bridge
//! (so the table and the router it builds agree too).

use std::collections::{BTreeMap, BTreeSet};

use crate::helpers::*;
use reqwest::Method;
use scim_bridge::http::ROUTES;
use serde_json::{json, Value};

const SPEC: &str = include_str!("../../openapi/scim-bridge.yaml");
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn spec() -> Value {
    serde_yaml::from_str(SPEC).expect("openapi/scim-bridge.yaml parses")
}

/// Documented operations: path → lower-case methods.
fn documented(spec: &Value) -> BTreeMap<String, BTreeSet<String>> {
    spec["paths"]
        .as_object()
        .expect("`paths` is a map")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// Routes the server registers (its route table, `scim_bridge::http::ROUTES`, which the router
/// is built from): full path → lower-case methods.
fn registered() -> BTreeMap<String, BTreeSet<String>> {
    ROUTES
        .iter()
        .map(|r| {
            let methods = r
                .methods
                .iter()
                .map(|(m, _)| m.as_str().to_ascii_lowercase())
                .collect();
            (r.path.to_string(), methods)
        })
        .collect()
}

#[test]
fn the_spec_is_openapi_3_with_unique_operation_ids_and_resolvable_refs() {
    let spec = spec();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let mut ids = BTreeSet::new();
    for (path, methods) in documented(&spec) {
        for m in methods {
            let op = &spec["paths"][&path][&m];
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{m} {path}: no operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{m} {path}: no responses"
            );
        }
    }
    // Every `$ref` points at something that exists.
    let mut refs = Vec::new();
    fn walk(v: &Value, refs: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    // A string `$ref` is a reference; an object one is a property named
                    // `$ref` (the manager's, RFC 7643 §4.3).
                    if let (true, Some(r)) = (k == "$ref", x.as_str()) {
                        refs.push(r.to_string());
                    } else {
                        walk(x, refs);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, refs)),
            _ => {}
        }
    }
    walk(&spec, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(
            spec.pointer(pointer).is_some(),
            "$ref {r} resolves to nothing"
        );
    }
}

#[test]
fn the_spec_and_the_route_table_list_the_same_routes_and_methods() {
    let served = registered();
    assert!(
        served.contains_key("/scim/v2/{connection}/Users/{id}"),
        "{served:?}"
    );
    let docs = documented(&spec());
    for (path, methods) in &served {
        let Some(doc) = docs.get(path) else {
            panic!("{path} is served (http::ROUTES) but not in openapi/scim-bridge.yaml");
        };
        assert_eq!(
            doc, methods,
            "{path}: methods in the spec differ from the server's"
        );
    }
    for path in docs.keys() {
        assert!(
            served.contains_key(path),
            "{path} is documented but not registered"
        );
    }
}

/// The concrete URL and body for one documented operation.
fn concrete(path: &str, method: &str, user_id: &str, group_id: &str) -> (String, Option<Value>) {
    let group = json!({
        "schemas": [GROUP_URN],
        "displayName": if method == "post" { "Spec New" } else { "Spec Group" },
        "members": [{"value": user_id}]
    });
    if path.contains("/Groups") {
        let url = path
            .replace("{connection}", "contacts")
            .replace("{id}", group_id);
        let body = match (method, path.ends_with(".search")) {
            ("post", true) => Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "displayName eq \"Spec Group\""
            })),
            ("post", false) | ("put", _) => Some(group),
            ("patch", _) => Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "remove", "path": format!("members[value eq \"{user_id}\"]")}]
            })),
            _ => None,
        };
        return (url, body);
    }
    let id = if path.contains("/Users/") {
        user_id
    } else if path.contains("/ResourceTypes/") {
        "User"
    } else {
        USER_URN
    };
    let url = path
        .replace("{connection}", "contacts")
        .replace("{name}", "contacts")
        .replace("{id}", id);
    let body = match (method, path.ends_with("/Users"), path.ends_with(".search")) {
        ("post", true, _) => Some(user("spec-new@example.com", "Spec", "New")),
        ("post", _, true) => Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName eq \"spec@example.com\""
        })),
        ("put", _, _) => Some(user("spec@example.com", "Spec", "Replaced")),
        ("patch", _, _) => Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": "Documented"}]
        })),
        _ => None,
    };
    (url, body)
}

async fn send(app: &TestApp, method: &str, url: &str, body: Option<Value>) -> reqwest::Response {
    let m = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
    let token = if url.starts_with("/admin/") || url == "/metrics" {
        ADMIN_TOKEN
    } else {
        TOKEN
    };
    let mut req = app
        .http
        .request(m, format!("{}{url}", app.address))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.header("Content-Type", SCIM).body(b.to_string());
    }
    req.send().await.unwrap()
}

/// Whether a response is the server's "no such route" answer rather than a resource's 404.
async fn is_route_miss(res: reqwest::Response) -> (bool, u16, String) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    let miss = status == 405 || (status == 404 && text.contains("no such endpoint"));
    (miss, status, text)
}

#[tokio::test]
async fn every_documented_operation_is_served_by_a_live_bridge() {
    let app = TestApp::spawn().await;
    let user_id = app
        .create_user("contacts", user("spec@example.com", "Spec", "Example"))
        .await;
    let res = app
        .post(
            "contacts",
            "/Groups",
            json!({"schemas": [GROUP_URN], "displayName": "Spec Group"}),
        )
        .await;
    let group_id = json_of(res).await["id"].as_str().unwrap().to_string();
    let mut ops: Vec<(String, String)> = documented(&spec())
        .into_iter()
        .flat_map(|(p, ms)| ms.into_iter().map(move |m| (p.clone(), m)))
        .collect();
    // DELETE last, so the user is there for the others.
    ops.sort_by_key(|(_, m)| m == "delete");
    assert!(ops.len() >= 14, "{ops:?}");
    for (path, method) in ops {
        let (url, body) = concrete(&path, &method, &user_id, &group_id);
        let res = send(&app, &method, &url, body).await;
        let (miss, status, text) = is_route_miss(res).await;
        assert!(
            !miss,
            "{method} {path} ({url}) is documented but answered {status}: {text}"
        );
        // The documented operations all succeed with sensible input (the token endpoint is
        // exercised with real client credentials in oauth.rs; the demo has no OAuth client).
        if path != "/oauth/token" {
            assert!(
                (200..300).contains(&status),
                "{method} {url}: {status} {text}"
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn methods_the_spec_does_not_list_are_refused() {
    let app = TestApp::spawn().await;
    let user_id = app
        .create_user("contacts", user("spec@example.com", "Spec", "Example"))
        .await;
    for (path, methods) in documented(&spec()) {
        for m in ["get", "post", "put", "patch", "delete"] {
            if methods.contains(m) {
                continue;
            }
            let (url, body) = concrete(&path, m, &user_id, "701000000000001AAA");
            let res = send(&app, m, &url, body).await;
            let (miss, status, text) = is_route_miss(res).await;
            assert!(
                miss,
                "{m} {url} is not documented but answered {status}: {text}"
            );
        }
    }
    // Nothing was changed by the refused calls.
    assert!(app.sf_get("Contact", &user_id).await.is_some());
    assert_eq!(app.sf_query("SELECT Id FROM Contact").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_route_miss_and_a_missing_user_are_told_apart() {
    // The distinction the two tests above rely on.
    let app = TestApp::spawn().await;
    let (miss, status, _) = is_route_miss(app.get("contacts", "/Devices").await).await;
    assert!(miss && status == 404);
    let (miss, status, text) =
        is_route_miss(app.get("contacts", "/Users/003000000000000AAA").await).await;
    assert!(!miss && status == 404, "{text}");
    app.stop().await;
}
