//! The client's coalesced operations ([`super::batch`]): the look-ups creates and `userName eq`
//! filters make go to Salesforce as one `IN` query, and creates as one sObject Collections call
//! (at most 200 records, `allOrNone=false`, each record's error answered to its own request)
//! with one read-back query. A lone create is still one Composite request (create and read).

use std::sync::{Arc, Weak};

use super::batch::{Batcher, FlushFn, Flushed, Traffic};
use super::client::{Inner, SalesforceClient};
use super::composite::collection_body;
use super::error::SfError;
use super::name::{fields, FieldName};
use super::query::CREATE_LOOKUP_LIMIT;
use super::sobject::SObject;
use super::sobjects::MatchKey;
use super::soql::{Condition, Select, SoqlValue};
use super::wire::{decode, Record, SaveResult};

/// Look-ups per batch; one batch may still go as several queries (see [`LITERAL_BUDGET`]).
pub const MAX_LOOKUPS: usize = 100;
/// Characters of literal values per `IN` query, keeping its URL well below Salesforce's ~16 KB
/// URI limit whatever the keys' lengths.
const LITERAL_BUDGET: usize = 6_000;
/// Records per Collections create (Salesforce's maximum).
pub const MAX_CREATES: usize = 200;

/// One create's look-up ([`SalesforceClient::find_for_create`]).
pub struct Lookup {
    pub object: SObject,
    pub key: MatchKey,
    pub adoptable: Option<MatchKey>,
    pub select: Vec<FieldName>,
    /// Every match, not only the few a create needs (a filter's answer).
    pub all: bool,
}

/// One create ([`SalesforceClient::create_and_get`]'s first attempt).
pub struct Create {
    pub object: SObject,
    pub values: Record,
    pub select: Vec<FieldName>,
}

/// The batchers of one client.
pub struct Coalescers {
    pub traffic: Arc<Traffic>,
    pub lookups: Arc<Batcher<Lookup, Vec<Record>>>,
    pub creates: Arc<Batcher<Create, Record>>,
}

impl Coalescers {
    pub fn new(inner: &Weak<Inner>, window: std::time::Duration) -> Coalescers {
        let traffic = Arc::new(Traffic::default());
        let w = inner.clone();
        let lookups: FlushFn<Lookup, Vec<Record>> = Arc::new(move |items| {
            let w = w.clone();
            Box::pin(async move {
                match w.upgrade() {
                    Some(inner) => SalesforceClient { inner }.flush_lookups(items).await,
                    None => gone(items.len()),
                }
            })
        });
        let w = inner.clone();
        let creates: FlushFn<Create, Record> = Arc::new(move |items| {
            let w = w.clone();
            Box::pin(async move {
                match w.upgrade() {
                    Some(inner) => SalesforceClient { inner }.flush_creates(items).await,
                    None => gone(items.len()),
                }
            })
        });
        Coalescers {
            lookups: Batcher::new(Arc::clone(&traffic), MAX_LOOKUPS, window, lookups),
            creates: Batcher::new(Arc::clone(&traffic), MAX_CREATES, window, creates),
            traffic,
        }
    }
}

/// `indices` split so that each part's literal values fit [`LITERAL_BUDGET`].
fn chunks(items: &[Lookup], indices: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut used = 0;
    for &j in indices {
        let size =
            items[j].key.value.len() + items[j].adoptable.as_ref().map_or(0, |m| m.value.len()) + 8;
        match out.last_mut() {
            Some(part) if used + size <= LITERAL_BUDGET => {
                part.push(j);
                used += size;
            }
            _ => {
                out.push(vec![j]);
                used = size;
            }
        }
    }
    out
}

fn gone<O>(n: usize) -> Flushed<O> {
    (0..n)
        .map(|_| Err(SfError::NotConfigured("the client was dropped".to_string())))
        .collect()
}

fn text<'r>(record: &'r Record, field: &FieldName) -> Option<&'r str> {
    record
        .iter()
        .find(|(k, _)| field.is(k))
        .and_then(|(_, v)| v.as_str())
}

/// The records of `found` an item asked for: the one holding its key, and those without a key
/// whose match field has its adoptable value, oldest first (as the query ordered them).
fn answer_for(item: &Lookup, found: &[Record]) -> Vec<Record> {
    found
        .iter()
        .filter(|r| {
            let key = text(r, &item.key.field);
            let holds = key.is_some_and(|k| k.eq_ignore_ascii_case(&item.key.value));
            let adoptable = item.adoptable.as_ref().is_some_and(|m| {
                key.is_none_or(str::is_empty)
                    && text(r, &m.field).is_some_and(|v| v.eq_ignore_ascii_case(&m.value))
            });
            holds || adoptable
        })
        .take(if item.all {
            usize::MAX
        } else {
            CREATE_LOOKUP_LIMIT as usize
        })
        .cloned()
        .collect()
}

impl SalesforceClient {
    /// Sends a batch of look-ups as one query per object, select and field pair.
    async fn flush_lookups(&self, items: Vec<Lookup>) -> Flushed<Vec<Record>> {
        let mut out: Vec<Option<Result<Vec<Record>, SfError>>> =
            items.iter().map(|_| None).collect();
        let mut done = vec![false; items.len()];
        for i in 0..items.len() {
            if done[i] {
                continue;
            }
            let same = |j: usize| {
                let (a, b) = (&items[i], &items[j]);
                a.all == b.all
                    && a.object == b.object
                    && a.select == b.select
                    && a.key.field == b.key.field
                    && a.adoptable.as_ref().map(|m| &m.field)
                        == b.adoptable.as_ref().map(|m| &m.field)
            };
            let same_shape: Vec<usize> =
                (i..items.len()).filter(|&j| !done[j] && same(j)).collect();
            same_shape.iter().for_each(|&j| done[j] = true);
            for group in chunks(&items, &same_shape) {
                self.lookup_group(&items, &group, &mut out).await;
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(SfError::Decode("look-up not answered".into()))))
            .collect()
    }

    /// One `IN` query for look-ups of one shape, each answered in `out`.
    async fn lookup_group(
        &self,
        items: &[Lookup],
        group: &[usize],
        out: &mut [Option<Result<Vec<Record>, SfError>>],
    ) {
        let Some(&i) = group.first() else { return };
        let first = &items[i];
        let keys: Vec<SoqlValue> = group
            .iter()
            .map(|&j| SoqlValue::Str(items[j].key.value.clone()))
            .collect();
        let mut filter = vec![Condition::In {
            field: first.key.field.clone(),
            values: keys,
        }];
        if let Some(m) = &first.adoptable {
            let values: Vec<SoqlValue> = group
                .iter()
                .filter_map(|&j| items[j].adoptable.as_ref())
                .map(|a| SoqlValue::Str(a.value.clone()))
                .collect();
            let mut adoptable = vec![
                Condition::In {
                    field: m.field.clone(),
                    values,
                },
                Condition::eq(first.key.field.clone(), SoqlValue::Null),
            ];
            // A converted Lead is read-only: it can never become a person again (a demoted
            // Contact gets a new Lead).
            if first.object.is_convertible() {
                adoptable.push(Condition::eq(fields::IS_CONVERTED, SoqlValue::Bool(false)));
            }
            filter.push(Condition::And(adoptable));
        }
        let mut query = Select::new(first.object.name(), first.select.clone());
        query.filter = Some(Condition::Or(filter));
        query.order_by = vec![(fields::CREATED_DATE, true), (fields::ID, true)];
        let found = self.query_all(&query, None).await;
        for &j in group {
            out[j] = Some(match &found {
                Ok(records) => Ok(answer_for(&items[j], records)),
                Err(e) => Err(e.clone()),
            });
        }
    }

    /// Sends a batch of creates: one alone as a Composite create-and-read (one request), several
    /// as one Collections create and one read-back query (two requests).
    async fn flush_creates(&self, items: Vec<Create>) -> Flushed<Record> {
        if items.len() == 1 {
            let item = &items[0];
            return vec![
                self.create_and_read_one(item.object, &item.values, &item.select)
                    .await,
            ];
        }
        // Items of one object and select go together (a connection has one of each).
        let first = &items[0];
        if items
            .iter()
            .any(|i| i.object != first.object || i.select != first.select)
        {
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                out.push(
                    self.create_and_read_one(item.object, &item.values, &item.select)
                        .await,
                );
            }
            return out;
        }
        let created = match self.collection_create(first.object, &items).await {
            Ok(c) => c,
            Err(e) => return items.iter().map(|_| Err(e.clone())).collect(),
        };
        let ids: Vec<SoqlValue> = created
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|id| SoqlValue::Str(id.clone()))
            .collect();
        let read = if ids.is_empty() {
            Ok(Vec::new())
        } else {
            let mut query = Select::new(first.object.name(), first.select.clone());
            query.filter = Some(Condition::In {
                field: fields::ID,
                values: ids,
            });
            self.query_all(&query, None).await
        };
        created
            .into_iter()
            .map(|r| {
                let id = r?;
                match &read {
                    Ok(records) => records
                        .iter()
                        .find(|rec| text(rec, &fields::ID) == Some(id.as_str()))
                        .cloned()
                        .ok_or_else(|| {
                            SfError::Decode("a created record was not read back".to_string())
                        }),
                    Err(e) => Err(e.clone()),
                }
            })
            .collect()
    }

    /// `POST /composite/sobjects` with `allOrNone=false`: one id or error per item, in order.
    async fn collection_create(
        &self,
        object: SObject,
        items: &[Create],
    ) -> Result<Vec<Result<String, SfError>>, SfError> {
        let body = collection_body(
            object.as_str(),
            false,
            items.iter().map(|i| i.values.clone()),
        );
        let raw = self.post_collection(object, &body).await?;
        let results: Vec<SaveResult> = decode(&raw, "collections answer")?;
        if results.len() != items.len() {
            return Err(SfError::Decode(format!(
                "collections answer: {} results for {} records",
                results.len(),
                items.len()
            )));
        }
        Ok(results.into_iter().map(SaveResult::into_id).collect())
    }
}
