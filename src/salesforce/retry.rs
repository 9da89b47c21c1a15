//! The client's one retry policy, used by every call path.
//!
//! A failure is resent only when [`SfError::is_retryable`] says the same request may succeed
//! later (row locks, `SERVER_UNAVAILABLE`, 5xx, transport failures; never a rate limit), at most
//! `max_retries` times, after a jittered exponential backoff. Before resending an attempt that
//! reached Salesforce, the caller is asked whether a resend is safe ([`Next`]): an update or a
//! read is (they are idempotent), a create is not until a look-up proved the first attempt made
//! no record. An attempt that never left (no token could be obtained) is simply sent.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use super::client::SalesforceClient;
use super::error::SfError;
use super::transport::Failure;

const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// 200 ms, 800 ms, 3.2 s, … (×4 per attempt, at most 10 s), each ±25 % so that concurrent
/// requests that failed together do not come back together.
pub(super) fn backoff(retry: u32) -> Duration {
    let factor = 4u32.saturating_pow(retry.saturating_sub(1));
    let base = BACKOFF_BASE.saturating_mul(factor).min(BACKOFF_MAX);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    base.mul_f64(jitter)
}

/// What to do about a retryable failure of an attempt that reached Salesforce.
pub(super) enum Next<T> {
    /// Sending the same request again is safe.
    Resend,
    /// Stop with this result (the record a failed create made after all, or the failure).
    Stop(Result<T, SfError>),
}

/// The outcome of a call under the retry policy.
pub(super) struct Retried<T> {
    pub result: Result<T, SfError>,
    /// Whether the call was resent after an attempt Salesforce may have carried out, so that a
    /// "not found" may be our own earlier success (a DELETE that timed out, say).
    pub resent_after_maybe_done: bool,
}

/// For idempotent calls: every retryable failure may be resent.
pub(super) async fn always_resend<T>(_: Failure) -> Next<T> {
    Next::Resend
}

impl SalesforceClient {
    /// Runs `attempt` (given the attempt number, from 1) under the retry policy; `before_resend`
    /// decides about failures that reached Salesforce.
    pub(super) async fn retrying<T, A, AF, R, RF>(
        &self,
        label: &'static str,
        mut attempt: A,
        mut before_resend: R,
    ) -> Retried<T>
    where
        A: FnMut(u32) -> AF,
        AF: Future<Output = Result<T, Failure>>,
        R: FnMut(Failure) -> RF,
        RF: Future<Output = Next<T>>,
    {
        let mut n = 0u32;
        let mut resent_after_maybe_done = false;
        loop {
            n += 1;
            if n > 1 {
                self.inner.meter.retry(label);
            }
            let failure = match attempt(n).await {
                Ok(value) => {
                    return Retried {
                        result: Ok(value),
                        resent_after_maybe_done,
                    }
                }
                Err(f) => f,
            };
            if !failure.error.is_retryable() || n > self.inner.max_retries {
                return Retried {
                    result: Err(failure.error),
                    resent_after_maybe_done,
                };
            }
            let wait = backoff(n);
            tracing::info!(
                call = label,
                attempt = n,
                error_code = failure.error.code().unwrap_or("-"),
                status = failure.error.status().unwrap_or(0),
                sent = failure.sent,
                wait_ms = wait.as_millis() as u64,
                "Salesforce call failed retryably; waiting before the next attempt"
            );
            tokio::time::sleep(wait).await;
            if failure.sent {
                match before_resend(failure).await {
                    Next::Resend => resent_after_maybe_done = true,
                    Next::Stop(result) => {
                        return Retried {
                            result,
                            resent_after_maybe_done,
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_from_about_200_ms_and_stays_capped() {
        let first = backoff(1);
        assert!(first >= Duration::from_millis(150) && first <= Duration::from_millis(250));
        let second = backoff(2);
        assert!(second >= Duration::from_millis(600) && second <= Duration::from_millis(1000));
        assert!(backoff(30) <= BACKOFF_MAX.mul_f64(1.25));
    }
}
