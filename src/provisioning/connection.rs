//! [`Connection`]: one IdP → Salesforce connection at run time (what it provisions, under which
//! policy, through which client), and what every operation on its people shares: reading a
//! record, checking an id or a version, rendering a record as a SCIM resource, and turning a
//! Salesforce failure into the SCIM error the IdP gets.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde_json::Value;

use super::error::into_scim;
use super::failures::RecentFailures;
use super::guard::{GuardSpec, RemovalGuard};
use super::memory::{CursorMemory, LookupMemory};
use super::policy::{OnExisting, Policy};
use super::Ctx;
use crate::mapping::view::Mapping;
use crate::salesforce::{
    fields, is_record_id, CompareOp, Condition, FieldName, Record, SObject, SalesforceClient,
    SfError, SoqlValue,
};
use crate::scim::error::ScimError;
use crate::scim::resource::{Resource, ResourceType, GROUP, USER};
use crate::scim::values::get_ci;
use crate::telemetry::Meter;

pub(super) type Result<T> = std::result::Result<T, ScimError>;

/// What a connection is, as configured: everything but the Salesforce client.
#[derive(Debug, Clone)]
pub struct ConnectionSpec {
    /// The URL segment (`/scim/v2/{name}`) and the name in logs and messages.
    pub name: String,
    /// The object, the attribute rows, and what "disabled" writes.
    pub mapping: Mapping,
    pub policy: Policy,
    /// The Salesforce field people are matched on (the connector matches on Email).
    pub match_field: FieldName,
    pub on_existing: OnExisting,
    /// The largest page a list returns (`filter.maxResults` in `/ServiceProviderConfig`).
    pub max_results: u64,
    /// How long one Salesforce call may take: a create is sent only while that still fits
    /// before the request's deadline.
    pub call_timeout: Duration,
    /// The removal guard's threshold; `None` when configured off.
    pub removal_guard: Option<GuardSpec>,
    /// Lead promotion (Contact connections only).
    pub promotion: Option<super::policy::Promotion>,
    /// SCIM Groups as Campaigns; `None` when the connection serves no Groups.
    pub groups: Option<super::groups::GroupSpec>,
}

/// One connection at run time.
pub struct Connection {
    pub spec: ConnectionSpec,
    pub client: SalesforceClient,
    /// What recent `userName eq` filters found, for the create that follows.
    pub(super) memory: LookupMemory,
    /// Where the lists this replica served left their query cursors.
    pub(super) cursors: CursorMemory,
    /// Holds removals past the threshold (see [`super::guard`]).
    pub guard: RemovalGuard,
    /// Outcomes and policy refusals, counted for `/metrics` (the client's meter).
    pub meter: Meter,
    /// The latest failed requests, for the sync status.
    pub failures: RecentFailures,
}

impl Connection {
    pub fn new(spec: ConnectionSpec, client: SalesforceClient) -> Self {
        let guard = RemovalGuard::new(spec.removal_guard);
        let meter = client.meter().clone();
        Connection {
            meter,
            failures: RecentFailures::default(),
            spec,
            client,
            memory: LookupMemory::default(),
            cursors: CursorMemory::default(),
            guard,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn object(&self) -> SObject {
        self.spec.mapping.object
    }

    pub fn mapping(&self) -> &Mapping {
        &self.spec.mapping
    }

    pub fn policy(&self) -> &Policy {
        &self.spec.policy
    }

    /// The resource types this connection serves, for discovery.
    pub fn resource_types(&self) -> &'static [ResourceType] {
        // User first: clients (Entra's tests among them) read the first entry as the users'.
        if self.spec.groups.is_some() {
            &[USER, GROUP]
        } else {
            &[USER]
        }
    }

    /// "Contact 003…", for messages.
    pub(super) fn subject(&self, id: &str) -> String {
        format!("{} {id}", self.object())
    }

    /// The SCIM error for a Salesforce failure on record `id`.
    pub(super) fn fail(&self, id: &str, e: SfError) -> ScimError {
        into_scim(e, self.name(), self.mapping(), &self.subject(id))
    }

    /// The SCIM error for a failure of an operation on no single record (a list, a match).
    pub(super) fn fail_for(&self, what: &str, e: SfError) -> ScimError {
        into_scim(e, self.name(), self.mapping(), what)
    }

    /// The fields read for every person: the mapped ones plus what `meta` and the converted-Lead
    /// handling need.
    pub(super) fn select_fields(&self) -> Vec<FieldName> {
        let mut out = vec![
            fields::ID,
            fields::CREATED_DATE,
            fields::LAST_MODIFIED_DATE,
            fields::SYSTEM_MODSTAMP,
        ];
        if self.object().is_convertible() {
            out.push(fields::IS_CONVERTED);
            out.push(fields::CONVERTED_CONTACT_ID);
        }
        for f in self.mapping().fields() {
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }

    /// Rejects ids that cannot be a record of this connection's object without asking
    /// Salesforce (`/Users/0` must answer 404, and a Lead id on the Contact connection is not a
    /// user here).
    pub(super) fn check_id(&self, id: &str) -> Result<()> {
        let prefix = self.object().key_prefix();
        if is_record_id(id) && id.starts_with(prefix) {
            Ok(())
        } else {
            Err(ScimError::not_found(format!(
                "no {object} with id '{id}' (ids on this connection are Salesforce {object} ids starting with {prefix})",
                object = self.object(),
            )))
        }
    }

    /// The person behind `id`, with [`Self::select_fields`]: a record of this connection's
    /// object whose key is set. Any other record is not one of this connection's people and
    /// answers 404 like a missing one (RFC 7644 §3.6: after a DELETE, every operation on the
    /// resource answers 404).
    pub(super) async fn fetch(&self, id: &str) -> Result<Record> {
        self.check_id(id)?;
        let record = self
            .client
            .get(self.object(), id, &self.select_fields())
            .await
            .map_err(|e| self.fail(id, e))?;
        if self.key_of(&record).is_none() {
            return Err(ScimError::not_found(format!(
                "no User with id '{id}' on connection '{}'",
                self.name()
            )));
        }
        Ok(record)
    }

    /// The key (userName) a record holds, when it is one of this connection's people.
    pub(super) fn key_of<'r>(&self, record: &'r Record) -> Option<&'r str> {
        get_ci(record, self.mapping().key.as_str())
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
    }

    /// The condition that selects this connection's people: their key is set.
    pub(super) fn people(&self) -> Condition {
        Condition::Compare {
            field: self.mapping().key.clone(),
            op: CompareOp::Ne,
            value: SoqlValue::Null,
        }
    }

    /// What releases a person from the connection: the key cleared.
    pub(super) fn release(&self) -> Record {
        let mut r = Record::new();
        r.insert(self.mapping().key.to_string(), Value::Null);
        r
    }

    /// The SCIM User for a record (RFC 7643 §4.1, with `meta` per §3.1).
    pub fn resource(&self, ctx: &Ctx<'_>, record: &Record) -> Resource {
        let id = get_ci(record, "Id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let view = self.mapping().view_from_record(record);
        let mut resource = Resource::new(&USER, ctx.base_url, id, self.mapping().render(&view));
        resource.meta.created = timestamp(record, "CreatedDate");
        resource.meta.last_modified = timestamp(record, "LastModifiedDate");
        resource.meta.version = version_of(record);
        resource
    }

    /// `If-Match` (RFC 7644 §3.14): a stale version is refused before anything is written.
    pub(super) fn check_version(&self, record: &Record, if_match: Option<&str>) -> Result<()> {
        let Some(wanted) = if_match else {
            return Ok(());
        };
        if wanted.trim() == "*" {
            return Ok(());
        }
        let current = version_of(record).unwrap_or_default();
        let matches = wanted
            .split(',')
            .map(str::trim)
            .any(|w| w.trim_start_matches("W/") == current.trim_start_matches("W/"));
        if matches {
            Ok(())
        } else {
            Err(ScimError::precondition_failed(format!(
                "the User changed since version {wanted}; it is now {current} (RFC 7644 §3.14): GET it and retry"
            )))
        }
    }

    /// Whether the record is a converted Lead (read-only in Salesforce).
    pub(super) fn is_converted(&self, record: &Record) -> bool {
        self.object().is_convertible()
            && get_ci(record, "IsConverted").and_then(Value::as_bool) == Some(true)
    }

    /// Whether disabling is possible at all on this connection.
    pub(super) fn can_disable(&self) -> bool {
        self.mapping().disable.is_some() && self.policy().allow_disable
    }
}

/// Salesforce's `2026-11-28T03:50:17.000+0000` as RFC 3339 (`…Z`), as SCIM's dateTime wants.
pub(super) fn timestamp(record: &Record, field: &str) -> Option<String> {
    let raw = get_ci(record, field)?.as_str()?;
    parse_sf_datetime(raw).map(|d| {
        d.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    })
}

fn parse_sf_datetime(raw: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(raw))
        .ok()
}

/// The weak ETag of a record (RFC 7644 §3.14): its `SystemModstamp`, which Salesforce changes on
/// every write.
fn version_of(record: &Record) -> Option<String> {
    let raw = get_ci(record, "SystemModstamp")?.as_str()?;
    let stamp = parse_sf_datetime(raw)
        .map(|d| d.timestamp_millis().to_string())
        .unwrap_or_else(|| raw.chars().filter(char::is_ascii_alphanumeric).collect());
    Some(format!("W/\"{stamp}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(v: Value) -> Record {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn salesforce_timestamps_become_rfc_3339_in_utc() {
        let r = record(json!({"CreatedDate": "2026-11-28T03:50:17.000+0100"}));
        assert_eq!(
            timestamp(&r, "CreatedDate").as_deref(),
            Some("2026-11-28T02:50:17.000Z")
        );
        assert_eq!(timestamp(&r, "LastModifiedDate"), None);
    }

    #[test]
    fn the_version_is_a_weak_etag_from_system_modstamp() {
        let r = record(json!({"SystemModstamp": "2026-11-28T03:50:17.123+0000"}));
        assert_eq!(version_of(&r).as_deref(), Some("W/\"1795837817123\""));
        let odd = record(json!({"SystemModstamp": "not a date!"}));
        assert_eq!(version_of(&odd).as_deref(), Some("W/\"notadate\""));
    }
}
