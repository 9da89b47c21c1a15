//! Reading a connection's people: one by id, and lists and searches (RFC 7644 §3.4.2, §3.4.3)
//! with exact `totalResults`, paged through Salesforce's query cursor.

use serde_json::Value;

use super::connection::{Connection, Result};
use super::Ctx;
use crate::mapping::looks_like_email;
use crate::salesforce::soql::Folded;
use crate::salesforce::{fields, CompareOp, Condition, MatchKey, Record, Select, SoqlValue};
use crate::scim::error::ScimError;
use crate::scim::filter::{CompValue, CompareOp as ScimOp, Filter};
use crate::scim::list::{list_response, project, ListQuery};
use crate::scim::resource::Resource;

/// How deep a list may page (each 2,000 rows cost one Salesforce API request): beyond it, a
/// bearer-token holder could spend the org's daily allowance with one request.
pub const MAX_LIST_DEPTH: u64 = 100_000;

impl Connection {
    /// `GET /Users/{id}`.
    pub async fn get(&self, ctx: &Ctx<'_>, id: &str) -> Result<Resource> {
        let _busy = self.client.busy();
        let record = self.fetch(id).await?;
        Ok(self.resource(ctx, &record))
    }

    /// `GET /Users` and `POST /Users/.search`. Pages are ordered by Id, so paging is stable;
    /// SOQL's 2,000-row OFFSET limit is passed by walking the query cursor.
    pub async fn list(&self, ctx: &Ctx<'_>, q: &ListQuery) -> Result<Value> {
        let _busy = self.client.busy();
        if let Some((f, user_name)) = q.filter.as_ref().and_then(|f| Some((f, user_name_eq(f)?))) {
            // The same checks as any filter (a value Salesforce cannot compare is refused).
            self.mapping().to_condition(f)?;
            return self.find_user_name(ctx, q, user_name).await;
        }
        if let Some(f) = &q.filter {
            // `emails eq "…"`, `externalId eq "…"`: one field equal to one text, coalesced.
            if let Condition::Compare {
                field,
                op: CompareOp::Eq,
                value: SoqlValue::Str(v),
            } = self.mapping().to_condition(f)?
            {
                // Record ids compare case-sensitively: they keep the plain query.
                if field != fields::ID {
                    let key = MatchKey { field, value: v };
                    return self.find_equal(ctx, q, &key).await;
                }
            }
        }
        // Only this connection's people: records whose key is set.
        let condition = Some(match &q.filter {
            Some(f) => Condition::And(vec![self.people(), self.mapping().to_condition(f)?]),
            None => self.people(),
        });
        let count = q.page_size(self.spec.max_results);
        let offset = q.start_index.saturating_sub(1);
        if matches!(condition.as_ref().map(Condition::fold), Some(Folded::False)) {
            return Ok(list_response(0, q.start_index, Vec::new()));
        }
        let object = self.object().name();
        let (total, records) = if count == 0 {
            let page = self
                .client
                .query(&Select::count(object, condition), None)
                .await
                .map_err(|e| self.fail_for("the list", e))?;
            (page.total_size, Vec::new())
        } else {
            let mut select = Select::new(object, self.select_fields());
            select.filter = condition;
            select.order_by = vec![(fields::ID, true)];
            self.page(select, offset, count).await?
        };
        let resources = records.iter().map(|r| self.projected(ctx, q, r)).collect();
        Ok(list_response(total, q.start_index, resources))
    }

    /// A record as the list asked for it (`attributes`, `excludedAttributes`).
    fn projected(&self, ctx: &Ctx<'_>, q: &ListQuery, record: &Record) -> Value {
        project(
            &self.resource(ctx, record).to_json(),
            &q.attributes,
            &q.excluded_attributes,
        )
    }

    /// `filter=userName eq "…"`, the look-up every IdP makes before a create: one query (shared
    /// with look-ups of the same moment) that also finds what that create would ask, remembered
    /// for it ([`super::memory`]). The key is unique, so the answer has at most one User.
    async fn find_user_name(&self, ctx: &Ctx<'_>, q: &ListQuery, user_name: &str) -> Result<Value> {
        let key = MatchKey {
            field: self.mapping().key.clone(),
            value: user_name.to_string(),
        };
        // A create of this person adopts a keyless record whose email is the userName (when it
        // is an address and the connection matches on Email, the usual setup).
        let adoptable =
            (looks_like_email(user_name) && self.spec.match_field.is("Email")).then(|| MatchKey {
                field: self.spec.match_field.clone(),
                value: user_name.to_string(),
            });
        let found = self
            .client
            .find_for_create(
                self.object(),
                &key,
                adoptable.as_ref(),
                &self.select_fields(),
            )
            .await
            .map_err(|e| self.fail_for("the list", e))?;
        let holders: Vec<Record> = found
            .iter()
            .filter(|r| {
                self.key_of(r)
                    .is_some_and(|k| k.eq_ignore_ascii_case(user_name))
            })
            .cloned()
            .collect();
        self.memory.remember(
            user_name,
            adoptable.as_ref().map(|m| m.value.as_str()),
            found,
        );
        Ok(self.answer_page(ctx, q, &holders))
    }

    /// A filter that is one field equal to one text: one look-up, shared with the look-ups of
    /// the same moment; only this connection's people are kept.
    async fn find_equal(&self, ctx: &Ctx<'_>, q: &ListQuery, key: &MatchKey) -> Result<Value> {
        let found = self
            .client
            .find_equal(self.object(), key, &self.select_fields())
            .await
            .map_err(|e| self.fail_for("the list", e))?;
        let people: Vec<Record> = found
            .into_iter()
            .filter(|r| self.key_of(r).is_some())
            .collect();
        Ok(self.answer_page(ctx, q, &people))
    }

    /// A ListResponse page of `records` (all that matched, in Id order).
    fn answer_page(&self, ctx: &Ctx<'_>, q: &ListQuery, records: &[Record]) -> Value {
        let count = q.page_size(self.spec.max_results);
        let mut sorted: Vec<&Record> = records.iter().collect();
        sorted.sort_by(|a, b| {
            let id = |r: &Record| {
                r.get("Id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            id(a).cmp(&id(b))
        });
        let resources = sorted
            .iter()
            .skip(q.start_index.saturating_sub(1) as usize)
            .take(count as usize)
            .map(|r| self.projected(ctx, q, r))
            .collect();
        list_response(records.len() as u64, q.start_index, resources)
    }

    /// One page, read through the query cursor in Id order: no OFFSET (whose `totalSize` is
    /// not the whole count and which stops at 2,000 rows), so `totalSize` is exact. The page
    /// after one this replica served continues its cursor ([`super::memory::CursorMemory`]): one
    /// request per page, however deep. Otherwise a page within the first 2,000 rows costs one
    /// request and deeper pages one per 2,000 rows, up to [`MAX_LIST_DEPTH`].
    pub(super) async fn page(
        &self,
        select: Select,
        offset: u64,
        count: u64,
    ) -> Result<(u64, Vec<Record>)> {
        let soql = select.to_soql();
        if let Some(next) = self.cursors.take(&soql, count, offset) {
            match self.client.query_more(&next).await {
                Ok(page) => return self.walk(page, &soql, offset, offset, count).await,
                // Released (too many cursors, or idle too long): walk from the start.
                Err(e) if e.has_code("INVALID_QUERY_LOCATOR") => {}
                Err(e) => return Err(self.fail_for("the list", e)),
            }
        }
        // A walk from the first page reads pages of `count`, so each page ends where the next
        // one starts; a deeper first read fetches up to the page in one request if it can.
        let batch = if offset == 0 {
            count
        } else {
            offset.saturating_add(count)
        };
        let page = self
            .client
            .query(&select, Some(u32::try_from(batch).unwrap_or(u32::MAX)))
            .await
            .map_err(|e| self.fail_for("the list", e))?;
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
        self.walk(page, &soql, 0, offset, count).await
    }

    /// Reads `count` rows from `offset` on, `page` holding the rows from position `start`;
    /// remembers the cursor when the page ends exactly where the next one starts.
    async fn walk(
        &self,
        mut page: crate::salesforce::QueryPage,
        soql: &str,
        start: u64,
        offset: u64,
        count: u64,
    ) -> Result<(u64, Vec<Record>)> {
        let total = page.total_size;
        let mut seen = start;
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
                    page = self
                        .client
                        .query_more(next)
                        .await
                        .map_err(|e| self.fail_for("the list", e))?;
                }
                _ => break,
            }
        }
        if let (false, Some(next)) = (page.done, page.next_records_url) {
            if seen == offset + count {
                self.cursors.remember(soql, count, seen, next);
            }
        }
        Ok((total, wanted))
    }
}

/// The userName of a filter that is exactly `userName eq "…"` (any case of the name).
fn user_name_eq(f: &Filter) -> Option<&str> {
    match f {
        Filter::Compare {
            attr,
            op: ScimOp::Eq,
            value: CompValue::String(v),
        } if attr.urn.is_none()
            && attr.sub_attr.is_none()
            && attr.name.eq_ignore_ascii_case("userName")
            && !v.is_empty() =>
        {
            Some(v)
        }
        _ => None,
    }
}
