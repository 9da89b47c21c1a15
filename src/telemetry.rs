//! Metrics: what an operator graphs and alerts on, in Prometheus's text format (the
//! `prometheus` crate encodes it; nothing here formats text by hand).
//!
//! One [`Telemetry`] per running bridge holds the registry; each connection gets a [`Meter`]
//! (the registry and the connection's name), which the Salesforce client, provisioning and
//! the HTTP layer count through. Every label has a bounded set of values: connection names come
//! from the configuration, operations and calls from fixed lists, statuses from HTTP codes;
//! never a raw path, an id or a person's data.
//!
//! No actix here: `http` renders [`Telemetry::render`] at `/metrics`.

use std::sync::Arc;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The metric families (names in README "Operating it").
pub struct Telemetry {
    registry: Registry,
    scim_requests: IntCounterVec,
    scim_duration: HistogramVec,
    salesforce_requests: IntCounterVec,
    salesforce_retries: IntCounterVec,
    token_grants: IntCounterVec,
    api_used: IntGaugeVec,
    api_limit: IntGaugeVec,
    policy_refusals: IntCounterVec,
    outcomes: IntCounterVec,
    removals_held: IntGaugeVec,
}

/// What an operation did, for `scim_bridge_outcomes_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Adopted,
    /// A Lead converted into the Contact created or adopted.
    Promoted,
    Updated,
    Disabled,
    Deleted,
    /// Answered 4xx: a policy, the removal guard, or input Salesforce or the bridge refused.
    Refused,
    /// Answered 5xx: Salesforce failed, timed out, or the bridge could not finish.
    Failed,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::Created,
        Outcome::Adopted,
        Outcome::Promoted,
        Outcome::Updated,
        Outcome::Disabled,
        Outcome::Deleted,
        Outcome::Refused,
        Outcome::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Adopted => "adopted",
            Outcome::Promoted => "promoted",
            Outcome::Updated => "updated",
            Outcome::Disabled => "disabled",
            Outcome::Deleted => "deleted",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

/// SCIM request latency buckets, in seconds: from a cached look-up to Entra's 60 s resend.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels)
        .unwrap_or_else(|_| unreachable_metric(name));
    registry
        .register(Box::new(c.clone()))
        .unwrap_or_else(|_| unreachable_metric(name));
    c
}

fn gauge(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let g = IntGaugeVec::new(Opts::new(name, help), labels)
        .unwrap_or_else(|_| unreachable_metric(name));
    registry
        .register(Box::new(g.clone()))
        .unwrap_or_else(|_| unreachable_metric(name));
    g
}

/// The names and labels above are constants, each registered once in a fresh registry, so
/// construction cannot fail; a failure would be a programming error caught by every test.
#[allow(clippy::panic)]
fn unreachable_metric(name: &str) -> ! {
    panic!("metric {name} has an invalid definition or is registered twice")
}

impl Default for Telemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl Telemetry {
    pub fn new() -> Self {
        let registry = Registry::new();
        let r = &registry;
        let scim_duration = HistogramVec::new(
            HistogramOpts::new(
                "scim_bridge_scim_request_duration_seconds",
                "Time to answer a SCIM request, by connection and operation.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["connection", "operation"],
        )
        .unwrap_or_else(|_| unreachable_metric("scim_bridge_scim_request_duration_seconds"));
        registry
            .register(Box::new(scim_duration.clone()))
            .unwrap_or_else(|_| unreachable_metric("scim_bridge_scim_request_duration_seconds"));
        Telemetry {
            scim_requests: counter(
                r,
                "scim_bridge_scim_requests_total",
                "SCIM requests answered, by connection, operation and HTTP status.",
                &["connection", "operation", "status"],
            ),
            scim_duration,
            salesforce_requests: counter(
                r,
                "scim_bridge_salesforce_requests_total",
                "Requests sent to Salesforce, by connection, kind of call and outcome (ok, client_error, server_error, transport).",
                &["connection", "call", "outcome"],
            ),
            salesforce_retries: counter(
                r,
                "scim_bridge_salesforce_retries_total",
                "Salesforce calls sent again by the retry policy, by connection and kind of call.",
                &["connection", "call"],
            ),
            token_grants: counter(
                r,
                "scim_bridge_token_grants_total",
                "Salesforce OAuth token grants, by connection, grant type and outcome (ok, refused, failed).",
                &["connection", "grant", "outcome"],
            ),
            api_used: gauge(
                r,
                "scim_bridge_salesforce_api_requests_used",
                "The org's daily API requests used, from the last Sforce-Limit-Info header.",
                &["connection"],
            ),
            api_limit: gauge(
                r,
                "scim_bridge_salesforce_api_requests_limit",
                "The org's daily API request allowance, from the last Sforce-Limit-Info header.",
                &["connection"],
            ),
            policy_refusals: counter(
                r,
                "scim_bridge_policy_refusals_total",
                "Changes a policy toggle or the removal guard stopped, by connection and toggle.",
                &["connection", "toggle"],
            ),
            outcomes: counter(
                r,
                "scim_bridge_outcomes_total",
                "What SCIM writes did, by connection and outcome.",
                &["connection", "outcome"],
            ),
            removals_held: gauge(
                r,
                "scim_bridge_removals_held",
                "Removals the removal guard holds for an admin's decision.",
                &["connection"],
            ),
            registry,
        }
    }

    /// The meter one connection counts through.
    pub fn meter(self: &Arc<Self>, connection: &str) -> Meter {
        Meter {
            telemetry: Arc::clone(self),
            connection: Arc::from(connection),
        }
    }

    /// A SCIM request answered: `connection` is a configured name or `-`.
    pub fn scim_request(&self, connection: &str, operation: &str, status: u16, seconds: f64) {
        self.scim_requests
            .with_label_values(&[connection, operation, &status.to_string()])
            .inc();
        self.scim_duration
            .with_label_values(&[connection, operation])
            .observe(seconds);
    }

    /// Every metric in the text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "metrics could not be encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// The text format's content type.
    pub fn content_type() -> &'static str {
        prometheus::TEXT_FORMAT
    }
}

/// One connection's handle on the metrics. [`Meter::detached`] counts into a registry nobody
/// reads (a client built outside a server, such as `test-connection`).
#[derive(Clone)]
pub struct Meter {
    telemetry: Arc<Telemetry>,
    connection: Arc<str>,
}

impl Meter {
    pub fn detached() -> Self {
        Arc::new(Telemetry::new()).meter("-")
    }

    pub fn salesforce_request(&self, call: &str, outcome: &str) {
        self.telemetry
            .salesforce_requests
            .with_label_values(&[&self.connection, call, outcome])
            .inc();
    }

    pub fn retry(&self, call: &str) {
        self.telemetry
            .salesforce_retries
            .with_label_values(&[&self.connection, call])
            .inc();
    }

    pub fn token_grant(&self, grant: &str, outcome: &str) {
        self.telemetry
            .token_grants
            .with_label_values(&[&self.connection, grant, outcome])
            .inc();
    }

    pub fn allowance(&self, used: u64, limit: u64) {
        let to_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.telemetry
            .api_used
            .with_label_values(&[&self.connection])
            .set(to_i64(used));
        self.telemetry
            .api_limit
            .with_label_values(&[&self.connection])
            .set(to_i64(limit));
    }

    pub fn policy_refusal(&self, toggle: &str) {
        self.telemetry
            .policy_refusals
            .with_label_values(&[&self.connection, toggle])
            .inc();
    }

    pub fn outcome(&self, outcome: Outcome) {
        self.telemetry
            .outcomes
            .with_label_values(&[&self.connection, outcome.as_str()])
            .inc();
    }

    /// How many of `outcome` this connection has had since start.
    pub fn outcome_count(&self, outcome: Outcome) -> u64 {
        self.telemetry
            .outcomes
            .with_label_values(&[&self.connection, outcome.as_str()])
            .get()
    }

    pub fn removals_held(&self, held: usize) {
        self.telemetry
            .removals_held
            .with_label_values(&[&self.connection])
            .set(i64::try_from(held).unwrap_or(i64::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_appear_in_the_text_format_under_their_labels() {
        let t = Arc::new(Telemetry::new());
        let m = t.meter("contacts");
        m.outcome(Outcome::Created);
        m.salesforce_request("create", "ok");
        t.scim_request("contacts", "create", 201, 0.02);
        let text = t.render();
        assert!(
            text.contains(
                "scim_bridge_outcomes_total{connection=\"contacts\",outcome=\"created\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("scim_bridge_scim_requests_total{connection=\"contacts\",operation=\"create\",status=\"201\"} 1"), "{text}");
        assert!(text.contains("scim_bridge_scim_request_duration_seconds_bucket{connection=\"contacts\",operation=\"create\",le=\"0.025\"} 1"), "{text}");
        assert_eq!(m.outcome_count(Outcome::Created), 1);
        assert_eq!(m.outcome_count(Outcome::Deleted), 0);
    }
}
