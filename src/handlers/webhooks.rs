//! Webhooks (admin): register, list, change, remove, and read the delivery log.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::{self, webhooks::Settings};
use crate::domain::article::is_web_url;
use crate::domain::events::EventType;
use crate::error::{ApiError, FieldError};
use crate::http::auth::{Admin, Keyed};
use crate::http::body::JsonBody;
use crate::http::conditional::{self, IfMatch};
use crate::http::context::Cx;
use crate::http::paging;
use crate::http::paths::WebhookId;
use crate::http::query::Query;
use crate::wire::webhook::{
    Delivery, DeliveryMeta, DeliveryPage, Webhook, WebhookCreated, WebhookInput, WebhookList,
    WebhookPatch,
};

/// A webhook's ETag: a hash of its representation, as `GET` answers it.
fn etag_of(webhook: &Webhook) -> String {
    conditional::hashed_etag(&serde_json::to_vec(webhook).unwrap_or_default())
}

fn check(url: &str, events: &[EventType]) -> Result<Vec<EventType>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !is_web_url(url) || !has_dns_host(url) {
        errors.push(FieldError::new(
            "url",
            "must be an absolute http(s) URL with a DNS name or IP address as host, at most 2000 characters",
        ));
    }
    if events.is_empty() {
        errors.push(FieldError::new(
            "events",
            "must name at least one event type",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut unique: Vec<EventType> = Vec::new();
    for e in events {
        if !unique.contains(e) {
            unique.push(*e);
        }
    }
    Ok(unique)
}

/// True when the URL's host is an IP address or a name made of letters, digits, `-`
/// and `.` (the url crate accepts more, such as `f*`, that no resolver will).
fn has_dns_host(url: &str) -> bool {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(d)) => {
            !d.is_empty()
                && d.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        }
        Some(_) => true,
        None => false,
    }
}

/// List webhooks.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Every webhook, oldest first (secrets are not shown).", body = WebhookList)
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(cx: Cx<Keyed<Admin>>) -> Result<HttpResponse, ApiError> {
    let rows = db::run(&cx.state.pool, |conn| Ok(db::webhooks::list(conn)?)).await?;
    let body = WebhookList {
        data: rows.into_iter().map(Webhook::from).collect(),
    };
    conditional::respond_hashed(&cx.req, &cx.auth.0, &cx.state.config, &body)
}

/// Register a webhook.
///
/// Each event of the chosen types is POSTed to `url` as JSON (the change feed's event
/// shape), signed per Standard Webhooks: headers `webhook-id` (`evt_{id}`, the same on
/// every retry), `webhook-timestamp` (Unix seconds) and `webhook-signature`
/// (`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with
/// the base64-decoded part of the secret after `whsec_`). A non-2xx answer or no answer
/// is retried with doubling waits. The `secret` is in this response only.
#[utoipa::path(
    tag = "webhooks",
    request_body(content = WebhookInput, content_type = "application/json"),
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, description = "Registered; keep the secret.", body = WebhookCreated,
            headers(("Location" = String, description = "URL of the new webhook.")))
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    cx: Cx<Keyed<Admin>>,
    body: JsonBody<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.parse()?;
    let events = check(&input.url, &input.events).map_err(ApiError::invalid)?;
    let settings = Settings {
        url: input.url,
        events,
        include_unpublished: input.include_unpublished,
        active: input.active,
    };
    let row = db::write(&cx.state.pool, move |conn| {
        db::webhooks::create(conn, &settings)
    })
    .await?;
    let location = format!("{}/v1/webhooks/{}", cx.state.config.public_url, row.id);
    let secret = row.secret.clone();
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(WebhookCreated {
            webhook: Webhook::from(row),
            secret,
        }))
}

/// Get a webhook.
#[utoipa::path(
    tag = "webhooks",
    params(WebhookId),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "The webhook (without its secret).", body = Webhook)
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    cx: Cx<Keyed<Admin>>,
    webhook: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook.into_inner().id;
    let row = db::run(&cx.state.pool, move |conn| db::webhooks::get(conn, &id)).await?;
    conditional::respond_hashed(&cx.req, &cx.auth.0, &cx.state.config, &Webhook::from(row))
}

/// Change a webhook (JSON Merge Patch): URL, event types, audience, or pause it.
#[utoipa::path(
    tag = "webhooks",
    params(WebhookId),
    request_body(content(
        (WebhookPatch = "application/merge-patch+json"),
        (WebhookPatch = "application/json")
    )),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Changed.", body = Webhook)
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    cx: Cx<Keyed<Admin>>,
    webhook: web::Path<WebhookId>,
    if_match: IfMatch,
    body: JsonBody<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.parse()?;
    let id = webhook.into_inner().id;
    let row = db::write(&cx.state.pool, move |conn| {
        db::webhooks::update(conn, &id, |row, current| {
            if_match.check_stored(&etag_of(&Webhook::from(row.clone())))?;
            let url = patch.url.unwrap_or(current.url);
            let events = patch.events.unwrap_or(current.events);
            let events = check(&url, &events).map_err(db::StoreError::Invalid)?;
            Ok(Settings {
                url,
                events,
                include_unpublished: patch
                    .include_unpublished
                    .unwrap_or(current.include_unpublished),
                active: patch.active.unwrap_or(current.active),
            })
        })
    })
    .await?;
    let webhook = Webhook::from(row);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::ETAG, etag_of(&webhook)))
        .json(webhook))
}

/// Remove a webhook and its delivery log; queued deliveries are dropped.
#[utoipa::path(
    tag = "webhooks",
    params(WebhookId),
    security(("bearer" = ["admin"])),
    responses(
        (status = 204, description = "Removed.")
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    cx: Cx<Keyed<Admin>>,
    webhook: web::Path<WebhookId>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = webhook.into_inner().id;
    db::write(&cx.state.pool, move |conn| {
        db::webhooks::delete(conn, &id, |row| {
            if_match.check_stored(&etag_of(&Webhook::from(row.clone())))
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Paging of the delivery log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<i64>,
    /// Opaque token from `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A webhook's delivery log, newest first.
///
/// Each delivery is one event for this webhook: its state (`pending`, `delivered`,
/// `failed`), attempts made, the receiver's last status or the error, and when the next
/// attempt is due.
#[utoipa::path(
    tag = "webhooks",
    params(WebhookId, DeliveryParams),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "A page of deliveries.", body = DeliveryPage)
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    cx: Cx<Keyed<Admin>>,
    webhook: web::Path<WebhookId>,
    params: Query<DeliveryParams>,
) -> Result<HttpResponse, ApiError> {
    let page = paging::NumberedPage::of("deliveries", params.limit, params.cursor.as_deref())?;
    let id = webhook.into_inner().id;
    let (rows, more) = db::run(&cx.state.pool, move |conn| {
        db::webhooks::deliveries(conn, &id, page.before, page.limit)
    })
    .await?;
    let body = DeliveryPage {
        meta: DeliveryMeta {
            limit: page.limit,
            next_cursor: page.next(more, rows.last().map(|d| d.pk)),
        },
        data: rows.into_iter().map(Delivery::from).collect(),
    };
    conditional::respond_hashed(&cx.req, &cx.auth.0, &cx.state.config, &body)
}
