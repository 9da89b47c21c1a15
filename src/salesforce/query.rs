//! SOQL reads (`GET /query`, `nextRecordsUrl` cursors) and the typed look-ups built on them.
//!
//! [`SalesforceClient::find_by_match`] is THE match look-up: the create path and the client's own
//! create de-duplication both use it, so they always agree on which record is "the" match (the
//! oldest, by `CreatedDate` then `Id`).

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;

use super::client::SalesforceClient;
use super::coalesce::Lookup;
use super::error::{Refusal, SfError};
use super::name::{fields, FieldName};
use super::sobject::SObject;
use super::sobjects::MatchKey;
use super::soql::{Condition, Select, SoqlValue};
use super::transport::{Call, Target};
use super::wire::{decode, strip_attributes, RawQueryPage, Record};

/// The smallest and largest page `Sforce-Query-Options: batchSize` may ask for ("Query
/// Options Header", REST API Developer Guide).
pub const BATCH_SIZE_RANGE: (u32, u32) = (200, 2000);

/// How deep the parentheses of a query may nest. Salesforce documents no limit; the emulator
/// refuses deeper ones, and a SCIM filter at its own 64 levels of `not (… and …)` renders two
/// parentheses a level. No IdP writes such filters: they are refused as filters, not sent.
pub const MAX_SOQL_DEPTH: usize = 64;

/// The longest SOQL text sent in a `GET /query` URL: Salesforce refuses request URIs beyond
/// about 16,384 bytes ("REST API Developer Guide: URI length"), and encoding grows the text.
pub const MAX_SOQL_CHARS: usize = 10_000;

/// How many matches a match look-up reads: one to use, one to know it was not the only one.
const MATCH_LIMIT: u32 = 2;

/// How many rows a create's look-up keeps: the key holder, and adoptable records beside it.
pub(super) const CREATE_LOOKUP_LIMIT: u32 = 5;

/// One page of query results.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct QueryPage {
    /// All matching rows (for `SELECT COUNT()`, the count).
    pub total_size: u64,
    pub done: bool,
    pub records: Vec<Record>,
    /// Pass to [`SalesforceClient::query_more`] while `done` is false.
    pub next_records_url: Option<String>,
}

impl From<RawQueryPage> for QueryPage {
    fn from(raw: RawQueryPage) -> Self {
        let mut records = raw.records;
        records.iter_mut().for_each(strip_attributes);
        QueryPage {
            total_size: raw.total_size,
            done: raw.done,
            records,
            next_records_url: raw.next_records_url,
        }
    }
}

impl SalesforceClient {
    /// The records of `object` whose match field equals the key's value (case-insensitively, as
    /// SOQL's `=` compares text), oldest first, at most two: the first is the match, a second
    /// says it is ambiguous (logged).
    pub async fn find_by_match(
        &self,
        object: SObject,
        key: &MatchKey,
        select: &[FieldName],
    ) -> Result<Vec<Record>, SfError> {
        let mut query = Select::new(object.name(), select.to_vec());
        query.filter = Some(Condition::eq(
            key.field.clone(),
            SoqlValue::Str(key.value.clone()),
        ));
        query.order_by = vec![(fields::CREATED_DATE, true), (fields::ID, true)];
        query.limit = Some(MATCH_LIMIT);
        let page = self.query(&query, None).await?;
        if page.records.len() > 1 {
            tracing::warn!(
                object = object.as_str(),
                match_field = key.field.as_str(),
                "more than one record has the match value; using the oldest"
            );
        }
        Ok(page.records)
    }

    /// What a create must know before it writes, in one query: the record that already holds
    /// `key` (a person this connection has), or else the records without a key whose match
    /// field has the adoptable value (people sales entered, the connector's "link"), oldest
    /// first. `key.field` is unique in Salesforce, so at most one record holds the key; a
    /// few more rows are read so that it is seen even behind older adoptable ones.
    pub async fn find_for_create(
        &self,
        object: SObject,
        key: &MatchKey,
        adoptable: Option<&MatchKey>,
        select: &[FieldName],
    ) -> Result<Vec<Record>, SfError> {
        // Look-ups of the same moment go as one `IN` query (see `super::coalesce`).
        self.lookup(Lookup {
            object,
            key: key.clone(),
            adoptable: adoptable.cloned(),
            select: select.to_vec(),
            all: false,
        })
        .await
    }

    async fn lookup(&self, lookup: Lookup) -> Result<Vec<Record>, SfError> {
        self.inner.coalescers.lookups.submit(lookup).await
    }

    /// Every record of `object` whose `key.field` equals `key.value` (case-insensitively):
    /// an equality filter's look-up, sent with the look-ups of the same moment as one `IN`
    /// query.
    pub async fn find_equal(
        &self,
        object: SObject,
        key: &MatchKey,
        select: &[FieldName],
    ) -> Result<Vec<Record>, SfError> {
        self.lookup(Lookup {
            object,
            key: key.clone(),
            adoptable: None,
            select: select.to_vec(),
            all: true,
        })
        .await
    }

    /// `GET /query?q=…`: the first page. `batch_size` (clamped to [`BATCH_SIZE_RANGE`]) asks for
    /// smaller pages via `Sforce-Query-Options`. A filter that can match nothing costs no call.
    pub async fn query(
        &self,
        select: &Select,
        batch_size: Option<u32>,
    ) -> Result<QueryPage, SfError> {
        let object = select.object.as_str();
        if select.matches_nothing() {
            tracing::debug!(object, "query filter matches nothing; not sent");
            return Ok(QueryPage {
                total_size: 0,
                done: true,
                records: Vec::new(),
                next_records_url: None,
            });
        }
        let soql = select.to_soql();
        // Percent-encoding can triple a character; stay inside ~16 KB of URI.
        if soql.len() > MAX_SOQL_CHARS {
            return Err(SfError::Refused(Refusal::QueryTooLong(soql.len())));
        }
        let depth = super::soql::paren_depth(&soql);
        if depth > MAX_SOQL_DEPTH {
            return Err(SfError::Refused(Refusal::QueryTooDeep(depth)));
        }
        tracing::debug!(object, soql = %soql, "SOQL query");
        let mut call = Call::new(
            Method::GET,
            Target::Versioned("/query".to_string()),
            "/query",
            Some(object),
        );
        call.query.push(("q", soql));
        if let Some(n) = batch_size {
            let n = n.clamp(BATCH_SIZE_RANGE.0, BATCH_SIZE_RANGE.1);
            if let Ok(v) = HeaderValue::from_str(&format!("batchSize={n}")) {
                call.headers
                    .push((HeaderName::from_static("sforce-query-options"), v));
            }
        }
        let body = self.execute(&call, "query").await?;
        let raw: RawQueryPage = decode(&body, "query answer")?;
        Ok(raw.into())
    }

    /// Every row of a query, following its cursor: pages of `batch_size` rows (Salesforce's
    /// default 2,000 when `None`), one request each, so reading n rows costs n / batch_size
    /// requests and linear time.
    pub(super) async fn query_all(
        &self,
        query: &Select,
        batch_size: Option<u32>,
    ) -> Result<Vec<Record>, SfError> {
        let mut page = self.query(query, batch_size).await?;
        let mut records = std::mem::take(&mut page.records);
        while let (false, Some(next)) = (page.done, page.next_records_url.clone()) {
            page = self.query_more(&next).await?;
            records.append(&mut page.records);
        }
        Ok(records)
    }

    /// Follows a `nextRecordsUrl` (`/services/data/vNN.0/query/<locator>`, as Salesforce returns
    /// it). Only paths on the current instance are followed, so the token never leaves it.
    pub async fn query_more(&self, next_records_url: &str) -> Result<QueryPage, SfError> {
        let path = next_records_url.trim();
        let valid = path.starts_with("/services/data/")
            && path.contains("/query")
            && !path.contains("..")
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'-' | b'_'));
        if !valid {
            return Err(SfError::Refused(Refusal::ForeignLocator));
        }
        let call = Call::new(
            Method::GET,
            Target::Root(path.to_string()),
            "/query/{locator}",
            None,
        );
        let body = self.execute(&call, "query_more").await?;
        let raw: RawQueryPage = decode(&body, "query answer")?;
        Ok(raw.into())
    }
}
