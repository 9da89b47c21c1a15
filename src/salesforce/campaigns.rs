//! Campaigns and their members, the Salesforce side of SCIM Groups: a Campaign (`701`) read,
//! created, updated or deleted with the record calls' retry rules, and CampaignMember (`00v`)
//! rows read by query and written with sObject Collections (at most 200 rows a call, "sObject
//! Collections", REST API Developer Guide), so a change of a thousand members is a handful of
//! requests, never one per member.
//!
//! Membership writes are not resent blindly: a create of rows that may have been saved would
//! answer `DUPLICATE_VALUE` ("Already a campaign member.") the second time. They go once; the
//! SCIM layer computes each change from what Salesforce holds, so the IdP's retry of the whole
//! request is what repeats it, safely.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};

use super::client::SalesforceClient;
use super::composite::{collection_body, composite_body, post};
use super::error::SfError;
use super::name::{fields, FieldName};
use super::retry::{always_resend, Next};
use super::sobject::SObject;
use super::sobjects::{check_id, MatchKey};
use super::soql::{Condition, Select, SoqlValue};
use super::transport::{Call, Failure, Target};
use super::wire::{decode, Record, SaveResult};

/// The Campaign object's API name.
pub const CAMPAIGN: &str = "Campaign";
/// The CampaignMember object's API name.
pub const CAMPAIGN_MEMBER: &str = "CampaignMember";
/// The key prefix of Campaign ids.
pub const CAMPAIGN_PREFIX: &str = "701";
/// Rows per Collections call (Salesforce's maximum).
pub const MAX_ROWS: usize = 200;
/// Ids per `IN (…)` look-up: 400 quoted 18-character ids are about 8,400 characters of SOQL,
/// inside [`super::query::MAX_SOQL_CHARS`] with the rest of the query.
pub const IDS_PER_QUERY: usize = 400;
/// Rows per page when a whole Campaign's members are read (Salesforce's largest batch).
const MEMBER_PAGE: u32 = 2_000;

/// One CampaignMember row: its id, its Campaign, the person it points at, and its key (the connection that
/// added it, or empty for a row made in Salesforce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub id: String,
    pub campaign: String,
    pub person: String,
    pub key: Option<String>,
}

/// Which person field and key field the membership rows of a connection use.
#[derive(Debug, Clone)]
pub struct MemberFields {
    /// `ContactId` or `LeadId`.
    pub person: FieldName,
    /// The CampaignMember field that says which connection added the row.
    pub key: FieldName,
}

impl MemberFields {
    /// The person field for members of `object` (`ContactId` for Contacts, `LeadId` for Leads).
    pub fn person_field(object: SObject) -> FieldName {
        match object {
            SObject::Contact => fields::CONTACT_ID,
            SObject::Lead => fields::LEAD_ID,
        }
    }
}

fn text(record: &Record, field: &FieldName) -> Option<String> {
    record
        .iter()
        .find(|(k, _)| field.is(k))
        .and_then(|(_, v)| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn ids_in(field: FieldName, ids: &[String]) -> Condition {
    Condition::In {
        field,
        values: ids.iter().map(|i| SoqlValue::Str(i.clone())).collect(),
    }
}

/// `reads` cut into Composite requests within Salesforce's limits, in order.
fn composite_chunks(reads: &[Read]) -> Vec<&[Read]> {
    let mut out = Vec::new();
    let (mut start, mut queries) = (0, 0);
    for (i, read) in reads.iter().enumerate() {
        let query = matches!(read, Read::Query(_));
        if i - start == MAX_SUBREQUESTS || (query && queries == MAX_QUERIES) {
            out.push(&reads[start..i]);
            start = i;
            queries = 0;
        }
        queries += usize::from(query);
    }
    if start < reads.len() {
        out.push(&reads[start..]);
    }
    out
}

/// A batch read's answer.
enum ReadAnswer {
    Record(Record),
    Rows(Vec<Record>),
}

fn membership(r: &Record, member: &MemberFields) -> Option<Membership> {
    Some(Membership {
        id: text(r, &fields::ID)?,
        campaign: text(r, &fields::CAMPAIGN_ID)?,
        person: text(r, &member.person)?,
        key: text(r, &member.key),
    })
}

/// `field != null`: the rows of a connection's object (`ContactId` set, for a Contact one).
fn has_person(member: &MemberFields) -> Condition {
    Condition::Compare {
        field: member.person.clone(),
        op: super::soql::CompareOp::Ne,
        value: SoqlValue::Null,
    }
}

/// The CampaignMember rows `filter` selects, with what a [`Membership`] holds, in `Id` order.
fn membership_query(filter: Condition, member: &MemberFields) -> Select {
    let mut query = Select::new(
        FieldName::from_static(CAMPAIGN_MEMBER),
        vec![
            fields::ID,
            fields::CAMPAIGN_ID,
            member.person.clone(),
            member.key.clone(),
        ],
    );
    query.filter = Some(filter);
    query.order_by = vec![(fields::ID, true)];
    query
}

/// The Campaign whose key field holds `key.value` (unique: at most one).
fn campaign_by_key(key: &MatchKey, select: &[FieldName]) -> Select {
    let mut query = Select::new(FieldName::from_static(CAMPAIGN), select.to_vec());
    query.filter = Some(Condition::eq(
        key.field.clone(),
        SoqlValue::Str(key.value.clone()),
    ));
    query.limit = Some(1);
    query
}

/// Sub-requests per Composite request, and query sub-requests among them (Salesforce's limits:
/// 25, "up to 5 of which can be sObject Collections or query operations", "Composite", REST
/// API Developer Guide); a Composite request is one API request whatever it holds.
const MAX_SUBREQUESTS: usize = 25;
const MAX_QUERIES: usize = 5;

/// Which membership rows [`SalesforceClient::read_group_state`] reads.
pub enum RowsOf<'a> {
    /// The rows (whoever added them) of these people.
    People(&'a [String]),
    /// Every row of the connection's object (`ContactId` / `LeadId` set), whoever added it.
    All,
}

/// What a group change needs to know before it writes, read together.
#[derive(Default)]
pub struct GroupReads<'a> {
    /// The Campaign by id, with these fields.
    pub campaign: Option<(&'a str, &'a [FieldName])>,
    /// The Campaign holding this key, with these fields.
    pub find: Option<(&'a MatchKey, &'a [FieldName])>,
    /// Which of these ids are records of the object that the condition (the connection's "one
    /// of its people") holds for.
    pub people: Option<(SObject, &'a Condition, &'a [String])>,
    /// Membership rows of the Campaign (the `campaign` read's, or this one).
    pub rows: Option<(&'a str, &'a MemberFields, RowsOf<'a>)>,
}

/// The answers of a [`GroupReads`].
#[derive(Debug, Default)]
pub struct GroupState {
    pub campaign: Option<Record>,
    pub found: Option<Record>,
    pub people: HashSet<String>,
    pub rows: Vec<Membership>,
}

/// One read of a batch: a record by id, or a query (followed to its last page).
enum Read {
    Record(String),
    Query(Select),
}

impl SalesforceClient {
    /// Reads everything `reads` asks in one Composite request of GET sub-requests (one API
    /// request; more only past 25 sub-requests, or for query pages beyond the first 2,000
    /// rows): the Campaign, the people check and the membership rows of a change, instead of
    /// one request each.
    pub async fn read_group_state(&self, reads: GroupReads<'_>) -> Result<GroupState, SfError> {
        let mut batch: Vec<Read> = Vec::new();
        if let Some((id, select)) = reads.campaign {
            check_id(id)?;
            batch.push(Read::Record(format!(
                "/sobjects/{CAMPAIGN}/{id}?fields={}",
                super::sobjects::field_list(select)
            )));
        }
        let find_at = batch.len();
        if let Some((key, select)) = reads.find {
            batch.push(Read::Query(campaign_by_key(key, select)));
        }
        let people_at = batch.len();
        if let Some((object, condition, ids)) = reads.people {
            for chunk in ids.chunks(IDS_PER_QUERY) {
                let mut query = Select::new(object.name(), vec![fields::ID]);
                query.filter = Some(Condition::And(vec![
                    ids_in(fields::ID, chunk),
                    condition.clone(),
                ]));
                batch.push(Read::Query(query));
            }
        }
        let rows_at = batch.len();
        let mut member_fields = None;
        if let Some((campaign, member, which)) = reads.rows {
            member_fields = Some(member);
            let in_campaign =
                Condition::eq(fields::CAMPAIGN_ID, SoqlValue::Str(campaign.to_string()));
            let filters: Vec<Condition> = match which {
                RowsOf::People(people) => people
                    .chunks(IDS_PER_QUERY)
                    .map(|chunk| {
                        Condition::And(vec![
                            in_campaign.clone(),
                            ids_in(member.person.clone(), chunk),
                        ])
                    })
                    .collect(),
                RowsOf::All => vec![Condition::And(vec![in_campaign, has_person(member)])],
            };
            for filter in filters {
                batch.push(Read::Query(membership_query(filter, member)));
            }
        }
        let answers = self.read_many(&batch).await?;
        let mut state = GroupState::default();
        for (i, answer) in answers.into_iter().enumerate() {
            match answer {
                ReadAnswer::Record(r) => state.campaign = Some(r),
                ReadAnswer::Rows(rows) if i == find_at && i < people_at => {
                    state.found = rows.into_iter().next();
                }
                ReadAnswer::Rows(rows) if i >= people_at && i < rows_at => {
                    state
                        .people
                        .extend(rows.iter().filter_map(|r| text(r, &fields::ID)));
                }
                ReadAnswer::Rows(rows) => {
                    if let Some(member) = member_fields {
                        state
                            .rows
                            .extend(rows.iter().filter_map(|r| membership(r, member)));
                    }
                }
            }
        }
        Ok(state)
    }

    /// Sends reads as Composite requests of up to [`MAX_SUBREQUESTS`] GET sub-requests
    /// (`allOrNone` false: reads), resent like any idempotent call; a query whose first page
    /// is not its last continues with `query_more`.
    async fn read_many(&self, reads: &[Read]) -> Result<Vec<ReadAnswer>, SfError> {
        let prefix = self.versioned_prefix();
        let mut out = Vec::with_capacity(reads.len());
        for chunk in composite_chunks(reads) {
            let mut subs = Vec::with_capacity(chunk.len());
            for (i, read) in chunk.iter().enumerate() {
                let url = match read {
                    Read::Record(path) => format!("{prefix}{path}"),
                    Read::Query(select) => {
                        let soql = select.to_soql();
                        if soql.len() > super::query::MAX_SOQL_CHARS {
                            return Err(SfError::Refused(super::error::Refusal::QueryTooLong(
                                soql.len(),
                            )));
                        }
                        let q: String =
                            url::form_urlencoded::byte_serialize(soql.as_bytes()).collect();
                        format!("{prefix}/query?q={q}")
                    }
                };
                subs.push(json!({"method": "GET", "url": url, "referenceId": format!("read{i}")}));
            }
            let mut body = composite_body(subs);
            body.insert("allOrNone".into(), Value::Bool(false));
            let body = &body;
            let answers = self
                .retrying(
                    "read_group_state",
                    |n| async move { self.composite_attempt(CAMPAIGN, body, n).await },
                    always_resend,
                )
                .await
                .result?;
            if answers.len() != chunk.len() {
                return Err(SfError::Decode(format!(
                    "composite answer: {} sub-responses for {} reads",
                    answers.len(),
                    chunk.len()
                )));
            }
            for (read, answer) in chunk.iter().zip(answers) {
                if let Some(e) = answer.error() {
                    return Err(e);
                }
                out.push(match read {
                    Read::Record(_) => {
                        ReadAnswer::Record(super::wire::record_of(answer.body, "record")?)
                    }
                    Read::Query(_) => {
                        let page: super::wire::RawQueryPage = serde_json::from_value(answer.body)
                            .map_err(|_| {
                            SfError::Decode("composite query answer: unexpected shape".into())
                        })?;
                        let mut page = super::query::QueryPage::from(page);
                        let mut rows = std::mem::take(&mut page.records);
                        while let (false, Some(next)) = (page.done, page.next_records_url.clone()) {
                            page = self.query_more(&next).await?;
                            rows.append(&mut page.records);
                        }
                        ReadAnswer::Rows(rows)
                    }
                });
            }
        }
        Ok(out)
    }

    /// Creates a Campaign and reads it back (one Composite request). After a retryable
    /// failure the key is looked up first: a Campaign found there is the one this create made.
    pub async fn create_campaign(
        &self,
        values: &Record,
        key: &MatchKey,
        select: &[FieldName],
    ) -> Result<Record, SfError> {
        let body = &self.create_then_read_body(CAMPAIGN, values, select);
        self.retrying(
            "create_campaign",
            |n| async move { self.write_then_read(CAMPAIGN, body, n).await },
            |f: Failure| async move {
                match self.find_campaign(key, select).await {
                    Ok(Some(found)) => Next::Stop(Ok(found)),
                    Ok(None) if !f.error.may_have_been_applied() => Next::Resend,
                    _ => Next::Stop(Err(f.error)),
                }
            },
        )
        .await
        .result
    }

    /// The Campaign whose key field holds `key.value` (the field is unique: at most one).
    pub async fn find_campaign(
        &self,
        key: &MatchKey,
        select: &[FieldName],
    ) -> Result<Option<Record>, SfError> {
        let page = self.query(&campaign_by_key(key, select), None).await?;
        Ok(page.records.into_iter().next())
    }

    /// Updates a Campaign and reads it back (one Composite request; an update is idempotent,
    /// so it is resent like any call).
    pub async fn update_campaign(
        &self,
        id: &str,
        values: &Record,
        select: &[FieldName],
    ) -> Result<Record, SfError> {
        self.update_and_read(CAMPAIGN, id, values, select, "update_campaign")
            .await
    }

    /// `DELETE /sobjects/Campaign/{id}`: Salesforce deletes its members with it.
    pub async fn delete_campaign(&self, id: &str) -> Result<(), SfError> {
        self.delete_record(CAMPAIGN, id, "delete_campaign").await
    }

    /// Every membership of the `campaigns` whose key field holds `key`, in `Id` order: pages
    /// of 2,000 rows following the query cursor (10,000 members are 5 requests).
    pub async fn campaign_members(
        &self,
        campaigns: &[String],
        member: &MemberFields,
        key: &str,
    ) -> Result<Vec<Membership>, SfError> {
        let mut out = Vec::new();
        for chunk in campaigns.chunks(IDS_PER_QUERY) {
            let filter = Condition::And(vec![
                ids_in(fields::CAMPAIGN_ID, chunk),
                Condition::eq(member.key.clone(), SoqlValue::Str(key.to_string())),
                has_person(member),
            ]);
            out.extend(self.memberships(filter, member, Some(MEMBER_PAGE)).await?);
        }
        Ok(out)
    }

    /// The memberships of the people in `people`: in `campaign` (whoever added them) or, without
    /// one, in any Campaign with `key` (a `members eq` filter). `IN` look-ups of
    /// [`IDS_PER_QUERY`] ids.
    pub async fn memberships_of(
        &self,
        campaign: Option<&str>,
        member: &MemberFields,
        people: &[String],
        key: Option<&str>,
    ) -> Result<Vec<Membership>, SfError> {
        let mut out = Vec::new();
        for chunk in people.chunks(IDS_PER_QUERY) {
            let mut all = vec![ids_in(member.person.clone(), chunk)];
            if let Some(c) = campaign {
                all.push(Condition::eq(
                    fields::CAMPAIGN_ID,
                    SoqlValue::Str(c.to_string()),
                ));
            }
            if let Some(k) = key {
                all.push(Condition::eq(
                    member.key.clone(),
                    SoqlValue::Str(k.to_string()),
                ));
            }
            out.extend(self.memberships(Condition::And(all), member, None).await?);
        }
        Ok(out)
    }

    async fn memberships(
        &self,
        filter: Condition,
        member: &MemberFields,
        batch: Option<u32>,
    ) -> Result<Vec<Membership>, SfError> {
        let rows = self
            .query_all(&membership_query(filter, member), batch)
            .await?;
        Ok(rows.iter().filter_map(|r| membership(r, member)).collect())
    }

    /// Creates CampaignMember rows, [`MAX_ROWS`] a call, each call all or none. When a call
    /// fails, the rows earlier calls of this request made are deleted again, so a failure
    /// leaves the Campaign as it was. Each row's failure is `Err` at its index; `Ok` holds the
    /// new ids, in order.
    pub async fn add_memberships(&self, rows: &[Record]) -> Result<Vec<String>, (usize, SfError)> {
        let mut made: Vec<String> = Vec::with_capacity(rows.len());
        for (n, chunk) in rows.chunks(MAX_ROWS).enumerate() {
            match self.create_rows(chunk).await {
                Ok(ids) => made.extend(ids),
                Err((i, e)) => {
                    if !made.is_empty() {
                        if let Err(undo) = self.remove_memberships(&made).await {
                            tracing::warn!(
                                rows = made.len(),
                                error_code = undo.code().unwrap_or("-"),
                                "could not delete the memberships a failed change had added"
                            );
                        }
                    }
                    return Err((n * MAX_ROWS + i, e));
                }
            }
        }
        Ok(made)
    }

    /// One Collections create with `allOrNone`, sent once (see the module doc).
    async fn create_rows(&self, chunk: &[Record]) -> Result<Vec<String>, (usize, SfError)> {
        let body = collection_body(CAMPAIGN_MEMBER, true, chunk.iter().cloned());
        let call = post(CAMPAIGN_MEMBER, "/composite/sobjects", &body);
        let raw = self.attempt(&call, 1).await.map_err(|f| (0, f.error))?;
        let results: Vec<SaveResult> = decode(&raw, "collections answer").map_err(|e| (0, e))?;
        if results.len() != chunk.len() {
            return Err((
                0,
                SfError::Decode(format!(
                    "collections answer: {} results for {} records",
                    results.len(),
                    chunk.len()
                )),
            ));
        }
        // With allOrNone the rows that were fine answer ALL_OR_NONE_OPERATION_ROLLED_BACK: the
        // row that matters is the other one (as `composite::first_error` picks).
        let results: Vec<Result<String, SfError>> =
            results.into_iter().map(SaveResult::into_id).collect();
        let failure = |rolled_back: bool| {
            results.iter().enumerate().find_map(|(i, r)| match r {
                Err(e) if e.has_code("ALL_OR_NONE_OPERATION_ROLLED_BACK") == rolled_back => {
                    Some((i, e.clone()))
                }
                _ => None,
            })
        };
        if let Some(f) = failure(false).or_else(|| failure(true)) {
            return Err(f);
        }
        Ok(results.into_iter().flatten().collect())
    }

    /// Writes `values` on existing CampaignMember rows (Collections update, [`MAX_ROWS`] a
    /// call, all or none; idempotent, so resent like any call).
    pub async fn update_memberships(&self, ids: &[String], values: &Record) -> Result<(), SfError> {
        for chunk in ids.chunks(MAX_ROWS) {
            let rows = chunk.iter().map(|id| {
                let mut r = values.clone();
                r.insert("Id".into(), Value::String(id.clone()));
                r
            });
            let body = collection_body(CAMPAIGN_MEMBER, true, rows);
            let mut call = post(CAMPAIGN_MEMBER, "/composite/sobjects", &body);
            call.method = Method::PATCH;
            let raw = self.execute(&call, "update_memberships").await?;
            let results: Vec<SaveResult> = decode(&raw, "collections answer")?;
            if let Some(Err(e)) = results
                .into_iter()
                .map(SaveResult::into_id)
                .find(Result::is_err)
            {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Deletes CampaignMember rows (Collections delete, [`MAX_ROWS`] a call). A row already
    /// gone counts as deleted, so a resend, or two replicas removing the same member, is fine.
    pub async fn remove_memberships(&self, ids: &[String]) -> Result<(), SfError> {
        for chunk in ids.chunks(MAX_ROWS) {
            for id in chunk {
                check_id(id)?;
            }
            let mut call = Call::new(
                Method::DELETE,
                Target::Versioned("/composite/sobjects".to_string()),
                "/composite/sobjects",
                Some(CAMPAIGN_MEMBER),
            );
            call.query.push(("ids", chunk.join(",")));
            call.query.push(("allOrNone", "false".to_string()));
            let raw = self.execute(&call, "remove_memberships").await?;
            let results: Vec<SaveResult> = decode(&raw, "collections answer")?;
            for r in results.into_iter().map(SaveResult::into_id) {
                if let Err(e) = r {
                    if !(e.has_code("ENTITY_IS_DELETED")
                        || e.has_code("INVALID_CROSS_REFERENCE_KEY"))
                    {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_point_at_contacts_or_leads_by_their_own_field() {
        assert_eq!(
            MemberFields::person_field(SObject::Contact),
            fields::CONTACT_ID
        );
        assert_eq!(MemberFields::person_field(SObject::Lead), fields::LEAD_ID);
    }

    #[test]
    fn reads_go_five_queries_a_composite_request() {
        let q = || {
            Read::Query(Select::new(
                FieldName::from_static(CAMPAIGN),
                vec![fields::ID],
            ))
        };
        let mut reads = vec![Read::Record("/sobjects/Campaign/701".into())];
        reads.extend((0..11).map(|_| q()));
        let sizes: Vec<usize> = composite_chunks(&reads).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [6, 5, 1]);
        assert!(composite_chunks(&[]).is_empty());
    }

    #[test]
    fn a_full_look_up_of_ids_stays_inside_the_soql_length_limit() {
        let ids: Vec<String> = (0..IDS_PER_QUERY).map(|i| format!("003{i:015}")).collect();
        let mut query = Select::new(
            FieldName::from_static(CAMPAIGN_MEMBER),
            vec![
                fields::ID,
                fields::CONTACT_ID,
                FieldName::from_static("SCIM_Key__c"),
            ],
        );
        query.filter = Some(Condition::And(vec![
            Condition::eq(
                fields::CAMPAIGN_ID,
                SoqlValue::Str("701000000000001AAA".into()),
            ),
            ids_in(fields::CONTACT_ID, &ids),
        ]));
        assert!(query.to_soql().len() < super::super::query::MAX_SOQL_CHARS);
    }
}
