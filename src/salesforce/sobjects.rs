//! sObject rows, one request each: read, create, update, delete
//! (`/services/data/vXX.X/sobjects/{object}[/{id}]`).
//!
//! A create is never resent blindly: after a retryable failure that reached Salesforce the
//! record may exist anyway, so with a [`MatchKey`] the client first looks it up
//! ([`SalesforceClient::find_by_match`]) and returns the id it finds; without one the failure is
//! returned as is. A DELETE whose resend answers `ENTITY_IS_DELETED` after an attempt that may
//! have been carried out did the work itself.

use reqwest::Method;
use serde_json::Value;

use super::client::SalesforceClient;
use super::error::{Refusal, SfError};
use super::name::{fields, FieldName};
use super::retry::{always_resend, Next};
use super::sobject::SObject;
use super::transport::{Call, Failure, Target};
use super::wire::{decode, record_of, CreateResponse, Record};

/// A field and value that identify one record: the match field of a connection, used to find
/// the record a create would duplicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchKey {
    pub field: FieldName,
    pub value: String,
}

/// A Salesforce record id: 15 or 18 alphanumeric characters.
pub fn is_record_id(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A malformed id names no record and must not reach a URL path: refused without a call.
pub(super) fn check_id(id: &str) -> Result<(), SfError> {
    if is_record_id(id) {
        Ok(())
    } else {
        Err(SfError::Refused(Refusal::MalformedId(id.to_string())))
    }
}

/// `?fields=A,B` for a record read (all fields when empty).
pub(super) fn field_list(select: &[FieldName]) -> String {
    select
        .iter()
        .map(FieldName::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

impl SalesforceClient {
    /// `GET /sobjects/{object}/{id}?fields=…` (all fields when `select` is empty).
    pub async fn get(
        &self,
        object: SObject,
        id: &str,
        select: &[FieldName],
    ) -> Result<Record, SfError> {
        check_id(id)?;
        let mut call = Call::new(
            Method::GET,
            Target::Versioned(format!("/sobjects/{object}/{id}")),
            "/sobjects/{object}/{id}",
            Some(object.as_str()),
        );
        if !select.is_empty() {
            call.query.push(("fields", field_list(select)));
        }
        let body = self.execute(&call, "get").await?;
        record_of(decode::<Value>(&body, "record")?, "record")
    }

    /// `PATCH /sobjects/{object}/{id}`: a partial update; JSON `null` clears a field.
    pub async fn update(&self, object: SObject, id: &str, values: &Record) -> Result<(), SfError> {
        check_id(id)?;
        let mut call = Call::new(
            Method::PATCH,
            Target::Versioned(format!("/sobjects/{object}/{id}")),
            "/sobjects/{object}/{id}",
            Some(object.as_str()),
        );
        call.body = Some(values);
        call.allow_duplicate_save(self.inner.allow_duplicate_save);
        self.execute(&call, "update").await.map(|_| ())
    }

    /// `DELETE /sobjects/{object}/{id}`: the record goes to the Recycle Bin.
    pub async fn delete(&self, object: SObject, id: &str) -> Result<(), SfError> {
        self.delete_record(object.as_str(), id, "delete").await
    }

    /// `DELETE /sobjects/{object}/{id}` of any object, under the retry policy: a resend that
    /// finds the record deleted after an attempt that may have been carried out did the work.
    pub(super) async fn delete_record(
        &self,
        object: &str,
        id: &str,
        label: &'static str,
    ) -> Result<(), SfError> {
        check_id(id)?;
        let call = Call::new(
            Method::DELETE,
            Target::Versioned(format!("/sobjects/{object}/{id}")),
            "/sobjects/{object}/{id}",
            Some(object),
        );
        let done = self
            .retrying(label, |n| self.attempt(&call, n), always_resend)
            .await;
        match done.result {
            Ok(_) => Ok(()),
            Err(e) if done.resent_after_maybe_done && e.has_code("ENTITY_IS_DELETED") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `POST /sobjects/{object}` → the new record's id; see the module doc for resends.
    pub async fn create(
        &self,
        object: SObject,
        values: &Record,
        dedupe: Option<&MatchKey>,
    ) -> Result<String, SfError> {
        let mut call = Call::new(
            Method::POST,
            Target::Versioned(format!("/sobjects/{object}")),
            "/sobjects/{object}",
            Some(object.as_str()),
        );
        call.body = Some(values);
        call.allow_duplicate_save(self.inner.allow_duplicate_save);
        let call = &call;
        let attempt = |n| async move {
            let body = self.attempt(call, n).await?;
            let created: CreateResponse = decode(&body, "create answer").map_err(Failure::sent)?;
            match created.id {
                Some(id) if created.success => Ok(id),
                _ => Err(Failure::sent(SfError::Api {
                    status: 400,
                    errors: created.errors,
                })),
            }
        };
        let before_resend = |f: Failure| async move {
            match self
                .created_anyway(object, &f.error, dedupe, &[fields::ID])
                .await
            {
                Next::Stop(Ok(record)) => match record.get("Id").and_then(Value::as_str) {
                    Some(id) => Next::Stop(Ok(id.to_string())),
                    None => Next::Stop(Err(f.error)),
                },
                Next::Stop(Err(e)) => Next::Stop(Err(e)),
                Next::Resend => Next::Resend,
            }
        };
        self.retrying("create", attempt, before_resend).await.result
    }

    /// Whether a create that failed with `error` (after reaching Salesforce) made its record
    /// anyway: the record (with `select`) if the match key finds one, [`Next::Resend`] if it
    /// provably made none, or the failure when a resend could duplicate the person.
    pub(super) async fn created_anyway(
        &self,
        object: SObject,
        error: &SfError,
        dedupe: Option<&MatchKey>,
        select: &[FieldName],
    ) -> Next<Record> {
        let Some(key) = dedupe else {
            tracing::info!(
                object = object.as_str(),
                error_code = error.code().unwrap_or("-"),
                "create failed; not resent because there is no match key to check for a record it may have made"
            );
            return Next::Stop(Err(error.clone()));
        };
        match self.find_by_match(object, key, select).await {
            Ok(found) => match found.into_iter().next() {
                Some(record) => {
                    tracing::info!(
                        object = object.as_str(),
                        match_field = key.field.as_str(),
                        "create failed but the record exists; using it instead of creating another"
                    );
                    Next::Stop(Ok(record))
                }
                // No answer at all (a timeout, a dropped connection): Salesforce may still be
                // saving the record, after our look-up. Resending could make a second one; the
                // IdP's retry will find and link the first.
                None if error.may_have_been_applied() => {
                    tracing::warn!(
                        object = object.as_str(),
                        "create got no answer and its record is not visible yet; not resending"
                    );
                    Next::Stop(Err(error.clone()))
                }
                None => {
                    tracing::info!(
                        object = object.as_str(),
                        error_code = error.code().unwrap_or("-"),
                        "create failed and made no record; sending it again"
                    );
                    Next::Resend
                }
            },
            Err(lookup) => {
                tracing::warn!(
                    object = object.as_str(),
                    lookup_error_code = lookup.code().unwrap_or("-"),
                    "create failed and the record could not be looked up; not resending"
                );
                Next::Stop(Err(error.clone()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_15_or_18_character_alphanumeric_ids_are_sent() {
        assert!(is_record_id("003000000000001AAA"));
        assert!(is_record_id("003000000000001"));
        assert!(!is_record_id("003000000000001AA"));
        assert!(!is_record_id("../../limits/xxxxx"));
        assert!(!is_record_id("003000000000001A%"));
        let refused = check_id("nope").unwrap_err();
        assert!(refused.is_not_found());
        assert!(matches!(refused, SfError::Refused(_)));
    }
}
