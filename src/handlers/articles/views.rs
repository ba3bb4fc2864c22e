//! The view counter: one counted view per client per article per window, buffered.

use actix_web::{HttpResponse, post, web};

use crate::db::{self, articles::Found};
use crate::domain::access::Caller;
use crate::error::ApiError;
use crate::http::context::Cx;
use crate::http::paths::ArticleKey;

/// Count one view of an article.
///
/// One view per client (a key, or an address) per article per
/// `NEWSDESK_VIEW_WINDOW_SECS` (30 minutes) counts; repeats answer 204 too but count
/// nothing. Views are buffered in memory and written in batches (about once a second),
/// so `view_count` catches up within seconds; none is lost on a clean shutdown.
#[utoipa::path(
    tag = "articles",
    params(ArticleKey),
    security((), ("bearer" = [])),
    responses(
        (status = 204, description = "Counted.")
    )
)]
#[post("/articles/{id}/views")]
pub async fn count_article_view(
    cx: Cx,
    article: web::Path<ArticleKey>,
) -> Result<HttpResponse, ApiError> {
    let (caller, key) = (cx.auth.0.clone(), article.into_inner().id);
    let views = &cx.state.views;
    let public = matches!(caller, Caller::Public);
    if public && let Some(id) = views.public_id(&key, &cx.state.responses) {
        count_once(&cx, &id);
        return Ok(HttpResponse::NoContent().finish());
    }
    let born = cx.state.responses.generation();
    let named = key.clone();
    let found = db::run(&cx.state.pool, move |conn| {
        db::articles::find_head(conn, &caller, &key, db::now_utc())
    })
    .await?;
    match found {
        Found::Article(head) => {
            count_once(&cx, &head.id);
            if public {
                views.remember_public(named, born, head.id);
            }
        }
        Found::Moved(_) => {
            return Err(ApiError::NotFound(
                "Count views at the article's current slug or id.".into(),
            ));
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Counts the caller's view of article `id` unless its last counted view of it is within
/// `NEWSDESK_VIEW_WINDOW_SECS` by the server's clock: a key is one client by its name,
/// anyone else one by address.
fn count_once(cx: &Cx, id: &str) {
    let client = match &cx.auth.0 {
        Caller::Key { name, .. } => format!("key:{name}"),
        Caller::Public => format!(
            "ip:{}",
            crate::http::client::address(&cx.req, &cx.state.config.trusted_proxies)
        ),
    };
    let window = std::time::Duration::from_secs(cx.state.config.view_window_secs);
    cx.state
        .views
        .record_once(&client, id, window, cx.state.clock_now());
}
