//! The hall's figures for `GET /metrics`, read from the database when scraped: every instance
//! reports the same ones (take any instance's, or `max` across them).
use crate::domain::numbering::business_date;
use crate::error::AppResult;
use crate::metrics::{escape, header};
use crate::persistence;
use crate::state::Core;
use std::fmt::Write;

/// Tickets issued, called and waiting today, per hall and queue.
pub async fn write_hall_figures(state: &Core, out: &mut String) -> AppResult<()> {
    let now = state.clock.now();
    let mut figures = Vec::new();
    for hall in persistence::halls::list(&state.db).await? {
        let config = state.halls.get(&hall.code).await?;
        let today = business_date(now, config.timezone);
        for queue in persistence::reports::queues_on(&state.db, config.id, today).await? {
            let service = config.service_code(crate::domain::ids::ServiceId(queue.service_id)).to_owned();
            figures.push((escape(&config.code), escape(&service), queue));
        }
    }
    type Figure = fn(&persistence::reports::QueueToday) -> i64;
    let metrics: [(&str, &str, Figure); 3] = [
        ("hallq_tickets_issued_today", "tickets taken this business day, by hall and queue", |q| q.issued),
        ("hallq_tickets_called_today", "tickets called this business day, by hall and queue", |q| q.called),
        ("hallq_waiting", "tickets waiting now, by hall and queue", |q| q.waiting),
    ];
    for (name, help, value) in metrics {
        header(out, name, "gauge", help);
        for (hall, service, queue) in &figures {
            let _ = writeln!(out, "{name}{{hall=\"{hall}\",service=\"{service}\"}} {}", value(queue));
        }
    }
    Ok(())
}
