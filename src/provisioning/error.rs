//! Salesforce failures, and their one translation into the SCIM errors the IdP receives.
//!
//! What reaches the IdP is a `detail` an admin can act on: which SCIM attribute Salesforce
//! refused and why, which policy toggle stopped an operation. Causes that are ours (a transport
//! failure, an unexpected answer) are logged with the connection name and answered with a
//! short, generic detail.

use crate::mapping::view::Mapping;
use crate::salesforce::{Refusal, SfError};
use crate::scim::error::ScimError;

/// Codes that mean Salesforce refused a value the IdP sent.
const VALUE_CODES: &[&str] = &[
    "REQUIRED_FIELD_MISSING",
    "STRING_TOO_LONG",
    "INVALID_EMAIL_ADDRESS",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    "FIELD_INTEGRITY_EXCEPTION",
    "INVALID_CROSS_REFERENCE_KEY",
    "MALFORMED_ID",
    "JSON_PARSER_ERROR",
];

/// Codes that mean Salesforce refused a query or body the bridge itself built: a bridge bug,
/// not something the IdP or the admin can fix by changing the request.
const BRIDGE_CODES: &[&str] = &[
    "MALFORMED_QUERY",
    "INVALID_QUERY_FILTER_OPERATOR",
    "NUMBER_OUTSIDE_VALID_RANGE",
];

/// Codes that mean the connection's mapping or Salesforce user is misconfigured.
const CONFIG_CODES: &[&str] = &[
    "INVALID_FIELD",
    "INVALID_FIELD_FOR_INSERT_UPDATE",
    "INVALID_TYPE",
    "INSUFFICIENT_ACCESS",
    "INSUFFICIENT_ACCESS_OR_READONLY",
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
    "API_DISABLED_FOR_ORG",
    "NOT_FOUND",
];

/// The SCIM error for a Salesforce failure. `subject` names the record (`Contact 003…`) for
/// messages; `mapping` names the SCIM attributes behind Salesforce fields. Internal causes are
/// logged (codes only, never Salesforce's messages, which can quote personal data) and answered
/// with a detail an admin can act on.
pub fn into_scim(e: SfError, connection: &str, mapping: &Mapping, subject: &str) -> ScimError {
    let salesforce_code = e.code().map(str::to_string);
    let mut error = into_scim_error(e, connection, mapping, subject);
    error.salesforce_code = salesforce_code;
    error
}

fn into_scim_error(e: SfError, connection: &str, mapping: &Mapping, subject: &str) -> ScimError {
    {
        let code = e.code().unwrap_or("").to_string();
        let sf_message = first_message(&e);
        let attrs = attributes_of(&e, mapping);
        match e {
            SfError::Api { .. } if e.is_not_found() && code != "NOT_FOUND" => {
                ScimError::not_found(format!("{subject} does not exist (it is deleted in Salesforce)"))
            }
            SfError::Api { status: 404, .. } if code == "NOT_FOUND" || code.is_empty() => {
                ScimError::not_found(format!("{subject} does not exist"))
            }
            SfError::Api { .. } if code == "REQUIRED_FIELD_MISSING" => ScimError::invalid_value(format!(
                "Salesforce requires a value for {attrs}: {sf_message}. Send it, or give the mapping row a `default`."
            )),
            SfError::Api { .. } if BRIDGE_CODES.contains(&code.as_str()) => {
                tracing::error!(connection, error = %loggable(&e), "Salesforce refused a query the bridge built");
                ScimError::internal(format!(
                    "Salesforce refused a query the bridge built ({code}); this is a bridge bug: report it with the request id"
                ))
            }
            SfError::Api { .. } if VALUE_CODES.contains(&code.as_str()) => ScimError::invalid_value(
                format!("Salesforce refused the value of {attrs} ({code}): {sf_message}"),
            ),
            SfError::Api { .. } if code == "DUPLICATES_DETECTED" => ScimError::uniqueness(format!(
                "Salesforce's duplicate rules refused this as a duplicate ({code}): {sf_message}. If the rule only alerts, set salesforce.allow_duplicate_save = true for connection '{connection}' to save anyway"
            )),
            SfError::Api { .. } if code == "DUPLICATE_VALUE" => {
                ScimError::uniqueness(format!(
                    "Salesforce reports a duplicate value in a unique field ({code}): {sf_message}"
                ))
            }
            SfError::Api { .. } if code == "INVALID_QUERY_LOCATOR" => {
                tracing::warn!(connection, "Salesforce released a query cursor the bridge was reading");
                ScimError::service_unavailable(
                    "Salesforce released the query cursor of this list (too many lists were read at once); retry the request",
                )
            }
            SfError::Api { .. } if code == "CANNOT_UPDATE_CONVERTED_LEAD" => ScimError::conflict(
                format!("{subject} was converted to a Contact and can no longer be changed ({code})"),
            ),
            SfError::Api { .. } if code == "DELETE_FAILED" => ScimError::conflict(format!(
                "Salesforce refused to delete {subject} ({code}): {sf_message}"
            )),
            SfError::Api { .. } if code == "REQUEST_LIMIT_EXCEEDED" => ScimError::too_many_requests(
                "the Salesforce org has used up its API requests (REQUEST_LIMIT_EXCEEDED); provisioning resumes when its allowance recovers",
            ),
            SfError::Api { .. } if code == "INVALID_SESSION_ID" => {
                tracing::error!(connection, error = %loggable(&e), "Salesforce refused the renewed session");
                ScimError::bad_gateway(format!(
                    "Salesforce refused the bridge's session for connection '{connection}'; run `scim-bridge test-connection`"
                ))
            }
            SfError::Api { .. } if CONFIG_CODES.contains(&code.as_str()) => {
                tracing::error!(connection, error = %loggable(&e), "Salesforce refused the connection's mapping or permissions");
                ScimError::bad_gateway(format!(
                    "Salesforce refused the request ({code}): {sf_message}. Check connection '{connection}' with `scim-bridge test-connection`."
                ))
            }
            SfError::Api { .. } if e.is_retryable() => {
                tracing::warn!(connection, error = %loggable(&e), "Salesforce is busy");
                ScimError::service_unavailable(format!(
                    "Salesforce is temporarily unavailable ({}); nothing was lost, try again",
                    if code.is_empty() { "HTTP error".to_string() } else { code }
                ))
            }
            SfError::Api { status: 400, .. } => ScimError::invalid_value(format!(
                "Salesforce refused the request ({code}): {sf_message}"
            )),
            SfError::Auth { ref error, .. } => {
                tracing::error!(connection, error = %loggable(&e), "Salesforce refused the OAuth grant");
                ScimError::bad_gateway(format!(
                    "Salesforce refused the bridge's credentials ({error}) for connection '{connection}'; run `scim-bridge test-connection` to see what to fix"
                ))
            }
            SfError::Transport(_) => {
                tracing::error!(connection, error = %loggable(&e), "Salesforce could not be reached");
                ScimError::service_unavailable("Salesforce could not be reached; try again")
            }
            SfError::Refused(Refusal::MalformedId(_)) => {
                ScimError::not_found(format!("{subject} does not exist"))
            }
            SfError::Refused(Refusal::Reserve { used, limit, reserve, retry_after }) => {
                tracing::warn!(connection, used, limit, reserve, "the org's API allowance is down to its reserve; nothing sent");
                ScimError::too_many_requests(format!(
                    "the Salesforce org has used {used} of its {limit} daily API requests, and the bridge keeps the last {reserve} for the org's other integrations (salesforce.api_reserve_percent); nothing was sent, retry later"
                ))
                .with_retry_after(retry_after)
            }
            SfError::Refused(Refusal::QueryTooLong(len)) => ScimError::invalid_filter(format!(
                "this filter makes a Salesforce query of {len} characters, more than one request can carry: split it into shorter filters"
            )),
            SfError::Refused(Refusal::InsecureInstanceUrl) => {
                tracing::error!(connection, error = %loggable(&e), "token grant refused: insecure instance_url");
                ScimError::bad_gateway(format!(
                    "Salesforce's token endpoint named an instance_url in plain http for connection '{connection}', so the bridge did not send the token there; run `scim-bridge test-connection`"
                ))
            }
            SfError::Refused(Refusal::QueryTooDeep(depth)) => ScimError::invalid_filter(format!(
                "this filter makes a Salesforce query nested {depth} parentheses deep, more than the {} the bridge sends: write it with fewer nested 'not (…)' groups",
                crate::salesforce::query::MAX_SOQL_DEPTH
            )),
            SfError::Refused(Refusal::ForeignLocator) => {
                tracing::error!(connection, error = %loggable(&e), "Salesforce answered a cursor the bridge will not follow");
                ScimError::bad_gateway("Salesforce answered something the bridge did not expect; see the bridge's log")
            }
            SfError::NotConfigured(_) => {
                tracing::error!(connection, error = %loggable(&e), "connection cannot obtain a Salesforce token");
                ScimError::internal(format!(
                    "connection '{connection}' has no usable Salesforce credentials; run `scim-bridge check-config`"
                ))
            }
            other => {
                tracing::error!(connection, error = %loggable(&other), "unexpected Salesforce failure");
                ScimError::bad_gateway("Salesforce answered something the bridge did not expect; see the bridge's log")
            }
        }
    }
}

/// What a log line may say about a Salesforce failure: the status and codes of an API error
/// (its messages can quote the person's data, such as a refused email address), or the whole
/// text of the other kinds, which carry no personal data.
pub fn loggable(e: &SfError) -> String {
    match e {
        SfError::Api { status, errors } => format!(
            "HTTP {status} {}",
            errors
                .iter()
                .map(|a| a.error_code.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

fn first_message(e: &SfError) -> String {
    match e {
        SfError::Api { errors, .. } => errors
            .first()
            .map(|a| a.message.clone())
            .unwrap_or_default(),
        other => other.message(),
    }
}

/// "name.familyName (Salesforce field LastName)" for the fields an error names.
fn attributes_of(e: &SfError, mapping: &Mapping) -> String {
    let SfError::Api { errors, .. } = e else {
        return "a field".to_string();
    };
    let mut parts: Vec<String> = Vec::new();
    for field in errors.iter().flat_map(|a| a.fields.iter()) {
        let attrs: Vec<String> = mapping
            .rows
            .iter()
            .filter(|r| r.field.is(field))
            .map(|r| r.attr.to_string())
            .collect();
        let part = if attrs.is_empty() {
            format!("Salesforce field {field}")
        } else {
            format!("{} (Salesforce field {field})", attrs.join(" / "))
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    if parts.is_empty() {
        "a field".to_string()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::{ApiError, SObject};
    use crate::scim::error::ScimType;

    fn api(status: u16, code: &str, fields: &[&str]) -> SfError {
        SfError::Api {
            status,
            errors: vec![ApiError {
                error_code: code.to_string(),
                message: "Salesforce's text about ada@example.com".to_string(),
                fields: fields.iter().map(|f| f.to_string()).collect(),
            }],
        }
    }

    fn scim(e: SfError) -> ScimError {
        into_scim(
            e,
            "contacts",
            &Mapping::defaults(SObject::Contact),
            "Contact 003000000000001AAA",
        )
    }

    #[test]
    fn every_salesforce_failure_has_one_scim_answer() {
        use ScimType::{InvalidValue, Uniqueness};
        let table: Vec<(SfError, u16, Option<ScimType>)> = vec![
            (api(404, "NOT_FOUND", &[]), 404, None),
            (api(404, "ENTITY_IS_DELETED", &[]), 404, None),
            (
                api(400, "REQUIRED_FIELD_MISSING", &["LastName"]),
                400,
                Some(InvalidValue),
            ),
            (
                api(400, "STRING_TOO_LONG", &["Title"]),
                400,
                Some(InvalidValue),
            ),
            (
                api(400, "INVALID_EMAIL_ADDRESS", &["Email"]),
                400,
                Some(InvalidValue),
            ),
            (api(400, "MALFORMED_QUERY", &[]), 500, None),
            (api(400, "DUPLICATES_DETECTED", &[]), 409, Some(Uniqueness)),
            (api(400, "DUPLICATE_VALUE", &[]), 409, Some(Uniqueness)),
            (api(400, "INVALID_QUERY_LOCATOR", &[]), 503, None),
            (api(400, "CANNOT_UPDATE_CONVERTED_LEAD", &[]), 409, None),
            (api(400, "DELETE_FAILED", &[]), 409, None),
            (api(403, "REQUEST_LIMIT_EXCEEDED", &[]), 429, None),
            (api(401, "INVALID_SESSION_ID", &[]), 502, None),
            (api(400, "INVALID_FIELD", &[]), 502, None),
            (api(403, "INSUFFICIENT_ACCESS", &[]), 502, None),
            (api(400, "UNABLE_TO_LOCK_ROW", &[]), 503, None),
            (api(503, "SERVER_UNAVAILABLE", &[]), 503, None),
            (api(502, "", &[]), 503, None),
            (api(400, "SOMETHING_NEW", &[]), 400, Some(InvalidValue)),
            (
                SfError::Auth {
                    error: "invalid_grant".into(),
                    description: "expired".into(),
                },
                502,
                None,
            ),
            (SfError::Transport("timed out".into()), 503, None),
            (SfError::Decode("not JSON".into()), 502, None),
            (SfError::NotConfigured("no grant".into()), 500, None),
            (
                SfError::Refused(Refusal::MalformedId("x".into())),
                404,
                None,
            ),
            (SfError::Refused(Refusal::ForeignLocator), 502, None),
        ];
        for (e, status, scim_type) in table {
            let what = format!("{e:?}");
            let got = scim(e);
            assert_eq!((got.status, got.scim_type), (status, scim_type), "{what}");
            assert!(!got.detail.is_empty(), "{what}");
        }
    }

    #[test]
    fn a_refused_value_names_the_scim_attribute_behind_the_field() {
        let got = scim(api(400, "STRING_TOO_LONG", &["LastName"]));
        assert!(
            got.detail
                .contains("name.familyName (Salesforce field LastName)"),
            "{}",
            got.detail
        );
    }

    #[test]
    fn internal_causes_are_not_returned_and_logs_keep_only_codes() {
        let bridge_bug = scim(api(400, "MALFORMED_QUERY", &[]));
        assert!(!bridge_bug.detail.contains("ada@example.com"));
        assert!(bridge_bug.detail.contains("bridge bug"));
        assert_eq!(
            loggable(&api(400, "STRING_TOO_LONG", &["Title"])),
            "HTTP 400 STRING_TOO_LONG"
        );
    }

    #[test]
    fn a_local_refusal_is_never_reported_as_salesforce_refusing() {
        let got = scim(SfError::Refused(Refusal::MalformedId("nope".into())));
        assert!(!got.detail.contains("Salesforce refused"), "{}", got.detail);
    }
}
