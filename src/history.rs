//! `hallq generate-history`: fills the business days before today with realistic traffic, for
//! demos and for the report benchmark. Deterministic for a seed.
//!
//! Arrivals follow a county hall's day (08:30–12:00, 13:30–17:30) with a morning peak; the
//! declaration period (the 1st–15th) is busier and opens the social-insurance cash windows.
//! Each day is then served by the hall's own windows (each as several desks when the traffic
//! asked for is more than they could serve): a ticket goes to whichever window serving its
//! service frees up first, handling is lognormal around the service's typical time, 3 % are
//! no-shows, 2 % transferred, tickets not reached by 17:45 are cancelled; 40 % of those served
//! rate the service, mostly well; diversions are 6 % of arrivals. Days that already have
//! tickets, and today, are never touched.
use crate::domain::hall_config::HallConfig;
use crate::domain::window::WindowKind;
use crate::persistence::{statement, windows};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait, Value};

pub struct Options {
    pub days: u32,
    pub per_day: u32,
    pub seed: u64,
    pub force: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Generated {
    pub days: u32,
    pub skipped_days: u32,
    pub tickets: u64,
    pub ratings: u64,
    pub diversions: u64,
}

/// Arrival weights per half hour from 08:30 (index 0) to 17:30, none over lunch.
const HALF_HOURS: [(u32, f64); 15] = [
    (8 * 60 + 30, 1.0),
    (9 * 60, 1.9),
    (9 * 60 + 30, 2.1),
    (10 * 60, 2.0),
    (10 * 60 + 30, 1.7),
    (11 * 60, 1.3),
    (11 * 60 + 30, 0.9),
    (13 * 60 + 30, 0.9),
    (14 * 60, 1.4),
    (14 * 60 + 30, 1.5),
    (15 * 60, 1.3),
    (15 * 60 + 30, 1.1),
    (16 * 60, 0.9),
    (16 * 60 + 30, 0.6),
    (17 * 60, 0.3),
];
const LAST_CALL_MINUTE: u32 = 17 * 60 + 45;
/// Minutes a window serves in a county day (08:30–12:00, 13:30–17:30).
const WORKING_MINUTES: f64 = 450.0;
const TARGETS: [&str; 5] = ["online", "wechat_alipay", "self_service", "bank", "other"];

fn pick(rng: &mut StdRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Lognormal with this mean and coefficient of variation (Box–Muller for the normal).
fn lognormal(rng: &mut StdRng, mean: f64, cv: f64) -> f64 {
    let sigma2 = (1.0 + cv * cv).ln();
    let mu = mean.ln() - sigma2 / 2.0;
    let (u1, u2): (f64, f64) = (rng.gen::<f64>().max(1e-12), rng.gen());
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (mu + sigma2.sqrt() * z).exp()
}

fn is_business_day(hall: &HallConfig, day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !hall.schedule.periods_on(day).is_empty()
}

/// One simulated ticket, ready to insert.
struct Row {
    service: i32,
    number: String,
    priority: &'static str,
    channel: &'static str,
    status: &'static str,
    token: String,
    issued: DateTime<Utc>,
    window: Option<i32>,
    called: Option<DateTime<Utc>>,
    started: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
    no_show: Option<DateTime<Utc>>,
    cancelled: Option<DateTime<Utc>>,
    transfers: i32,
    staff: Option<i32>,
    rating: Option<i16>,
}

pub async fn generate(
    db: &DatabaseConnection,
    hall: &HallConfig,
    today: NaiveDate,
    options: &Options,
) -> Result<Generated, String> {
    if hall.code != "demo" && !options.force {
        return Err(format!(
            "hall '{}' is not the demo hall: generated history would mix with real figures (add --force to do it anyway)",
            hall.code
        ));
    }
    if options.per_day == 0 || options.per_day > 20_000 || options.days == 0 || options.days > 3660 {
        return Err("--days is 1–3660 and --per-day 1–20000".into());
    }
    let db_err = |e: DbErr| e.to_string();
    let rows = windows::list(db, hall.id).await.map_err(db_err)?;
    let staff = staff_of_windows(db).await.map_err(db_err)?;
    let services: Vec<_> = hall.services.iter().filter(|s| s.active).collect();
    if services.is_empty() || rows.is_empty() {
        return Err(format!("hall '{}' has no services or no windows", hall.code));
    }
    let weights: Vec<f64> = (0..services.len()).map(|i| 1.0 / (i as f64 + 1.0)).collect();
    let mut out = Generated::default();
    let mut day = today;
    while out.days + out.skipped_days < options.days {
        day = day.pred_opt().ok_or("ran out of calendar")?;
        if !is_business_day(hall, day) {
            continue;
        }
        // Each day draws from its own stream, so skipping one does not change the others.
        let mut day_rng =
            StdRng::seed_from_u64(options.seed ^ (day.num_days_from_ce() as u64).wrapping_mul(0x9E37_79B9));
        if has_tickets(db, hall, day).await.map_err(db_err)? {
            out.skipped_days += 1;
            continue;
        }
        let peak = day.day() <= 15;
        let mean = f64::from(options.per_day) * if peak { 1.25 } else { 0.8 };
        let count = (mean * day_rng.gen_range(0.9..1.1)).round().max(1.0) as usize;
        let local = |minute: f64| {
            let naive =
                day.and_hms_opt(0, 0, 0).expect("midnight") + Duration::milliseconds((minute * 60_000.0) as i64);
            hall.timezone.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
        };
        // Arrivals, in order.
        let slot_weights: Vec<f64> = HALF_HOURS.iter().map(|(_, w)| *w).collect();
        let mut arrivals: Vec<(f64, usize)> = (0..count)
            .map(|_| {
                let slot = HALF_HOURS[pick(&mut day_rng, &slot_weights)].0;
                (f64::from(slot) + day_rng.gen::<f64>() * 30.0, pick(&mut day_rng, &weights))
            })
            .collect();
        arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Windows open that day: the cash windows only in the declaration period. When more
        // people come than the hall's windows could serve by closing time, each window works
        // as several desks (a bigger hall), so waits stay those of a hall sized for its traffic.
        let windows_open: Vec<_> = rows.iter().filter(|w| w.active && (w.kind != WindowKind::SiCash || peak)).collect();
        let served_per_day: f64 = windows_open
            .iter()
            .map(|w| {
                let minutes: Vec<f64> = services
                    .iter()
                    .filter(|s| w.services.contains(&s.id))
                    .map(|s| s.typical_handling.num_seconds() as f64 / 60.0 + 1.0)
                    .collect();
                let mean = if minutes.is_empty() { 10.0 } else { minutes.iter().sum::<f64>() / minutes.len() as f64 };
                WORKING_MINUTES / mean
            })
            .sum();
        let desks = (mean * 1.2 / served_per_day.max(1.0)).ceil().max(1.0) as usize;
        let open: Vec<_> = windows_open.iter().flat_map(|w| std::iter::repeat_n(*w, desks)).collect();
        let mut free_at: Vec<f64> = vec![f64::from(HALF_HOURS[0].0); open.len()];
        let mut seq = vec![0u32; services.len()];
        let mut tickets = Vec::with_capacity(count);
        for (arrival, s) in arrivals {
            let service = services[s];
            seq[s] += 1;
            let number = format!("{}{:03}", service.code, seq[s]);
            let issued = local(arrival).ok_or("no local time")?;
            let serving: Vec<usize> = (0..open.len()).filter(|i| open[*i].services.contains(&service.id)).collect();
            let window = serving.iter().copied().min_by(|a, b| free_at[*a].total_cmp(&free_at[*b]));
            let call = window.map(|w| free_at[w].max(arrival + 0.2));
            let mut row = Row {
                service: service.id.0,
                number,
                priority: if day_rng.gen::<f64>() < 0.04 { "green" } else { "normal" },
                channel: ["kiosk", "mobile", "volunteer"][pick(&mut day_rng, &[0.70, 0.25, 0.05])],
                status: "cancelled",
                token: format!("{:032x}", day_rng.gen::<u128>()),
                issued,
                window: None,
                called: None,
                started: None,
                finished: None,
                no_show: None,
                cancelled: None,
                transfers: 0,
                staff: None,
                rating: None,
            };
            match (window, call) {
                (Some(w), Some(call)) if call <= f64::from(LAST_CALL_MINUTE) => {
                    row.window = Some(open[w].id.0);
                    row.staff = staff.iter().find(|(window, _)| *window == open[w].id.0).map(|(_, u)| *u);
                    row.called = local(call);
                    if day_rng.gen::<f64>() < 0.03 {
                        row.status = "no_show";
                        row.no_show = local(call + 5.0);
                        free_at[w] = call + 5.0;
                    } else {
                        let start = call + day_rng.gen_range(0.3..1.5);
                        let typical = service.typical_handling.num_seconds() as f64 / 60.0;
                        let finish = start + lognormal(&mut day_rng, typical.max(1.0), 0.5);
                        row.status = "done";
                        row.started = local(start);
                        row.finished = local(finish);
                        row.transfers = i32::from(day_rng.gen::<f64>() < 0.02);
                        if day_rng.gen::<f64>() < 0.4 {
                            row.rating = Some([5, 4, 3, 2, 1][pick(&mut day_rng, &[0.70, 0.20, 0.06, 0.03, 0.01])]);
                        }
                        free_at[w] = finish + 0.3;
                    }
                }
                _ => row.cancelled = local(f64::from(LAST_CALL_MINUTE)),
            }
            tickets.push(row);
        }
        let diversions: Vec<(i32, &str, DateTime<Utc>)> = (0..(count as f64 * 0.06).round() as usize)
            .map(|_| {
                let slot = HALF_HOURS[pick(&mut day_rng, &slot_weights)].0;
                let at = local(f64::from(slot) + day_rng.gen::<f64>() * 30.0).unwrap_or(Utc::now());
                (services[pick(&mut day_rng, &weights)].id.0, TARGETS[day_rng.gen_range(0..TARGETS.len())], at)
            })
            .collect();
        insert_day(db, hall, day, &tickets, &diversions).await.map_err(db_err)?;
        out.days += 1;
        out.tickets += tickets.len() as u64;
        out.ratings += tickets.iter().filter(|t| t.rating.is_some()).count() as u64;
        out.diversions += diversions.len() as u64;
    }
    Ok(out)
}

async fn staff_of_windows(db: &DatabaseConnection) -> Result<Vec<(i32, i32)>, DbErr> {
    let rows = db
        .query_all_raw(statement(db, "SELECT window_id, MIN(user_id) FROM user_windows GROUP BY window_id", []))
        .await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

async fn has_tickets(db: &DatabaseConnection, hall: &HallConfig, day: NaiveDate) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(statement(
            db,
            "SELECT COUNT(*) FROM tickets WHERE hall_id = $1 AND business_date = $2",
            [hall.id.0.into(), day.into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0) > 0)
}

/// One day in one transaction: tickets in multi-row inserts, then their ratings, diversions.
async fn insert_day(
    db: &DatabaseConnection,
    hall: &HallConfig,
    day: NaiveDate,
    tickets: &[Row],
    diversions: &[(i32, &str, DateTime<Utc>)],
) -> Result<(), DbErr> {
    const COLUMNS: usize = 20;
    let txn = db.begin().await?;
    for chunk in tickets.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO tickets (hall_id, issued_service_id, service_id, business_date, seq, number, priority, channel, \
             status, token, issued_at, window_id, called_at, started_at, finished_at, no_show_at, cancelled_at, \
             recall_count, transfer_count, served_by) VALUES ",
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
        for (i, t) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let base = i * COLUMNS;
            let marks: Vec<String> = (1..=COLUMNS).map(|n| format!("${}", base + n)).collect();
            sql.push_str(&format!("({})", marks.join(",")));
            let seq: i32 = t.number[t.number.len() - 3..].parse().unwrap_or(0);
            values.extend([
                hall.id.0.into(),
                t.service.into(),
                t.service.into(),
                day.into(),
                seq.into(),
                t.number.clone().into(),
                t.priority.into(),
                t.channel.into(),
                t.status.into(),
                t.token.clone().into(),
                t.issued.into(),
                t.window.into(),
                t.called.into(),
                t.started.into(),
                t.finished.into(),
                t.no_show.into(),
                t.cancelled.into(),
                0i32.into(),
                t.transfers.into(),
                t.staff.into(),
            ]);
        }
        txn.execute_raw(statement(&txn, &sql, values)).await?;
    }
    // Ratings refer to the tickets just written, found by their tokens.
    for chunk in tickets.iter().filter(|t| t.rating.is_some()).collect::<Vec<_>>().chunks(200) {
        let mut sql = String::from(
            "INSERT INTO ratings (ticket_id, hall_id, window_id, staff_id, score, tags, created_at, updated_at) \
             SELECT t.id, t.hall_id, t.window_id, t.served_by, v.score, '[]', t.finished_at, t.finished_at \
             FROM tickets t JOIN (",
        );
        let mut values: Vec<Value> = Vec::new();
        for (i, t) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(" UNION ALL ");
            }
            sql.push_str(&format!("SELECT ${} AS token, ${} AS score", i * 2 + 1, i * 2 + 2));
            values.push(t.token.clone().into());
            values.push(t.rating.unwrap_or(5).into());
        }
        sql.push_str(") v ON v.token = t.token");
        txn.execute_raw(statement(&txn, &sql, values)).await?;
    }
    for chunk in diversions.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO diversions (hall_id, service_id, channel, target, business_date, created_at) VALUES ",
        );
        let mut values: Vec<Value> = Vec::new();
        for (i, (service, target, at)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let b = i * 6;
            sql.push_str(&format!("(${},${},${},${},${},${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6));
            values.extend([
                hall.id.0.into(),
                (*service).into(),
                "kiosk".into(),
                (*target).into(),
                day.into(),
                (*at).into(),
            ]);
        }
        txn.execute_raw(statement(&txn, &sql, values)).await?;
    }
    txn.commit().await
}
