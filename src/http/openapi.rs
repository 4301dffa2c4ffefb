//! The OpenAPI document of API v1, generated from the handlers (no swagger-ui download).
use super::api;
use actix_web::HttpResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hallq API",
        version = "1",
        description = "Queue and appointment system for public service halls. Errors are always JSON {\"error\": code, \"message\": text}."
    ),
    paths(
        api::list_halls,
        api::list_services,
        api::list_windows,
        api::issue_ticket,
        api::get_ticket,
        api::cancel_ticket,
        api::login,
        api::logout,
        api::me,
        api::change_password,
        api::update_user,
        api::call_next,
        api::call_number,
        api::recall,
        api::start,
        api::finish,
        api::no_show,
        api::transfer,
        api::restore,
        api::pause,
        api::resume,
        api::open,
        api::close,
        api::set_notice,
        api::sign_in,
        api::sign_out,
        api::console,
        api::set_services,
        api::floor,
        api::window_choices,
        api::get_settings,
        api::put_settings,
        api::record_diversion,
        api::diversion_summary,
        api::register_kiosk,
        api::list_kiosks,
        api::revoke_kiosk,
        api::my_tickets,
        api::rate_ticket,
        api::edit_rating,
        api::get_rating,
        api::create_hall,
        api::update_hall,
        api::hall_setup,
        api::get_hours,
        api::put_hours,
        api::get_calendar,
        api::post_calendar,
        api::delete_calendar_day,
        api::all_services,
        api::create_service,
        api::update_service,
        api::all_windows,
        api::create_window,
        api::update_window,
        api::list_users,
        api::create_user,
        api::audit_log,
        api::slots,
        api::book,
        api::day_list,
        api::cancel_day,
        api::get_appointment,
        api::cancel_appointment,
        api::reschedule_appointment,
        api::check_in,
    ),
    components(schemas(api::ErrorBody, crate::services::setup::CalendarDay, crate::services::audit::AuditEntryView))
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
