//! Lead conversion: SOAP `convertLead` ("convertLead()", SOAP API Developer Guide), the one
//! call the bridge makes outside REST, since REST has no standard resource that converts a
//! Lead. The envelope is written and read as XML events (quick-xml); the session header carries
//! the OAuth access token, renewed once on `INVALID_SESSION_ID` like every REST call. One
//! attempt only: a conversion is not idempotent, and the caller learns from the Lead whether a
//! lost answer converted it.

use std::sync::atomic::Ordering;
use std::time::Instant;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use secrecy::ExposeSecret;

use super::auth::Token;
use super::client::SalesforceClient;
use super::error::{ApiError, SfError};
use super::name::{fields, FieldName};
use super::sobject::SObject;
use super::soql::{CompareOp, Condition, Select, SoqlValue};
use super::wire::Record;
use super::MatchKey;

const SOAPENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const PARTNER: &str = "urn:partner.soap.sforce.com";

/// One Lead to convert.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadConvert {
    pub lead_id: String,
    /// The Account the Contact goes under; `None`: Salesforce creates one named after Company.
    pub account_id: Option<String>,
    /// An existing Contact to merge the Lead into (it must belong to `account_id`).
    pub contact_id: Option<String>,
    /// A Lead Status whose `IsConverted` is true.
    pub converted_status: String,
}

/// A successful `LeadConvertResult`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadConverted {
    pub lead_id: String,
    pub account_id: String,
    pub contact_id: String,
}

type W = Writer<Vec<u8>>;

fn text_element(w: &mut W, name: &str, text: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// The request envelope.
fn request_xml(session: &str, convert: &LeadConvert) -> Result<Vec<u8>, SfError> {
    let mut w = Writer::new(Vec::new());
    let written = (|| -> std::io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.write_event(Event::Start(
            BytesStart::new("soapenv:Envelope")
                .with_attributes([("xmlns:soapenv", SOAPENV), ("xmlns:urn", PARTNER)]),
        ))?;
        w.write_event(Event::Start(BytesStart::new("soapenv:Header")))?;
        w.write_event(Event::Start(BytesStart::new("urn:SessionHeader")))?;
        text_element(&mut w, "urn:sessionId", session)?;
        w.write_event(Event::End(BytesEnd::new("urn:SessionHeader")))?;
        w.write_event(Event::End(BytesEnd::new("soapenv:Header")))?;
        w.write_event(Event::Start(BytesStart::new("soapenv:Body")))?;
        w.write_event(Event::Start(BytesStart::new("urn:convertLead")))?;
        w.write_event(Event::Start(BytesStart::new("urn:leadConverts")))?;
        if let Some(a) = &convert.account_id {
            text_element(&mut w, "urn:accountId", a)?;
        }
        if let Some(c) = &convert.contact_id {
            text_element(&mut w, "urn:contactId", c)?;
        }
        text_element(&mut w, "urn:convertedStatus", &convert.converted_status)?;
        text_element(&mut w, "urn:doNotCreateOpportunity", "true")?;
        text_element(&mut w, "urn:leadId", &convert.lead_id)?;
        text_element(&mut w, "urn:overwriteLeadSource", "false")?;
        text_element(&mut w, "urn:sendNotificationEmail", "false")?;
        w.write_event(Event::End(BytesEnd::new("urn:leadConverts")))?;
        w.write_event(Event::End(BytesEnd::new("urn:convertLead")))?;
        w.write_event(Event::End(BytesEnd::new("soapenv:Body")))?;
        w.write_event(Event::End(BytesEnd::new("soapenv:Envelope")))
    })();
    written
        .map(|()| w.into_inner())
        .map_err(|e| SfError::Decode(format!("the convertLead request could not be written: {e}")))
}

/// The text of `&amp;`, `&#38;` and the other references quick-xml reports apart from text.
pub(crate) fn entity(r: &quick_xml::events::BytesRef<'_>) -> Option<String> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c.to_string());
    }
    let name = r.decode().ok()?;
    quick_xml::escape::resolve_xml_entity(&name).map(str::to_string)
}

/// What a response said: a fault, or the first result.
#[derive(Debug, Default)]
struct Parsed {
    fault_code: Option<String>,
    fault_string: Option<String>,
    success: Option<bool>,
    lead_id: String,
    account_id: String,
    contact_id: String,
    errors: Vec<ApiError>,
}

fn parse_response(body: &[u8]) -> Result<Parsed, SfError> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(false);
    let mut out = Parsed::default();
    let mut path: Vec<String> = Vec::new();
    let mut results = 0usize;
    let mut text = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "result" {
                    results += 1;
                }
                if name == "errors" && results == 1 {
                    out.errors.push(ApiError::default());
                }
                text.clear();
                path.push(name);
            }
            Ok(Event::Text(t)) => {
                let raw = t
                    .decode()
                    .map_err(|_| SfError::Decode("convertLead answered unreadable XML".into()))?;
                text.push_str(&raw);
            }
            Ok(Event::GeneralRef(r)) => text.push_str(&entity(&r).ok_or_else(|| {
                SfError::Decode("convertLead answered an unknown XML entity".into())
            })?),
            Ok(Event::End(_)) => {
                let value = std::mem::take(&mut text).trim().to_string();
                let field = path.last().map(String::as_str).unwrap_or_default();
                let parent = path
                    .len()
                    .checked_sub(2)
                    .and_then(|i| path.get(i))
                    .map(String::as_str);
                match (parent, field) {
                    (_, "faultcode") => out.fault_code = Some(value),
                    (_, "faultstring") => out.fault_string = Some(value),
                    (Some("result"), _) if results == 1 => match field {
                        "success" => out.success = Some(value == "true"),
                        "leadId" => out.lead_id = value,
                        "accountId" => out.account_id = value,
                        "contactId" => out.contact_id = value,
                        _ => {}
                    },
                    (Some("errors"), _) if results == 1 => {
                        if let Some(e) = out.errors.last_mut() {
                            match field {
                                "statusCode" => e.error_code = value,
                                "message" => e.message = value,
                                "fields" => e.fields.push(value),
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
                path.pop();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => {
                return Err(SfError::Decode(format!(
                    "convertLead answered XML that does not parse (at byte {})",
                    reader.error_position()
                )))
            }
        }
        buf.clear();
    }
    Ok(out)
}

/// A SOAP fault as the client's error type: `sf:INVALID_SESSION_ID` becomes the 401 REST
/// answers, so the renewal logic treats both alike; others keep HTTP 500.
fn fault_error(code: &str, message: &str) -> SfError {
    let code = code.rsplit(':').next().unwrap_or(code).to_string();
    let status = if code == "INVALID_SESSION_ID" {
        401
    } else {
        500
    };
    SfError::Api {
        status,
        errors: vec![ApiError {
            error_code: code,
            message: message.to_string(),
            fields: Vec::new(),
        }],
    }
}

/// Objects the conversion reads that the bridge never provisions.
const ACCOUNT: FieldName = FieldName::from_static("Account");
const LEAD_STATUS: FieldName = FieldName::from_static("LeadStatus");
const USER_PERMISSION_ACCESS: FieldName = FieldName::from_static("UserPermissionAccess");

impl SalesforceClient {
    /// The oldest unconverted Lead whose match field holds the match value (SOQL `=` ignores
    /// case), with its Company and `key` (when given, only Leads holding a key: a Lead
    /// connection's people).
    pub async fn find_unconverted_lead(
        &self,
        matched: &MatchKey,
        key: Option<&FieldName>,
    ) -> Result<Option<Record>, SfError> {
        let mut select = vec![fields::ID, fields::COMPANY, matched.field.clone()];
        select.extend(key.cloned());
        let mut query = Select::new(SObject::Lead.name(), select);
        let mut conditions = vec![
            Condition::eq(matched.field.clone(), SoqlValue::Str(matched.value.clone())),
            Condition::eq(fields::IS_CONVERTED, SoqlValue::Bool(false)),
        ];
        if let Some(k) = key {
            conditions.push(Condition::Compare {
                field: k.clone(),
                op: CompareOp::Ne,
                value: SoqlValue::Null,
            });
        }
        query.filter = Some(Condition::And(conditions));
        query.order_by = vec![(fields::CREATED_DATE, true), (fields::ID, true)];
        query.limit = Some(1);
        Ok(self.query(&query, None).await?.records.into_iter().next())
    }

    /// The Id of the oldest Account named exactly `name`.
    pub async fn find_account_by_name(&self, name: &str) -> Result<Option<String>, SfError> {
        let mut query = Select::new(ACCOUNT, vec![fields::ID]);
        query.filter = Some(Condition::eq(
            fields::NAME,
            SoqlValue::Str(name.to_string()),
        ));
        query.order_by = vec![(fields::CREATED_DATE, true), (fields::ID, true)];
        query.limit = Some(1);
        let page = self.query(&query, None).await?;
        Ok(page
            .records
            .first()
            .and_then(|r| crate::scim::values::get_ci(r, "Id"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string))
    }

    /// The org's first Lead Status that marks a Lead converted (by sort order), asked once and
    /// then kept: an org changes its picklist rarely, and a stale value is refused
    /// (`INVALID_STATUS`) rather than misapplied, which makes the next conversion ask again
    /// ([`Self::forget_converted_status`]).
    pub async fn converted_status(&self) -> Result<Option<String>, SfError> {
        if let Some(s) = self
            .inner
            .converted_status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Ok(Some(s));
        }
        let mut query = Select::new(LEAD_STATUS, vec![fields::MASTER_LABEL]);
        query.filter = Some(Condition::eq(fields::IS_CONVERTED, SoqlValue::Bool(true)));
        query.order_by = vec![(fields::SORT_ORDER, true)];
        query.limit = Some(1);
        let page = self.query(&query, None).await?;
        let status = page
            .records
            .first()
            .and_then(|r| crate::scim::values::get_ci(r, "MasterLabel"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        if let Some(s) = &status {
            *self
                .inner
                .converted_status
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(s.clone());
        }
        Ok(status)
    }

    /// Forgets the cached converted status (after Salesforce refused it: an admin renamed it),
    /// so the next conversion asks the org again.
    pub fn forget_converted_status(&self) {
        *self
            .inner
            .converted_status
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Whether the integration user holds "Convert Leads" (`UserPermissionAccess`, the running
    /// user's effective permissions).
    pub async fn can_convert_leads(&self) -> Result<bool, SfError> {
        let query = Select::new(
            USER_PERMISSION_ACCESS,
            vec![fields::PERMISSIONS_CONVERT_LEADS],
        );
        let page = self.query(&query, None).await?;
        Ok(page
            .records
            .first()
            .and_then(|r| crate::scim::values::get_ci(r, "PermissionsConvertLeads"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false))
    }

    /// Converts one Lead (`convertLead`, no Opportunity, no notification email, Lead Source
    /// kept). A result Salesforce refused is `SfError::Api` with status 400 and its
    /// `statusCode`s (`INSUFFICIENT_ACCESS_OR_READONLY`, `FIELD_CUSTOM_VALIDATION_EXCEPTION`,
    /// `CANNOT_UPDATE_CONVERTED_LEAD`, …).
    pub async fn convert_lead(&self, convert: &LeadConvert) -> Result<LeadConverted, SfError> {
        self.inner.budget.admit()?;
        let auth = &self.inner.auth;
        let token = auth.token().await?;
        match self.send_convert(&token, convert).await {
            Err(e) if e.is_session_expired() => {
                tracing::info!("Salesforce session expired or invalid; renewing the token");
                let fresh = auth.renew(token.epoch).await?;
                self.send_convert(&fresh, convert).await
            }
            other => other,
        }
    }

    async fn send_convert(
        &self,
        token: &Token,
        convert: &LeadConvert,
    ) -> Result<LeadConverted, SfError> {
        let body = request_xml(token.access.expose_secret(), convert)?;
        let url = format!(
            "{}/services/Soap/u/{}",
            token.instance_url, self.inner.api_version
        );
        self.inner.calls.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let meter = &self.inner.meter;
        let response = match self
            .inner
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", "\"\"")
            .body(body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                meter.salesforce_request("convert_lead", "transport");
                return Err(SfError::transport(e));
            }
        };
        let status = response.status().as_u16();
        if let Some(usage) = response
            .headers()
            .get("sforce-limit-info")
            .and_then(|v| v.to_str().ok())
            .and_then(super::wire::parse_api_usage)
        {
            self.inner.budget.observe(usage.0, usage.1);
        }
        let bytes = response.bytes().await.map_err(SfError::transport)?;
        let parsed = parse_response(&bytes)?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        if let Some(code) = &parsed.fault_code {
            let err = fault_error(code, parsed.fault_string.as_deref().unwrap_or_default());
            meter.salesforce_request(
                "convert_lead",
                if err.status() == Some(401) {
                    "client_error"
                } else {
                    "server_error"
                },
            );
            tracing::info!(
                status,
                elapsed_ms,
                error_code = err.code().unwrap_or("-"),
                "Salesforce convertLead fault"
            );
            return Err(err);
        }
        match parsed.success {
            Some(true) => {
                meter.salesforce_request("convert_lead", "ok");
                tracing::info!(status, elapsed_ms, "Salesforce convertLead succeeded");
                Ok(LeadConverted {
                    lead_id: parsed.lead_id,
                    account_id: parsed.account_id,
                    contact_id: parsed.contact_id,
                })
            }
            Some(false) => {
                meter.salesforce_request("convert_lead", "client_error");
                let err = SfError::Api {
                    status: 400,
                    errors: parsed.errors,
                };
                tracing::info!(
                    status,
                    elapsed_ms,
                    error_code = err.code().unwrap_or("-"),
                    "Salesforce refused the conversion"
                );
                Err(err)
            }
            None => {
                meter.salesforce_request("convert_lead", "server_error");
                Err(SfError::Decode(format!(
                    "convertLead answered HTTP {status} without a result"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_escapes_values_and_names_every_documented_field() {
        let xml = request_xml(
            "00D!tok<&>",
            &LeadConvert {
                lead_id: "00Q000000000001AAA".into(),
                account_id: Some("001000000000001AAA".into()),
                contact_id: None,
                converted_status: "Closed & Converted".into(),
            },
        )
        .unwrap();
        let xml = String::from_utf8(xml).unwrap();
        assert!(
            xml.contains("<urn:sessionId>00D!tok&lt;&amp;&gt;</urn:sessionId>"),
            "{xml}"
        );
        assert!(xml.contains("<urn:convertedStatus>Closed &amp; Converted</urn:convertedStatus>"));
        assert!(xml.contains("<urn:doNotCreateOpportunity>true</urn:doNotCreateOpportunity>"));
        assert!(!xml.contains("contactId"));
    }

    #[test]
    fn a_fault_and_a_refused_result_are_read() {
        let fault = br#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_SESSION_ID</faultcode><faultstring>INVALID_SESSION_ID: Invalid Session ID</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
        let p = parse_response(fault).unwrap();
        let e = fault_error(p.fault_code.as_deref().unwrap(), "x");
        assert!(e.is_session_expired());
        let refused = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body><convertLeadResponse><result><accountId xsi:nil="true"/><errors><fields>Name</fields><message>Billing country &amp; more</message><statusCode>FIELD_CUSTOM_VALIDATION_EXCEPTION</statusCode></errors><leadId>00Q1</leadId><success>false</success></result></convertLeadResponse></soapenv:Body></soapenv:Envelope>"#;
        let p = parse_response(refused).unwrap();
        assert_eq!(p.success, Some(false));
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].error_code, "FIELD_CUSTOM_VALIDATION_EXCEPTION");
        assert_eq!(p.errors[0].message, "Billing country & more");
        assert_eq!(p.errors[0].fields, ["Name"]);
    }
}
