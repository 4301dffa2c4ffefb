//! JSON API v1: the contract later parts and outside tools build on (see docs/api.md and
//! /api/v1/openapi.json).
//! Handlers are split by audience; each parses a typed request, calls one service and renders.
mod admin;
mod appointments;
mod devices;
mod manager;
mod planning;
mod public;
mod reports;
mod staff;
mod volunteer;

pub use admin::*;
pub use appointments::*;
pub use devices::*;
pub use manager::*;
pub use planning::*;
pub use public::*;
pub use reports::*;
pub use staff::*;
pub use volunteer::*;

use actix_web::web;
use serde::Serialize;
use utoipa::ToSchema;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // actix-web tries routes in the order given, each a regular expression: the busiest come
    // first (a ticket request used to try thirty patterns before its own, a sixth of the
    // server's time under load; issue 19). None of them overlaps another pattern.
    cfg.route("/halls/{hall}/tickets", web::post().to(issue_ticket))
        .route("/tickets/{token}", web::get().to(get_ticket))
        .route("/windows/{id}/call-next", web::post().to(call_next))
        .route("/windows/{id}/start", web::post().to(start))
        .route("/windows/{id}/finish", web::post().to(finish))
        .route("/windows/{id}/no-show", web::post().to(no_show))
        .route("/windows/{id}/recall", web::post().to(recall))
        .route("/halls/{hall}/services", web::get().to(list_services))
        .route("/halls/{hall}/windows", web::get().to(list_windows))
        .route("/openapi.json", web::get().to(crate::http::openapi::document))
        .route("/halls", web::get().to(list_halls))
        .route("/halls", web::post().to(create_hall))
        .route("/halls/{hall}", web::put().to(update_hall))
        .route("/halls/{hall}/setup", web::get().to(hall_setup))
        .route("/halls/{hall}/hours", web::get().to(get_hours))
        .route("/halls/{hall}/hours", web::put().to(put_hours))
        .route("/halls/{hall}/calendar", web::get().to(get_calendar))
        .route("/halls/{hall}/calendar", web::post().to(post_calendar))
        .route("/halls/{hall}/calendar/{date}", web::delete().to(delete_calendar_day))
        .route("/halls/{hall}/services/all", web::get().to(all_services))
        .route("/halls/{hall}/services", web::post().to(create_service))
        .route("/halls/{hall}/services/{code}", web::put().to(update_service))
        .route("/halls/{hall}/windows/all", web::get().to(all_windows))
        .route("/halls/{hall}/windows", web::post().to(create_window))
        .route("/windows/{id}", web::put().to(update_window))
        .route("/users", web::get().to(list_users))
        .route("/users", web::post().to(create_user))
        .route("/audit", web::get().to(audit_log))
        .route("/halls/{hall}/services/{service}/slots", web::get().to(slots))
        .route("/halls/{hall}/appointments", web::post().to(book))
        .route("/halls/{hall}/appointments", web::get().to(day_list))
        .route("/halls/{hall}/appointments/cancel-day", web::post().to(cancel_day))
        .route("/appointments/{code}", web::get().to(get_appointment))
        .route("/appointments/{code}/cancel", web::post().to(cancel_appointment))
        .route("/appointments/{code}/reschedule", web::post().to(reschedule_appointment))
        .route("/appointments/{code}/check-in", web::post().to(check_in))
        .route("/halls/{hall}/notice", web::post().to(set_notice))
        .route("/tickets/{token}/cancel", web::post().to(cancel_ticket))
        .route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/me", web::get().to(me))
        .route("/auth/password", web::post().to(change_password))
        .route("/users/{username}", web::put().to(update_user))
        .route("/windows/{id}/call", web::post().to(call_number))
        .route("/windows/{id}/transfer", web::post().to(transfer))
        .route("/windows/{id}/restore", web::post().to(restore))
        .route("/windows/{id}/pause", web::post().to(pause))
        .route("/windows/{id}/resume", web::post().to(resume))
        .route("/windows/{id}/open", web::post().to(open))
        .route("/windows/{id}/close", web::post().to(close))
        .route("/windows/{id}/sign-in", web::post().to(sign_in))
        .route("/windows/{id}/sign-out", web::post().to(sign_out))
        .route("/windows/{id}/console", web::get().to(console))
        .route("/halls/{hall}/window-choices", web::get().to(window_choices))
        .route("/windows/{id}/services", web::put().to(set_services))
        .route("/halls/{hall}/floor", web::get().to(floor))
        .route("/halls/{hall}/board", web::get().to(board))
        .route("/halls/{hall}/reports", web::get().to(report))
        .route("/halls/{hall}/plan", web::get().to(plan))
        .route("/halls/{hall}/tickets/lookup", web::get().to(lookup_number))
        .route("/windows/{id}/help", web::post().to(request_help))
        .route("/halls/{hall}/help-requests", web::get().to(list_help_requests))
        .route("/help-requests/{id}/take", web::post().to(take_help))
        .route("/help-requests/{id}/done", web::post().to(finish_help))
        .route("/help-requests/{id}/cancel", web::post().to(cancel_help))
        .route("/tickets/{token}/print", web::post().to(send_to_kiosk))
        .route("/kiosk-prints/{id}/claim", web::post().to(claim_print))
        .route("/halls/{hall}/settings", web::get().to(get_settings))
        .route("/halls/{hall}/settings", web::put().to(put_settings))
        .route("/halls/{hall}/diversions", web::post().to(record_diversion))
        .route("/halls/{hall}/diversions", web::get().to(diversion_summary))
        .route("/halls/{hall}/kiosks", web::post().to(register_kiosk))
        .route("/halls/{hall}/kiosks", web::get().to(list_kiosks))
        .route("/halls/{hall}/kiosks/{id}", web::delete().to(revoke_kiosk))
        .route("/halls/{hall}/my-tickets", web::get().to(my_tickets))
        .route("/tickets/{token}/rating", web::post().to(rate_ticket))
        .route("/tickets/{token}/rating", web::put().to(edit_rating))
        .route("/tickets/{token}/rating", web::get().to(get_rating));
}

/// The error body every endpoint uses.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code, e.g. `hall_closed`: one of the listed values.
    pub error: crate::error::ErrorCode,
    pub message: String,
}

pub(crate) const MAX_NOTE_CHARS: usize = 200;
