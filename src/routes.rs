//! The route table, and the fallback that answers 404 or 405 for everything else.

use actix_web::{HttpRequest, HttpResponse, http::Method};
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::error::ApiError;
use crate::handlers::articles::{list, previews, rankings, read, revisions, views, write};
use crate::handlers::{changes, feeds, media, ops, tags, terms, webhooks};

/// Every documented route; registering a handler here is what documents it.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(media::media_file)
        .service(
            scope::scope("/v1")
                .service(list::list_articles)
                .service(write::create_article)
                // before /articles/{id}, which would take "popular" for a slug
                .service(rankings::list_popular_articles)
                .service(read::get_article)
                .service(write::replace_article)
                .service(write::update_article)
                .service(write::delete_article)
                .service(write::restore_article)
                .service(views::count_article_view)
                .service(rankings::list_related_articles)
                .service(revisions::list_revisions)
                .service(revisions::get_revision)
                .service(revisions::restore_revision)
                .service(previews::create_preview_link)
                .service(previews::get_preview)
                .service(list::list_trash)
                .service(read::get_trashed_article)
                .service(tags::list_tags)
                .service(tags::create_tag)
                .service(tags::get_tag)
                .service(tags::update_tag)
                .service(tags::delete_tag)
                .configure(terms::author_routes)
                .service(feeds::get_feed)
                .service(feeds::get_sitemap)
                .service(feeds::get_news_sitemap)
                .service(changes::list_changes)
                .service(webhooks::list_webhooks)
                .service(webhooks::create_webhook)
                .service(webhooks::get_webhook)
                .service(webhooks::update_webhook)
                .service(webhooks::delete_webhook)
                .service(webhooks::list_webhook_deliveries)
                .service(media::list_media)
                .service(media::create_media)
                .service(media::get_media)
                .service(media::update_media)
                .service(media::delete_media),
        );
}

/// The documented paths and their methods, taken from the OpenAPI document, so the
/// fallback can tell "no such path" (404) from "no such method here" (405 + `Allow`).
#[derive(Debug, Clone)]
pub struct KnownPaths(Vec<(Vec<String>, Vec<String>)>);

impl KnownPaths {
    /// Reads the paths of a generated spec.
    pub fn from_spec(api: &utoipa::openapi::OpenApi) -> Self {
        let mut known: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        let value = serde_json::to_value(&api.paths).unwrap_or_default();
        if let Some(paths) = value
            .get("paths")
            .and_then(|p| p.as_object())
            .or(value.as_object())
        {
            for (path, item) in paths {
                let segments = path.split('/').map(str::to_owned).collect();
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|o| {
                        o.keys()
                            .map(|m| m.to_ascii_uppercase())
                            .filter(|m| Method::from_bytes(m.as_bytes()).is_ok())
                            .collect()
                    })
                    .unwrap_or_default();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                methods.sort();
                known.push((segments, methods));
            }
        }
        Self(known)
    }

    /// The methods allowed on `path`, when it is a documented path.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(segments, _)| {
                segments.len() == parts.len()
                    && segments.iter().zip(&parts).all(|(s, p)| {
                        s == p || (s.starts_with('{') && s.ends_with('}') && !p.is_empty())
                    })
            })
            .map(|(_, methods)| methods.clone())
    }
}

/// Answers every request no route took: 405 with `Allow` on a known path, else 404.
pub async fn fallback(
    req: HttpRequest,
    known: actix_web::web::Data<KnownPaths>,
) -> Result<HttpResponse, ApiError> {
    Err(match known.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed { allow },
        None => ApiError::NotFound(format!("Nothing is at {}.", req.path())),
    })
}
