//! Handlers for `/scim/v2/{connection}/Groups…` (RFC 7644 §3.3–§3.6) on a connection that
//! serves Groups: each parses its input and calls `provisioning::groups`. A PATCH answers 204
//! (RFC 7644 §3.5.2 allows it; reading every member back to answer 200 would cost a request per
//! 2,000 members), or 200 with the resource when the request names `attributes` or
//! `excludedAttributes`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::users::{add_notices, resource_response, Scim};
use super::{scim_response, HttpError, JsonBody};
use crate::provisioning::Outcome;
use crate::scim::list::ListQuery;
use crate::scim::patch::parse_patch;

fn answer(status: StatusCode, Outcome { resource, notices }: Outcome) -> HttpResponse {
    resource_response(status, &resource, &resource.to_json(), &notices)
}

pub async fn list(s: Scim, req: HttpRequest) -> Result<HttpResponse, HttpError> {
    let q = ListQuery::from_query_string(req.query_string())?;
    let body = s
        .run("group_list", s.conn.list_groups(&s.ctx(), &q))
        .await?;
    Ok(scim_response(StatusCode::OK, &body))
}

pub async fn search(s: Scim, JsonBody(body): JsonBody) -> Result<HttpResponse, HttpError> {
    let q = ListQuery::from_search_request(&body)?;
    let body = s
        .run("group_search", s.conn.list_groups(&s.ctx(), &q))
        .await?;
    Ok(scim_response(StatusCode::OK, &body))
}

pub async fn create(s: Scim, JsonBody(body): JsonBody) -> Result<HttpResponse, HttpError> {
    let outcome = s
        .run("group_create", s.conn.create_group(&s.ctx(), &body))
        .await?;
    let location = HeaderValue::from_str(outcome.resource.location()).ok();
    let mut res = answer(StatusCode::CREATED, outcome);
    if let Some(loc) = location {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

pub async fn get(s: Scim, req: HttpRequest) -> Result<HttpResponse, HttpError> {
    let q = ListQuery::from_query_string(req.query_string())?;
    let body = s
        .run("group_get", s.conn.get_group(&s.ctx(), &s.id, &q))
        .await?;
    Ok(scim_response(StatusCode::OK, &body))
}

pub async fn replace(s: Scim, JsonBody(body): JsonBody) -> Result<HttpResponse, HttpError> {
    let outcome = s
        .run(
            "group_replace",
            s.conn.replace_group(&s.ctx(), &s.id, &body),
        )
        .await?;
    Ok(answer(StatusCode::OK, outcome))
}

pub async fn patch(
    s: Scim,
    req: HttpRequest,
    JsonBody(body): JsonBody,
) -> Result<HttpResponse, HttpError> {
    let q = ListQuery::from_query_string(req.query_string())?;
    let ops = parse_patch(&body)?;
    s.run("group_patch", s.conn.patch_group(&s.id, &ops))
        .await?;
    if q.attributes.is_empty() && q.excluded_attributes.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    let body = s
        .run("group_get", s.conn.get_group(&s.ctx(), &s.id, &q))
        .await?;
    Ok(scim_response(StatusCode::OK, &body))
}

pub async fn delete(s: Scim) -> Result<HttpResponse, HttpError> {
    let removal = s.run("group_delete", s.conn.delete_group(&s.id)).await?;
    let mut res = HttpResponse::NoContent().finish();
    add_notices(&mut res, &removal.notices);
    Ok(res)
}
