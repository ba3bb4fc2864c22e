//! The one application factory that `serve` and every test use.

use std::time::Instant;

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Compress, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, Error, HttpRequest, HttpResponse, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiError, PROBLEM_JSON, Problem, problem_response};
use crate::runtime::metrics::path_shape;
use crate::state::AppState;
use crate::{openapi, routes};

/// The application: routes, error mapping, metrics, logging, compression.
pub fn build(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let body_limit = state.config.body_limit;
    let cors = cors(state.config.cors_origins.clone());
    let (metrics, routes) = (state.metrics.clone(), state.routes.clone());
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::base())
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(body_limit))
        .app_data(web::PathConfig::default().error_handler(|_, req| path_error(req).into()))
        .configure(routes::configure)
        .split_for_parts();
    let api = openapi::finish(api);
    let known = web::Data::new(routes::KnownPaths::from_spec(&api));
    app.app_data(known)
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .default_service(web::to(routes::fallback))
        .wrap(actix_web::middleware::from_fn(crate::http::cache::serve))
        .wrap(actix_web::middleware::from_fn(
            crate::http::paths::refuse_nul,
        ))
        .wrap(actix_web::middleware::from_fn(crate::http::quota::enforce))
        .wrap(security_headers())
        .wrap(cors)
        .wrap(ErrorHandlers::new().default_handler(problem_for_framework_errors))
        .wrap(Compress::default())
        .wrap_fn(move |mut req, srv| {
            let (metrics, routes) = (metrics.clone(), routes.clone());
            let started = Instant::now();
            let request_id = request_id(&req);
            let method = req.method().clone();
            // HEAD is answered as GET without the body (RFC 9110 §9.3.2).
            if method == Method::HEAD {
                req.head_mut().method = Method::GET;
            }
            let fut = srv.call(req);
            async move {
                let mut res = fut.await?.map_into_boxed_body();
                if method == Method::HEAD {
                    res = res.map_body(|_, _| BoxBody::new(actix_web::body::None::new()));
                }
                let matched = res.request().match_info();
                let shape = path_shape(matched.as_str(), matched.iter());
                let route = routes.of(&shape, || res.request().match_pattern());
                if res.request().path().starts_with("/docs") {
                    res.headers_mut().insert(
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_static(DOCS_CSP),
                    );
                }
                if let Ok(v) = HeaderValue::from_str(&request_id) {
                    res.headers_mut()
                        .insert(HeaderName::from_static("x-request-id"), v);
                }
                let elapsed = started.elapsed().as_secs_f64();
                metrics.record(&route, method.as_str(), res.status().as_u16(), elapsed);
                tracing::info!(
                    %method,
                    route,
                    status = res.status().as_u16(),
                    latency_ms = elapsed * 1000.0,
                    request_id,
                    "request"
                );
                Ok(res)
            }
        })
}

/// Headers every response carries: no MIME sniffing, no referrer leaks, no framing; a
/// strict CSP for API responses and one that lets `/docs` (Swagger UI, served from this
/// origin only) run.
fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CONTENT_SECURITY_POLICY, DEFAULT_CSP))
}

/// CSP of API responses: nothing may load or run.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// CSP of the docs page: its own scripts, styles and images only.
pub const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

/// CORS: anonymous requests from any origin; requests carrying a key (or preflights
/// asking to send `Authorization`) only from the configured origins. Error responses
/// carry the headers too; ETag, Link and the rate-limit headers are exposed.
fn cors(origins: Vec<String>) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let asks_for_key = head.headers().contains_key(header::AUTHORIZATION)
                || head
                    .headers()
                    .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.to_ascii_lowercase().contains("authorization"));
            !asks_for_key || origins.iter().any(|o| o.as_bytes() == origin.as_bytes())
        })
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::LAST_MODIFIED,
            header::RETRY_AFTER,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("ratelimit"),
            HeaderName::from_static("ratelimit-policy"),
        ])
        .max_age(3600)
}

/// The caller's `X-Request-Id` when it is short visible ASCII, else a new UUIDv7.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}

fn path_error(req: &HttpRequest) -> ApiError {
    ApiError::NotFound(format!("Nothing is at {}.", req.path()))
}

/// Rewrites any error response that is not yet a problem document (the framework's own:
/// payload too large, unreadable body, …) into one, keeping status and headers.
fn problem_for_framework_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status.as_u16() {
        413 => "The request body is larger than this server accepts.".to_string(),
        400 => "The request could not be read.".to_string(),
        _ => status.canonical_reason().unwrap_or("Error").to_string(),
    };
    let problem = Problem {
        kind: format!("/problems/http-{}", status.as_u16()),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        errors: vec![],
    };
    let mut new: HttpResponse = problem_response(&problem);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && name != header::CONTENT_ENCODING
        {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}
