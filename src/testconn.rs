//! "Test connection": checks a connection against its Salesforce org and says exactly what is
//! wrong and how to fix it. Used by `scim-bridge test-connection` and by
//! `POST /admin/connections/{name}/test`.
//!
//! The checks run in order and stop at the first one later checks depend on (no token → no
//! API call can work).

use serde::Serialize;

use crate::provisioning::groups::GroupSpec;
use crate::provisioning::{Connection, RemoveAction};
use crate::salesforce::campaigns::{CAMPAIGN, CAMPAIGN_MEMBER};
use crate::salesforce::{Describe, SfError};

/// One check's result.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Every check for one connection.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub connection: String,
    pub ok: bool,
    pub checks: Vec<Check>,
}

impl Report {
    /// A human-readable rendering for the terminal.
    pub fn render(&self) -> String {
        let mut out = format!("connection '{}':\n", self.connection);
        for c in &self.checks {
            out.push_str(&format!(
                "  [{}] {}: {}\n",
                if c.ok { "PASS" } else { "FAIL" },
                c.name,
                c.detail
            ));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("         fix: {fix}\n"));
            }
        }
        out.push_str(if self.ok {
            "  result: ready to provision\n"
        } else {
            "  result: NOT ready, see the fixes above\n"
        });
        out
    }
}

fn pass(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: true,
        detail: detail.into(),
        fix: None,
    }
}

fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        name,
        ok: false,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

/// What to do about a failed grant, by Salesforce's OAuth error.
fn grant_fix(e: &SfError, key: &str) -> String {
    match e {
        SfError::Auth { error, description } if error == "invalid_client" || description.contains("client") => format!(
            "the connected app's consumer key or secret is wrong: check {key}.client_id and {key}.client_secret"
        ),
        SfError::Auth { error, .. } if error == "invalid_grant" => format!(
            "the refresh token is expired or revoked (or the JWT is not accepted): issue a new refresh token into {key}.refresh_token, or configure {key}.jwt_username + jwt_private_key_file, which never expire"
        ),
        SfError::Auth { error, .. } if error == "unsupported_grant_type" => format!(
            "the org does not allow this OAuth flow for the app: enable it on the connected app, or configure another credential in {key}"
        ),
        SfError::Transport(_) => format!(
            "Salesforce could not be reached: check {key}.domain (your My Domain URL) and the network path to it"
        ),
        SfError::NotConfigured(_) => format!(
            "no way to obtain a token: set {key}.refresh_token (+ client_secret), client_secret alone, or jwt_username + jwt_private_key_file"
        ),
        _ => format!("check the credentials in {key}"),
    }
}

/// Runs every check for `conn`.
pub async fn run(conn: &Connection) -> Report {
    // An admin re-runs the test after fixing the org: read its metadata afresh (one request).
    conn.client.clear_describe_cache();
    let key = format!("connections.{}.salesforce", conn.name());
    let mut checks = Vec::new();
    let grants = conn.client.grants();
    if grants.any() {
        match conn.client.authenticate().await {
            Ok(info) if grants.refresh_token && info.grant != "refresh_token" => {
                checks.push(Check {
                    name: "token",
                    ok: true,
                    detail: format!(
                        "the refresh token was refused; the bridge obtained a token with the {} grant instead (instance {})",
                        info.grant, info.instance_url
                    ),
                    fix: Some(format!(
                        "replace {key}.refresh_token with a current one, or remove it and rely on the {} grant",
                        info.grant
                    )),
                })
            }
            Ok(info) => checks.push(pass(
                "token",
                format!(
                    "obtained an access token with the {} grant{}; instance {}",
                    info.grant,
                    if info.rotated_refresh_token {
                        " (the org rotates refresh tokens: run one replica, or use JWT bearer)"
                    } else {
                        ""
                    },
                    info.instance_url
                ),
            )),
            Err(e) => {
                checks.push(fail("token", e.to_string(), grant_fix(&e, &key)));
                return finish(conn, checks);
            }
        }
    } else {
        checks.push(pass(
            "token",
            "no refresh credentials configured: using the configured access token as is (it will stop working when its session expires)",
        ));
    }
    match conn.client.limits().await {
        Ok(limits) => {
            let daily = &limits["DailyApiRequests"];
            let reserve = conn
                .client
                .allowance()
                .map(|a| {
                    format!(
                        "; used {} of {}, the last {} kept for the org's other integrations (salesforce.api_reserve_percent), {} left for the bridge",
                        a.used,
                        a.limit,
                        a.reserve,
                        a.available()
                    )
                })
                .unwrap_or_default();
            let check = format!(
                "REST API {} reachable; daily API requests remaining: {} of {}{reserve}",
                conn.client.api_version(),
                daily["Remaining"],
                daily["Max"]
            );
            match conn.client.allowance() {
                Some(a) if a.available() == 0 => checks.push(fail(
                    "api",
                    check,
                    "the org's daily API allowance is down to the reserve: the bridge answers 429 until it recovers (a rolling 24 hours); lower salesforce.api_reserve_percent only if the org's other integrations can spare it".to_string(),
                )),
                _ => checks.push(pass("api", check)),
            }
        }
        Err(e) => {
            let fix = match &e {
                SfError::Api { status: 401, .. } => format!(
                    "the access token is not accepted: configure {key}.refresh_token or another grant so the bridge can renew it"
                ),
                SfError::Api { status: 404, .. } => format!(
                    "API version {} is not served by this org: lower {key}.api_version",
                    conn.client.api_version()
                ),
                e if e.has_code("API_DISABLED_FOR_ORG") => {
                    "the org's edition or the user's profile has no API access: enable \"API Enabled\" on the integration user's profile".to_string()
                }
                _ => grant_fix(&e, &key),
            };
            checks.push(fail("api", e.to_string(), fix));
            return finish(conn, checks);
        }
    }
    let object = conn.object();
    let describe = match conn.client.describe(object).await {
        Ok(d) => d,
        Err(e) => {
            checks.push(fail(
                "object",
                e.to_string(),
                format!("give the integration user read/create/edit access to {object}"),
            ));
            return finish(conn, checks);
        }
    };
    checks.push(object_check(conn, &describe));
    checks.push(key_check(conn, &describe));
    checks.extend(field_checks(conn, &describe));
    if let Some(promotion) = &conn.spec.promotion {
        checks.push(promotion_check(conn, promotion).await);
    }
    if let Some(groups) = &conn.spec.groups {
        checks.push(groups_check(conn, groups).await);
    }
    finish(conn, checks)
}

/// What serving Groups needs: Campaigns the user may create and edit with the key (unique
/// External ID text) and externalId fields, and CampaignMembers with their key field.
async fn groups_check(conn: &Connection, groups: &GroupSpec) -> Check {
    let m = &groups.mapping;
    let setup = format!(
        "run `scim-bridge setup-org --config FILE --connection {}`, which creates the fields, or create them in Setup → Object Manager",
        conn.name()
    );
    let campaign = match conn.client.describe_other(CAMPAIGN).await {
        Ok(d) => d,
        Err(e) => {
            return fail(
                "groups",
                format!("Campaign cannot be described: {e}"),
                "give the integration user access to Campaigns (and tick Marketing User on the user, which Salesforce needs to create them)",
            )
        }
    };
    let member = match conn.client.describe_other(CAMPAIGN_MEMBER).await {
        Ok(d) => d,
        Err(e) => {
            return fail(
                "groups",
                format!("CampaignMember cannot be described: {e}"),
                "give the integration user access to Campaign Members",
            )
        }
    };
    let mut wrong = Vec::new();
    if !(campaign.createable && campaign.updateable) {
        wrong.push("the user cannot create and edit Campaigns (tick Marketing User on the integration user)".to_string());
    }
    if !(member.createable && member.deletable) {
        wrong.push("the user cannot create and delete Campaign Members".to_string());
    }
    match campaign.field(m.key_field.as_str()) {
        None => wrong.push(format!("Campaign has no field {}", m.key_field)),
        Some(f) if !(f.unique && f.external_id && f.field_type == "string") => wrong.push(format!(
            "Campaign.{} must be Text with External ID and Unique ticked",
            m.key_field
        )),
        Some(_) => {}
    }
    if let Some(ext) = &m.external_id_field {
        if campaign.field(ext.as_str()).is_none() {
            wrong.push(format!(
                "Campaign has no field {ext} (groups.external_id_field)"
            ));
        }
    }
    if member.field(m.member_key_field.as_str()).is_none() {
        wrong.push(format!(
            "CampaignMember has no field {}",
            m.member_key_field
        ));
    }
    if wrong.is_empty() {
        pass(
            "groups",
            format!(
                "Groups are Campaigns keyed by Campaign.{} ('{}:<displayName>'), members keyed by CampaignMember.{}",
                m.key_field, m.owner, m.member_key_field
            ),
        )
    } else {
        fail("groups", wrong.join("; "), setup)
    }
}

/// What promoting Leads needs: the Convert Leads permission and a converted Lead Status.
async fn promotion_check(
    conn: &Connection,
    promotion: &crate::provisioning::policy::Promotion,
) -> Check {
    let key = format!("connections.{}.promotion", conn.name());
    let from = promotion.from.as_deref().unwrap_or("any Lead");
    match conn.client.can_convert_leads().await {
        Ok(true) => {}
        Ok(false) => {
            return fail(
                "promotion",
                "the integration user lacks the Convert Leads permission, so promoting a Lead would fail",
                "grant Convert Leads in the integration user's profile or a permission set (Setup → Users)",
            )
        }
        Err(e) => {
            return fail(
                "promotion",
                format!("the user's permissions could not be read: {e}"),
                "check that the integration user may query UserPermissionAccess",
            )
        }
    }
    let status = match &promotion.converted_status {
        Some(s) => Some(s.clone()),
        None => conn.client.converted_status().await.ok().flatten(),
    };
    match status {
        Some(s) => pass(
            "promotion",
            format!(
                "promotes Leads from {from}: the user may convert Leads; converted status '{s}'"
            ),
        ),
        None => fail(
            "promotion",
            "the org has no Lead Status marked Converted",
            format!("add one to the Lead Status picklist, or set {key}.converted_status"),
        ),
    }
}

fn finish(conn: &Connection, checks: Vec<Check>) -> Report {
    Report {
        connection: conn.name().to_string(),
        ok: checks.iter().all(|c| c.ok),
        checks,
    }
}

fn object_check(conn: &Connection, d: &Describe) -> Check {
    let policy = conn.policy();
    let mut missing = Vec::new();
    if policy.allow_create && !d.createable {
        missing.push("create");
    }
    if (policy.allow_update || policy.allow_disable) && !d.updateable {
        missing.push("edit");
    }
    if policy.allow_delete && !d.deletable && policy.remove_action == RemoveAction::Delete {
        missing.push("delete");
    }
    if missing.is_empty() {
        pass(
            "object",
            format!(
                "{}: createable={}, updateable={}, deletable={}",
                d.name, d.createable, d.updateable, d.deletable
            ),
        )
    } else {
        fail(
            "object",
            format!("the integration user cannot {} {} records", missing.join("/"), d.name),
            format!(
                "grant {} on {} to the integration user's profile or permission set, or turn the matching policy toggle off",
                missing.join(", "),
                d.name
            ),
        )
    }
}

/// The key field: Text, External ID, Unique (case-insensitive), readable and writable.
fn key_check(conn: &Connection, d: &Describe) -> Check {
    let key = &conn.mapping().key;
    let setup = format!(
        "run `scim-bridge setup-org --config FILE --connection {}` (it creates {}.{key} through the Tooling API), or create it in Setup → Object Manager → {} → Fields & Relationships as Text(255) with External ID and Unique (case-insensitive) ticked, and grant the integration user read/edit on it",
        conn.name(),
        d.name,
        d.name
    );
    let Some(f) = d.field(key.as_str()) else {
        return fail(
            "key",
            format!("the key field {key} does not exist on {}", d.name),
            setup,
        );
    };
    let mut wrong = Vec::new();
    if f.field_type != "string" {
        wrong.push(format!("it is of type {} (Text is needed)", f.field_type));
    }
    if !f.external_id {
        wrong.push("External ID is not ticked".to_string());
    }
    if !f.unique {
        wrong.push("Unique is not ticked".to_string());
    }
    if !f.createable || !f.updateable {
        wrong.push("the integration user cannot write it".to_string());
    }
    if wrong.is_empty() {
        pass(
            "key",
            format!(
                "{key} is a unique External ID text field ({} characters)",
                f.length
            ),
        )
    } else {
        fail(
            "key",
            format!("the key field {key}: {}", wrong.join("; ")),
            format!("change {key} in Setup (Object Manager → {} → Fields & Relationships): Text, External ID, Unique, editable by the integration user", d.name),
        )
    }
}

fn field_checks(conn: &Connection, d: &Describe) -> Vec<Check> {
    let mut problems = Vec::new();
    let key = format!("connections.{}", conn.name());
    // The key row is `key_check`'s.
    for row in conn.mapping().rows.iter().skip(1) {
        let name = row.field.as_str();
        match d.field(name) {
            None => problems.push(format!(
                "{name} (from {}) does not exist on {}",
                row.attr, d.name
            )),
            Some(_) if row.read_only => {}
            Some(f) => {
                if !f.createable {
                    problems.push(format!("{name} (from {}) is not createable", row.attr));
                }
                if row.update && !f.updateable {
                    problems.push(format!("{name} (from {}) is not updateable", row.attr));
                }
            }
        }
    }
    if let Some(disable) = &conn.mapping().disable {
        match d.field(disable.field.as_str()) {
            None => problems.push(format!(
                "the disable field {} does not exist on {} (create it, e.g. a checkbox Active__c, or change {key}.disable.field)",
                disable.field.as_str(),
                d.name
            )),
            Some(f) if !f.updateable => problems.push(format!(
                "the disable field {} is not updateable",
                disable.field.as_str()
            )),
            Some(f) if !f.picklist_values.is_empty() => {
                for v in [&disable.disabled_value, &disable.enabled_value] {
                    if let Some(s) = v.as_str() {
                        if !f.picklist_values.iter().any(|p| p == s) {
                            problems.push(format!(
                                "'{s}' is not a value of the picklist {} (values: {})",
                                f.name,
                                f.picklist_values.join(", ")
                            ));
                        }
                    }
                }
            }
            Some(_) => {}
        }
    }
    if d.field(conn.spec.match_field.as_str()).is_none() {
        problems.push(format!(
            "the match field {} does not exist on {}",
            conn.spec.match_field.as_str(),
            d.name
        ));
    }
    if problems.is_empty() {
        vec![pass(
            "fields",
            format!(
                "all {} mapped fields exist and are writable",
                conn.mapping().fields().len()
            ),
        )]
    } else {
        vec![fail(
            "fields",
            problems.join("; "),
            format!(
                "create missing custom fields with `scim-bridge setup-org --config FILE`, fix the field-level security of the integration user, or change {key}.mapping"
            ),
        )]
    }
}
