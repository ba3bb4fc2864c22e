//! The change feed: every change to an article, in order, for mirrors.

use actix_web::{HttpResponse, get};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::{self, articles::changes};
use crate::error::ApiError;
use crate::http::conditional::{self, Validators};
use crate::http::context::Cx;
use crate::http::paging;
use crate::http::query::Query;
use crate::wire::article::Article;
use crate::wire::change::{ChangeEvent, ChangeMeta, ChangePage};

/// Query parameters of `GET /v1/changes`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// `meta.next_cursor` of the previous page; without it the feed starts at the
    /// beginning (every article's history, which builds a mirror from nothing).
    #[param(example = "Y2hhbmdlcwoxMDQyCjliZTFhNDAzYjY2ZQ")]
    pub since: Option<String>,
    /// Events per page, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000, example = 100)]
    pub limit: Option<i64>,
}

/// The change feed.
///
/// Every create, update, publish, unpublish, scheduled publication reaching its time,
/// trash, restore and permanent delete, in the order they happened. An event with an
/// `article` means "store this version" (the article as the caller may see it now); an
/// event whose `article` is `null` means "remove it". Without a key only events about
/// the public set appear, and an unpublished article is only ever a removal; a key with
/// scope `read` sees every event, drafts included.
///
/// Keep `meta.next_cursor` and call again with `since=` it: an empty page (304 with
/// `If-None-Match`) means nothing changed.
#[utoipa::path(
    tag = "feeds",
    params(ChangeParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of events, oldest first.", body = ChangePage,
            headers(("Last-Modified" = String, description = "Time of the latest change in the store.")))
    )
)]
#[get("/changes")]
pub async fn list_changes(cx: Cx, params: Query<ChangeParams>) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = paging::limit(p.limit, 100, 1000)?;
    let after: i32 = match &p.since {
        None => 0,
        Some(token) => paging::numbered("since", token, "changes")?,
    };
    let caller = cx.auth.0.clone();
    let ((events, more), changed) = db::run(&cx.state.pool, move |conn| {
        let at = db::now_utc();
        let (events, more) = changes::page(conn, &caller, after, limit, at)?;
        let now = crate::domain::time::format(at);
        let events: Vec<_> = (events.into_iter())
            .map(|(e, rec)| (e, rec.map(|r| Article::from_record(r, &now))))
            .collect();
        Ok(((events, more), db::last_change(conn, at)?))
    })
    .await?;
    let last = events.last().map_or(after, |(e, _)| e.seq);
    let body = ChangePage {
        data: (events.into_iter())
            .map(|(e, article)| ChangeEvent::of(e, article))
            .collect(),
        meta: ChangeMeta {
            limit,
            next_cursor: paging::encode_numbered("changes", last),
            has_more: more,
        },
    };
    let basis = format!("{}|{after}|{limit}|{more}", cx.auth.0.sees_unpublished());
    let v = validators(&body, &basis, changed.as_deref());
    let cache = conditional::cache_control(&cx.auth.0, &cx.state.config);
    Ok(crate::http::cache::tagged(
        conditional::respond(&cx.req, &v, &cache, &body),
        [
            crate::domain::cache_tags::ARTICLES,
            crate::domain::cache_tags::CHANGES,
        ],
    ))
}

/// A page's validators from each event and its article's version, not the bytes: view
/// counts move without changing what a mirror needs. `basis` names the request.
fn validators(page: &ChangePage, basis: &str, changed: Option<&str>) -> Validators {
    let events: String = (page.data.iter())
        .map(|e| {
            let etag = e.article.as_ref().map(|a| a.validators().etag);
            format!("{}:{etag:?};", e.id)
        })
        .collect();
    Validators {
        etag: conditional::hashed_etag(format!("{basis}|{events}").as_bytes()),
        last_modified: changed.and_then(crate::domain::time::http_date),
    }
}
