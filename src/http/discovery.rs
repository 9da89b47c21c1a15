//! Discovery handlers (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, built from what the connection serves: its resource types and the attributes its
//! mapping supports.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::users::{base_url, id_of};
use super::{scim_response, AppState, HttpError};
use crate::scim::discovery;
use crate::scim::error::ScimError;
use crate::scim::list::list_response;

pub async fn service_provider_config(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let served = state.served(&req)?;
    let conn = &served.connection;
    let body = discovery::service_provider_config(
        &base_url(&req, conn),
        conn.spec.max_results,
        true,
        served.inbound.basic.is_some(),
    );
    Ok(scim_response(StatusCode::OK, &body))
}

/// The two discovery catalogues (RFC 7644 §4), both built from the connection's mapping.
#[derive(Clone, Copy)]
enum Catalogue {
    ResourceTypes,
    Schemas,
}

fn catalogue(
    req: &HttpRequest,
    state: &AppState,
    which: Catalogue,
) -> Result<Vec<Value>, HttpError> {
    let conn = state.connection(req)?;
    let advertised = conn.mapping().advertised();
    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let (supported, required, read_only) = (
        strs(&advertised.supported),
        strs(&advertised.required),
        strs(&advertised.read_only),
    );
    let marks = discovery::Marks {
        required: &required,
        read_only: &read_only,
    };
    let base = base_url(req, &conn);
    Ok(match which {
        Catalogue::ResourceTypes => {
            discovery::resource_types(&base, conn.resource_types(), &supported)
        }
        Catalogue::Schemas => discovery::schemas(
            &base,
            conn.resource_types(),
            &supported,
            &marks,
            conn.groups_store_external_id(),
        ),
    })
}

/// The whole catalogue as a ListResponse.
fn all_of(items: Vec<Value>) -> HttpResponse {
    let n = items.len() as u64;
    scim_response(StatusCode::OK, &list_response(n, 1, items))
}

/// One entry of a catalogue by id (case-insensitive), or a SCIM 404.
fn one_of(items: Vec<Value>, id: &str, what: &str) -> Result<HttpResponse, HttpError> {
    items
        .into_iter()
        .find(|i| i["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
        .map(|item| scim_response(StatusCode::OK, &item))
        .ok_or_else(|| ScimError::not_found(format!("no {what} with id '{id}'")).into())
}

pub async fn resource_types(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    Ok(all_of(catalogue(&req, &state, Catalogue::ResourceTypes)?))
}

pub async fn resource_type(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let items = catalogue(&req, &state, Catalogue::ResourceTypes)?;
    one_of(items, &id_of(&req), "ResourceType")
}

pub async fn schemas(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    Ok(all_of(catalogue(&req, &state, Catalogue::Schemas)?))
}

pub async fn schema(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let items = catalogue(&req, &state, Catalogue::Schemas)?;
    one_of(items, &id_of(&req), "Schema")
}
