//! The `scim-bridge` binary as an admin runs it: `check-config`, `test-connection`, and
//! `serve`'s logs, which must never contain a secret or a token.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::*;
use salesforce_emulator::EmulatorConfig;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_scim-bridge");
const INBOUND: &str = "inbound-token-that-must-never-be-logged";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scim-bridge-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A one-connection configuration with the emulator's default client id and refresh token.
fn config_text(listen: &str, sf: &str, client_secret: &str) -> String {
    let d = EmulatorConfig::default();
    let (client_id, refresh_token) = (d.client_id, d.refresh_token);
    format!(
        r#"listen = "{listen}"
[connections.contacts]
record_type = "Contact"
[connections.contacts.salesforce]
domain = "{sf}"
client_id = "{client_id}"
client_secret = "{client_secret}"
refresh_token = "{refresh_token}"
[connections.contacts.inbound]
bearer_tokens = ["{INBOUND}"]
"#
    )
}

/// Runs the binary to completion off the async runtime.
async fn run(args: Vec<String>) -> (i32, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(BIN)
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn check_config_lists_every_problem_by_key_and_exits_non_zero() {
    let dir = temp_dir("bad");
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        r#"listen = "nowhere"
[connections.contacts]
record_type = "Opportunity"
[connections.contacts.salesforce]
domain = "http://acme.my.salesforce.com"
"#,
    )
    .unwrap();
    let (code, out) = run(vec![
        "check-config".into(),
        "--config".into(),
        path.display().to_string(),
    ])
    .await;
    assert_ne!(code, 0, "{out}");
    for key in [
        "listen",
        "connections.contacts.record_type",
        "connections.contacts.salesforce.domain",
        "connections.contacts.salesforce.client_id",
        "connections.contacts.inbound.bearer_tokens",
    ] {
        assert!(out.contains(key), "{key} not reported:\n{out}");
    }
}

#[tokio::test]
async fn check_config_accepts_a_valid_file_and_never_prints_its_secrets() {
    let dir = temp_dir("good");
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        config_text(
            "127.0.0.1:0",
            "https://acme.my.salesforce.com",
            "very-secret-value",
        ),
    )
    .unwrap();
    let (code, out) = run(vec![
        "check-config".into(),
        "--config".into(),
        path.display().to_string(),
    ])
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("OK"), "{out}");
    assert!(
        !out.contains("very-secret-value") && !out.contains(INBOUND),
        "{out}"
    );
}

#[tokio::test]
async fn test_connection_passes_against_salesforce_and_says_how_to_fix_a_wrong_secret() {
    let app = TestApp::spawn().await;
    let dir = temp_dir("testconn");
    let good = dir.join("good.toml");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &good,
        config_text(
            "127.0.0.1:0",
            app.sf.base_url(),
            &EmulatorConfig::default().client_secret,
        ),
    )
    .unwrap();
    std::fs::write(
        &bad,
        config_text("127.0.0.1:0", app.sf.base_url(), "wrong-secret"),
    )
    .unwrap();
    let (code, out) = run(vec![
        "test-connection".into(),
        "--config".into(),
        good.display().to_string(),
    ])
    .await;
    assert_eq!(code, 0, "{out}");
    for check in [
        "[PASS] token",
        "[PASS] api",
        "[PASS] object",
        "[PASS] fields",
    ] {
        assert!(out.contains(check), "{check} missing:\n{out}");
    }
    let (code, out) = run(vec![
        "test-connection".into(),
        "--config".into(),
        bad.display().to_string(),
        "--connection".into(),
        "contacts".into(),
    ])
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("[FAIL] token"), "{out}");
    assert!(
        out.contains("fix:") && out.contains("client_secret"),
        "{out}"
    );
    assert!(
        !out.contains("wrong-secret"),
        "the secret was printed:\n{out}"
    );
    app.stop().await;
}

#[tokio::test]
async fn serve_logs_requests_and_salesforce_calls_but_never_a_secret_or_token() {
    let app = TestApp::spawn().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("serve");
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        config_text(
            &format!("127.0.0.1:{port}"),
            app.sf.base_url(),
            &EmulatorConfig::default().client_secret,
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--config",
            &path.display().to_string(),
            "--workers",
            "1",
        ])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if app.http.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "serve did not start");
    let scim = format!("{base}/scim/v2/contacts");
    let created: Value = app
        .http
        .post(format!("{scim}/Users"))
        .bearer_auth(INBOUND)
        .header("Content-Type", SCIM)
        .body(user("logs@example.com", "Log", "Check").to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    // Force a renewal mid-run, and a refused request.
    app.sf_control("tokens/expire", serde_json::json!({})).await;
    let res = app
        .http
        .get(format!("{scim}/Users/{id}"))
        .bearer_auth(INBOUND)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .http
        .get(format!("{scim}/Users/{id}"))
        .bearer_auth("a-wrong-token-that-is-long-enough")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    child.kill().unwrap();
    let mut logs = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut logs).unwrap();
    }
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut logs).unwrap();
    }
    let _ = child.wait();
    assert!(
        logs.contains("Salesforce call succeeded"),
        "no Salesforce call logged:\n{logs}"
    );
    assert!(logs.contains("request_id"), "no request id:\n{logs}");
    let d = EmulatorConfig::default();
    for secret in [
        d.client_secret.as_str(),
        d.refresh_token.as_str(),
        INBOUND,
        "a-wrong-token-that-is-long-enough",
        "!AQ", // every access token the org issues contains this
    ] {
        assert!(!logs.contains(secret), "'{secret}' appears in the logs");
    }
    app.stop().await;
}

/// Sends a signal (`TERM`, `INT`) to a child process with `kill(1)`.
fn send_signal(child: &std::process::Child, signal: &str) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} failed");
}

/// The child's exit code once it exits, or `None` (and the child killed) after `limit`.
async fn exit_code_within(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            // `None` when a signal ended it: the signal was not handled.
            return Some(status.code().unwrap_or(-1));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

async fn wait_for_health(base: &str) {
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} did not start");
}

#[tokio::test]
async fn serve_stops_on_sigterm_or_ctrl_c_after_answering_the_request_in_flight_and_exits_0() {
    let app = TestApp::spawn().await;
    for signal in ["TERM", "INT"] {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = temp_dir(&format!("sig{signal}"));
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            config_text(
                &format!("127.0.0.1:{port}"),
                app.sf.base_url(),
                &EmulatorConfig::default().client_secret,
            ),
        )
        .unwrap();
        let mut child = Command::new(BIN)
            .args(["serve", "--config", &path.display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        wait_for_health(&base).await;
        // Salesforce takes 1.5 s to answer the list's query: the request is in flight at the
        // signal.
        let slow = app
            .sf_fault(
                serde_json::json!({"delay_ms": 1500, "count": 1, "method": "GET", "path": "/query"}),
            )
            .await;
        let in_flight = tokio::spawn(
            reqwest::Client::new()
                .get(format!("{base}/scim/v2/contacts/Users?count=1"))
                .bearer_auth(INBOUND)
                .send(),
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        send_signal(&child, signal);
        let code = exit_code_within(&mut child, Duration::from_secs(10)).await;
        let answered = in_flight.await.unwrap();
        assert_eq!(app.sf_fired(slow).await, 1, "the request was not in flight");
        let answered = answered
            .unwrap_or_else(|e| panic!("the request in flight at SIG{signal} was dropped: {e}"));
        assert_eq!(answered.status(), 200, "SIG{signal}");
        assert_eq!(
            code,
            Some(0),
            "serve did not exit 0 within 10 s of SIG{signal}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn demo_stops_with_its_emulator_on_sigterm_or_ctrl_c_and_exits_0() {
    for signal in ["TERM", "INT"] {
        let mut child = Command::new(BIN)
            .args(["demo", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The banner names the bridge's URL; the rest of stdout (logs) is drained.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let bridge = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("the demo prints its banner");
            if let Some(url) = line
                .trim()
                .strip_prefix("Contacts:")
                .and_then(|u| u.trim().strip_suffix("/scim/v2/contacts"))
            {
                break url.to_string();
            }
        };
        wait_for_health(&bridge).await;
        // A request through to the emulator: both servers now hold idle keep-alive connections
        // (this client's, and the bridge's to Salesforce), which must not hold the stop up.
        let http = reqwest::Client::new();
        let res = http
            .get(format!("{bridge}/scim/v2/contacts/Users"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        send_signal(&child, signal);
        let code = exit_code_within(&mut child, Duration::from_secs(10)).await;
        drop(http);
        // Exiting at all means the emulator (in the same process) stopped too, without hanging.
        assert_eq!(
            code,
            Some(0),
            "demo did not exit 0 within 10 s of SIG{signal}"
        );
    }
}

#[tokio::test]
async fn the_logs_at_info_hold_no_email_address_token_or_secret() {
    let mut child = Command::new(BIN)
        .args(["demo", "--port", "0"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut banner = Vec::new();
    let bridge = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the demo prints its banner");
        banner.push(line.clone());
        if let Some(url) = line
            .trim()
            .strip_prefix("Contacts:")
            .and_then(|u| u.trim().strip_suffix("/scim/v2/contacts"))
        {
            break url.to_string();
        }
    };
    // The rest of the banner (its curl examples quote an example address) is not log output.
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
        if line.contains("Press Ctrl-C") {
            break;
        }
    }
    wait_for_health(&bridge).await;
    let http = reqwest::Client::new();
    let scim = format!("{bridge}/scim/v2/contacts");
    let send = |req: reqwest::RequestBuilder| async move { req.send().await.unwrap().status() };
    // A create, the look-up of it by email in the query string, a refused email (Salesforce's
    // message quotes it), a PATCH, a delete, and a secret misplaced in a query string.
    let created = http
        .post(format!("{scim}/Users"))
        .bearer_auth(TOKEN)
        .header("Content-Type", SCIM)
        .body(user("private.person@example.com", "Private", "Person").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bad = user("refused@example.com", "Re", "Fused");
    bad["emails"][0]["value"] = Value::String("not an email@@example.com".into());
    assert_eq!(
        send(
            http.post(format!("{scim}/Users"))
                .bearer_auth(TOKEN)
                .header("Content-Type", SCIM)
                .body(bad.to_string())
        )
        .await,
        400
    );
    assert_eq!(
        send(
            http.get(format!(
                "{scim}/Users?filter=userName%20eq%20%22private.person%40example.com%22"
            ))
            .bearer_auth(TOKEN)
        )
        .await,
        200
    );
    assert_eq!(
        send(
            http.patch(format!("{scim}/Users/{id}"))
                .bearer_auth(TOKEN)
                .header("Content-Type", SCIM)
                .body(
                    patch_ops(serde_json::json!([
                        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new.private@example.com"}
                    ]))
                    .to_string()
                )
        )
        .await,
        200
    );
    send(http.delete(format!("{scim}/Users/{id}")).bearer_auth(TOKEN)).await;
    send(http.post(format!(
        "{bridge}/oauth/token?grant_type=client_credentials&client_id=x&client_secret=top-secret-value-123"
    )))
    .await;
    send(
        http.get(format!("{scim}/Users"))
            .bearer_auth("wrong-token-0123456789"),
    )
    .await;
    send_signal(&child, "TERM");
    assert_eq!(
        exit_code_within(&mut child, Duration::from_secs(10)).await,
        Some(0)
    );
    let mut logs: Vec<String> = rx.try_iter().collect();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    logs.extend(stderr.lines().map(str::to_string));
    assert!(
        logs.iter().any(|l| l.contains("HTTP request")),
        "the test read the request logs: {logs:?}"
    );
    for line in &logs {
        for secret in [
            "@example.com",
            "private.person",
            "top-secret-value",
            "wrong-token",
            TOKEN,
            "demo-client-secret",
            "demo-refresh-token",
        ] {
            assert!(!line.contains(secret), "{secret} logged: {line}");
        }
    }
}

#[tokio::test]
async fn three_hundred_trickling_token_requests_do_not_stop_healthz_under_a_256_open_files_limit() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("fds");
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        config_text(
            &format!("127.0.0.1:{port}"),
            app.sf.base_url(),
            &EmulatorConfig::default().client_secret,
        ),
    )
    .unwrap();
    // The soft limit is what a container or a systemd unit often starts a process with; the
    // bridge raises it to the hard limit and bounds its connections below that.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -Sn 256 && exec '{BIN}' serve --config '{}' --workers 1",
            path.display()
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if app.http.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "serve did not start");
    let mut held = Vec::new();
    for _ in 0..300 {
        let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        c.write_all(
            b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ng",
        )
        .await
        .unwrap();
        held.push(c);
    }
    let health = app
        .http
        .get(format!("{base}/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    let _ = child.kill();
    let _ = child.wait();
    let status = health.map(|r| r.status().as_u16());
    assert_eq!(status.ok(), Some(200), "healthz with 300 slow bodies open");
    drop(held);
    app.stop().await;
}

#[tokio::test]
async fn with_a_shutdown_drain_readyz_fails_at_sigterm_while_requests_are_still_served() {
    let app = TestApp::spawn().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("drain");
    let path = dir.join("config.toml");
    let text = config_text(
        &format!("127.0.0.1:{port}"),
        app.sf.base_url(),
        &EmulatorConfig::default().client_secret,
    );
    std::fs::write(&path, format!("shutdown_drain_secs = 2\n{text}")).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config", &path.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_for_health(&base).await;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    send_signal(&child, "TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503, "readiness still passes while draining");
    let res = http
        .get(format!("{base}/scim/v2/contacts/Users?count=1"))
        .bearer_auth(INBOUND)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a request during the drain was refused");
    let code = exit_code_within(&mut child, Duration::from_secs(10)).await;
    assert_eq!(code, Some(0));
    app.stop().await;
}
