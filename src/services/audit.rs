//! The audit log: every change made in administration and every privileged action, with who,
//! when, what changed (before/after) and from which address. Written in the same transaction
//! as the change it records, so neither exists without the other.
use super::auth::Actor;
use crate::domain::ids::HallId;
use crate::error::{AppError, AppResult};
use crate::persistence::{audit, users};
use crate::state::Core;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::Value;

/// Records one change. `before`/`after` are what the thing looked like (none: it did not exist,
/// or the action has no state, like a forced sign-out).
#[allow(clippy::too_many_arguments)]
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    hall: Option<HallId>,
    kind: &str,
    target: &str,
    before: Option<Value>,
    after: Option<Value>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    audit::insert(
        conn,
        audit::NewEntry {
            at,
            hall,
            actor: Some(actor.id),
            actor_name: &actor.username,
            kind,
            target,
            before: before.map(|v| v.to_string()),
            after: after.map(|v| v.to_string()),
            address: &actor.address,
        },
    )
    .await?;
    tracing::info!(kind, target, by = %actor.username, "audit");
    Ok(())
}

/// One line of the audit log as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The hall's code; none for changes that span halls (accounts without a hall).
    pub hall: Option<String>,
    /// The user name of who did it.
    pub actor: String,
    pub kind: String,
    /// What it was done to: `service:A`, `window:9`, `user:wang`, `calendar:2026-10-01` …
    pub target: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub address: String,
}

pub struct AuditQuery {
    pub hall: Option<String>,
    pub actor: Option<String>,
    pub kind: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub before_id: Option<i64>,
    pub limit: Option<u64>,
}

pub const MAX_AUDIT_PAGE: u64 = 500;

/// The log, newest first. Admins see every hall; a manager only theirs (asking for another hall
/// is refused, not silently narrowed). Dates are the hall's days (`to` included).
pub async fn list(state: &Core, actor: &Actor, query: AuditQuery) -> AppResult<Vec<AuditEntryView>> {
    if !actor.role.manages_floor() {
        return Err(AppError::forbidden("only admins and managers may read the audit log"));
    }
    let hall = match query.hall.as_deref().filter(|h| !h.is_empty()) {
        Some(code) => Some(state.halls.get(code).await?),
        None => match actor.hall {
            Some(own) => Some(state.halls.get_by_id(own).await?),
            None => None,
        },
    };
    if let Some(hall) = &hall {
        if !actor.manages(hall.id) {
            return Err(AppError::forbidden("you may read only your own hall's audit log"));
        }
    }
    let timezone = hall.as_ref().map_or(state.settings.timezone, |h| h.timezone);
    let start_of = |day: NaiveDate| crate::domain::numbering::day_start(day, timezone);
    let actor_id = match query.actor.as_deref().filter(|a| !a.is_empty()) {
        Some(name) => match users::find_by_username(&state.db, name).await? {
            Some(user) => Some(user.id),
            None => return Ok(Vec::new()),
        },
        None => None,
    };
    let filter = audit::Filter {
        hall: hall.as_ref().map(|h| h.id),
        actor: actor_id,
        kind: query.kind.filter(|k| !k.is_empty()),
        from: query.from.and_then(start_of),
        to: query.to.and_then(|d| d.succ_opt()).and_then(start_of),
        before_id: query.before_id,
        limit: query.limit.unwrap_or(200).clamp(1, MAX_AUDIT_PAGE),
    };
    let rows = audit::list(&state.db, &filter).await?;
    let mut codes = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let hall = match row.hall_id {
            Some(id) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = codes.entry(id) {
                    // A hall's code, read once per page.
                    slot.insert(state.halls.get_by_id(HallId(id)).await.map(|h| h.code.clone()).unwrap_or_default());
                }
                codes.get(&id).cloned()
            }
            None => None,
        };
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        out.push(AuditEntryView {
            id: row.id,
            at: row.at,
            hall,
            actor: row.actor_name,
            kind: row.kind,
            target: row.target,
            before: parse(row.before),
            after: parse(row.after),
            address: row.address,
        });
    }
    Ok(out)
}
