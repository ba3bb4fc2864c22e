//! Article endpoints, by what they do: one article (`read`), changes to it (`write`),
//! lists, search and the trash (`list`), most read and related (`rankings`), its
//! revisions (`revisions`), preview links (`previews`) and the view counter (`views`).
//! What several of them answer with is here.

pub mod list;
pub mod previews;
pub mod rankings;
pub mod read;
pub mod revisions;
pub mod views;
pub mod write;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use crate::db::{self, StoreError, articles::ArticleRecord};
use crate::domain::access::Caller;
use crate::domain::article as rules;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::conditional::{self, IfMatch};
use crate::state::AppState;
use crate::wire::article::{Article, ArticleInput};

/// Now, inside store work (a reader or the writer): by the store's clock.
pub(crate) fn now() -> String {
    db::now()
}

pub(crate) fn location(state: &AppState, id: &str) -> String {
    format!("{}/v1/articles/{id}", state.config.public_url)
}

pub(crate) fn respond_article(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    rec: ArticleRecord,
) -> HttpResponse {
    let article = Article::from_record(rec, &state.now());
    let cache = conditional::cache_control(caller, &state.config);
    let res = conditional::respond(req, &article.validators(), &cache, &article);
    crate::http::cache::tagged(res, article_tags(&article))
}

/// The cache tags of one article's representation: itself, and the tags and authors
/// it shows by name (their translations' changes reach it as changes of its own).
pub(crate) fn article_tags(article: &Article) -> Vec<String> {
    use crate::domain::cache_tags as tags;
    std::iter::once(tags::article(&article.id))
        .chain(article.tags.iter().map(|t| tags::tag(&t.slug)))
        .chain(article.authors.iter().map(|a| tags::author(&a.slug)))
        .collect()
}

pub(crate) async fn parse_input(
    body: &JsonBody<ArticleInput>,
    state: &AppState,
) -> Result<Parsed, ApiError> {
    let input = body.parse()?;
    let media = crate::handlers::media::catalog_for(state, &input).await?;
    let again = (!media.is_empty()).then(|| {
        (
            input.clone(),
            state.config.media_url.clone(),
            state.config.default_language.clone(),
        )
    });
    let draft = rules::validate(
        input,
        &state.config.default_language,
        state.clock_now(),
        &media,
    )
    .map_err(ApiError::invalid)?;
    Ok(Parsed { draft, again })
}

/// A valid article body, checked before the write (a 422 costs the writer nothing).
pub(crate) struct Parsed {
    draft: rules::ArticleDraft,
    /// The body again when it uses media items: resolved once more inside the write,
    /// where no change of the items' text can come between (their alt may have been
    /// edited since they were read).
    again: Option<(ArticleInput, String, String)>,
}

impl Parsed {
    /// The draft to write, inside the write.
    pub(crate) fn in_write(
        self,
        conn: &mut db::AnyConnection,
    ) -> Result<rules::ArticleDraft, StoreError> {
        let Some((input, base, language)) = self.again else {
            return Ok(self.draft);
        };
        let media = crate::handlers::media::catalog_in(conn, &base, &input)?;
        rules::validate(input, &language, db::now_utc(), &media).map_err(StoreError::Invalid)
    }
}

pub(crate) fn written(state: &AppState, status: StatusCode, rec: ArticleRecord) -> HttpResponse {
    let article = Article::from_record(rec, &state.now());
    conditional::written(status, &article.validators()).json(article)
}

/// The article a change names (`{id}`: its id or current slug) with the request's
/// `If-Match`, which the change checks against the stored version inside its write:
/// what replace, patch, delete, restore and a revision's restore take
/// (`params(ArticleKey)` documents it).
pub struct Addressed {
    key: String,
    if_match: IfMatch,
}

impl actix_web::FromRequest for Addressed {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Self {
            key: req.match_info().query("id").to_string(),
            if_match: IfMatch::of(req),
        }))
    }
}

impl Addressed {
    /// Runs `change` in one write: the article's key looked up first (404 when there is
    /// none), then `change` with what it needs to check `If-Match` against the row it
    /// reads.
    pub(crate) async fn write<T, F>(
        self,
        state: &AppState,
        caller: Caller,
        change: F,
    ) -> Result<T, ApiError>
    where
        F: FnOnce(&mut db::AnyConnection, &Target) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        Ok(db::write(&state.pool, move |conn| {
            let pk = db::articles::pk_of(conn, &self.key)?;
            change(
                conn,
                &Target {
                    pk,
                    caller: &caller,
                    if_match: &self.if_match,
                },
            )
        })
        .await?)
    }
}

/// The addressed article inside its write: its stored key, who writes, and the request's
/// `If-Match` to check against the row the change reads.
pub(crate) struct Target<'a> {
    pub pk: i32,
    pub caller: &'a Caller,
    if_match: &'a IfMatch,
}

impl Target<'_> {
    /// `If-Match` against the stored article as the caller sees it.
    pub(crate) fn check(
        &self,
        conn: &mut db::AnyConnection,
        row: &db::articles::ArticleRow,
    ) -> Result<(), StoreError> {
        if !self.if_match.is_present() {
            return Ok(());
        }
        let current = db::articles::load_by_pk(conn, self.caller, row.pk, db::now_utc())?;
        self.check_etag(current)
    }

    /// `If-Match` against the ETag of the stored article, already loaded.
    pub(crate) fn check_loaded(&self, current: &ArticleRecord) -> Result<(), StoreError> {
        self.check_etag(current.clone())
    }

    fn check_etag(&self, current: ArticleRecord) -> Result<(), StoreError> {
        let etag = Article::from_record(current, &now()).validators().etag;
        self.if_match.check_stored(&etag)
    }
}
