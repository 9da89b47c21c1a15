//! Counting SCIM requests for `scim_bridge_scim_requests_total` and its latency histogram,
//! labelled by route template, never by raw path: the operation comes from the route the
//! request matched and its method, the connection label is a configured name (anything else is
//! `-`), so no client can grow the label set.

use std::time::Duration;

use actix_web::dev::ServiceResponse;
use actix_web::http::Method;
use actix_web::web;

use super::AppState;

/// The SCIM operation of a matched route, or `None` for routes that are not SCIM.
pub fn operation(pattern: &str, method: &Method) -> Option<&'static str> {
    let rest = pattern.strip_prefix("/scim/v2/{connection}")?;
    Some(match (rest, method.as_str()) {
        ("/Users", "GET") => "list",
        ("/Users", "POST") => "create",
        ("/Users/{id}", "GET") => "get",
        ("/Users/{id}", "PUT") => "replace",
        ("/Users/{id}", "PATCH") => "patch",
        ("/Users/{id}", "DELETE") => "delete",
        ("/Users/.search" | "/.search", _) => "search",
        ("/Groups", "GET") => "group_list",
        ("/Groups", "POST") => "group_create",
        ("/Groups/{id}", "GET") => "group_get",
        ("/Groups/{id}", "PUT") => "group_replace",
        ("/Groups/{id}", "PATCH") => "group_patch",
        ("/Groups/{id}", "DELETE") => "group_delete",
        ("/Groups/.search", _) => "group_search",
        _ => "discovery",
    })
}

pub fn count_scim_request(res: &ServiceResponse, elapsed: Duration) {
    let req = res.request();
    let Some(op) = req
        .match_pattern()
        .and_then(|p| operation(&p, req.method()))
    else {
        return;
    };
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return;
    };
    let name = req.match_info().get("connection").unwrap_or_default();
    let connection = if state.connections.contains_key(name) {
        name
    } else {
        "-"
    };
    state
        .telemetry
        .scim_request(connection, op, res.status().as_u16(), elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_come_from_route_templates_and_methods() {
        let users = "/scim/v2/{connection}/Users";
        assert_eq!(operation(users, &Method::POST), Some("create"));
        assert_eq!(operation(users, &Method::GET), Some("list"));
        assert_eq!(
            operation("/scim/v2/{connection}/Users/{id}", &Method::PATCH),
            Some("patch")
        );
        assert_eq!(
            operation("/scim/v2/{connection}/Schemas", &Method::GET),
            Some("discovery")
        );
        assert_eq!(
            operation("/scim/v2/{connection}/Groups/{id}", &Method::PATCH),
            Some("group_patch")
        );
        assert_eq!(operation("/healthz", &Method::GET), None);
    }
}
