//! A connection's Groups (RFC 7643 §4.2) as Salesforce Campaigns ([`crate::mapping::group`]):
//! create (§3.3), read and list (§3.4), replace (§3.5.1), patch (§3.5.2), delete (§3.6).
//!
//! Members are the connection's people. Every member a request sets is checked first (one
//! `IN` look-up per 400 ids): an id that is not one of them answers 400 `invalidValue` naming
//! it, and nothing is written. Membership rows are then written with Collections, 200 a call;
//! a change is computed from what Salesforce holds, so the IdP's retry of a failed request
//! repeats only what is missing. Only rows this connection added (their key field holds its
//! owner) are shown or removed; a row a marketer added for the same person is adopted (keyed)
//! rather than duplicated, which Salesforce would refuse anyway (`DUPLICATE_VALUE`).
//!
//! A person's removal leaves their memberships to Salesforce's rules: deleting a Contact or
//! Lead deletes its memberships; disabling or releasing a person keeps them (the Campaign is the
//! marketing history), and the IdP removes the member from the group itself when it wants to.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::connection::{timestamp, Connection, Result};
use super::{Ctx, Outcome, Removal};
use crate::mapping::group::{GroupMapping, MemberIndex};
use crate::salesforce::campaigns::{
    GroupReads, MemberFields, Membership, RowsOf, CAMPAIGN, CAMPAIGN_PREFIX,
};
use crate::salesforce::{fields, is_record_id, Condition, FieldName, MatchKey, Record, Select};
use crate::scim::error::ScimError;
use crate::scim::group::{group_patch, parse_group, wants_members, Members};
use crate::scim::list::{list_response, project, ListQuery};
use crate::scim::patch::PatchOperation;
use crate::scim::resource::{Resource, GROUP, USER};
use crate::scim::values::get_ci;

/// What DELETE of a Group does to its Campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupDelete {
    /// The Campaign stays, inactive and with its key released (its members and their history
    /// stay for marketing); the Group is gone from the connection.
    Deactivate,
    /// The Campaign is deleted (Salesforce deletes its members with it).
    Delete,
}

/// A connection's groups, as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSpec {
    pub mapping: GroupMapping,
    pub on_delete: GroupDelete,
}

/// What a group read asks besides the Campaign (see `Connection::read_group`).
#[derive(Default)]
struct Want<'a> {
    /// Ids the change makes members: checked to be the connection's people.
    members: &'a [String],
    rows: Option<RowsOf<'a>>,
    /// A displayName the change sets: who holds its key.
    name: Option<&'a str>,
}

/// A group as read for a change.
struct GroupRead {
    record: Record,
    rows: Vec<Membership>,
    /// The Campaign holding the key of `Want::name`, if any.
    name_holder: Option<Record>,
}

/// The fields a name look-up reads.
const ID_ONLY: &[FieldName] = &[fields::ID];

/// How many member ids an error names before "and N more".
const NAMED_IN_ERRORS: usize = 5;

fn id_of(record: &Record) -> String {
    get_ci(record, "Id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn named(ids: &[String]) -> String {
    let mut text = ids
        .iter()
        .take(NAMED_IN_ERRORS)
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > NAMED_IN_ERRORS {
        text.push_str(&format!(" and {} more", ids.len() - NAMED_IN_ERRORS));
    }
    text
}

impl Connection {
    /// The connection's group settings, or 404 when it serves no Groups.
    fn group_spec(&self) -> Result<&GroupSpec> {
        self.spec.groups.as_ref().ok_or_else(|| {
            ScimError::not_found(format!(
                "connection '{}' does not serve Groups: enable them with a [connections.{}.groups] table",
                self.name(),
                self.name()
            ))
        })
    }

    fn member_fields(&self, g: &GroupSpec) -> MemberFields {
        MemberFields {
            person: MemberFields::person_field(self.object()),
            key: g.mapping.member_key_field.clone(),
        }
    }

    /// The SCIM Group for a Campaign, with `members` when they were read.
    fn group_resource(
        &self,
        ctx: &Ctx<'_>,
        g: &GroupSpec,
        record: &Record,
        members: Option<&[String]>,
    ) -> Resource {
        let mut attrs = Map::new();
        if let Some(d) = g.mapping.display_name_of(record) {
            attrs.insert("displayName".into(), Value::String(d));
        }
        if let Some(e) = g.mapping.external_id_of(record) {
            attrs.insert("externalId".into(), Value::String(e));
        }
        if let Some(members) = members {
            let base = ctx.base_url.trim_end_matches('/');
            let list: Vec<Value> = members
                .iter()
                .map(|m| {
                    json!({"value": m, "$ref": format!("{base}{}/{m}", USER.endpoint), "type": USER.name})
                })
                .collect();
            attrs.insert("members".into(), Value::Array(list));
        }
        let mut resource = Resource::new(&GROUP, ctx.base_url, &id_of(record), attrs);
        resource.meta.created = timestamp(record, "CreatedDate");
        resource.meta.last_modified = timestamp(record, "LastModifiedDate");
        resource
    }

    /// 404 for an id that cannot be a Campaign, without asking Salesforce.
    fn missing_group(&self, id: &str) -> ScimError {
        ScimError::not_found(format!(
            "no Group with id '{id}' on connection '{}' (Group ids are Salesforce Campaign ids starting with {CAMPAIGN_PREFIX})",
            self.name()
        ))
    }

    /// The Campaign behind `id` (404 unless it is one of this connection's groups, as for a
    /// deleted one, RFC 7644 §3.6), read with what a change needs in one request: which of
    /// `members` (ids the change sets) are the connection's people (400 naming the others), the
    /// membership `rows` asked for, and which Campaign holds the key of a new `name`.
    async fn read_group(&self, g: &GroupSpec, id: &str, want: Want<'_>) -> Result<GroupRead> {
        let Want {
            members,
            rows,
            name,
        } = want;
        if !(is_record_id(id) && id.starts_with(CAMPAIGN_PREFIX)) {
            return Err(self.missing_group(id));
        }
        self.check_member_ids(members)?;
        let select = g.mapping.select();
        let people = self.people();
        let member = self.member_fields(g);
        let key = name.map(|n| MatchKey {
            field: g.mapping.key_field.clone(),
            value: g.mapping.key_value(n),
        });
        let reads = GroupReads {
            campaign: Some((id, &select)),
            find: key.as_ref().map(|k| (k, ID_ONLY)),
            people: (!members.is_empty()).then_some((self.object(), &people, members)),
            rows: rows.map(|which| (id, &member, which)),
        };
        let state = self
            .client
            .read_group_state(reads)
            .await
            .map_err(|e| self.fail(id, e))?;
        let record = state
            .campaign
            .filter(|r| g.mapping.display_name_of(r).is_some())
            .ok_or_else(|| self.missing_group(id))?;
        self.check_people(members, &state.people)?;
        Ok(GroupRead {
            record,
            rows: state.rows,
            name_holder: state.found,
        })
    }

    /// Member ids that cannot be one of the connection's people (not a record id of its
    /// object): refused without asking Salesforce.
    fn check_member_ids(&self, ids: &[String]) -> Result<()> {
        let malformed: Vec<String> = ids
            .iter()
            .filter(|i| !self.could_be_person(i))
            .cloned()
            .collect();
        self.refuse_members(&malformed)
    }

    /// Whether `id` has the shape of one of this connection's records (15 or 18 characters,
    /// the object's key prefix), so that Salesforce can be asked about it.
    fn could_be_person(&self, id: &str) -> bool {
        is_record_id(id) && id.starts_with(self.object().key_prefix())
    }

    /// Refuses, before anything is written, the ids Salesforce did not find among the people.
    fn check_people(&self, ids: &[String], found: &HashSet<String>) -> Result<()> {
        let found: HashSet<String> = found.iter().map(|i| canonical(i)).collect();
        let unknown: Vec<String> = ids
            .iter()
            .filter(|i| !found.contains(&canonical(i)))
            .cloned()
            .collect();
        self.refuse_members(&unknown)
    }

    fn refuse_members(&self, unknown: &[String]) -> Result<()> {
        if unknown.is_empty() {
            return Ok(());
        }
        Err(ScimError::invalid_value(format!(
            "{} {} not a User of connection '{}' (members are its {}s, by their SCIM id): {}; nothing was written",
            if unknown.len() == 1 { "member" } else { "members" },
            if unknown.len() == 1 { "is" } else { "are" },
            self.name(),
            self.object(),
            named(unknown)
        )))
    }

    /// Whether a row is one this connection added.
    fn ours(g: &GroupSpec, m: &Membership) -> bool {
        m.key
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case(&g.mapping.owner))
    }

    /// Adds and removes memberships of `campaign` so that `add` are members and `remove` are
    /// not. `rows` holds the Campaign's rows of at least the people named (ours and others').
    async fn write_members(
        &self,
        g: &GroupSpec,
        campaign: &str,
        add: &[String],
        remove: &[String],
        rows: &[Membership],
    ) -> Result<()> {
        let member = self.member_fields(g);
        let owner = g.mapping.owner.as_str();
        let row_of = |person: &str| rows.iter().find(|m| same_id(&m.person, person));
        let mut create: Vec<Record> = Vec::new();
        let mut adopt: Vec<String> = Vec::new();
        for person in add {
            match row_of(person) {
                Some(m) if Self::ours(g, m) => {}
                Some(m) => adopt.push(m.id.clone()),
                None => {
                    let mut r = Record::new();
                    r.insert(
                        fields::CAMPAIGN_ID.to_string(),
                        Value::String(campaign.into()),
                    );
                    r.insert(member.person.to_string(), Value::String(person.clone()));
                    r.insert(member.key.to_string(), Value::String(owner.to_string()));
                    create.push(r);
                }
            }
        }
        let delete: Vec<String> = rows
            .iter()
            .filter(|m| Self::ours(g, m) && remove.iter().any(|r| same_id(r, &m.person)))
            .map(|m| m.id.clone())
            .collect();
        if !create.is_empty() {
            self.client
                .add_memberships(&create)
                .await
                .map_err(|(i, e)| {
                    let who = create
                        .get(i)
                        .and_then(|r| get_ci(r, member.person.as_str()))
                        .and_then(Value::as_str)
                        .unwrap_or("-");
                    self.fail_for(&format!("the membership of {} {who}", self.object()), e)
                })?;
        }
        if !adopt.is_empty() {
            let mut key = Record::new();
            key.insert(member.key.to_string(), Value::String(owner.to_string()));
            self.client
                .update_memberships(&adopt, &key)
                .await
                .map_err(|e| self.fail_for("the Group's members", e))?;
        }
        if !delete.is_empty() {
            self.client
                .remove_memberships(&delete)
                .await
                .map_err(|e| self.fail_for("the Group's members", e))?;
        }
        tracing::info!(
            connection = self.name(),
            group = campaign,
            added = create.len() + adopt.len(),
            removed = delete.len(),
            "group members written"
        );
        Ok(())
    }

    /// `POST /Groups`: a displayName this connection already has is a 409 (its key is
    /// unique); otherwise one Campaign with its members.
    pub async fn create_group(&self, ctx: &Ctx<'_>, body: &Value) -> Result<Outcome> {
        let g = self.group_spec()?;
        let input = parse_group(body)?;
        self.check_member_ids(&input.members)?;
        let key = MatchKey {
            field: g.mapping.key_field.clone(),
            value: g.mapping.key_value(&input.display_name),
        };
        let select = g.mapping.select();
        let people = self.people();
        // The name look-up and the member check in one request.
        let reads = GroupReads {
            find: Some((&key, &[fields::ID])),
            people: (!input.members.is_empty()).then_some((self.object(), &people, &input.members)),
            ..GroupReads::default()
        };
        let state = self
            .client
            .read_group_state(reads)
            .await
            .map_err(|e| self.fail_for("the Group look-up", e))?;
        if let Some(found) = &state.found {
            return Err(self.name_taken(found));
        }
        self.check_people(&input.members, &state.people)?;
        let record = self
            .client
            .create_campaign(&g.mapping.create_values(&input), &key, &select)
            .await
            .map_err(|e| self.fail_for("the new Campaign", e))?;
        let id = id_of(&record);
        // A new Campaign has no rows yet: nothing to look up before writing them.
        if let Err(e) = self.write_members(g, &id, &input.members, &[], &[]).await {
            // All or nothing: a Group whose members could not be written is not left behind.
            if let Err(undo) = self.client.delete_campaign(&id).await {
                tracing::warn!(connection = self.name(), group = %id, error_code = undo.code().unwrap_or("-"), "could not delete the Campaign of a failed create");
            }
            return Err(e);
        }
        tracing::info!(connection = self.name(), group = %id, "group created");
        Ok(Outcome {
            resource: self.group_resource(ctx, g, &record, Some(&input.members)),
            notices: Vec::new(),
        })
    }

    fn name_taken(&self, holder: &Record) -> ScimError {
        ScimError::uniqueness(format!(
            "connection '{}' already has a Group with this displayName (id {}); find it with GET /Groups?filter=displayName eq \"<the name>\"",
            self.name(),
            id_of(holder)
        ))
    }

    /// `GET /Groups/{id}`; members are read only when the answer shows them.
    pub async fn get_group(&self, ctx: &Ctx<'_>, id: &str, q: &ListQuery) -> Result<Value> {
        let g = self.group_spec()?;
        let with_members = wants_members(&q.attributes, &q.excluded_attributes);
        let read = self
            .read_group(
                g,
                id,
                Want {
                    rows: with_members.then_some(RowsOf::All),
                    ..Want::default()
                },
            )
            .await?;
        let record = read.record;
        let members: Option<Vec<String>> = with_members.then(|| {
            read.rows
                .into_iter()
                .filter(|m| Self::ours(g, m))
                .map(|m| m.person)
                .collect()
        });
        let resource = self.group_resource(ctx, g, &record, members.as_deref());
        Ok(project(
            &resource.to_json(),
            &q.attributes,
            &q.excluded_attributes,
        ))
    }

    /// `GET /Groups` and `POST /Groups/.search`, in Campaign Id order; the members of a page's
    /// groups are read together (one query per 400 groups, 2,000 rows a page).
    pub async fn list_groups(&self, ctx: &Ctx<'_>, q: &ListQuery) -> Result<Value> {
        let (total, resources) = self
            .group_page(ctx, q, q.start_index, q.page_size(self.spec.max_results))
            .await?;
        Ok(list_response(total, q.start_index, resources))
    }

    /// One page of groups from `start` (1-based), `count` long, and how many match.
    pub(super) async fn group_page(
        &self,
        ctx: &Ctx<'_>,
        q: &ListQuery,
        start: u64,
        count: u64,
    ) -> Result<(u64, Vec<Value>)> {
        let g = self.group_spec()?;
        let condition = match &q.filter {
            Some(f) => {
                let index = self.member_index(g, f).await?;
                Condition::And(vec![g.mapping.served(), g.mapping.to_condition(f, &index)?])
            }
            None => g.mapping.served(),
        };
        let object = FieldName::from_static(CAMPAIGN);
        let (total, records) = if count == 0 {
            let page = self
                .client
                .query(&Select::count(object, Some(condition)), None)
                .await
                .map_err(|e| self.fail_for("the list", e))?;
            (page.total_size, Vec::new())
        } else {
            let mut select = Select::new(object, g.mapping.select());
            select.filter = Some(condition);
            select.order_by = vec![(fields::ID, true)];
            self.page(select, start.saturating_sub(1), count).await?
        };
        let records: Vec<Record> = records
            .into_iter()
            .filter(|r| g.mapping.display_name_of(r).is_some())
            .collect();
        let mut members: Option<Vec<Membership>> = None;
        if wants_members(&q.attributes, &q.excluded_attributes) && !records.is_empty() {
            let ids: Vec<String> = records.iter().map(id_of).collect();
            members = Some(
                self.client
                    .campaign_members(&ids, &self.member_fields(g), &g.mapping.owner)
                    .await
                    .map_err(|e| self.fail_for("the Groups' members", e))?,
            );
        }
        let resources = records
            .iter()
            .map(|r| {
                let id = id_of(r);
                let of_this: Option<Vec<String>> = members.as_ref().map(|all| {
                    all.iter()
                        .filter(|m| same_id(&m.campaign, &id))
                        .map(|m| m.person.clone())
                        .collect()
                });
                let resource = self.group_resource(ctx, g, r, of_this.as_deref());
                project(&resource.to_json(), &q.attributes, &q.excluded_attributes)
            })
            .collect();
        Ok((total, resources))
    }

    /// For a filter naming `members`: the Campaigns (of this connection) each person is in.
    async fn member_index(
        &self,
        g: &GroupSpec,
        filter: &crate::scim::Filter,
    ) -> Result<MemberIndex> {
        let mut people = Vec::new();
        GroupMapping::member_values(filter, &mut people);
        let mut index = MemberIndex::new();
        people.retain(|p| is_record_id(p.trim()));
        if people.is_empty() {
            return Ok(index);
        }
        let rows = self
            .client
            .memberships_of(
                None,
                &self.member_fields(g),
                &people,
                Some(&g.mapping.owner),
            )
            .await
            .map_err(|e| self.fail_for("the Group filter", e))?;
        for p in &people {
            let campaigns = rows
                .iter()
                .filter(|m| same_id(&m.person, p))
                .map(|m| m.campaign.clone())
                .collect();
            index.insert(p.trim().to_string(), campaigns);
        }
        Ok(index)
    }

    /// `PUT /Groups/{id}` (RFC 7644 §3.5.1): name, externalId and exactly these members.
    pub async fn replace_group(&self, ctx: &Ctx<'_>, id: &str, body: &Value) -> Result<Outcome> {
        let g = self.group_spec()?;
        let input = parse_group(body)?;
        let read = self
            .read_group(
                g,
                id,
                Want {
                    members: &input.members,
                    rows: Some(RowsOf::All),
                    name: Some(&input.display_name),
                },
            )
            .await?;
        let record = self
            .rename(
                g,
                id,
                &read,
                Some(&input.display_name),
                Some(input.external_id.as_deref()),
            )
            .await?;
        self.set_members(g, id, &input.members, &read.rows).await?;
        Ok(Outcome {
            resource: self.group_resource(ctx, g, &record, Some(&input.members)),
            notices: Vec::new(),
        })
    }

    /// Writes a new name or externalId when they differ from what the Campaign holds.
    async fn rename(
        &self,
        g: &GroupSpec,
        id: &str,
        read: &GroupRead,
        display_name: Option<&str>,
        external_id: Option<Option<&str>>,
    ) -> Result<Record> {
        let record = &read.record;
        let current_name = g.mapping.display_name_of(record);
        let name = display_name.filter(|d| current_name.as_deref() != Some(*d));
        let current_ext = g.mapping.external_id_of(record);
        let ext = external_id
            .filter(|e| g.mapping.external_id_field.is_some() && current_ext.as_deref() != *e);
        if name.is_none() && ext.is_none() {
            return Ok(record.clone());
        }
        // Another group of this connection with that name (read with the group): 409, as the
        // key is unique; a name that differs only in case is this group's own.
        if let (Some(_), Some(holder)) = (name, &read.name_holder) {
            if !same_id(&id_of(holder), id) {
                return Err(self.name_taken(holder));
            }
        }
        self.client
            .update_campaign(id, &g.mapping.update_values(name, ext), &g.mapping.select())
            .await
            .map_err(|e| self.fail(id, e))
    }

    /// Makes `wanted` exactly the connection's members of `campaign`, whose rows are `rows`.
    async fn set_members(
        &self,
        g: &GroupSpec,
        campaign: &str,
        wanted: &[String],
        rows: &[Membership],
    ) -> Result<()> {
        let ours: Vec<&Membership> = rows.iter().filter(|m| Self::ours(g, m)).collect();
        let add: Vec<String> = wanted
            .iter()
            .filter(|w| !ours.iter().any(|m| same_id(&m.person, w)))
            .cloned()
            .collect();
        let remove: Vec<String> = ours
            .iter()
            .filter(|m| !wanted.iter().any(|w| same_id(w, &m.person)))
            .map(|m| m.person.clone())
            .collect();
        self.write_members(g, campaign, &add, &remove, rows).await
    }

    /// `PATCH /Groups/{id}` (RFC 7644 §3.5.2). Adds and removes touch only the members they
    /// name; a replace of `members` reads the current ones to compute the difference.
    pub async fn patch_group(&self, id: &str, ops: &[PatchOperation]) -> Result<()> {
        let g = self.group_spec()?;
        let patch = group_patch(ops, id)?;
        // An id that cannot be one of the connection's people cannot be a member, so removing
        // it is a no-op; Salesforce would refuse it in the membership query (invalid ID).
        let after = match patch.members_after() {
            Members::Delta { add, remove } => Members::Delta {
                add,
                remove: remove
                    .into_iter()
                    .filter(|i| self.could_be_person(i))
                    .collect(),
            },
            exactly => exactly,
        };
        // One read: the Campaign, the members being set, and the rows the change touches.
        let name = patch.display_name.as_deref();
        let touched: Vec<String> = match &after {
            Members::Delta { add, remove } => add.iter().chain(remove).cloned().collect(),
            Members::Exactly(_) => Vec::new(),
        };
        let want = match &after {
            Members::Exactly(set) if !patch.members.is_empty() => Want {
                members: set,
                rows: Some(RowsOf::All),
                name,
            },
            Members::Exactly(_) => Want {
                name,
                ..Want::default()
            },
            Members::Delta { add, .. } => Want {
                members: add,
                rows: (!touched.is_empty()).then_some(RowsOf::People(&touched)),
                name,
            },
        };
        let read = self.read_group(g, id, want).await?;
        let rows = &read.rows;
        self.rename(
            g,
            id,
            &read,
            patch.display_name.as_deref(),
            patch.external_id.as_ref().map(|e| e.as_deref()),
        )
        .await?;
        match after {
            Members::Exactly(set) if !patch.members.is_empty() => {
                self.set_members(g, id, &set, rows).await
            }
            Members::Exactly(_) => Ok(()),
            Members::Delta { add, remove } => {
                if add.is_empty() && remove.is_empty() {
                    return Ok(());
                }
                self.write_members(g, id, &add, &remove, rows).await
            }
        }
    }

    /// `DELETE /Groups/{id}` under `groups.on_delete`.
    pub async fn delete_group(&self, id: &str) -> Result<Removal> {
        let g = self.group_spec()?;
        self.read_group(g, id, Want::default()).await?;
        match g.on_delete {
            GroupDelete::Delete => self
                .client
                .delete_campaign(id)
                .await
                .map_err(|e| self.fail(id, e))?,
            GroupDelete::Deactivate => {
                self.client
                    .update_campaign(id, &g.mapping.deactivate(), &[fields::ID])
                    .await
                    .map_err(|e| self.fail(id, e))?;
            }
        }
        tracing::info!(connection = self.name(), group = id, "group removed");
        let notice = match g.on_delete {
            GroupDelete::Delete => "the Campaign was deleted, and its members with it".to_string(),
            GroupDelete::Deactivate => "the Campaign was kept, inactive, with its members; it no longer belongs to this connection (groups.on_delete = \"deactivate\")".to_string(),
        };
        Ok(Removal {
            notices: vec![notice],
        })
    }

    /// `POST /.search` at the root (RFC 7644 §3.4.3): Users, then Groups when served, paged as
    /// one list. A filter one type cannot answer (an attribute only the other has) matches none
    /// of that type; one neither can answer is the Users' error.
    pub async fn search_all(&self, ctx: &Ctx<'_>, q: &ListQuery) -> Result<Value> {
        if !self.serves_groups() {
            return self.list(ctx, q).await;
        }
        let count = q.page_size(self.spec.max_results);
        let users = self.list(ctx, q).await;
        let (user_total, mut resources, user_error) = match users {
            Ok(v) => (
                v["totalResults"].as_u64().unwrap_or(0),
                v["Resources"].as_array().cloned().unwrap_or_default(),
                None,
            ),
            Err(e) if e.status == 400 => (0, Vec::new(), Some(e)),
            Err(e) => return Err(e),
        };
        let start = q.start_index.saturating_sub(user_total).max(1);
        let left = count.saturating_sub(resources.len() as u64);
        let groups = self.group_page(ctx, q, start, left).await;
        let group_total = match groups {
            Ok((total, mut found)) => {
                resources.append(&mut found);
                total
            }
            Err(e) if e.status == 400 => match user_error {
                Some(user_error) => return Err(user_error),
                None => 0,
            },
            Err(e) => return Err(e),
        };
        Ok(list_response(
            user_total + group_total,
            q.start_index,
            resources,
        ))
    }

    /// Whether this connection serves Groups.
    pub fn serves_groups(&self) -> bool {
        self.spec.groups.is_some()
    }

    /// Whether the Group schema lists `externalId` (it has a field).
    pub fn groups_store_external_id(&self) -> bool {
        self.spec
            .groups
            .as_ref()
            .is_some_and(|g| g.mapping.external_id_field.is_some())
    }
}

/// The 15-character form of an id: Salesforce answers 18-character ids, IdPs may hold either.
fn canonical(id: &str) -> String {
    id.get(..15).unwrap_or(id).to_string()
}

fn same_id(a: &str, b: &str) -> bool {
    canonical(a.trim()) == canonical(b.trim())
}
