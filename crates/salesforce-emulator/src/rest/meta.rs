//! Metadata calls: the version list, the resource list, describeGlobal, describe and limits.

use serde_json::{json, Value};

use super::{Ctx, Reply, MAX_VERSION, MIN_VERSION};

/// `GET /services/data/`: every served version with its release name.
pub fn versions(_base_url: &str) -> Vec<u8> {
    let list: Vec<Value> = (MIN_VERSION..=MAX_VERSION)
        .map(|n| {
            let i = n - MIN_VERSION;
            let season = ["Winter", "Spring", "Summer"][(i % 3) as usize];
            let year = 21 + i / 3;
            json!({"label": format!("{season} '{year}"), "url": format!("/services/data/v{n}.0"),
                   "version": format!("{n}.0")})
        })
        .collect();
    serde_json::to_vec(&list).unwrap_or_default()
}

/// `GET /services/data/vNN.0/`.
pub fn resources(ctx: &Ctx) -> Reply {
    let b = format!("/services/data/v{}.0", ctx.version);
    Reply::json(
        200,
        &json!({
            "sobjects": format!("{b}/sobjects"),
            "query": format!("{b}/query"),
            "queryAll": format!("{b}/queryAll"),
            "composite": format!("{b}/composite"),
            "limits": format!("{b}/limits"),
        }),
    )
}

/// `GET /sobjects` (describeGlobal).
pub fn sobjects(ctx: &Ctx) -> Reply {
    let s = &ctx.schema;
    let list: Vec<Value> = (0..s.objects.len())
        .map(|i| s.summary(i, ctx.version))
        .collect();
    Reply::json(
        200,
        &json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": list}),
    )
}

/// `GET /sobjects/{T}`.
pub fn sobject(ctx: &Ctx, obj: usize) -> Reply {
    Reply::json(
        200,
        &json!({"objectDescribe": ctx.schema.summary(obj, ctx.version), "recentItems": []}),
    )
}

/// `GET /sobjects/{T}/describe`.
pub fn describe(ctx: &Ctx, obj: usize) -> Reply {
    Reply::json(200, &ctx.schema.describe(obj, ctx.version))
}

/// `GET /limits`.
pub fn limits(ctx: &Ctx) -> Reply {
    let (max, used) = ctx.state.api_usage();
    Reply::json(
        200,
        &json!({
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
            "DailyApiRequests": {"Max": max, "Remaining": max.saturating_sub(used)},
            "DailyAsyncApexExecutions": {"Max": 250_000, "Remaining": 250_000},
            "DailyBulkApiBatches": {"Max": 15_000, "Remaining": 15_000},
            "DataStorageMB": {"Max": 5, "Remaining": 5},
            "SingleEmail": {"Max": 15, "Remaining": 15},
        }),
    )
}
