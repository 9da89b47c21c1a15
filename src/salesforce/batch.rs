//! Coalescing: requests that need the same kind of Salesforce call at about the same time are
//! sent as one (an `IN` query, an sObject Collections create), the way token renewal is single
//! flight (see [`super::auth`]). Each caller gets its own answer, exactly as if it had been alone.
//!
//! When to send: a batch goes as soon as every request in flight on the client waits in some
//! batch (nobody else can join), or when it holds as many items as the recent peak of requests
//! in flight, or when it is full, or at the latest [`WINDOW`] after its
//! first item (`salesforce.coalesce_window_ms`, [`DEFAULT_WINDOW`]). A lone request (nothing else in flight recently) is sent at once, so it costs no
//! added latency. "In flight" is [`Traffic`]: every SCIM operation holds a [`Busy`] guard while
//! it runs; the expected batch size is the most requests seen in flight over the last second, so
//! a batch also waits for the callers that are between two of their calls.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::error::SfError;

/// The longest a batch waits for company by default. Far below any request deadline (50 s by
/// default), and a few milliseconds at most for a caller in a busy moment.
pub const DEFAULT_WINDOW: Duration = Duration::from_millis(25);

/// How long the busiest moment counts as "recent" for the expected batch size.
const PEAK_MEMORY: Duration = Duration::from_secs(1);

/// Requests in flight on one client, how many of them wait in a batch, and the recent peak.
#[derive(Debug, Default)]
pub struct Traffic {
    in_flight: AtomicUsize,
    /// Items queued in any batcher of the client, not yet sent.
    waiting: AtomicUsize,
    peak: Mutex<(usize, Option<Instant>)>,
    /// Wakes every leader when everyone in flight is waiting (nobody else can join).
    all_waiting: tokio::sync::Notify,
}

/// Held while one SCIM operation runs; dropping it ends the operation.
#[derive(Debug)]
pub struct Busy(Arc<Traffic>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        // One fewer to wait for: the batches may now hold everyone still in flight.
        self.0.wake_if_all_waiting();
    }
}

impl Traffic {
    /// Starts an operation.
    pub fn enter(self: &Arc<Self>) -> Busy {
        let now = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        let mut peak = self.peak.lock().unwrap_or_else(|e| e.into_inner());
        let stale = peak.1.is_none_or(|at| at.elapsed() > PEAK_MEMORY);
        if stale || now >= peak.0 {
            *peak = (now, Some(Instant::now()));
        }
        Busy(Arc::clone(self))
    }

    /// Whether as many requests wait in batches as are in flight and as the recent peak: no
    /// batch can grow (requests still arriving in a busy moment are expected by the peak).
    fn all_waiting(&self) -> bool {
        let waiting = self.waiting.load(Ordering::Acquire);
        waiting > 0 && waiting >= self.expected()
    }

    fn wake_if_all_waiting(&self) {
        if self.all_waiting() {
            self.all_waiting.notify_waiters();
        }
    }

    /// How many callers a batch can expect: the recent peak of requests in flight.
    fn expected(&self) -> usize {
        let now = self.in_flight.load(Ordering::Acquire);
        let peak = self.peak.lock().unwrap_or_else(|e| e.into_inner());
        match peak.1 {
            Some(at) if at.elapsed() <= PEAK_MEMORY => peak.0.max(now),
            _ => now,
        }
        .max(1)
    }
}

/// The answer a flush gives each item, in the items' order.
pub type Flushed<O> = Vec<Result<O, SfError>>;

/// What sends one batch.
pub type FlushFn<I, O> =
    Arc<dyn Fn(Vec<I>) -> Pin<Box<dyn Future<Output = Flushed<O>> + Send>> + Send + Sync>;

struct Pending<I, O> {
    item: I,
    reply: oneshot::Sender<Result<O, SfError>>,
}

/// Gathers items into batches and sends each batch with one flush.
pub struct Batcher<I, O> {
    pending: Mutex<Vec<Pending<I, O>>>,
    traffic: Arc<Traffic>,
    max: usize,
    window: Duration,
    flush: FlushFn<I, O>,
    wake: tokio::sync::Notify,
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// A batcher of at most `max` items per flush, waiting at most `window` for company.
    pub fn new(
        traffic: Arc<Traffic>,
        max: usize,
        window: Duration,
        flush: FlushFn<I, O>,
    ) -> Arc<Self> {
        Arc::new(Batcher {
            pending: Mutex::new(Vec::new()),
            traffic,
            max: max.max(1),
            window,
            flush,
            wake: tokio::sync::Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending<I, O>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `item` to the next batch and waits for its answer. The batch is sent by a task of
    /// its own, so a caller that gives up (its request deadline) never strands the others.
    pub async fn submit(self: &Arc<Self>, item: I) -> Result<O, SfError> {
        let (tx, rx) = oneshot::channel();
        let (first, len) = {
            let mut pending = self.lock();
            pending.push(Pending { item, reply: tx });
            (pending.len() == 1, pending.len())
        };
        self.traffic.waiting.fetch_add(1, Ordering::AcqRel);
        if first {
            tokio::spawn(Arc::clone(self).lead());
        } else if len >= self.traffic.expected().min(self.max) {
            self.wake.notify_one();
        }
        self.traffic.wake_if_all_waiting();
        rx.await.unwrap_or_else(|_| {
            Err(SfError::Transport(
                "the batch this request was part of was dropped".to_string(),
            ))
        })
    }

    /// Waits for the batch to fill (or the window to pass), then sends it (boxed: a leader may
    /// start the next one).
    fn lead(self: Arc<Self>) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move { self.lead_now().await })
    }

    async fn lead_now(self: Arc<Self>) {
        let until = tokio::time::Instant::now() + self.window;
        loop {
            // Registered before the checks, so a wake-up between them is not lost.
            let everyone = self.traffic.all_waiting.notified();
            let len = self.lock().len();
            if len >= self.traffic.expected().min(self.max) || self.traffic.all_waiting() {
                break;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = everyone => {}
                _ = tokio::time::sleep_until(until) => break,
            }
        }
        let batch: Vec<Pending<I, O>> = {
            let mut pending = self.lock();
            let n = pending.len().min(self.max);
            pending.drain(..n).collect()
        };
        self.traffic
            .waiting
            .fetch_sub(batch.len(), Ordering::AcqRel);
        // Items beyond the maximum, or arriving from now on, form the next batch with a leader
        // of their own.
        if !self.lock().is_empty() {
            tokio::spawn(Arc::clone(&self).lead());
        }
        if batch.is_empty() {
            return;
        }
        let (items, replies): (Vec<I>, Vec<_>) =
            batch.into_iter().map(|p| (p.item, p.reply)).unzip();
        let n = items.len();
        let mut results = (self.flush)(items).await.into_iter();
        for reply in replies {
            let r = results.next().unwrap_or_else(|| {
                Err(SfError::Decode(format!(
                    "a batch of {n} got fewer answers than items"
                )))
            });
            let _ = reply.send(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doubling(calls: Arc<AtomicUsize>) -> FlushFn<u32, u32> {
        Arc::new(move |items: Vec<u32>| {
            let calls = Arc::clone(&calls);
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                items.into_iter().map(|i| Ok(i * 2)).collect()
            })
        })
    }

    /// Submits 0..n at once; their answers in order.
    async fn submit_all(b: &Arc<Batcher<u32, u32>>, n: u32) -> Vec<u32> {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let b = Arc::clone(b);
                tokio::spawn(async move { b.submit(i).await })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().unwrap());
        }
        out
    }

    #[tokio::test]
    async fn a_lone_item_is_sent_at_once() {
        let traffic = Arc::new(Traffic::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let b = Batcher::new(
            Arc::clone(&traffic),
            200,
            DEFAULT_WINDOW,
            doubling(Arc::clone(&calls)),
        );
        let _busy = traffic.enter();
        let started = Instant::now();
        assert_eq!(b.submit(21).await.unwrap(), 42);
        assert!(
            started.elapsed() < DEFAULT_WINDOW,
            "no window for a lone request"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn sixteen_concurrent_items_go_as_one_batch_and_each_gets_its_answer() {
        let traffic = Arc::new(Traffic::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let b = Batcher::new(
            Arc::clone(&traffic),
            200,
            DEFAULT_WINDOW,
            doubling(Arc::clone(&calls)),
        );
        let guards: Vec<Busy> = (0..16).map(|_| traffic.enter()).collect();
        let answers = submit_all(&b, 16).await;
        assert_eq!(answers, (0..16).map(|i| 2 * i).collect::<Vec<u32>>());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        drop(guards);
    }

    #[tokio::test]
    async fn a_batch_never_holds_more_than_its_maximum() {
        let traffic = Arc::new(Traffic::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let b = Batcher::new(
            Arc::clone(&traffic),
            4,
            DEFAULT_WINDOW,
            doubling(Arc::clone(&calls)),
        );
        let _guards: Vec<Busy> = (0..10).map(|_| traffic.enter()).collect();
        submit_all(&b, 10).await;
        assert_eq!(calls.load(Ordering::SeqCst), 3, "4 + 4 + 2");
    }
}
