//! Provisioning: what each SCIM operation does in Salesforce under a connection's policy.
//!
//! This is the connector's semantics: one record type per connection; people matched on the
//! match field (Email) so that a create links an existing record instead of duplicating it;
//! independent toggles for create, update, disable, delete and deprovision; the remove action;
//! and the `update` flag on mapping rows. Every answer shows what is really in Salesforce: when
//! a toggle stops a change, the resource comes back as Salesforce holds it, with a notice that
//! the HTTP layer sends as the `X-Scim-Bridge-Notice` header (and that is logged).
//!
//! No actix here: handlers call these functions with parsed SCIM input.

pub mod error;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::config::{ConnectionConfig, OnExisting, RemoveAction};
use crate::mapping::filter::is_salesforce_id;
use crate::mapping::view::{get_ci, Mapping, View};
use crate::mapping::RecordType;
use crate::salesforce::soql::{Condition, Folded, SoqlValue};
use crate::salesforce::{FieldName, MatchKey, Record, SalesforceClient, Select};
use crate::scim::error::ScimError;
use crate::scim::list::{list_response, project, ListQuery};
use crate::scim::patch::PatchOperation;
use crate::scim::urn;

pub use error::ProvisionError;

/// How deep a list may page (each 2,000 rows cost one Salesforce API request): beyond it, a
/// bearer-token holder could spend the org's daily allowance with one request.
const MAX_LIST_DEPTH: u64 = 100_000;

/// One connection at run time: its configuration, mapping and Salesforce client.
pub struct Connection {
    pub config: ConnectionConfig,
    pub mapping: Mapping,
    pub client: SalesforceClient,
    /// The largest page a list returns.
    pub max_results: u64,
}

/// A successful operation: the resource as Salesforce now holds it, and what the IdP should
/// know about policy decisions taken on the way.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub resource: Value,
    pub notices: Vec<String>,
}

/// The result of a DELETE.
#[derive(Debug, Clone, Default)]
pub struct Removal {
    pub notices: Vec<String>,
}

/// Request-independent facts the SCIM answers need.
pub struct Ctx<'a> {
    /// `https://bridge.example.com/scim/v2/contacts`: for `meta.location`.
    pub base_url: &'a str,
    /// When the IdP's answer is due. A create is sent only while a whole Salesforce call still
    /// fits before it: a create cut off by the deadline could commit after the IdP's retry
    /// looked for it, and the retry would then create the person a second time.
    pub deadline: Option<std::time::Instant>,
}

type Result<T> = std::result::Result<T, ScimError>;

impl Connection {
    pub fn new(config: ConnectionConfig, client: SalesforceClient, max_results: u64) -> Self {
        let mapping = Mapping {
            record_type: config.record_type,
            rows: config.mapping.clone(),
            disable: config.disable.clone(),
        };
        Connection {
            config,
            mapping,
            client,
            max_results,
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    fn object(&self) -> &'static str {
        self.config.record_type.as_str()
    }

    fn subject(&self, id: &str) -> String {
        format!("{} {id}", self.object())
    }

    fn fail(&self, id: &str) -> impl Fn(ProvisionError) -> ScimError + '_ {
        let subject = self.subject(id);
        move |e| e.into_scim(&self.config.name, &self.mapping, &subject)
    }

    fn sf<T>(&self, id: &str, r: std::result::Result<T, crate::salesforce::SfError>) -> Result<T> {
        r.map_err(|e| self.fail(id)(ProvisionError::Salesforce(e)))
    }

    /// The fields read for every person: the mapped ones plus what `meta` and the converted-Lead
    /// handling need.
    fn select_fields(&self) -> Vec<FieldName> {
        let mut names: Vec<String> = vec![
            "Id".into(),
            "CreatedDate".into(),
            "LastModifiedDate".into(),
            "SystemModstamp".into(),
        ];
        if self.config.record_type == RecordType::Lead {
            names.push("IsConverted".into());
            names.push("ConvertedContactId".into());
        }
        let mut out: Vec<FieldName> = names
            .iter()
            .filter_map(|n| FieldName::new(n).ok())
            .collect();
        for f in self.mapping.fields() {
            if !out
                .iter()
                .any(|o| *o == f)
            {
                out.push(f);
            }
        }
        out
    }

    /// Rejects ids that cannot be a record of this connection's type without asking Salesforce
    /// (`/Users/0` must answer 404, and a Lead id on the Contact connection is not a user here).
    fn check_id(&self, id: &str) -> Result<()> {
        let prefix = match self.config.record_type {
            RecordType::Contact => "003",
            RecordType::Lead => "00Q",
        };
        if is_salesforce_id(id) && id.starts_with(prefix) {
            Ok(())
        } else {
            Err(ScimError::not_found(format!(
                "no {} with id '{id}' (ids on this connection are Salesforce {} ids starting with {prefix})",
                self.object(),
                self.object()
            )))
        }
    }

    async fn fetch(&self, id: &str) -> Result<Record> {
        self.check_id(id)?;
        let fields = self.select_fields();
        let names: Vec<&str> = fields.iter().map(FieldName::as_str).collect();
        self.sf(id, self.client.get(self.object(), id, &names).await)
    }

    /// The SCIM User for a record (RFC 7643 §4.1, with `meta` per §3.1).
    pub fn resource(&self, ctx: &Ctx<'_>, record: &Record) -> Value {
        let id = get_ci(record, "Id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let view = self.mapping.view_from_record(record);
        let attributes = self.mapping.render(&view);
        let mut schemas = vec![Value::String(urn::USER_SCHEMA.into())];
        if attributes.contains_key(urn::ENTERPRISE_USER_SCHEMA) {
            schemas.push(Value::String(urn::ENTERPRISE_USER_SCHEMA.into()));
        }
        let mut out = Map::new();
        out.insert("schemas".into(), Value::Array(schemas));
        out.insert("id".into(), Value::String(id.to_string()));
        out.extend(attributes);
        let mut meta = Map::new();
        meta.insert("resourceType".into(), json!("User"));
        if let Some(c) = timestamp(record, "CreatedDate") {
            meta.insert("created".into(), Value::String(c));
        }
        if let Some(m) = timestamp(record, "LastModifiedDate") {
            meta.insert("lastModified".into(), Value::String(m));
        }
        meta.insert(
            "location".into(),
            Value::String(format!("{}/Users/{id}", ctx.base_url)),
        );
        if let Some(v) = version_of(record) {
            meta.insert("version".into(), Value::String(v));
        }
        out.insert("meta".into(), Value::Object(meta));
        Value::Object(out)
    }

    /// `GET /Users/{id}`.
    pub async fn get(&self, ctx: &Ctx<'_>, id: &str) -> Result<Value> {
        let record = self.fetch(id).await?;
        Ok(self.resource(ctx, &record))
    }

    /// `GET /Users` and `POST /Users/.search` (RFC 7644 §3.4.2, §3.4.3). Pages are ordered by Id,
    /// so paging is stable; SOQL's 2,000-row OFFSET limit is passed by walking the query cursor.
    pub async fn list(&self, ctx: &Ctx<'_>, q: &ListQuery) -> Result<Value> {
        let condition = match &q.filter {
            Some(f) => Some(self.mapping.to_condition(f)?),
            None => None,
        };
        let count = q.page_size(self.max_results);
        let offset = q.start_index.saturating_sub(1);
        let object =
            FieldName::new(self.object()).map_err(|e| ScimError::internal(e.to_string()))?;
        if matches!(condition.as_ref().map(Condition::fold), Some(Folded::False)) {
            return Ok(list_response(0, q.start_index, Vec::new()));
        }
        let id_field = FieldName::new("Id").map_err(|e| ScimError::internal(e.to_string()))?;
        let mut select = Select::new(object.clone(), self.select_fields());
        select.filter = condition.clone();
        select.order_by = vec![(id_field.clone(), true)];
        let (total, records) = if count == 0 {
            let page = self.sf(
                "list",
                self.client
                    .query(&Select::count(object, condition), None)
                    .await,
            )?;
            (page.total_size, Vec::new())
        } else {
            self.page(select, offset, count).await?
        };
        let resources = records
            .iter()
            .map(|r| {
                project(
                    &self.resource(ctx, r),
                    &q.attributes,
                    &q.excluded_attributes,
                )
            })
            .collect();
        Ok(list_response(total, q.start_index, resources))
    }

    /// One page, read through the query cursor in Id order: no OFFSET (whose `totalSize` is
    /// not the whole count and which stops at 2,000 rows), so `totalSize` is exact and a page
    /// within the first 2,000 rows costs one API call; deeper pages cost one call per 2,000
    /// rows, up to [`MAX_LIST_DEPTH`].
    async fn page(&self, select: Select, offset: u64, count: u64) -> Result<(u64, Vec<Record>)> {
        let batch = u32::try_from(offset.saturating_add(count).clamp(200, 2000)).unwrap_or(2000);
        let mut page = self.sf("list", self.client.query(&select, Some(batch)).await)?;
        let total = page.total_size;
        if offset >= total {
            return Ok((total, Vec::new()));
        }
        if offset > MAX_LIST_DEPTH {
            return Err(ScimError::invalid_value(format!(
                "startIndex {} is deeper than this bridge pages ({MAX_LIST_DEPTH} rows, {total} match): narrow the list with a filter",
                offset + 1
            )));
        }
        let mut seen: u64 = 0;
        let mut wanted: Vec<Record> = Vec::new();
        loop {
            for record in std::mem::take(&mut page.records) {
                if seen >= offset && (wanted.len() as u64) < count {
                    wanted.push(record);
                }
                seen += 1;
            }
            let full = (wanted.len() as u64) >= count;
            match (&page.next_records_url, full) {
                (Some(next), false) if !page.done => {
                    page = self.sf("list", self.client.query_more(next).await)?;
                }
                _ => break,
            }
        }
        Ok((total, wanted))
    }

    /// `POST /Users`: match on the match field, then link or create (RFC 7644 §3.3).
    pub async fn create(&self, ctx: &Ctx<'_>, body: &Value) -> Result<Outcome> {
        let view = self.mapping.view_from_scim(body)?;
        let has_user_name = body
            .get("userName")
            .or_else(|| body.as_object().and_then(|o| get_ci(o, "userName")))
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty());
        if !has_user_name {
            return Err(ScimError::invalid_value(
                "'userName' is required to create a User (RFC 7643 §4.1.1)",
            ));
        }
        let mut notices = Vec::new();
        let policy = &self.config.policy;
        // Disabling on create is decided below, once it is known whether a record is created
        // (a linked record goes through the update path, which applies the same toggle).
        let create_disabled_refused = view.active == Some(false) && !policy.allow_disable;
        let fields = self.mapping.fields_for_create(&View {
            active: if create_disabled_refused {
                None
            } else {
                view.active
            },
            ..view.clone()
        });
        let match_field = &self.config.match_field;
        let match_value = get_ci(&fields, match_field.as_str())
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "this connection matches people on {field}, but the request carries no value for it: send {attrs}",
                    field = match_field.as_str(),
                    attrs = self
                        .mapping
                        .rows
                        .iter()
                        .filter(|r| r.field == *match_field)
                        .map(|r| r.attr.to_string())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ))
            })?;
        if let Some(existing) = self.find_by_match(match_field, &match_value).await? {
            let id = get_ci(&existing, "Id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if self.config.on_existing == OnExisting::Conflict {
                return Err(ScimError::uniqueness(format!(
                    "a {} with {} '{match_value}' already exists (id {id}); find it with GET /Users?filter=userName eq \"{match_value}\"",
                    self.object(),
                    match_field.as_str()
                )));
            }
            notices.push(format!(
                "linked to the existing {} {id}, which has the same {}",
                self.object(),
                match_field.as_str()
            ));
            // A create provisions an active person: re-provisioning someone a remove action
            // disabled enables them again, unless the body itself says `active: false`.
            let view = View {
                active: Some(view.active.unwrap_or(true)),
                ..view
            };
            let record = self
                .write_changes(&id, &existing, &view, false, &mut notices)
                .await?;
            tracing::info!(connection = self.name(), id = %id, "create linked an existing record");
            return Ok(Outcome {
                resource: self.resource(ctx, &record),
                notices,
            });
        }
        if !policy.allow_create {
            return Err(ScimError::forbidden(format!(
                "creating {}s is turned off for connection '{}' (policy.allow_create = false) and no {} has {} '{match_value}'; nothing was written to Salesforce",
                self.object(),
                self.name(),
                self.object(),
                match_field.as_str()
            )));
        }
        if create_disabled_refused {
            notices.push(format!(
                "disabling is turned off (policy.allow_disable = false): the {} was created active",
                self.object()
            ));
        }
        if let Some(deadline) = ctx.deadline {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left < self.config.salesforce.timeout {
                tracing::warn!(
                    connection = self.name(),
                    left_ms = left.as_millis() as u64,
                    "not enough time left to create safely; nothing sent"
                );
                return Err(ScimError::service_unavailable(
                    "Salesforce is answering slowly and the create could not finish before this request's deadline, so it was not sent; retry the request",
                ));
            }
        }
        let key = MatchKey {
            field: match_field.clone(),
            value: match_value,
        };
        let select = self.select_fields();
        let names: Vec<&str> = select.iter().map(FieldName::as_str).collect();
        let record = self.sf(
            "new",
            self.client
                .create_and_get(self.object(), &fields, Some(&key), &names)
                .await,
        )?;
        let new_id = get_ci(&record, "Id")
            .and_then(|v| v.as_str())
            .unwrap_or("-");
        tracing::info!(connection = self.name(), id = new_id, "created");
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
    }

    async fn find_by_match(&self, field: &FieldName, value: &str) -> Result<Option<Record>> {
        let object =
            FieldName::new(self.object()).map_err(|e| ScimError::internal(e.to_string()))?;
        let mut select = Select::new(object, self.select_fields());
        select.filter = Some(Condition::eq(
            field.clone(),
            SoqlValue::Str(value.to_string()),
        ));
        if let Ok(created) = FieldName::new("CreatedDate") {
            select.order_by = vec![(created, true)];
        }
        select.limit = Some(2);
        let page = self.sf("match", self.client.query(&select, None).await)?;
        if page.records.len() > 1 {
            tracing::warn!(
                connection = self.name(),
                "more than one record has the match value; linking the oldest"
            );
        }
        Ok(page.records.into_iter().next())
    }

    /// Writes what `view` changes in `current` under the policy, and returns the record as
    /// Salesforce then holds it. With `clear_missing`, absent attributes clear their fields
    /// (PUT, PATCH); without, they are left alone (linking on create).
    async fn write_changes(
        &self,
        id: &str,
        current: &Record,
        view: &View,
        clear_missing: bool,
        notices: &mut Vec<String>,
    ) -> Result<Record> {
        let policy = &self.config.policy;
        let mut changes = self
            .mapping
            .changes_for_update(view, current, clear_missing);
        // What the write did to the mapped fields; said only once the write really happened.
        let mut outcome = Vec::new();
        if policy.allow_update {
            let ignored = self.mapping.create_only_ignored(view, current, &changes);
            if !ignored.is_empty() {
                outcome.push(format!(
                    "{} {} written on create only (update = false in the mapping): Salesforce's value was kept",
                    ignored.join(", "),
                    if ignored.len() == 1 { "is" } else { "are" }
                ));
            }
            let cleared: Vec<&str> = changes
                .iter()
                .filter(|(_, v)| v.is_null())
                .map(|(k, _)| k.as_str())
                .collect();
            if !cleared.is_empty() {
                outcome.push(format!(
                    "cleared in Salesforce (no value in the request): {}",
                    cleared.join(", ")
                ));
            }
            if clear_missing {
                let kept = self.mapping.required_kept(view, current);
                if !kept.is_empty() {
                    outcome.push(format!(
                        "Salesforce requires {}: the request left it without a value, so it was kept",
                        kept.join(", ")
                    ));
                }
            }
        }
        let active_field = self
            .mapping
            .disable
            .as_ref()
            .map(|d| d.field.as_str().to_string());
        let active_change = active_field
            .as_ref()
            .and_then(|f| changes.remove(f).map(|v| (f.clone(), v)));
        if !changes.is_empty() && !policy.allow_update {
            notices.push(format!(
                "updates are turned off (policy.allow_update = false): {} left unchanged",
                changes.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
            changes.clear();
        }
        if let Some((field, value)) = active_change {
            if policy.allow_disable {
                changes.insert(field, value);
            } else {
                notices.push(
                    "enabling and disabling are turned off (policy.allow_disable = false): active left as it is"
                        .to_string(),
                );
            }
        }
        if changes.is_empty() {
            notices.extend(outcome);
            return Ok(current.clone());
        }
        if self.is_converted(current) {
            notices.push(self.converted_notice(current));
            tracing::warn!(
                connection = self.name(),
                id,
                "update skipped: the Lead is converted"
            );
            return Ok(current.clone());
        }
        let Some(record) = self.update_unless_converted(id, &changes, notices).await? else {
            return self.fetch(id).await;
        };
        notices.extend(outcome);
        tracing::info!(
            connection = self.name(),
            id,
            fields = %changes.keys().cloned().collect::<Vec<_>>().join(","),
            "updated"
        );
        Ok(record)
    }

    /// Writes `changes` and reads the record back in one Salesforce request; `None` when
    /// Salesforce refused because the Lead was converted after the bridge read it. That race
    /// ends like a Lead known to be converted: a notice, not a 4xx the IdP would retry forever.
    async fn update_unless_converted(
        &self,
        id: &str,
        changes: &Record,
        notices: &mut Vec<String>,
    ) -> Result<Option<Record>> {
        let select = self.select_fields();
        let names: Vec<&str> = select.iter().map(FieldName::as_str).collect();
        match self
            .client
            .update_and_get(self.object(), id, changes, &names)
            .await
        {
            Ok(record) => Ok(Some(record)),
            Err(e) if e.has_code("CANNOT_UPDATE_CONVERTED_LEAD") => {
                let now = self.fetch(id).await?;
                notices.push(self.converted_notice(&now));
                tracing::warn!(
                    connection = self.name(),
                    id,
                    "update refused: the Lead was converted meanwhile"
                );
                Ok(None)
            }
            Err(e) => Err(self.fail(id)(ProvisionError::Salesforce(e))),
        }
    }

    fn is_converted(&self, record: &Record) -> bool {
        self.config.record_type == RecordType::Lead
            && get_ci(record, "IsConverted").and_then(Value::as_bool) == Some(true)
    }

    fn converted_notice(&self, record: &Record) -> String {
        let contact = get_ci(record, "ConvertedContactId")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        format!(
            "this Lead was converted to Contact {contact}; Salesforce keeps converted Leads read-only, so nothing was changed"
        )
    }

    fn check_version(&self, record: &Record, if_match: Option<&str>) -> Result<()> {
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

    /// `PUT /Users/{id}`: replaces the mapped attributes; fields the mapping does not name are
    /// never touched (RFC 7644 §3.5.1).
    pub async fn replace(
        &self,
        ctx: &Ctx<'_>,
        id: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<Outcome> {
        let current = self.fetch(id).await?;
        self.check_version(&current, if_match)?;
        let view = self.mapping.view_from_scim(body)?;
        let mut notices = Vec::new();
        let record = self
            .write_changes(id, &current, &view, true, &mut notices)
            .await?;
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
    }

    /// `PATCH /Users/{id}` (RFC 7644 §3.5.2): every operation applies to the current state
    /// before anything is written, so a bad operation leaves Salesforce untouched.
    pub async fn patch(
        &self,
        ctx: &Ctx<'_>,
        id: &str,
        ops: &[PatchOperation],
        if_match: Option<&str>,
    ) -> Result<Outcome> {
        let current = self.fetch(id).await?;
        self.check_version(&current, if_match)?;
        let mut view = self.mapping.view_from_record(&current);
        self.mapping.apply_patch(&mut view, ops)?;
        let mut notices = Vec::new();
        let record = self
            .write_changes(id, &current, &view, true, &mut notices)
            .await?;
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
    }

    /// `DELETE /Users/{id}`: the IdP removes the person; the remove action decides what that
    /// means in Salesforce.
    pub async fn delete(&self, id: &str, if_match: Option<&str>) -> Result<Removal> {
        let current = self.fetch(id).await?;
        self.check_version(&current, if_match)?;
        let policy = &self.config.policy;
        let mut removal = Removal::default();
        if !policy.allow_deprovision {
            removal.notices.push(format!(
                "deprovisioning is turned off (policy.allow_deprovision = false): {} was left unchanged",
                self.subject(id)
            ));
            return Ok(removal);
        }
        match policy.remove_action {
            RemoveAction::Delete if policy.allow_delete => {
                match self.client.delete(self.object(), id).await {
                    Ok(()) => {
                        tracing::info!(connection = self.name(), id, "deleted");
                        Ok(removal)
                    }
                    Err(e) if e.has_code("DELETE_FAILED") && self.can_disable() => {
                        removal.notices.push(format!(
                            "Salesforce refused to delete {} ({}); it was disabled instead",
                            self.subject(id),
                            e.code().unwrap_or("DELETE_FAILED")
                        ));
                        tracing::warn!(connection = self.name(), id, error = %error::loggable(&e), "delete refused; disabled instead");
                        self.disable(id, &current, &mut removal.notices).await?;
                        Ok(removal)
                    }
                    Err(e) => Err(self.fail(id)(ProvisionError::Salesforce(e))),
                }
            }
            RemoveAction::Delete => {
                removal.notices.push(format!(
                    "deleting is turned off (policy.allow_delete = false): {} was left unchanged",
                    self.subject(id)
                ));
                Ok(removal)
            }
            RemoveAction::Disable if policy.allow_disable => {
                self.disable(id, &current, &mut removal.notices).await?;
                Ok(removal)
            }
            RemoveAction::Disable => {
                removal.notices.push(format!(
                    "disabling is turned off (policy.allow_disable = false): {} was left unchanged",
                    self.subject(id)
                ));
                Ok(removal)
            }
        }
    }

    fn can_disable(&self) -> bool {
        self.mapping.disable.is_some() && self.config.policy.allow_disable
    }

    async fn disable(&self, id: &str, current: &Record, notices: &mut Vec<String>) -> Result<()> {
        let view = View {
            active: Some(false),
            ..self.mapping.view_from_record(current)
        };
        let mut changes = Record::new();
        self.mapping.active_change(&view, current, &mut changes);
        if changes.is_empty() {
            return Ok(());
        }
        if self.is_converted(current) {
            notices.push(self.converted_notice(current));
            return Ok(());
        }
        if self
            .update_unless_converted(id, &changes, notices)
            .await?
            .is_some()
        {
            tracing::info!(connection = self.name(), id, "disabled");
        }
        Ok(())
    }
}

/// Salesforce's `2026-11-28T03:50:17.000+0000` as RFC 3339 (`…Z`), as SCIM's dateTime wants.
fn timestamp(record: &Record, field: &str) -> Option<String> {
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
