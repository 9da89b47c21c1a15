//! Write-and-read in one API request (`POST /composite` with `allOrNone`, "Composite", REST API
//! Developer Guide): an update or a create followed by a read of the record, so the answer shows
//! what Salesforce stored for one request instead of two, and never a half-applied write.
//!
//! Sub-requests inherit only `Accept`, `Authorization` and `Content-Type` from the Composite
//! request, so the duplicate-rule header travels in the write sub-request's own `httpHeaders`.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::SalesforceClient;
use super::coalesce::Create;
use super::error::SfError;
use super::name::FieldName;
use super::retry::{always_resend, Next};
use super::sobject::SObject;
use super::sobjects::{check_id, field_list, MatchKey};
use super::transport::{Call, Failure, Target};
use super::wire::{decode, record_of, CompositeResponse, Record, SubResponse};

/// The `GET` sub-request that reads a record back (`id` may be a reference like `@{write.id}`).
pub(super) fn read_subrequest(prefix: &str, object: &str, id: &str, select: &[FieldName]) -> Value {
    let mut url = format!("{prefix}/sobjects/{object}/{id}");
    if !select.is_empty() {
        url.push_str("?fields=");
        url.push_str(&field_list(select));
    }
    json!({"method": "GET", "url": url, "referenceId": "read"})
}

/// The record from a write-then-read answer, or the write's error (with `allOrNone` the
/// sub-requests that did not fail are rewritten to `PROCESSING_HALTED`: the error that matters,
/// and decides whether to retry, is the other one).
fn read_back(responses: Vec<SubResponse>) -> Result<Record, SfError> {
    let mut it = responses.into_iter();
    let (Some(write), Some(read)) = (it.next(), it.next()) else {
        return Err(SfError::Decode(
            "composite answer: expected two sub-responses".into(),
        ));
    };
    if let Some(e) = first_error(&[write, read.clone()]) {
        return Err(e);
    }
    record_of(read.body, "composite read-back")
}

impl SalesforceClient {
    /// Updates a record and reads it back in one request. Retryable failures are resent like
    /// any call (an update is idempotent).
    pub async fn update_and_get(
        &self,
        object: SObject,
        id: &str,
        values: &Record,
        select: &[FieldName],
    ) -> Result<Record, SfError> {
        self.update_and_read(object.as_str(), id, values, select, "update_and_get")
            .await
    }

    /// [`Self::update_and_get`] for any object (`Campaign`).
    pub(super) async fn update_and_read(
        &self,
        object: &str,
        id: &str,
        values: &Record,
        select: &[FieldName],
        label: &'static str,
    ) -> Result<Record, SfError> {
        check_id(id)?;
        let prefix = self.versioned_prefix();
        let requests = vec![
            self.write_subrequest("PATCH", format!("{prefix}/sobjects/{object}/{id}"), values),
            read_subrequest(&prefix, object, id, select),
        ];
        let body = composite_body(requests);
        self.retrying(
            label,
            |n| self.write_then_read(object, &body, n),
            always_resend,
        )
        .await
        .result
    }

    /// Creates a record and reads it back in one request. A retryable failure is not resent
    /// blindly: the match key is looked up first (see [`super::sobjects`]), and a record found
    /// there is the answer.
    pub async fn create_and_get(
        &self,
        object: SObject,
        values: &Record,
        dedupe: Option<&MatchKey>,
        select: &[FieldName],
    ) -> Result<Record, SfError> {
        let body = self.create_then_read_body(object.as_str(), values, select);
        self.retrying(
            "create_and_get",
            // The first attempt goes with the creates of the same moment (one Collections call);
            // a resend goes alone, after the look-up below.
            |n| {
                let body = &body;
                async move {
                    if n == 1 {
                        let create = Create {
                            object,
                            values: values.clone(),
                            select: select.to_vec(),
                        };
                        self.inner
                            .coalescers
                            .creates
                            .submit(create)
                            .await
                            .map_err(Failure::sent)
                    } else {
                        self.write_then_read(object.as_str(), body, n).await
                    }
                }
            },
            |f: Failure| async move {
                match self.created_anyway(object, &f.error, dedupe, select).await {
                    Next::Stop(r) => Next::Stop(r),
                    Next::Resend => Next::Resend,
                }
            },
        )
        .await
        .result
    }

    /// Writes `release` (the bridge's own bookkeeping, e.g. clearing a key field) and deletes
    /// the record, in one request with `allOrNone`: either both happen or neither. A resend
    /// after an attempt that may have been carried out and now finds the record deleted did
    /// the work itself.
    pub async fn release_and_delete(
        &self,
        object: SObject,
        id: &str,
        release: &Record,
    ) -> Result<(), SfError> {
        check_id(id)?;
        let prefix = self.versioned_prefix();
        let url = format!("{prefix}/sobjects/{object}/{id}");
        let requests = vec![
            self.write_subrequest("PATCH", url.clone(), release),
            json!({"method": "DELETE", "url": url, "referenceId": "delete"}),
        ];
        let body = &composite_body(requests);
        let attempt = |n| async move {
            let subs = self.composite_attempt(object.as_str(), body, n).await?;
            first_error(&subs).map_or(Ok(()), |e| Err(Failure::sent(e)))
        };
        let done = self
            .retrying("release_and_delete", attempt, always_resend)
            .await;
        match done.result {
            Err(e) if done.resent_after_maybe_done && e.is_not_found() => Ok(()),
            other => other,
        }
    }

    /// One create and read-back in one Composite request, sent once (the caller's retry policy
    /// decides about resends).
    pub(super) async fn create_and_read_one(
        &self,
        object: SObject,
        values: &Record,
        select: &[FieldName],
    ) -> Result<Record, SfError> {
        let body = self.create_then_read_body(object.as_str(), values, select);
        self.write_then_read(object.as_str(), &body, 1)
            .await
            .map_err(|f| f.error)
    }

    /// The Composite body that creates a record and reads it back (`@{write.id}`).
    pub(super) fn create_then_read_body(
        &self,
        object: &str,
        values: &Record,
        select: &[FieldName],
    ) -> Record {
        let prefix = self.versioned_prefix();
        composite_body(vec![
            self.write_subrequest("POST", format!("{prefix}/sobjects/{object}"), values),
            read_subrequest(&prefix, object, "@{write.id}", select),
        ])
    }

    /// `POST /composite/sobjects` (sObject Collections create), sent once.
    pub(super) async fn post_collection(
        &self,
        object: SObject,
        body: &Record,
    ) -> Result<Vec<u8>, SfError> {
        let mut call = post(object.as_str(), "/composite/sobjects", body);
        call.allow_duplicate_save(self.inner.allow_duplicate_save);
        self.attempt(&call, 1).await.map_err(|f| f.error)
    }

    /// One attempt of a write-then-read Composite request.
    pub(super) async fn write_then_read(
        &self,
        object: &str,
        body: &Record,
        n: u32,
    ) -> Result<Record, Failure> {
        let subs = self.composite_attempt(object, body, n).await?;
        read_back(subs).map_err(Failure::sent)
    }

    /// One attempt of `POST /composite`: its sub-responses, in order.
    pub(super) async fn composite_attempt(
        &self,
        object: &str,
        body: &Record,
        n: u32,
    ) -> Result<Vec<SubResponse>, Failure> {
        let call = post(object, "/composite", body);
        let raw = self.attempt(&call, n).await?;
        let parsed: CompositeResponse = decode(&raw, "composite answer").map_err(Failure::sent)?;
        Ok(parsed.composite_response)
    }

    pub(super) fn versioned_prefix(&self) -> String {
        format!("/services/data/v{}", self.inner.api_version)
    }

    pub(super) fn write_subrequest(&self, method: &str, url: String, values: &Record) -> Value {
        let mut sub = json!({
            "method": method,
            "url": url,
            "referenceId": "write",
            "body": values,
        });
        if self.inner.allow_duplicate_save {
            sub["httpHeaders"] = json!({"Sforce-Duplicate-Rule-Header": "allowSave=true"});
        }
        sub
    }
}

/// The failure that matters among sub-responses (not the `PROCESSING_HALTED` of the others).
pub(super) fn first_error(responses: &[SubResponse]) -> Option<SfError> {
    let errors: Vec<SfError> = responses.iter().filter_map(SubResponse::error).collect();
    errors
        .iter()
        .find(|e| !e.has_code("PROCESSING_HALTED"))
        .or(errors.first())
        .cloned()
}

/// A `POST` of `body` to a versioned path (`/composite`, `/composite/sobjects`).
pub(super) fn post<'a>(object: &'a str, path: &'static str, body: &'a Record) -> Call<'a> {
    let mut call = Call::new(
        Method::POST,
        Target::Versioned(path.to_string()),
        path,
        Some(object),
    );
    call.body = Some(body);
    call
}

/// An sObject Collections body: `records` of `object` (each given its `attributes.type`).
pub(super) fn collection_body(
    object: &str,
    all_or_none: bool,
    records: impl IntoIterator<Item = Record>,
) -> Record {
    let records: Vec<Value> = records
        .into_iter()
        .map(|mut r| {
            r.insert("attributes".into(), json!({"type": object}));
            Value::Object(r)
        })
        .collect();
    let mut body = Record::new();
    body.insert("allOrNone".into(), Value::Bool(all_or_none));
    body.insert("records".into(), Value::Array(records));
    body
}

pub(super) fn composite_body(requests: Vec<Value>) -> Record {
    let mut body = Record::new();
    body.insert("allOrNone".into(), Value::Bool(true));
    body.insert("compositeRequest".into(), Value::Array(requests));
    body
}
