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
    ),
    components(schemas(api::ErrorBody))
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
