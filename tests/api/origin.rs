//! `meta.location` and `Location` name the bridge as IdPs reach it, and never what an untrusted
//! client wrote into `Host` or `X-Forwarded-*`: forwarded headers count only from configured
//! trusted proxies, and a configured `public_url` wins over every header.

use serde_json::Value;

use crate::helpers::*;

/// Creates a person with extra request headers; answers the `Location` header and
/// `meta.location`.
async fn create_with(app: &TestApp, headers: &[(&str, &str)]) -> (String, String) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let email = format!("origin{n}@example.com");
    let mut req = app
        .http
        .post(format!("{}/Users", app.scim("contacts")))
        .bearer_auth(TOKEN)
        .header("Content-Type", SCIM)
        .body(user(&email, "Ori", "Gin").to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    (
        location,
        body["meta"]["location"].as_str().unwrap().to_string(),
    )
}

fn port(app: &TestApp) -> &str {
    app.address.rsplit(':').next().unwrap()
}

#[tokio::test]
async fn forwarded_headers_from_a_client_that_is_not_a_trusted_proxy_are_ignored() {
    let app = TestApp::spawn().await;
    let (location, meta) = create_with(
        &app,
        &[
            ("X-Forwarded-Host", "evil.example"),
            ("X-Forwarded-Proto", "https"),
            ("Forwarded", "host=evil.example;proto=https"),
        ],
    )
    .await;
    let want = format!("http://127.0.0.1:{}/scim/v2/contacts/Users/", port(&app));
    assert!(location.starts_with(&want), "{location}");
    assert_eq!(location, meta);
    app.stop().await;
}

#[tokio::test]
async fn a_host_header_that_is_not_a_host_never_reaches_a_location() {
    let app = TestApp::spawn().await;
    let (location, meta) = create_with(&app, &[("Host", "\"><script>alert(1)</script>")]).await;
    assert!(
        !location.contains("script") && !meta.contains("script"),
        "{location}"
    );
    assert!(location.starts_with("http://"), "{location}");
    app.stop().await;
}

#[tokio::test]
async fn a_trusted_proxy_s_forwarded_host_and_proto_are_honoured_but_only_http_or_https() {
    let app = TestApp::spawn_with(|t| format!("trusted_proxies = [\"127.0.0.0/8\"]\n{t}")).await;
    let (location, _) = create_with(
        &app,
        &[
            ("X-Forwarded-Host", "scim.example.com"),
            ("X-Forwarded-Proto", "https"),
        ],
    )
    .await;
    assert!(
        location.starts_with("https://scim.example.com/scim/v2/contacts/Users/"),
        "{location}"
    );
    let (location, _) = create_with(
        &app,
        &[
            ("X-Forwarded-Host", "scim.example.com"),
            ("X-Forwarded-Proto", "javascript"),
        ],
    )
    .await;
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    app.stop().await;
}

#[tokio::test]
async fn a_configured_public_url_wins_over_every_header() {
    let app = TestApp::spawn_with(|t| {
        format!("public_url = \"https://idp-facing.example.com/\"\ntrusted_proxies = [\"127.0.0.1\"]\n{t}")
    })
    .await;
    let (location, meta) = create_with(
        &app,
        &[
            ("X-Forwarded-Host", "other.example"),
            ("Host", "third.example"),
        ],
    )
    .await;
    assert!(
        location.starts_with("https://idp-facing.example.com/scim/v2/contacts/Users/"),
        "{location}"
    );
    assert_eq!(location, meta);
    app.stop().await;
}
