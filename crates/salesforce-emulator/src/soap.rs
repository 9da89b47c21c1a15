//! The SOAP API's one call the bridge needs, `convertLead` (REST has no standard resource for
//! Lead conversion), at `POST /services/Soap/u/{version}` (the partner WSDL's endpoint).
//!
//! As Salesforce answers it ("convertLead()", SOAP API Developer Guide): the session id in the
//! `SessionHeader` is the OAuth access token; an invalid one is a SOAP fault
//! `sf:INVALID_SESSION_ID` (HTTP 500). Each `leadConverts` element gets a `result` in order:
//! `accountId`, `contactId`, `leadId`, `opportunityId` and `success`, or `errors` (`statusCode`,
//! `message`, `fields`) with `success` false. The call counts one API request. Injected faults
//! (`POST /__emulator/faults` on this path) fire as a SOAP fault when they are 5xx or 401
//! (`INVALID_SESSION_ID`), otherwise as an error in every result (a validation rule on the
//! Account or Contact, say).

use actix_web::{web, HttpRequest, HttpResponse};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use crate::error::SfError;
use crate::faults::FaultAction;
use crate::state::AppState;
use crate::store::{Converted, LeadConvert};

const SOAPENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const PARTNER: &str = "urn:partner.soap.sforce.com";
const FAULT_NS: &str = "urn:fault.partner.soap.sforce.com";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// What the request carried.
#[derive(Debug, Default)]
struct Envelope {
    session_id: Option<String>,
    /// The local name of the first element in the Body: the operation.
    operation: Option<String>,
    converts: Vec<LeadConvert>,
}

/// Reads the envelope as events, by local names (any namespace prefix).
fn parse(body: &[u8]) -> Result<Envelope, String> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(false);
    let mut out = Envelope::default();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.last().is_some_and(|p| p == "Body") && out.operation.is_none() {
                    out.operation = Some(name.clone());
                }
                if name == "leadConverts" {
                    out.converts.push(LeadConvert::default());
                }
                text.clear();
                path.push(name);
            }
            Ok(Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.last().is_some_and(|p| p == "Body") && out.operation.is_none() {
                    out.operation = Some(name);
                }
            }
            Ok(Event::Text(t)) => text.push_str(&t.decode().map_err(|e| e.to_string())?),
            Ok(Event::GeneralRef(r)) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => r.decode().ok().and_then(|n| {
                        quick_xml::escape::resolve_xml_entity(&n).map(str::to_string)
                    }),
                };
                text.push_str(&resolved.ok_or("an unknown XML entity")?);
            }
            Ok(Event::End(_)) => {
                let value = std::mem::take(&mut text).trim().to_string();
                let field = path.last().map(String::as_str).unwrap_or_default();
                let parent = path.len().checked_sub(2).and_then(|i| path.get(i));
                if field == "sessionId" {
                    out.session_id = Some(value);
                } else if parent.is_some_and(|p| p == "leadConverts") {
                    if let Some(c) = out.converts.last_mut() {
                        match field {
                            "leadId" => c.lead_id = value,
                            "accountId" => c.account_id = Some(value),
                            "contactId" => c.contact_id = Some(value),
                            "convertedStatus" => c.converted_status = value,
                            "doNotCreateOpportunity" => {
                                c.do_not_create_opportunity = value.eq_ignore_ascii_case("true")
                            }
                            _ => {}
                        }
                    }
                }
                path.pop();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("at byte {}: {e}", reader.error_position())),
        }
        buf.clear();
    }
    Ok(out)
}

type W = Writer<Vec<u8>>;

fn text_element(w: &mut W, name: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn nil_element(w: &mut W, name: &str) -> std::io::Result<()> {
    w.write_event(Event::Empty(
        BytesStart::new(name).with_attributes([("xsi:nil", "true")]),
    ))
}

/// `<soapenv:Envelope …><soapenv:Body>` + `body` + the closing tags.
fn envelope(body: impl FnOnce(&mut W) -> std::io::Result<()>) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    let written = (|| -> std::io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.write_event(Event::Start(
            BytesStart::new("soapenv:Envelope").with_attributes([
                ("xmlns:soapenv", SOAPENV),
                ("xmlns", PARTNER),
                ("xmlns:xsi", XSI),
                ("xmlns:sf", FAULT_NS),
            ]),
        ))?;
        w.write_event(Event::Start(BytesStart::new("soapenv:Body")))?;
        body(&mut w)?;
        w.write_event(Event::End(BytesEnd::new("soapenv:Body")))?;
        w.write_event(Event::End(BytesEnd::new("soapenv:Envelope")))
    })();
    match written {
        Ok(()) => w.into_inner(),
        Err(_) => Vec::new(),
    }
}

fn xml(status: u16, body: Vec<u8>) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .insert_header(("Content-Type", "text/xml; charset=utf-8"))
        .body(body)
}

/// A SOAP fault (HTTP 500): `sf:CODE` and `CODE: message`.
fn fault(state: &AppState, code: &str, message: &str) -> HttpResponse {
    let body = envelope(|w| {
        w.write_event(Event::Start(BytesStart::new("soapenv:Fault")))?;
        text_element(w, "faultcode", &format!("sf:{code}"))?;
        text_element(w, "faultstring", &format!("{code}: {message}"))?;
        w.write_event(Event::End(BytesEnd::new("soapenv:Fault")))
    });
    let mut res = xml(500, body);
    res.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("sforce-limit-info"),
        actix_web::http::header::HeaderValue::from_str(&state.limit_info()).unwrap_or(
            actix_web::http::header::HeaderValue::from_static("api-usage=0/0"),
        ),
    );
    res
}

fn write_result(
    w: &mut W,
    outcome: &Result<Converted, SfError>,
    lead_id: &str,
) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("result")))?;
    match outcome {
        Ok(c) => {
            text_element(w, "accountId", &c.account_id)?;
            text_element(w, "contactId", &c.contact_id)?;
            text_element(w, "leadId", &c.lead_id)?;
            nil_element(w, "opportunityId")?;
            text_element(w, "success", "true")?;
        }
        Err(e) => {
            nil_element(w, "accountId")?;
            nil_element(w, "contactId")?;
            w.write_event(Event::Start(BytesStart::new("errors")))?;
            for f in e.fields.iter().flatten() {
                text_element(w, "fields", f)?;
            }
            text_element(w, "message", &e.message)?;
            text_element(w, "statusCode", e.code)?;
            w.write_event(Event::End(BytesEnd::new("errors")))?;
            text_element(w, "leadId", lead_id)?;
            nil_element(w, "opportunityId")?;
            text_element(w, "success", "false")?;
        }
    }
    w.write_event(Event::End(BytesEnd::new("result")))
}

/// `POST /services/Soap/u/{version}`.
pub async fn entry(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let path = req.path().to_string();
    let envelope_in = match parse(&body) {
        Ok(e) => e,
        Err(e) => {
            return fault(
                &state,
                "INVALID_XML",
                &format!("the request is not XML: {e}"),
            )
        }
    };
    let valid = envelope_in
        .session_id
        .as_deref()
        .is_some_and(|t| state.tokens.validate(t.trim(), &state.config));
    if !valid {
        return fault(
            &state,
            "INVALID_SESSION_ID",
            "Invalid Session ID found in SessionHeader: Illegal Session",
        );
    }
    state.stats.record("POST", "/services/Soap/u/{version}");
    let mut injected: Option<SfError> = None;
    if let Some(action) = state.faults.check("POST", &path) {
        match action {
            FaultAction::Delay(ms) => {
                actix_web::rt::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            // Request-level failures (an expired session, an outage) are SOAP faults; a DML
            // refusal (a validation rule) is an error in the result.
            FaultAction::Fail(e) if e.status >= 500 || e.status == 401 => {
                return fault(&state, e.code, &e.message);
            }
            FaultAction::Fail(e) => injected = Some(e),
        }
    }
    if !state.try_count() {
        return fault(
            &state,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        );
    }
    if envelope_in.operation.as_deref() != Some("convertLead") {
        return fault(
            &state,
            "INVALID_OPERATION",
            &format!(
                "the emulator serves only convertLead, not {}",
                envelope_in.operation.as_deref().unwrap_or("(none)")
            ),
        );
    }
    if envelope_in.converts.is_empty() || envelope_in.converts.len() > 100 {
        return fault(
            &state,
            "INVALID_BATCH_SIZE",
            "convertLead takes between 1 and 100 leadConverts",
        );
    }
    let results: Vec<(Result<Converted, SfError>, String)> = {
        let mut store = state.store.write();
        let schema = std::sync::Arc::clone(store.schema());
        envelope_in
            .converts
            .iter()
            .map(|c| {
                let outcome = match &injected {
                    Some(e) => Err(e.clone()),
                    None => store.convert(&schema, c),
                };
                (outcome, c.lead_id.clone())
            })
            .collect()
    };
    let body = envelope(|w| {
        w.write_event(Event::Start(BytesStart::new("convertLeadResponse")))?;
        for (outcome, lead_id) in &results {
            write_result(w, outcome, lead_id)?;
        }
        w.write_event(Event::End(BytesEnd::new("convertLeadResponse")))
    });
    let mut res = xml(200, body);
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&state.limit_info()) {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("sforce-limit-info"),
            v,
        );
    }
    res
}
