//! Writing a connection's people: create (match on the match field, then link or create, RFC
//! 7644 §3.3), replace (§3.5.1), patch (§3.5.2) and delete (§3.6) under the policy toggles.
//! Every answer shows what Salesforce holds afterwards; what a toggle stopped is a notice.

use serde_json::Value;

use super::connection::{Connection, Result};
use super::guard::{self, RemovalKind};
use super::notices;
use super::policy::{OnExisting, RemoveAction};
use super::{Ctx, Outcome, Removal};
use crate::mapping::view::View;
use crate::salesforce::{MatchKey, Record};
use crate::scim::error::ScimError;
use crate::scim::patch::PatchOperation;
use crate::scim::values::get_ci;
use crate::telemetry::Outcome as TelemetryOutcome;

impl Connection {
    /// `POST /Users` (RFC 7644 §3.3): a userName this connection already has is a 409; a
    /// record without a key that matches on the match field (Email) is adopted (its key set,
    /// the mapped attributes applied); otherwise a record is created with the key set. The key
    /// field is unique in Salesforce, so two replicas racing, or an IdP resending, can never make
    /// two records: the loser gets Salesforce's `DUPLICATE_VALUE`, answered 409.
    pub async fn create(&self, ctx: &Ctx<'_>, body: &Value) -> Result<Outcome> {
        let _busy = self.client.busy();
        let view = self.mapping().view_from_scim(body)?;
        let user_name = self.required_user_name(&view, "create a User")?;
        let mut notices = Vec::new();
        let policy = self.policy();
        // Disabling on create is decided below, once it is known whether a record is created
        // (an adopted record goes through the update path, which applies the same toggle).
        let create_disabled_refused = view.active == Some(false) && !policy.allow_disable;
        let values = self.mapping().fields_for_create(&View {
            active: if create_disabled_refused {
                None
            } else {
                view.active
            },
            ..view.clone()
        });
        let key = MatchKey {
            field: self.mapping().key.clone(),
            value: user_name.clone(),
        };
        let adoptable = self.match_key(&values);
        let select = self.select_fields();
        let remembered = self
            .memory
            .take(&user_name, adoptable.as_ref().map(|m| m.value.as_str()));
        let found = match remembered {
            Some(found) => found,
            None => self
                .client
                .find_for_create(self.object(), &key, adoptable.as_ref(), &select)
                .await
                .map_err(|e| self.fail_for(&format!("the {} match", self.object()), e))?,
        };
        self.memory.forget(&user_name);
        let holds_key = |r: &&Record| {
            self.key_of(r)
                .is_some_and(|k| k.eq_ignore_ascii_case(&user_name))
        };
        if let Some(holder) = found.iter().find(holds_key) {
            return Err(ScimError::uniqueness(format!(
                "connection '{}' already has a User with this userName (id {}); find it with GET /Users?filter=userName eq \"<the userName>\"",
                self.name(),
                get_ci(holder, "Id").and_then(Value::as_str).unwrap_or("-"),
            )));
        }
        let existing = found.into_iter().next();
        if let (Some(promotion), Some(m)) = (&self.spec.promotion, &adoptable) {
            let lead = self
                .client
                .find_unconverted_lead(m, promotion.lead_key.as_ref())
                .await
                .map_err(|e| self.fail_for("the Lead to promote", e))?;
            if let Some(lead) = lead {
                if existing.is_none() && !policy.allow_create {
                    self.meter.policy_refusal("allow_create");
                    return Err(ScimError::forbidden(format!(
                        "creating Contacts is turned off for connection '{}' (policy.allow_create = false), so the Lead with this {} is not promoted; nothing was written to Salesforce",
                        self.name(),
                        m.field
                    )));
                }
                return self.promote(ctx, lead, existing, view, m, notices).await;
            }
        }
        if let (Some(existing), Some(m)) = (existing, &adoptable) {
            return self.adopt(ctx, existing, view, m, notices).await;
        }
        if !policy.allow_create {
            self.meter.policy_refusal("allow_create");
            return Err(ScimError::forbidden(format!(
                "creating {object}s is turned off for connection '{name}' (policy.allow_create = false) and no {object} without a key has the same {field}; nothing was written to Salesforce",
                object = self.object(),
                name = self.name(),
                field = self.spec.match_field,
            )));
        }
        if create_disabled_refused {
            self.meter.policy_refusal("allow_disable");
            notices.push(notices::created_active(self.object()));
        }
        self.check_time_for_create(ctx)?;
        let record = self
            .client
            .create_and_get(self.object(), &values, Some(&key), &select)
            .await
            .map_err(|e| self.fail_for(&format!("the new {}", self.object()), e))?;
        let new_id = get_ci(&record, "Id").and_then(Value::as_str).unwrap_or("-");
        tracing::info!(connection = self.name(), id = new_id, "created");
        self.meter.outcome(TelemetryOutcome::Created);
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
    }

    /// A create that found a record without a key with the same match value: with
    /// `on_existing = "link"` (the connector's behaviour) it becomes this person: key set,
    /// mapped attributes applied, enabled unless the body says `active: false`.
    async fn adopt(
        &self,
        ctx: &Ctx<'_>,
        existing: Record,
        view: View,
        matched: &MatchKey,
        mut notices: Vec<String>,
    ) -> Result<Outcome> {
        let id = get_ci(&existing, "Id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if self.spec.on_existing == OnExisting::Conflict {
            return Err(ScimError::uniqueness(format!(
                "a {} with the same {} already exists (id {id}) and on_existing = \"conflict\" forbids adopting it",
                self.object(),
                matched.field,
            )));
        }
        notices.push(notices::linked(self.object(), &id, &matched.field));
        // Re-provisioning someone a remove action disabled enables them again.
        let view = View {
            active: Some(view.active.unwrap_or(true)),
            ..view
        };
        let record = self
            .write_changes(&id, &existing, &view, Write::Adopt, &mut notices)
            .await?;
        tracing::info!(connection = self.name(), id = %id, "create adopted an existing record");
        self.meter.outcome(TelemetryOutcome::Adopted);
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
    }

    /// `userName`, which every User has (RFC 7643 §4.1.1) and the key field holds.
    fn required_user_name(&self, view: &View, what: &str) -> Result<String> {
        let user_name = self
            .mapping()
            .user_name(view)
            .map(str::to_string)
            .ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "'userName' is required to {what} (RFC 7643 §4.1.1)"
                ))
            })?;
        // The key field is a Text(255): a longer userName cannot be kept (nor queried).
        if user_name.chars().count() > MAX_USER_NAME_CHARS {
            return Err(ScimError::invalid_value(format!(
                "'userName' is {} characters long; the key field {} holds at most {MAX_USER_NAME_CHARS}",
                user_name.chars().count(),
                self.mapping().key
            )));
        }
        Ok(user_name)
    }

    /// The match field and value a create may adopt a record by, when the request has one.
    fn match_key(&self, values: &Record) -> Option<MatchKey> {
        let field = &self.spec.match_field;
        get_ci(values, field.as_str())
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .map(|value| MatchKey {
                field: field.clone(),
                value: value.to_string(),
            })
    }

    /// A create is sent only while a whole Salesforce call still fits before the request's
    /// deadline: one cut off by the deadline could commit after the IdP's retry looked for it,
    /// and the retry would then create the person a second time.
    fn check_time_for_create(&self, ctx: &Ctx<'_>) -> Result<()> {
        let Some(deadline) = ctx.deadline else {
            return Ok(());
        };
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left >= self.spec.call_timeout {
            return Ok(());
        }
        tracing::warn!(
            connection = self.name(),
            left_ms = left.as_millis() as u64,
            "not enough time left to create safely; nothing sent"
        );
        Err(ScimError::service_unavailable(
            "Salesforce is answering slowly and the create could not finish before this request's deadline, so it was not sent; retry the request",
        ))
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
        let _busy = self.client.busy();
        self.check_held(id)?;
        let current = self.fetch(id).await?;
        self.check_version(&current, if_match)?;
        let view = self.mapping().view_from_scim(body)?;
        self.required_user_name(&view, "replace a User (a PUT carries the whole User)")?;
        self.write_view(ctx, id, &current, &view).await
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
        let _busy = self.client.busy();
        self.check_held(id)?;
        let current = self.fetch(id).await?;
        self.check_version(&current, if_match)?;
        let before = self.mapping().view_from_record(&current);
        let mut view = before.clone();
        self.mapping().apply_patch(&mut view, ops)?;
        if let Some(attr) = self.mapping().required_removed(&before, &view) {
            return Err(ScimError::mutability(format!(
                "'{attr}' is required and cannot be removed (RFC 7644 §3.5.2.2); replace it with a new value instead"
            )));
        }
        self.write_view(ctx, id, &current, &view).await
    }

    /// The shared tail of PUT and PATCH: absent attributes clear their fields.
    async fn write_view(
        &self,
        ctx: &Ctx<'_>,
        id: &str,
        current: &Record,
        view: &View,
    ) -> Result<Outcome> {
        let deactivates = view.active == Some(false)
            && self.policy().allow_disable
            && self.mapping().disable.is_some()
            && self.mapping().view_from_record(current).active != Some(false);
        if deactivates {
            self.admit_removal(id, RemovalKind::Deactivate)?;
        }
        let mut notices = Vec::new();
        // A rename changes which userName holds the record: forget both.
        if let Some(old) = self.key_of(current) {
            self.memory.forget(old);
        }
        if let Some(new) = self.mapping().user_name(view) {
            self.memory.forget(new);
        }
        let record = self
            .write_changes(id, current, view, Write::Replace, &mut notices)
            .await?;
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
    }

    /// Writes what `view` changes in `current` under the policy, and returns the record as
    /// Salesforce then holds it. A replace clears the fields of absent attributes (PUT, PATCH);
    /// an adoption leaves them alone, and sets the key whatever `allow_update` says (the key is
    /// the bridge's bookkeeping: without it the person would not be on the connection).
    pub(super) async fn write_changes(
        &self,
        id: &str,
        current: &Record,
        view: &View,
        mode: Write,
        notices: &mut Vec<String>,
    ) -> Result<Record> {
        let policy = self.policy();
        let mapping = self.mapping();
        let clear_missing = mode == Write::Replace;
        let mut changes = mapping.changes_for_update(view, current, clear_missing);
        let forced_key = match mode {
            Write::Adopt => changes
                .remove(mapping.key.as_str())
                .map(|v| (mapping.key.to_string(), v)),
            Write::Replace => None,
        };
        // What the write did to the mapped fields; said only once the write really happened.
        let mut outcome = Vec::new();
        if policy.allow_update {
            let ignored = mapping.create_only_ignored(view, current, &changes);
            if !ignored.is_empty() {
                outcome.push(notices::create_only_kept(&ignored));
            }
            let cleared: Vec<&str> = changes
                .iter()
                .filter(|(_, v)| v.is_null())
                .map(|(k, _)| k.as_str())
                .collect();
            if !cleared.is_empty() {
                outcome.push(notices::cleared(&cleared));
            }
            if clear_missing {
                let kept = mapping.required_kept(view, current);
                if !kept.is_empty() {
                    outcome.push(notices::required_kept(&kept));
                }
            }
        }
        let mut disables = false;
        let active_field = mapping.disable.as_ref().map(|d| d.field.to_string());
        let active_change = active_field
            .as_ref()
            .and_then(|f| changes.remove(f).map(|v| (f.clone(), v)));
        if !changes.is_empty() && !policy.allow_update {
            self.meter.policy_refusal("allow_update");
            notices.push(notices::updates_off(
                &changes.keys().cloned().collect::<Vec<_>>(),
            ));
            changes.clear();
        }
        if let Some((field, value)) = active_change {
            if policy.allow_disable {
                disables = mapping
                    .disable
                    .as_ref()
                    .is_some_and(|d| d.disabled_value == value);
                changes.insert(field, value);
            } else {
                self.meter.policy_refusal("allow_disable");
                notices.push(notices::active_change_off());
            }
        }
        changes.extend(forced_key);
        if changes.is_empty() {
            notices.extend(outcome);
            return Ok(current.clone());
        }
        if self.is_converted(current) {
            notices.push(notices::converted(current));
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
        if mode == Write::Replace {
            self.meter.outcome(if disables {
                TelemetryOutcome::Disabled
            } else {
                TelemetryOutcome::Updated
            });
        }
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
        match self
            .client
            .update_and_get(self.object(), id, changes, &self.select_fields())
            .await
        {
            Ok(record) => Ok(Some(record)),
            Err(e) if e.has_code("CANNOT_UPDATE_CONVERTED_LEAD") => {
                let now = self.fetch(id).await?;
                notices.push(notices::converted(&now));
                tracing::warn!(
                    connection = self.name(),
                    id,
                    "update refused: the Lead was converted meanwhile"
                );
                Ok(None)
            }
            Err(e) => Err(self.fail(id, e)),
        }
    }

    /// `DELETE /Users/{id}` (RFC 7644 §3.6): the remove action decides what happens to the
    /// record, and in every case the person leaves the connection (the key is released in the
    /// same request), so every later operation on the id answers 404 and a later create adopts
    /// the same record again.
    pub async fn delete(&self, id: &str, if_match: Option<&str>) -> Result<Removal> {
        let _busy = self.client.busy();
        self.check_held(id)?;
        let current = self.fetch(id).await?;
        if let Some(key) = self.key_of(&current) {
            self.memory.forget(key);
        }
        self.check_version(&current, if_match)?;
        self.admit_removal(id, RemovalKind::Delete)?;
        let policy = self.policy();
        let subject = self.subject(id);
        let mut removal = Removal::default();
        if !policy.allow_deprovision {
            self.meter.policy_refusal("allow_deprovision");
            removal.notices.push(notices::deprovision_off(&subject));
            self.leave(id, &current, false, &mut removal.notices)
                .await?;
            return Ok(removal);
        }
        match policy.remove_action {
            RemoveAction::Delete if policy.allow_delete => {
                // A converted Lead is read-only, even its key: it is deleted as it is.
                let deleted = if self.is_converted(&current) {
                    self.client.delete(self.object(), id).await
                } else {
                    self.client
                        .release_and_delete(self.object(), id, &self.release())
                        .await
                };
                match deleted {
                    Ok(()) => {
                        tracing::info!(connection = self.name(), id, "deleted");
                        self.meter.outcome(TelemetryOutcome::Deleted);
                    }
                    Err(e) if e.has_code("DELETE_FAILED") && self.can_disable() => {
                        removal.notices.push(notices::disabled_instead_of_deleted(
                            &subject,
                            "DELETE_FAILED",
                        ));
                        tracing::warn!(connection = self.name(), id, error = %super::error::loggable(&e), "delete refused; disabled instead");
                        self.leave(id, &current, true, &mut removal.notices).await?;
                    }
                    Err(e) => return Err(self.fail(id, e)),
                }
            }
            RemoveAction::Delete => {
                self.meter.policy_refusal("allow_delete");
                removal.notices.push(notices::delete_off(&subject));
                self.leave(id, &current, false, &mut removal.notices)
                    .await?;
            }
            RemoveAction::Disable => {
                if !policy.allow_disable {
                    self.meter.policy_refusal("allow_disable");
                    removal.notices.push(notices::disable_off(&subject));
                }
                self.leave(id, &current, policy.allow_disable, &mut removal.notices)
                    .await?;
            }
        }
        Ok(removal)
    }

    /// Asks the removal guard whether a removal of `id` may go ahead now; a held one is a 429
    /// the IdP retries after `Retry-After` (see [`super::guard`]).
    fn admit_removal(&self, id: &str, kind: RemovalKind) -> Result<()> {
        self.guard
            .admit(id, kind, std::time::Instant::now())
            .map_err(|held| {
                tracing::warn!(
                    connection = self.name(),
                    id,
                    ?kind,
                    "removal held by the removal guard"
                );
                self.meter.policy_refusal("removal_guard");
                self.held(&held)
            })
    }

    /// A 429 without a Salesforce request when a removal of `id` is already held.
    fn check_held(&self, id: &str) -> Result<()> {
        self.guard.check_held(id).map_err(|held| {
            self.meter.policy_refusal("removal_guard");
            self.held(&held)
        })
    }

    fn held(&self, held: &guard::Held) -> ScimError {
        ScimError::too_many_requests(format!(
            "removal held by the removal guard: {} removals within {} s reached this connection's threshold of {}; an admin releases or discards held removals at /admin/connections/{}/removals, and a released one succeeds on the next retry",
            held.removals_in_window,
            held.window.as_secs(),
            held.max_removals,
            self.name()
        ))
        .with_retry_after(guard::RETRY_AFTER_SECS)
    }

    /// Releases the person's key, disabling the record in the same write when `disable`.
    async fn leave(
        &self,
        id: &str,
        current: &Record,
        disable: bool,
        notices: &mut Vec<String>,
    ) -> Result<()> {
        let mut changes = self.release();
        if disable {
            let view = View {
                active: Some(false),
                ..self.mapping().view_from_record(current)
            };
            self.mapping().active_change(&view, current, &mut changes);
        }
        if self.is_converted(current) {
            // Salesforce keeps converted Leads read-only: not even the key can be released.
            notices.push(notices::converted(current));
            return Ok(());
        }
        match self.client.update(self.object(), id, &changes).await {
            Ok(()) => {
                tracing::info!(
                    connection = self.name(),
                    id,
                    disabled = disable,
                    "left the connection"
                );
                if disable {
                    self.meter.outcome(TelemetryOutcome::Disabled);
                }
                Ok(())
            }
            Err(e) if e.has_code("CANNOT_UPDATE_CONVERTED_LEAD") => {
                notices.push(notices::converted(&self.fetch(id).await?));
                Ok(())
            }
            Err(e) => Err(self.fail(id, e)),
        }
    }
}

/// The longest userName: the key field is a Text(255) (the longest External ID text field).
const MAX_USER_NAME_CHARS: usize = 255;

/// How [`Connection::write_changes`] treats what the request leaves out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Write {
    /// PUT, PATCH: absent attributes clear their fields.
    Replace,
    /// A create adopting an existing record: absent attributes leave fields alone.
    Adopt,
}
