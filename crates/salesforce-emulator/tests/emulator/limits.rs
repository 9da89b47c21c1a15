//! The daily API limit, `Sforce-Limit-Info` and REQUEST_LIMIT_EXCEEDED; setting the limit and
//! its usage at run time (`POST /__emulator/limits`); Collections and Composite calls counting
//! once each.

use reqwest::{Method, StatusCode};
use salesforce_emulator::EmulatorConfig;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn every_rest_response_carries_the_usage_header() {
    let org = Org::start().await;
    let r = org.get("/limits").await;
    assert_eq!(r.headers["sforce-limit-info"], "api-usage=1/100000");
    let r = org.post("/sobjects/Contact", json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.headers["sforce-limit-info"], "api-usage=2/100000",
        "failed calls count too"
    );
    let l = org.get("/limits").await.body;
    assert_eq!(
        l["DailyApiRequests"],
        json!({"Max": 100000, "Remaining": 99997})
    );
}

#[tokio::test]
async fn a_spent_daily_limit_answers_request_limit_exceeded() {
    let org = Org::with(EmulatorConfig {
        daily_request_limit: 3,
        ..EmulatorConfig::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(org.get("/limits").await.status, StatusCode::OK);
    }
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        err("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    );
    assert_eq!(r.headers["sforce-limit-info"], "api-usage=3/3");
    // Token requests are not API requests.
    assert_eq!(
        org.token_grant(&org.kit.refresh_form()).await.status,
        StatusCode::OK
    );
}

/// `api-usage=M/N` of an answer.
fn usage(r: &Resp) -> &str {
    r.headers["sforce-limit-info"].to_str().unwrap()
}

#[tokio::test]
async fn the_limit_and_its_usage_can_be_set_at_run_time() {
    let org = Org::start().await;
    let r = org
        .control(
            Method::POST,
            "/__emulator/limits",
            Some(json!({"daily_requests": 10, "used": 4})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({"daily_requests": 10, "used": 4}));
    let r = org.get("/limits").await;
    assert_eq!(usage(&r), "api-usage=5/10");
    assert_eq!(
        r.body["DailyApiRequests"],
        json!({"Max": 10, "Remaining": 5})
    );
    let stats = org.kit.stats().await.unwrap();
    assert_eq!(
        stats.api_requests_total, 5,
        "the stats report the usage set"
    );
}

#[tokio::test]
async fn either_key_alone_changes_only_its_own_value() {
    let org = Org::start().await;
    let l = org.kit.set_limits(None, Some(7)).await.unwrap();
    assert_eq!((l.daily_requests, l.used), (100_000, 7));
    let l = org.kit.set_limits(Some(50), None).await.unwrap();
    assert_eq!((l.daily_requests, l.used), (50, 7));
    let l = org.kit.set_limits(None, None).await.unwrap();
    assert_eq!((l.daily_requests, l.used), (50, 7), "{{}} only reports");
    let r = org.control(Method::POST, "/__emulator/limits", None).await;
    assert_eq!(
        r.body,
        json!({"daily_requests": 50, "used": 7}),
        "so does no body"
    );
    assert_eq!(usage(&org.get("/limits").await), "api-usage=8/50");
}

#[tokio::test]
async fn a_limit_set_at_run_time_is_enforced_and_lifted_like_the_configured_one() {
    let org = Org::start().await;
    org.kit.set_limits(Some(5), Some(4)).await.unwrap();
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::OK, "the fifth request is the last");
    assert_eq!(usage(&r), "api-usage=5/5");
    for _ in 0..2 {
        let r = org
            .post("/sobjects/Contact", json!({"LastName": "L"}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            r.body,
            err("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        );
        assert_eq!(usage(&r), "api-usage=5/5", "refused calls are not counted");
    }
    assert!(
        org.kit.count("Contact", None).await.is_err(),
        "the kit is refused too"
    );
    // Raising the limit lets requests through again.
    org.kit.set_limits(Some(6), None).await.unwrap();
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(usage(&r), "api-usage=6/6");
    assert_eq!(org.get("/limits").await.status, StatusCode::FORBIDDEN);
    // So does lowering the usage, as a new day would.
    org.kit.set_limits(None, Some(0)).await.unwrap();
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(usage(&r), "api-usage=1/6");
    // A usage set beyond the limit is reported as it is, and refused.
    org.kit.set_limits(None, Some(9)).await.unwrap();
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(usage(&r), "api-usage=9/6");
    // Token requests are still not API requests.
    assert_eq!(
        org.token_grant(&org.kit.refresh_form()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_limit_of_zero_refuses_every_rest_call() {
    let org = Org::start().await;
    org.kit.set_limits(Some(0), Some(0)).await.unwrap();
    let r = org.get("/limits").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(usage(&r), "api-usage=0/0");
}

#[tokio::test]
async fn a_reset_restores_the_configured_limit_and_zero_usage() {
    let org = Org::with(EmulatorConfig {
        daily_request_limit: 1000,
        ..EmulatorConfig::default()
    })
    .await;
    org.kit.set_limits(Some(3), Some(3)).await.unwrap();
    assert_eq!(org.get("/limits").await.status, StatusCode::FORBIDDEN);
    org.kit.reset().await.unwrap();
    let l = org.kit.set_limits(None, None).await.unwrap();
    assert_eq!((l.daily_requests, l.used), (1000, 0));
    assert_eq!(usage(&org.get("/limits").await), "api-usage=1/1000");
}

#[tokio::test]
async fn a_malformed_limits_body_is_refused_and_changes_nothing() {
    let org = Org::start().await;
    for body in [
        json!({"daily": 5}),
        json!({"daily_requests": -1}),
        json!({"used": "3"}),
        json!({"daily_requests": 1.5}),
    ] {
        let r = org
            .control(Method::POST, "/__emulator/limits", Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.body[0]["errorCode"], "INVALID_REQUEST", "{body}");
    }
    let l = org.kit.set_limits(None, None).await.unwrap();
    assert_eq!((l.daily_requests, l.used), (100_000, 0));
}

fn contact(last: &str) -> Value {
    json!({"attributes": {"type": "Contact"}, "LastName": last})
}

/// Each call below must move `api-usage` by exactly one, whatever it does inside.
async fn assert_counts_once(org: &Org, what: &str, r: Resp, before: u64) -> u64 {
    let after = org.kit.stats().await.unwrap().api_requests_total;
    assert_eq!(after, before + 1, "{what} counts as one API request");
    let max = DEFAULTS.daily_request_limit;
    assert_eq!(usage(&r), format!("api-usage={after}/{max}"), "{what}");
    after
}

#[tokio::test]
async fn every_sobject_collections_call_counts_as_exactly_one_api_request() {
    let org = key_org().await;
    let mut n = org.kit.stats().await.unwrap().api_requests_total;
    let many: Vec<Value> = (0..200).map(|i| contact(&format!("C{i}"))).collect();
    let r = org
        .post("/composite/sobjects", json!({"records": many}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let ids: Vec<String> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 200);
    n = assert_counts_once(&org, "a 200-record create", r, n).await;

    let failing =
        json!({"allOrNone": true, "records": [contact("A"), {"attributes": {"type": "Contact"}}]});
    let r = org.post("/composite/sobjects", failing).await;
    assert_eq!(
        r.body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    n = assert_counts_once(&org, "a rolled-back create", r, n).await;

    let too_many: Vec<Value> = (0..201).map(|i| contact(&format!("X{i}"))).collect();
    let r = org
        .post("/composite/sobjects", json!({"records": too_many}))
        .await;
    assert_eq!(r.body[0]["errorCode"], "EXCEEDED_ID_LIMIT");
    n = assert_counts_once(&org, "a refused 201-record create", r, n).await;

    let updates: Vec<Value> = ids
        .iter()
        .map(|id| json!({"attributes": {"type": "Contact"}, "Id": id, "Title": "T"}))
        .collect();
    let r = org
        .patch("/composite/sobjects", json!({"records": updates}))
        .await;
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["success"] == true));
    n = assert_counts_once(&org, "a 200-record update", r, n).await;

    let r = org
        .get(&format!(
            "/composite/sobjects/Contact?ids={}&fields=Title",
            ids.join(",")
        ))
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 200);
    n = assert_counts_once(&org, "a 200-record retrieve", r, n).await;

    let keyed: Vec<Value> = (0..200)
        .map(|i| json!({"attributes": {"type": "Contact"}, "SCIM_Key__c": format!("k{i}"), "LastName": "K"}))
        .collect();
    let r = org
        .patch(
            "/composite/sobjects/Contact/SCIM_Key__c",
            json!({"allOrNone": false, "records": keyed}),
        )
        .await;
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["created"] == true));
    n = assert_counts_once(&org, "a 200-record upsert", r, n).await;

    let r = org
        .call(
            Method::DELETE,
            &format!("/composite/sobjects?ids={}&allOrNone=false", ids.join(",")),
            None,
        )
        .await;
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["success"] == true));
    n = assert_counts_once(&org, "a 200-record delete", r, n).await;

    let stats = org.kit.stats().await.unwrap();
    assert_eq!(stats.api_requests_total, n);
    assert_eq!(stats.endpoint("POST /composite/sobjects"), 3);
    assert_eq!(stats.endpoint("PATCH /composite/sobjects"), 1);
    assert_eq!(stats.endpoint("GET /composite/sobjects/{object}"), 1);
    assert_eq!(
        stats.endpoint("PATCH /composite/sobjects/{object}/{field}"),
        1
    );
    assert_eq!(stats.endpoint("DELETE /composite/sobjects"), 1);
}

/// 25 subrequests of every kind: creates, references, a read, an update, a query, an upsert,
/// `/limits`, one that a row-lock fault on `DELETE /sobjects/Lead` fails (the 8th) and one
/// that fails validation (the 9th).
fn busy_composite(all_or_none: bool, tag: &str) -> Value {
    let mut subs = vec![
        json!({"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": "acc", "body": {"Name": tag}}),
        json!({"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "con",
               "body": {"LastName": tag, "AccountId": "@{acc.id}"}}),
        json!({"method": "GET", "url": format!("{V}/sobjects/Contact/@{{con.id}}"), "referenceId": "read"}),
        json!({"method": "PATCH", "url": format!("{V}/sobjects/Contact/@{{con.id}}"), "referenceId": "upd", "body": {"Title": "T"}}),
        json!({"method": "GET", "url": format!("{V}/query?q=SELECT+Id+FROM+Contact"), "referenceId": "q"}),
        json!({"method": "PATCH", "url": format!("{V}/sobjects/Contact/SCIM_Key__c/{tag}"), "referenceId": "ups", "body": {"LastName": "U"}}),
        json!({"method": "GET", "url": format!("{V}/limits"), "referenceId": "lim"}),
        json!({"method": "DELETE", "url": format!("{V}/sobjects/Lead"), "referenceId": "locked"}),
        json!({"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": "bad", "body": {"FirstName": "no last name"}}),
    ];
    let mut i = 0;
    while subs.len() < 25 {
        subs.push(json!({"method": "POST", "url": format!("{V}/sobjects/Contact"), "referenceId": format!("c{i}"),
                         "body": {"LastName": format!("{tag}{i}")}}));
        i += 1;
    }
    json!({"allOrNone": all_or_none, "compositeRequest": subs})
}

#[tokio::test]
async fn every_composite_call_counts_as_exactly_one_api_request() {
    let org = key_org().await;
    let fault = org
        .kit
        .inject_fault(&json!({"errorCode": "UNABLE_TO_LOCK_ROW", "rate": 1.0, "method": "DELETE", "path": "/sobjects/Lead"}))
        .await
        .unwrap();
    let mut n = org.kit.stats().await.unwrap().api_requests_total;

    let r = org.post("/composite", busy_composite(false, "a")).await;
    let subs = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(subs.len(), 25);
    assert_eq!(subs[6]["httpStatusCode"], 200);
    let inner = subs[6]["body"]["DailyApiRequests"]["Remaining"]
        .as_u64()
        .unwrap();
    assert_eq!(
        inner,
        DEFAULTS.daily_request_limit - n - 1,
        "a sub-request sees the Composite call counted once, itself not at all"
    );
    assert_eq!(subs[7]["body"][0]["errorCode"], "UNABLE_TO_LOCK_ROW");
    assert_eq!(subs[8]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(subs[24]["httpStatusCode"], 201);
    n = assert_counts_once(&org, "a 25-subrequest Composite call", r, n).await;

    let r = org.post("/composite", busy_composite(true, "b")).await;
    let subs = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(subs[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    n = assert_counts_once(&org, "a rolled-back Composite call", r, n).await;

    let mut over = busy_composite(false, "c");
    over["compositeRequest"]
        .as_array_mut()
        .unwrap()
        .push(json!({"method": "GET", "url": format!("{V}/limits"), "referenceId": "extra"}));
    let r = org.post("/composite", over).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    n = assert_counts_once(&org, "a refused 26-subrequest Composite call", r, n).await;

    let stats = org.kit.stats().await.unwrap();
    assert_eq!(stats.api_requests_total, n);
    assert_eq!(stats.endpoint("POST /composite"), 3);
    assert_eq!(
        stats.by_endpoint.len(),
        1,
        "sub-requests are not counted by endpoint either: {:?}",
        stats.by_endpoint
    );
    assert_eq!(
        stats.fired(fault),
        2,
        "the row lock hit a sub-request of each run"
    );
}

#[tokio::test]
async fn a_single_request_left_runs_a_whole_composite_or_collections_call() {
    let org = key_org().await;
    org.kit.set_limits(Some(10), Some(9)).await.unwrap();
    let r = org.post("/composite", busy_composite(false, "a")).await;
    assert_eq!(r.status, StatusCode::OK);
    let subs = r.body["compositeResponse"].as_array().unwrap();
    assert_eq!(subs[24]["httpStatusCode"], 201, "{}", subs[24]);
    assert_eq!(usage(&r), "api-usage=10/10");
    org.kit.set_limits(None, Some(9)).await.unwrap();
    let many: Vec<Value> = (0..200).map(|i| contact(&format!("C{i}"))).collect();
    let r = org
        .post("/composite/sobjects", json!({"records": many}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["success"] == true));
    assert_eq!(usage(&r), "api-usage=10/10");
    let r = org.post("/composite", busy_composite(false, "b")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body[0]["errorCode"], "REQUEST_LIMIT_EXCEEDED");
}
