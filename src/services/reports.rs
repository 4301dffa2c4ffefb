//! Reports (统计报表) for a hall's managers: the figures of `domain::report` over a range of
//! business days, grouped as asked, with totals, bookings and calls for help; as JSON, CSV
//! (UTF-8 with BOM, for Excel) or XLSX.
use super::auth::Actor;
use crate::domain::ids::{ServiceId, UserId, WindowId};
use crate::domain::report::{self as rules, DiversionFact, Figures, GroupBy, Outcome, TicketFact};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::persistence::halls::HallConfig;
use crate::persistence::{reports as store, users};
use crate::state::Core;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportRow {
    /// The group: a service code, a window number, a staff account's id, an hour `09`, a
    /// weekday `1`–`7`, a day `2026-11-25` or a month `2026-11`.
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AppointmentFigures {
    pub booked: u32,
    pub checked_in: u32,
    pub served: u32,
    pub no_show: u32,
    pub cancelled: u32,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct HelpFigures {
    pub count: u32,
    pub taken: u32,
    pub done: u32,
    pub mean_minutes_to_take: Option<f64>,
    pub mean_minutes_to_done: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    #[schema(value_type = String)]
    pub from: NaiveDate,
    #[schema(value_type = String)]
    pub to: NaiveDate,
    pub by: GroupBy,
    pub rows: Vec<ReportRow>,
    pub total: Figures,
    /// Upper edges (minutes) of `wait_histogram`'s buckets; the last bucket is the rest.
    pub wait_buckets_min: Vec<i64>,
    /// Bookings for days in the range, by how they ended (addition).
    pub appointments: AppointmentFigures,
    /// Windows' calls for help in the range (addition).
    pub help_requests: HelpFigures,
}

fn outcome(code: i32) -> Outcome {
    match code {
        1 => Outcome::Served,
        2 => Outcome::NoShow,
        3 => Outcome::Cancelled,
        _ => Outcome::Open,
    }
}

fn seconds(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> Option<i64> {
    to.map(|t| (t - from).num_seconds())
}

fn mean_minutes(values: &[i64]) -> Option<f64> {
    (!values.is_empty()).then(|| (values.iter().sum::<i64>() as f64 / values.len() as f64 / 60.0 * 10.0).round() / 10.0)
}

/// A hall's report for business days `from`..=`to`, grouped `by`.
#[tracing::instrument(skip(state, actor, hall), fields(hall = %hall.code))]
pub async fn report(
    state: &Core,
    actor: &Actor,
    hall: &HallConfig,
    from: NaiveDate,
    to: NaiveDate,
    by: GroupBy,
    en: bool,
) -> AppResult<Report> {
    if !actor.manages(hall.id) {
        return Err(AppError::forbidden("reports are for the hall's managers"));
    }
    if !rules::valid_range(from, to) {
        return Err(AppError::bad_request(
            ErrorCode::InvalidQuery,
            "from must not be after to, and at most 400 days apart",
        ));
    }
    let started = std::time::Instant::now();
    let tz = hall.timezone;
    let target: HashMap<i32, i64> = hall.services.iter().map(|s| (s.id.0, s.target_wait.num_seconds())).collect();
    let facts: Vec<TicketFact> = store::tickets_between(&state.db, hall.id, from, to)
        .await?
        .into_iter()
        .map(|t| TicketFact {
            service: t.service_id,
            window: t.window_id,
            staff: t.served_by,
            issued_local: DateTime::from_timestamp(t.issued_at, 0).unwrap_or_default().with_timezone(&tz).naive_local(),
            wait_seconds: t.wait_seconds,
            handle_seconds: t.handle_seconds,
            outcome: outcome(t.outcome),
            transferred: t.transfer_count > 0,
            target_wait_seconds: target.get(&t.service_id).copied().unwrap_or(i64::MAX),
            rating: t.score.and_then(|s| u8::try_from(s).ok()),
            estimate_minutes: t.estimated_wait_minutes,
        })
        .collect();
    let diversions: Vec<DiversionFact> = store::diversions_between(&state.db, hall.id, from, to)
        .await?
        .into_iter()
        .map(|(service, at, target)| DiversionFact { service, local: at.with_timezone(&tz).naive_local(), target })
        .collect();
    let staff_names: HashMap<UserId, String> = if by == GroupBy::Staff {
        let ids: Vec<UserId> = facts
            .iter()
            .filter_map(|f| f.staff.map(UserId))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        users::display_names(&state.db, ids).await?
    } else {
        HashMap::new()
    };
    let mut rows: Vec<(i64, ReportRow)> = rules::group(by, &facts, &diversions)
        .into_iter()
        .map(|(key, (group, diverted))| {
            let figures = rules::summarise(group, diverted);
            let (order, key, label) = describe(hall, by, &key, &staff_names, en);
            (order, ReportRow { key, label, figures })
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.key.cmp(&b.1.key)));
    let total = rules::summarise(&facts, &diversions);
    let appointments = appointment_figures(state, hall, from, to).await?;
    let help_requests = help_figures(state, hall, from, to).await?;
    tracing::info!(tickets = facts.len(), elapsed_ms = started.elapsed().as_millis() as u64, "report");
    Ok(Report {
        from,
        to,
        by,
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        total,
        wait_buckets_min: rules::WAIT_BUCKETS_MIN.to_vec(),
        appointments,
        help_requests,
    })
}

/// (sort order, key as the API shows it, label) of a group.
fn describe(
    hall: &HallConfig,
    by: GroupBy,
    key: &str,
    staff: &HashMap<UserId, String>,
    en: bool,
) -> (i64, String, String) {
    let id: i32 = key.parse().unwrap_or_default();
    match by {
        GroupBy::Service => {
            let position = hall.services.iter().position(|s| s.id == ServiceId(id)).unwrap_or(usize::MAX) as i64;
            let service = hall.service(ServiceId(id));
            let code = hall.service_code(ServiceId(id)).to_owned();
            let name = service.map(|s| if en { s.name_en.clone() } else { s.name.clone() }).unwrap_or_default();
            (position, code.clone(), format!("{code} {name}"))
        }
        GroupBy::Window => {
            let window = hall.window(WindowId(id));
            let number = window.map_or(i64::from(id), |w| i64::from(w.number));
            (number, number.to_string(), window.map_or_else(|| key.to_owned(), |w| w.name.clone()))
        }
        GroupBy::Staff => (0, key.to_owned(), staff.get(&UserId(id)).cloned().unwrap_or_else(|| key.to_owned())),
        GroupBy::Hour => (0, key.to_owned(), format!("{key}:00–{:02}:00", id + 1)),
        GroupBy::Weekday => (0, key.to_owned(), rules::weekday_label(key, en)),
        GroupBy::Day | GroupBy::Month => (0, key.to_owned(), key.to_owned()),
        GroupBy::HourWeekday => {
            let (day, hour) = key.split_once('-').unwrap_or((key, ""));
            (0, key.to_owned(), format!("{} {hour}:00", rules::weekday_label(day, en)))
        }
    }
}

async fn appointment_figures(
    state: &Core,
    hall: &HallConfig,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<AppointmentFigures> {
    let mut figures = AppointmentFigures::default();
    for (status, count) in store::appointments_between(&state.db, hall.id, from, to).await? {
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        figures.booked += count;
        match status.as_str() {
            "checked_in" => figures.checked_in += count,
            "served" => figures.served += count,
            "no_show" => figures.no_show += count,
            "cancelled" => figures.cancelled += count,
            _ => {}
        }
    }
    Ok(figures)
}

async fn help_figures(state: &Core, hall: &HallConfig, from: NaiveDate, to: NaiveDate) -> AppResult<HelpFigures> {
    let start = |day: NaiveDate| {
        crate::domain::numbering::day_start(day, hall.timezone).ok_or_else(|| AppError::internal("no local midnight"))
    };
    let rows = store::help_between(&state.db, hall.id, start(from)?, start(to + chrono::Duration::days(1))?).await?;
    let to_take: Vec<i64> = rows.iter().filter_map(|(c, t, _, _)| seconds(*c, *t)).collect();
    let to_done: Vec<i64> =
        rows.iter().filter(|(_, _, _, s)| s == "done").filter_map(|(c, _, d, _)| seconds(*c, *d)).collect();
    Ok(HelpFigures {
        count: rows.len() as u32,
        taken: to_take.len() as u32,
        done: to_done.len() as u32,
        mean_minutes_to_take: mean_minutes(&to_take),
        mean_minutes_to_done: mean_minutes(&to_done),
    })
}

/// The report's table: Chinese (or English) headers, then one line per row and the total.
pub fn table(report: &Report, en: bool) -> (Vec<&'static str>, Vec<Vec<Cell>>) {
    let headers = if en {
        vec![
            "Group",
            "Issued",
            "Served",
            "No-show",
            "Cancelled",
            "Transferred",
            "Mean wait (min)",
            "Wait p50 (min)",
            "Wait p90 (min)",
            "Longest wait (min)",
            "Mean handling (min)",
            "Handling p50 (min)",
            "Handling p90 (min)",
            "Longest handling (min)",
            "Within target",
            "Rated 1",
            "Rated 2",
            "Rated 3",
            "Rated 4",
            "Rated 5",
            "Satisfaction",
            "Diversions",
            "Diverted share",
            "Estimate error p50 (min)",
            "Estimate error p90 (min)",
        ]
    } else {
        vec![
            "分组",
            "取号数",
            "办结数",
            "过号数",
            "取消数",
            "转移数",
            "平均等候(分钟)",
            "等候中位数(分钟)",
            "等候P90(分钟)",
            "最长等候(分钟)",
            "平均办理(分钟)",
            "办理中位数(分钟)",
            "办理P90(分钟)",
            "最长办理(分钟)",
            "目标时间内叫号率",
            "非常不满意",
            "不满意",
            "基本满意",
            "满意",
            "非常满意",
            "满意率",
            "分流数",
            "分流占比",
            "预计等候误差中位数(分钟)",
            "预计等候误差P90(分钟)",
        ]
    };
    let line = |label: &str, f: &Figures| {
        let mut cells = vec![
            Cell::Text(label.to_owned()),
            Cell::Number(f64::from(f.issued)),
            Cell::Number(f64::from(f.served)),
            Cell::Number(f64::from(f.no_show)),
            Cell::Number(f64::from(f.cancelled)),
            Cell::Number(f64::from(f.transferred)),
        ];
        for v in [
            f.wait_mean_min,
            f.wait_p50_min,
            f.wait_p90_min,
            f.wait_max_min,
            f.handle_mean_min,
            f.handle_p50_min,
            f.handle_p90_min,
            f.handle_max_min,
            f.within_target,
        ] {
            cells.push(v.map_or(Cell::Empty, Cell::Number));
        }
        for score in ["1", "2", "3", "4", "5"] {
            cells.push(Cell::Number(f64::from(f.ratings.get(score).copied().unwrap_or(0))));
        }
        cells.push(f.satisfaction.map_or(Cell::Empty, Cell::Number));
        cells.push(Cell::Number(f64::from(f.diversions)));
        cells.push(f.diverted_share.map_or(Cell::Empty, Cell::Number));
        cells.push(f.estimate_error_p50_min.map_or(Cell::Empty, Cell::Number));
        cells.push(f.estimate_error_p90_min.map_or(Cell::Empty, Cell::Number));
        cells
    };
    let mut lines: Vec<Vec<Cell>> = report.rows.iter().map(|r| line(&r.label, &r.figures)).collect();
    lines.push(line(if en { "Total" } else { "合计" }, &report.total));
    (headers, lines)
}

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

/// CSV in UTF-8 with a byte-order mark, so Excel opens the Chinese right.
pub fn csv(report: &Report, en: bool) -> Vec<u8> {
    let (headers, lines) = table(report, en);
    let quote = |text: &str| {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&headers.iter().map(|h| quote(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for line in lines {
        let cells: Vec<String> = line
            .iter()
            .map(|c| match c {
                Cell::Text(t) => quote(t),
                Cell::Number(n) => n.to_string(),
                Cell::Empty => String::new(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The same table as an XLSX workbook: numbers as numbers.
pub fn xlsx(report: &Report, en: bool) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let (headers, lines) = table(report, en);
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(if en { "Report" } else { "统计报表" }).map_err(AppError::internal)?;
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *header, &bold).map_err(AppError::internal)?;
    }
    for (row, line) in lines.iter().enumerate() {
        for (col, cell) in line.iter().enumerate() {
            let (r, c) = (row as u32 + 1, col as u16);
            match cell {
                Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                Cell::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(AppError::internal)?;
        }
    }
    sheet.set_column_width(0, 18).map_err(AppError::internal)?;
    workbook.save_to_buffer().map_err(AppError::internal)
}
