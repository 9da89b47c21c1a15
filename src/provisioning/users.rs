//! Writing a connection's people: create (match on the match field, then link or create, RFC
//! 7644 §3.3), replace (§3.5.1), patch (§3.5.2) and delete (§3.6) under the policy toggles.
//! Every answer shows what Salesforce holds afterwards; what a toggle stopped is a notice.

use serde_json::Value;

use super::connection::{Connection, Result};
use super::notices;
use super::policy::{OnExisting, RemoveAction};
use super::{Ctx, Outcome, Removal};
use crate::mapping::view::View;
use crate::salesforce::{MatchKey, Record};
use crate::scim::error::ScimError;
use crate::scim::patch::PatchOperation;
use crate::scim::values::get_ci;

impl Connection {
    /// `POST /Users`: match on the match field, then link or create.
    pub async fn create(&self, ctx: &Ctx<'_>, body: &Value) -> Result<Outcome> {
        let view = self.mapping().view_from_scim(body)?;
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
        let policy = self.policy();
        // Disabling on create is decided below, once it is known whether a record is created
        // (a linked record goes through the update path, which applies the same toggle).
        let create_disabled_refused = view.active == Some(false) && !policy.allow_disable;
        let values = self.mapping().fields_for_create(&View {
            active: if create_disabled_refused {
                None
            } else {
                view.active
            },
            ..view.clone()
        });
        let key = self.match_key(&values)?;
        let select = self.select_fields();
        let existing = self
            .client
            .find_by_match(self.object(), &key, &select)
            .await
            .map_err(|e| self.fail_for(&format!("the {} match", self.object()), e))?;
        if let Some(existing) = existing.into_iter().next() {
            let id = get_ci(&existing, "Id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if self.spec.on_existing == OnExisting::Conflict {
                return Err(ScimError::uniqueness(format!(
                    "a {} with {} '{}' already exists (id {id}); find it with GET /Users?filter=userName eq \"{}\"",
                    self.object(),
                    key.field,
                    key.value,
                    key.value
                )));
            }
            notices.push(notices::linked(self.object(), &id, &key.field));
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
                "creating {object}s is turned off for connection '{name}' (policy.allow_create = false) and no {object} has {field} '{value}'; nothing was written to Salesforce",
                object = self.object(),
                name = self.name(),
                field = key.field,
                value = key.value,
            )));
        }
        if create_disabled_refused {
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
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
    }

    /// The match key of a create's Salesforce values, or why there is none.
    fn match_key(&self, values: &Record) -> Result<MatchKey> {
        let field = &self.spec.match_field;
        let value = get_ci(values, field.as_str())
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "this connection matches people on {field}, but the request carries no value for it: send {attrs}",
                    attrs = self
                        .mapping()
                        .rows
                        .iter()
                        .filter(|r| r.field == *field)
                        .map(|r| r.attr.to_string())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ))
            })?;
        Ok(MatchKey {
            field: field.clone(),
            value,
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
        let current = self.fetch(id).await?;
        self.check_version(&current, if_match)?;
        let view = self.mapping().view_from_scim(body)?;
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
        let current = self.fetch(id).await?;
        self.check_version(&current, if_match)?;
        let mut view = self.mapping().view_from_record(&current);
        self.mapping().apply_patch(&mut view, ops)?;
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
        let mut notices = Vec::new();
        let record = self
            .write_changes(id, current, view, true, &mut notices)
            .await?;
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
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
        let policy = self.policy();
        let mapping = self.mapping();
        let mut changes = mapping.changes_for_update(view, current, clear_missing);
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
        let active_field = mapping.disable.as_ref().map(|d| d.field.to_string());
        let active_change = active_field
            .as_ref()
            .and_then(|f| changes.remove(f).map(|v| (f.clone(), v)));
        if !changes.is_empty() && !policy.allow_update {
            notices.push(notices::updates_off(
                &changes.keys().cloned().collect::<Vec<_>>(),
            ));
            changes.clear();
        }
        if let Some((field, value)) = active_change {
            if policy.allow_disable {
                changes.insert(field, value);
            } else {
                notices.push(notices::active_change_off());
            }
        }
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

    /// `DELETE /Users/{id}`: the IdP removes the person; the remove action decides what that
    /// means in Salesforce.
    pub async fn delete(&self, id: &str, if_match: Option<&str>) -> Result<Removal> {
        let current = self.fetch(id).await?;
        self.check_version(&current, if_match)?;
        let policy = self.policy();
        let subject = self.subject(id);
        let mut removal = Removal::default();
        if !policy.allow_deprovision {
            removal.notices.push(notices::deprovision_off(&subject));
            return Ok(removal);
        }
        match policy.remove_action {
            RemoveAction::Delete if policy.allow_delete => {
                match self.client.delete(self.object(), id).await {
                    Ok(()) => {
                        tracing::info!(connection = self.name(), id, "deleted");
                    }
                    Err(e) if e.has_code("DELETE_FAILED") && self.can_disable() => {
                        removal.notices.push(notices::disabled_instead_of_deleted(
                            &subject,
                            "DELETE_FAILED",
                        ));
                        tracing::warn!(connection = self.name(), id, error = %super::error::loggable(&e), "delete refused; disabled instead");
                        self.disable(id, &current, &mut removal.notices).await?;
                    }
                    Err(e) => return Err(self.fail(id, e)),
                }
            }
            RemoveAction::Delete => removal.notices.push(notices::delete_off(&subject)),
            RemoveAction::Disable if policy.allow_disable => {
                self.disable(id, &current, &mut removal.notices).await?;
            }
            RemoveAction::Disable => removal.notices.push(notices::disable_off(&subject)),
        }
        Ok(removal)
    }

    async fn disable(&self, id: &str, current: &Record, notices: &mut Vec<String>) -> Result<()> {
        let view = View {
            active: Some(false),
            ..self.mapping().view_from_record(current)
        };
        let mut changes = Record::new();
        self.mapping().active_change(&view, current, &mut changes);
        if changes.is_empty() {
            return Ok(());
        }
        if self.is_converted(current) {
            notices.push(notices::converted(current));
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
