//! The admin page over plain HTTP (the browser test in tests/browser drives it in Chromium):
//! sign-in, the session cookie, what the page shows, and that values are escaped.

use crate::helpers::*;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn sign_in(app: &TestApp, token: &str) -> reqwest::Response {
    no_redirects()
        .post(format!("{}/admin/login", app.address))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_page_asks_for_the_admin_token_and_a_session_cookie_opens_it() {
    let app = TestApp::spawn().await;
    let text = app
        .http
        .get(format!("{}/admin", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("name=\"token\""), "{text}");
    assert!(!text.contains("conn-contacts"));

    let res = sign_in(&app, "wrong-token-wrong-token").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none());
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("That is not the admin token."));

    let res = sign_in(&app, ADMIN_TOKEN).await;
    assert_eq!(res.status(), 303);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/admin"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(ADMIN_TOKEN),
        "the cookie carries the token itself"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let res = app
        .http
        .get(format!("{}/admin", app.address))
        .header("Cookie", &session)
        .send()
        .await
        .unwrap();
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let text = res.text().await.unwrap();
    assert!(
        text.contains("id=\"conn-contacts\"") && text.contains("id=\"conn-leads\""),
        "{text}"
    );
    // A forged cookie opens nothing.
    let res = app
        .http
        .get(format!("{}/admin", app.address))
        .header("Cookie", "scim_bridge_admin=eyJhbGciOiJIUzI1NiJ9.e30.x")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("name=\"token\""));
    app.stop().await;
}

#[tokio::test]
async fn the_check_button_shows_each_test_connection_check_and_failures_are_escaped() {
    let app = TestApp::spawn().await;
    // A failure whose detail quotes a Salesforce message with markup in it.
    let id = app
        .create_user("contacts", user("page@example.com", "Pa", "Ge"))
        .await;
    app.sf_fault(serde_json::json!({"status": 400, "errorCode": "STRING_TOO_LONG", "message": "<script>alert(1)</script>", "count": 1, "method": "PATCH", "path": "/sobjects/Contact/"}))
        .await;
    let ops = patch_ops(serde_json::json!([{"op": "replace", "path": "title", "value": "x"}]));
    assert_eq!(
        app.patch("contacts", &format!("/Users/{id}"), ops)
            .await
            .status(),
        400
    );
    let res = app
        .http
        .post(format!("{}/admin/connections/contacts/check", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("Test connection: <span class=\"ok\">passed</span>"),
        "{text}"
    );
    assert!(
        text.contains("all 19 mapped fields exist and are writable"),
        "{text}"
    );
    assert!(
        text.contains("STRING_TOO_LONG"),
        "the failure is listed: {text}"
    );
    assert!(
        text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{text}"
    );
    assert!(!text.contains("<script>"), "unescaped markup: {text}");
    app.stop().await;
}
