//! Promoting a Lead to a Contact the way Salesforce does: conversion (SOAP `convertLead`).
//!
//! A contacts connection with `[promotion]` that creates a person whose match value belongs to
//! an unconverted Lead (of the named Lead connection, or any Lead) converts that Lead, into the
//! keyless Contact with the same match value when there is one, under an Account (configured,
//! or one named like the Lead's Company, or a new one Salesforce names after Company), without an
//! Opportunity. Then the mapped attributes and the key are written to the Contact, whose Id the
//! IdP gets. The Lead keeps its history, owner and campaign history, and Salesforce links it to
//! the Contact (`IsConverted`, `ConvertedContactId`, `ConvertedAccountId`).
//!
//! The Lead leaves its connection: its key is released just before the conversion (a converted
//! Lead is read-only, key included), so the leads connection answers 404 for it and a later
//! demotion there creates a new Lead. If the conversion fails the key is put back, so the
//! Lead is left as it was.

use serde_json::Value;

use super::connection::{Connection, Result};
use super::notices;
use super::policy::{OnExisting, Promotion};
use super::users::Write;
use super::{Ctx, Outcome};
use crate::mapping::view::View;
use crate::salesforce::convert::LeadConvert;
use crate::salesforce::{fields, MatchKey, Record, SObject, SfError};
use crate::scim::error::ScimError;
use crate::scim::values::get_ci;
use crate::telemetry::Outcome as TelemetryOutcome;

/// Lead Company's placeholder when none is known (the default mapping writes it).
const NO_COMPANY: &str = "[not provided]";

fn text<'r>(record: &'r Record, field: &str) -> Option<&'r str> {
    get_ci(record, field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

impl Connection {
    fn promotion(&self) -> Result<&Promotion> {
        self.spec
            .promotion
            .as_ref()
            .ok_or_else(|| ScimError::internal("promotion is not configured"))
    }

    /// Converts `lead` and makes the Contact it becomes (or `existing`, merged) this person.
    pub(super) async fn promote(
        &self,
        ctx: &Ctx<'_>,
        lead: Record,
        existing: Option<Record>,
        view: View,
        matched: &MatchKey,
        mut notices: Vec<String>,
    ) -> Result<Outcome> {
        let promotion = self.promotion()?;
        let lead_id = text(&lead, "Id").unwrap_or_default().to_string();
        let existing_id = existing
            .as_ref()
            .and_then(|c| text(c, "Id"))
            .map(str::to_string);
        if existing_id.is_some() && self.spec.on_existing == OnExisting::Conflict {
            return Err(ScimError::uniqueness(format!(
                "a Contact with the same {} already exists and on_existing = \"conflict\" forbids adopting it (the Lead {lead_id} was not converted)",
                matched.field
            )));
        }
        let converted_status = match &promotion.converted_status {
            Some(s) => s.clone(),
            None => self
                .client
                .converted_status()
                .await
                .map_err(|e| self.fail_for("the org's converted Lead Status", e))?
                .ok_or_else(|| {
                    ScimError::bad_gateway(format!(
                        "the org has no Lead Status marked Converted, so connection '{}' cannot promote Leads; add one in Setup (Lead Status picklist) or set promotion.converted_status",
                        self.name()
                    ))
                })?,
        };
        let account_id = match &existing_id {
            // Salesforce merges a Lead only into a Contact of the Account it is converted under.
            Some(contact) => Some(self.account_of(contact).await?),
            None => match &promotion.account_id {
                Some(a) => Some(a.clone()),
                None => match text(&lead, "Company").filter(|c| *c != NO_COMPANY) {
                    Some(company) => self
                        .client
                        .find_account_by_name(company)
                        .await
                        .map_err(|e| self.fail_for("the Account matching the Lead's Company", e))?,
                    None => None,
                },
            },
        };
        let released_key = self.release_lead_key(&lead, &lead_id).await?;
        let convert = LeadConvert {
            lead_id: lead_id.clone(),
            account_id,
            contact_id: existing_id.clone(),
            converted_status,
        };
        let converted = match self.client.convert_lead(&convert).await {
            Ok(c) => c,
            Err(e) => {
                if let Some((field, key)) = released_key {
                    self.restore_lead_key(&lead_id, &field, key).await;
                }
                return Err(self.conversion_error(&lead_id, e));
            }
        };
        tracing::info!(
            connection = self.name(),
            lead = %lead_id,
            contact = %converted.contact_id,
            account = %converted.account_id,
            merged = existing_id.is_some(),
            "promoted a Lead: converted into a Contact"
        );
        notices.push(notices::promoted(&lead_id, &converted.contact_id));
        let contact = self
            .client
            .get(
                SObject::Contact,
                &converted.contact_id,
                &self.select_fields(),
            )
            .await
            .map_err(|e| self.fail(&converted.contact_id, e))?;
        // Re-provisioning enables the person, as an adoption does.
        let view = View {
            active: Some(view.active.unwrap_or(true)),
            ..view
        };
        let record = self
            .write_changes(
                &converted.contact_id,
                &contact,
                &view,
                Write::Adopt,
                &mut notices,
            )
            .await?;
        self.meter.outcome(TelemetryOutcome::Promoted);
        Ok(Outcome {
            resource: self.resource(ctx, &record),
            notices,
        })
    }

    /// The Account of an existing Contact the Lead is to merge into.
    async fn account_of(&self, contact: &str) -> Result<String> {
        let record = self
            .client
            .get(SObject::Contact, contact, &[fields::ACCOUNT_ID])
            .await
            .map_err(|e| self.fail(contact, e))?;
        text(&record, "AccountId").map(str::to_string).ok_or_else(|| {
            ScimError::conflict(format!(
                "the Contact {contact} with this person's email has no Account, and Salesforce merges a Lead only into a Contact of the Account it converts the Lead under: give the Contact an Account, then retry; nothing was changed"
            ))
        })
    }

    /// Clears the Lead's key on its connection; answers the field and value to put back.
    async fn release_lead_key(
        &self,
        lead: &Record,
        lead_id: &str,
    ) -> Result<Option<(String, Value)>> {
        let Some(field) = self.promotion()?.lead_key.as_ref() else {
            return Ok(None);
        };
        let Some(key) = get_ci(lead, field.as_str())
            .cloned()
            .filter(|v| !v.is_null())
        else {
            return Ok(None);
        };
        let mut release = Record::new();
        release.insert(field.to_string(), Value::Null);
        match self.client.update(SObject::Lead, lead_id, &release).await {
            Ok(()) => Ok(Some((field.to_string(), key))),
            Err(e) => Err(self.conversion_error(lead_id, e)),
        }
    }

    /// Puts the Lead's key back after a failed conversion. A failure here is logged: the Lead
    /// then lacks its key on the leads connection (it is still unconverted, with its data).
    async fn restore_lead_key(&self, lead_id: &str, field: &str, key: Value) {
        let mut restore = Record::new();
        restore.insert(field.to_string(), key);
        if let Err(e) = self.client.update(SObject::Lead, lead_id, &restore).await {
            tracing::error!(
                connection = self.name(),
                lead = lead_id,
                error = %super::error::loggable(&e),
                "the conversion failed and the Lead's key could not be put back; provision the person on the leads connection again"
            );
        }
    }

    /// What the IdP gets when Salesforce refuses the conversion; the Lead is unchanged.
    fn conversion_error(&self, lead_id: &str, e: SfError) -> ScimError {
        let code = e.code().unwrap_or_default().to_string();
        let message = match &e {
            SfError::Api { errors, .. } => errors
                .first()
                .map(|a| a.message.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let mut err = match code.as_str() {
            "INSUFFICIENT_ACCESS_OR_READONLY" => ScimError::bad_gateway(format!(
                "the integration user may not convert Leads: grant it the Convert Leads permission (its profile or a permission set), then run `scim-bridge test-connection`; the Lead {lead_id} is unchanged"
            )),
            "CANNOT_UPDATE_CONVERTED_LEAD" => ScimError::conflict(format!(
                "the Lead {lead_id} was converted in Salesforce meanwhile; retry: the Contact it became is then adopted"
            )),
            "INVALID_STATUS" => {
                self.client.forget_converted_status();
                ScimError::bad_gateway(format!(
                "Salesforce refused the converted Lead Status for connection '{}' (promotion.converted_status, or the org's own, which is asked again next time): name a Lead Status marked Converted; the Lead {lead_id} is unchanged",
                self.name()
            ))
            }
            "INVALID_CROSS_REFERENCE_KEY" => ScimError::conflict(format!(
                "Salesforce refused the Account or Contact the conversion named ({message}); check promotion.account_id; the Lead {lead_id} is unchanged"
            )),
            c if !c.is_empty() && e.status().is_some_and(|s| s < 500) => ScimError::invalid_value(format!(
                "Salesforce refused to convert the Lead {lead_id} into a Contact ({c}: {message}); fix the record or the rule, then retry; the Lead is unchanged"
            )),
            _ => self.fail_for(&format!("the conversion of Lead {lead_id}"), e.clone()),
        };
        err.salesforce_code = e.code().map(str::to_string);
        tracing::warn!(connection = self.name(), lead = lead_id, error = %super::error::loggable(&e), "Lead conversion refused");
        err
    }
}
