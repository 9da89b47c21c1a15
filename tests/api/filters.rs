//! Filtering `GET /Users?filter=…` and `POST /Users/.search` (RFC 7644 §3.4.2.2, §3.4.3) over
//! HTTP against the emulator: every operator, logical combinations, value filters, the
//! tolerances real clients need (case-insensitive names and operators, `emails` alone), the
//! errors for unmapped attributes and bad syntax, and SOQL injection attempts that must never
//! change what a query means.

use crate::helpers::*;
use serde_json::{json, Value};

/// The family names of a ListResponse's resources, sorted.
fn family_names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("not a ListResponse: {list}"))
        .iter()
        .map(|r| r["name"]["familyName"].as_str().unwrap_or("?").to_string())
        .collect();
    names.sort();
    assert_eq!(
        list["totalResults"].as_u64(),
        Some(names.len() as u64),
        "totalResults disagrees with the page: {list}"
    );
    names
}

/// Runs a filter on `contacts` and returns the sorted family names it matched.
async fn matched(app: &TestApp, filter: &str) -> Vec<String> {
    family_names(&app.filter("contacts", filter).await)
}

/// A `GET /Users?filter=…` whose answer is returned as-is (for error cases).
async fn raw_filter(app: &TestApp, conn: &str, filter: &str) -> reqwest::Response {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/Users", app.scim(conn)),
        &[("filter", filter)],
    )
    .unwrap();
    app.http.get(url).bearer_auth(TOKEN).send().await.unwrap()
}

/// Three ordinary contacts: Adams (title Engineer, acme), Baker (no title, acme), Clark
/// (title Manager, globex). Returns their ids in that order.
async fn three_contacts(app: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for (email, given, family, title) in [
        ("adams@acme.test", "Amy", "Adams", Some("Engineer")),
        ("baker@acme.test", "Bob", "Baker", None),
        ("clark@globex.test", "Cy", "Clark", Some("Manager")),
    ] {
        let mut u = user(email, given, family);
        if let Some(t) = title {
            u["title"] = json!(t);
        }
        ids.push(app.create_user("contacts", u).await);
    }
    ids
}

fn v(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn every_comparison_operator_selects_the_right_users() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    let cases: &[(&str, &[&str])] = &[
        (r#"name.familyName eq "Baker""#, &["Baker"]),
        (r#"name.familyName ne "Baker""#, &["Adams", "Clark"]),
        (r#"userName co "acme""#, &["Adams", "Baker"]),
        (r#"name.familyName sw "Cl""#, &["Clark"]),
        (r#"userName ew "@globex.test""#, &["Clark"]),
        ("title pr", &["Adams", "Clark"]),
        (r#"name.familyName gt "Baker""#, &["Clark"]),
        (r#"name.familyName ge "Baker""#, &["Baker", "Clark"]),
        (r#"name.familyName lt "Baker""#, &["Adams"]),
        (r#"name.familyName le "Baker""#, &["Adams", "Baker"]),
    ];
    for (filter, want) in cases {
        assert_eq!(matched(&app, filter).await, v(want), "filter {filter}");
    }
    app.stop().await;
}

#[tokio::test]
async fn and_or_not_and_grouping_combine_as_rfc_7644_says() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    let cases: &[(&str, &[&str])] = &[
        (r#"userName co "acme" and title pr"#, &["Adams"]),
        (
            r#"name.familyName eq "Adams" or name.familyName eq "Clark""#,
            &["Adams", "Clark"],
        ),
        (r#"not (name.familyName eq "Baker")"#, &["Adams", "Clark"]),
        (r#"not (title pr)"#, &["Baker"]),
        // `and` binds tighter than `or`: Clark, or (Adams and acme).
        (
            r#"name.familyName eq "Clark" or name.familyName eq "Adams" and userName co "acme""#,
            &["Adams", "Clark"],
        ),
        // Grouping changes it: (Clark or Adams) and acme.
        (
            r#"(name.familyName eq "Clark" or name.familyName eq "Adams") and userName co "acme""#,
            &["Adams"],
        ),
        (
            r#"((userName co "acme") and not (title pr)) or name.givenName eq "Cy""#,
            &["Baker", "Clark"],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(matched(&app, filter).await, v(want), "filter {filter}");
    }
    app.stop().await;
}

#[tokio::test]
async fn email_value_filters_and_emails_alone_reach_the_email_field() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    let cases: &[(&str, &[&str])] = &[
        (
            r#"emails[type eq "work"].value eq "baker@acme.test""#,
            &["Baker"],
        ),
        (
            r#"emails[type eq "work" and value co "acme"]"#,
            &["Adams", "Baker"],
        ),
        (r#"emails[value ew "globex.test"]"#, &["Clark"]),
        // Only the work email is mapped, so no user has a home email.
        (r#"emails[type eq "home"]"#, &[]),
        (r#"emails[type eq "home" and value co "acme"]"#, &[]),
        // PingOne's default work-email lookup: `emails` alone means any email value.
        (r#"emails eq "clark@globex.test""#, &["Clark"]),
        (r#"emails co "acme""#, &["Adams", "Baker"]),
        (r#"emails.value sw "adams@""#, &["Adams"]),
        ("emails pr", &["Adams", "Baker", "Clark"]),
    ];
    for (filter, want) in cases {
        assert_eq!(matched(&app, filter).await, v(want), "filter {filter}");
    }
    app.stop().await;
}

#[tokio::test]
async fn attribute_names_and_operators_match_in_any_case() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    let cases: &[(&str, &[&str])] = &[
        // PingOne: `username Eq "%s"`; Okta looks a user up with the userName upper-cased.
        (r#"username Eq "ADAMS@ACME.TEST""#, &["Adams"]),
        (r#"USERNAME EQ "baker@acme.test""#, &["Baker"]),
        (r#"NAME.FAMILYNAME SW "cl""#, &["Clark"]),
        (r#"Emails Co "ACME" AND Title PR"#, &["Adams"]),
        (
            r#"NOT (name.FamilyName Eq "Adams") Or TITLE pr"#,
            &["Adams", "Baker", "Clark"],
        ),
        (
            r#"EMAILS[TYPE EQ "WORK"].VALUE EW "GLOBEX.TEST""#,
            &["Clark"],
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "Baker""#,
            &["Baker"],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(matched(&app, filter).await, v(want), "filter {filter}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_filter_by_id_finds_exactly_that_user_and_an_impossible_id_finds_none() {
    let app = TestApp::spawn().await;
    let ids = three_contacts(&app).await;
    assert_eq!(
        matched(&app, &format!(r#"id eq "{}""#, ids[1])).await,
        v(&["Baker"])
    );
    assert_eq!(
        matched(&app, &format!(r#"ID Eq "{}""#, ids[2])).await,
        v(&["Clark"])
    );
    assert_eq!(
        matched(&app, &format!(r#"id ne "{}""#, ids[1])).await,
        v(&["Adams", "Clark"])
    );
    // Okta's and Entra's probes with ids that cannot exist: 200 with an empty list.
    for filter in [
        r#"id eq "0""#,
        r#"id eq "00000000-0000-0000-0000-000000000000""#,
    ] {
        let list = app.filter("contacts", filter).await;
        assert_eq!(list["totalResults"], json!(0), "{filter}: {list}");
        assert_eq!(list["Resources"], json!([]), "{filter}: {list}");
    }
    app.stop().await;
}

#[tokio::test]
async fn active_eq_false_finds_only_disabled_users_on_both_record_types() {
    let app = TestApp::spawn().await;
    let ids = three_contacts(&app).await;
    let res = app
        .patch(
            "contacts",
            &format!("/Users/{}", ids[1]),
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(matched(&app, "active eq false").await, v(&["Baker"]));
    assert_eq!(
        matched(&app, "active eq true").await,
        v(&["Adams", "Clark"])
    );
    assert_eq!(matched(&app, "active ne true").await, v(&["Baker"]));
    assert_eq!(
        matched(&app, r#"active eq "False" and userName co "acme""#).await,
        v(&["Baker"])
    );

    let lead = app
        .create_user(
            "leads",
            lead_user("dora@initech.test", "Dora", "Dunn", "Initech"),
        )
        .await;
    app.create_user(
        "leads",
        lead_user("eve@initech.test", "Eve", "Evans", "Initech"),
    )
    .await;
    let res = app
        .patch(
            "leads",
            &format!("/Users/{lead}"),
            json!({"Operations": [{"op": "replace", "value": {"active": false}}]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let disabled = app.filter("leads", "active eq false").await;
    assert_eq!(family_names(&disabled), v(&["Dunn"]));
    let enabled = app.filter("leads", "active eq true").await;
    assert_eq!(family_names(&enabled), v(&["Evans"]));
    app.stop().await;
}

#[tokio::test]
async fn meta_last_modified_filters_compare_against_the_salesforce_timestamp() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    assert_eq!(
        matched(&app, r#"meta.lastModified gt "2000-01-01T00:00:00Z""#).await,
        v(&["Adams", "Baker", "Clark"])
    );
    assert_eq!(
        matched(&app, r#"meta.lastModified lt "2000-01-01T00:00:00Z""#).await,
        v(&[])
    );
    assert_eq!(
        matched(&app, r#"meta.lastModified ge "2999-01-01T00:00:00+02:00""#).await,
        v(&[])
    );
    assert_eq!(
        matched(
            &app,
            r#"meta.created le "2999-12-31T23:59:59Z" and name.familyName eq "Clark""#
        )
        .await,
        v(&["Clark"])
    );
    let res = raw_filter(&app, "contacts", r#"meta.lastModified gt "yesterday""#).await;
    let body = assert_scim_error(res, 400, Some("invalidFilter")).await;
    assert!(
        body["detail"].as_str().unwrap().contains("yesterday"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_filter_with_no_match_is_an_empty_list_not_an_error() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    let list = app
        .filter(
            "contacts",
            r#"userName eq "6f1c1c0e-7c2b-4b0e-9f0c-2b1f0a7d3e55""#,
        )
        .await;
    assert_eq!(list["totalResults"], json!(0));
    assert_eq!(list["Resources"], json!([]));
    assert_eq!(
        list["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    app.stop().await;
}

#[tokio::test]
async fn a_filter_on_an_unmapped_attribute_is_an_invalid_filter_naming_it() {
    let app = TestApp::spawn().await;
    let before = app.api_requests().await;
    for (filter, attr) in [
        (r#"nickName eq "x""#, "nickName"),
        (r#"profileUrl eq "x""#, "profileUrl"),
        (
            r#"userName eq "a" or x509Certificates pr"#,
            "x509Certificates",
        ),
        (r#"emails.display eq "x""#, "emails.display"),
        (
            r#"phoneNumbers[type eq "work"].value eq "1" and ims pr"#,
            "ims",
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization eq "x""#,
            "organization",
        ),
    ] {
        let res = raw_filter(&app, "contacts", filter).await;
        let body = assert_scim_error(res, 400, Some("invalidFilter")).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(attr), "{filter}: {detail}");
    }
    // Lead maps organization (to Company), so the same filter is fine there.
    let ok = raw_filter(
        &app,
        "leads",
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization eq "x""#,
    )
    .await;
    assert_eq!(ok.status(), 200);
    // Refused filters never reached Salesforce (the one accepted one did).
    assert_eq!(app.api_requests().await, before + 1);
    app.stop().await;
}

#[tokio::test]
async fn a_filter_syntax_error_is_an_invalid_filter_with_its_position() {
    let app = TestApp::spawn().await;
    for (filter, position) in [
        (r#"userName equals "x""#, "position 10"),
        (r#"userName eq "x" and"#, "position 20"),
        (r#"(userName eq "x""#, "position 17"),
        (r#"userName eq "unterminated"#, "position 13"),
        (r#"userName eq "x" userName"#, "position 17"),
    ] {
        let res = raw_filter(&app, "contacts", filter).await;
        let body = assert_scim_error(res, 400, Some("invalidFilter")).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(position), "{filter}: {detail}");
    }
    app.stop().await;
}

/// Contacts whose family names hold the characters SOQL treats specially, plus controls that
/// an unescaped wildcard or quote would wrongly match.
async fn tricky_contacts(app: &TestApp) {
    for (email, family) in [
        ("obrien@tricky.test", "O'Brien"),
        ("percent@tricky.test", "Fifty%Off"),
        ("underscore@tricky.test", "_Lead"),
        ("midscore@tricky.test", "Mid_Score"),
        ("backslash@tricky.test", r"Back\slash"),
        ("zoe@tricky.test", "Zoë Ünïcödé"),
        ("plain@tricky.test", "Plain"),
        ("fiftyoff@tricky.test", "FiftyXOff"),
    ] {
        app.create_user("contacts", user(email, "T", family)).await;
    }
}

#[tokio::test]
async fn quotes_backslashes_and_like_wildcards_in_filter_values_match_only_literally() {
    let app = TestApp::spawn().await;
    tricky_contacts(&app).await;
    let cases: &[(&str, &[&str])] = &[
        (r#"name.familyName eq "O'Brien""#, &["O'Brien"]),
        (r#"name.familyName co "'""#, &["O'Brien"]),
        (r#"name.familyName sw "O'B""#, &["O'Brien"]),
        // `%` and `_` are LIKE wildcards in SOQL: here they must be literal characters.
        (r#"name.familyName co "%""#, &["Fifty%Off"]),
        (r#"name.familyName eq "Fifty%Off""#, &["Fifty%Off"]),
        (r#"name.familyName sw "Fifty%""#, &["Fifty%Off"]),
        (r#"name.familyName sw "_""#, &["_Lead"]),
        (r#"name.familyName co "_""#, &["Mid_Score", "_Lead"]),
        (r#"name.familyName ew "_Score""#, &["Mid_Score"]),
        (r#"name.familyName co "%_""#, &[]),
        // A JSON-escaped backslash in the filter is one literal backslash.
        (r#"name.familyName co "\\""#, &[r"Back\slash"]),
        (r#"name.familyName eq "Back\\slash""#, &[r"Back\slash"]),
        (r#"name.familyName ew "\\slash""#, &[r"Back\slash"]),
        // Unicode, written as is and as a JSON escape.
        (r#"name.familyName eq "Zoë Ünïcödé""#, &["Zoë Ünïcödé"]),
        (r#"name.familyName co "\u00eb""#, &["Zoë Ünïcödé"]),
        (r#"name.familyName sw "Zoë""#, &["Zoë Ünïcödé"]),
    ];
    for (filter, want) in cases {
        assert_eq!(matched(&app, filter).await, v(want), "filter {filter}");
    }
    app.stop().await;
}

#[tokio::test]
async fn soql_injection_attempts_through_filter_values_never_change_the_query() {
    let app = TestApp::spawn().await;
    tricky_contacts(&app).await;
    // Each value would widen the query to every record if it reached SOQL unescaped.
    let attempts = [
        r#"userName eq "x' OR Email != '""#,
        r#"userName eq "x' OR Email != null OR Email = '""#,
        r#"name.familyName eq "\\' OR LastName != '""#,
        r#"name.familyName eq "\\' OR 1=1 --""#,
        r#"name.familyName co "' OR LastName LIKE '%""#,
        r#"name.familyName sw "%' OR LastName LIKE '""#,
        r#"name.familyName ew "\\%' OR Id != '""#,
        r#"name.familyName eq "Plain\n' OR LastName != '""#,
        r#"name.familyName eq "Plain\r\n""#,
        r#"name.familyName eq "Plain') OR (LastName != '""#,
        r#"userName eq "x\u0027 OR Email != \u0027""#,
        r#"id eq "003000000000001' OR Id != '""#,
    ];
    for filter in attempts {
        let res = raw_filter(&app, "contacts", filter).await;
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        // Either a clean refusal or a literal match of nothing; never the whole table.
        match status {
            200 => assert_eq!(body["totalResults"], json!(0), "{filter}: {body}"),
            400 => assert_eq!(body["scimType"], json!("invalidFilter"), "{filter}: {body}"),
            _ => panic!("{filter}: unexpected {status} {body}"),
        }
    }
    // Salesforce still holds every record: nothing was rewritten by a stray statement.
    let rows = app
        .sf_query("SELECT Id FROM Contact WHERE Email LIKE '%@tricky.test'")
        .await;
    assert_eq!(rows.len(), 8);
    // And an ordinary filter right after still works.
    assert_eq!(
        matched(&app, r#"name.familyName eq "Plain""#).await,
        v(&["Plain"])
    );
    app.stop().await;
}

#[tokio::test]
async fn a_user_whose_name_is_an_injection_string_is_found_by_exactly_that_string() {
    let app = TestApp::spawn().await;
    tricky_contacts(&app).await;
    let evil = r"x' OR LastName != '\";
    app.create_user("contacts", user("evil@tricky.test", "E", evil))
        .await;
    let filter = format!(
        "name.familyName eq {}",
        serde_json::to_string(evil).unwrap()
    );
    assert_eq!(matched(&app, &filter).await, v(&[evil]));
    let filter = format!(
        "name.familyName co {}",
        serde_json::to_string("' OR").unwrap()
    );
    assert_eq!(matched(&app, &filter).await, v(&[evil]));
    app.stop().await;
}

#[tokio::test]
async fn post_search_answers_the_same_as_the_equivalent_get() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    tricky_contacts(&app).await;
    for filter in [
        r#"userName co "acme""#,
        r#"name.familyName co "%""#,
        r#"emails[type eq "work" and value ew "globex.test"]"#,
        r#"name.familyName eq "O'Brien" or title pr"#,
        r#"userName eq "nobody@nowhere.test""#,
    ] {
        let get = app.filter("contacts", filter).await;
        let res = app
            .post(
                "contacts",
                "/Users/.search",
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": filter,
                    "startIndex": 1,
                    "count": 50
                }),
            )
            .await;
        assert_eq!(res.status(), 200, "{filter}");
        let post: Value = res.json().await.unwrap();
        assert_eq!(post["Resources"], get["Resources"], "{filter}");
        assert_eq!(post["totalResults"], get["totalResults"], "{filter}");
    }
    // A bad filter in the body is refused the same way as in the query string.
    let res = app
        .post(
            "contacts",
            "/Users/.search",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                   "filter": "nickName eq \"x\""}),
        )
        .await;
    let body = assert_scim_error(res, 400, Some("invalidFilter")).await;
    assert!(body["detail"].as_str().unwrap().contains("nickName"));
    app.stop().await;
}

#[tokio::test]
async fn post_search_pages_like_get_with_start_index_and_count() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    let res = app
        .post(
            "contacts",
            "/Users/.search",
            json!({"filter": "userName co \"test\"", "startIndex": 2, "count": 1,
                   "attributes": ["name.familyName"]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["totalResults"], json!(3));
    assert_eq!(page["startIndex"], json!(2));
    assert_eq!(page["itemsPerPage"], json!(1));
    let only = &page["Resources"][0];
    assert!(only["name"]["familyName"].is_string(), "{page}");
    assert!(only.get("emails").is_none(), "attributes ignored: {page}");
    app.stop().await;
}

#[tokio::test]
async fn a_user_matches_eq_ge_and_le_of_its_own_last_modified_value_and_not_gt_or_lt() {
    let app = TestApp::spawn().await;
    let ids = three_contacts(&app).await;
    let adams: Value = app
        .get("contacts", &format!("/Users/{}", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    let stamp = adams["meta"]["lastModified"].as_str().unwrap().to_string();
    let with =
        |op: &str| format!(r#"meta.lastModified {op} "{stamp}" and name.familyName eq "Adams""#);
    // The stamp carries milliseconds; the SOQL literal must keep them to compare exactly.
    for op in ["eq", "ge", "le"] {
        assert_eq!(
            matched(&app, &with(op)).await,
            v(&["Adams"]),
            "{op} {stamp}"
        );
    }
    for op in ["gt", "lt", "ne"] {
        assert_eq!(matched(&app, &with(op)).await, v(&[]), "{op} {stamp}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_filter_value_longer_than_salesforce_accepts_is_refused_before_any_query() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    let before = app.api_requests().await;
    for filter in [
        format!(r#"userName eq "{}""#, "a".repeat(4_001)),
        format!(r#"name.familyName co "{}""#, "%".repeat(10_000)),
        format!(
            r#"emails[type eq "work" and value sw "{}"]"#,
            "é".repeat(4_001)
        ),
    ] {
        let res = raw_filter(&app, "contacts", &filter).await;
        let body = assert_scim_error(res, 400, Some("invalidFilter")).await;
        assert!(body["detail"].as_str().unwrap().contains("4000"), "{body}");
    }
    assert_eq!(app.api_requests().await, before, "Salesforce was asked");
    // 4,000 characters is still a query (that matches nobody).
    let list = app
        .filter(
            "contacts",
            &format!(r#"userName eq "{}""#, "a".repeat(4_000)),
        )
        .await;
    assert_eq!(list["totalResults"], json!(0));
    app.stop().await;
}

#[tokio::test]
async fn an_unquoted_boolean_compared_with_a_text_attribute_compares_as_its_text() {
    let app = TestApp::spawn().await;
    three_contacts(&app).await;
    let mut u = user("truthy@acme.test", "Tru", "Thy");
    u["title"] = json!("true");
    app.create_user("contacts", u).await;
    // Salesforce refuses `Title = true` (INVALID_FIELD); the bridge sends `Title = 'true'`.
    assert_eq!(matched(&app, "title eq true").await, v(&["Thy"]));
    assert_eq!(matched(&app, "title eq false").await, v(&[]));
    app.stop().await;
}

#[tokio::test]
async fn a_filter_whose_query_would_nest_past_64_parentheses_is_invalid_and_never_sent() {
    let app = TestApp::spawn().await;
    // 40 levels of `not (a and …)`: within SCIM's 64, but two SOQL parentheses a level.
    let mut filter = "title pr".to_string();
    for _ in 0..40 {
        filter = format!("not (userName pr and {filter})");
    }
    let before = app.api_requests().await;
    let err = assert_scim_error(
        raw_filter(&app, "contacts", &filter).await,
        400,
        Some("invalidFilter"),
    )
    .await;
    assert!(
        err["detail"].as_str().unwrap().contains("parentheses deep"),
        "{err}"
    );
    assert_eq!(app.api_requests().await, before, "nothing was sent");
    // 20 levels are fine.
    let mut filter = "title pr".to_string();
    for _ in 0..20 {
        filter = format!("not (userName pr and {filter})");
    }
    assert_eq!(raw_filter(&app, "contacts", &filter).await.status(), 200);
    app.stop().await;
}
