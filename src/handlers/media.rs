//! Media: upload (raw image or multipart), list, read, change the text of, delete — and
//! the bytes of every clean copy at immutable, content-addressed URLs (`/media/{name}`).

use std::collections::BTreeSet;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, get, patch, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::db::{self, StoreError};
use crate::domain::article::{TextRule, check_text};
use crate::domain::image::{self as image, Refusal};
use crate::domain::media::{Catalog, StoredFile};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::auth::{Keyed, Read, Write};
use crate::http::body::JsonBody;
use crate::http::conditional::{self, IfMatch};
use crate::http::context::Cx;
use crate::http::paging;
use crate::http::paths::MediaId;
use crate::http::query::Query;
use crate::runtime::media_store::MediaStoreError;
use crate::state::AppState;
use crate::wire::media::{Media, MediaMeta, MediaPage, MediaPatch};

impl crate::http::body::Body for MediaPatch {
    const MEDIA: &'static [&'static str] = crate::http::body::MERGE_PATCH;
}

/// The media catalog an article write resolves `media:ID` against: the items its
/// feature image and Markdown name (none: no query).
pub async fn catalog_for(
    state: &AppState,
    input: &crate::domain::input::ArticleInput,
) -> Result<Catalog, ApiError> {
    let ids = references(input);
    let base = state.config.media_url.clone();
    if ids.is_empty() {
        return Ok(Catalog::new(&base, []));
    }
    let items = db::run(&state.pool, move |conn| db::media::catalog(conn, &ids)).await?;
    Ok(Catalog::new(&base, items))
}

/// [`catalog_for`] inside a write.
pub fn catalog_in(
    conn: &mut db::AnyConnection,
    base: &str,
    input: &crate::domain::input::ArticleInput,
) -> Result<Catalog, StoreError> {
    let ids = references(input);
    Ok(Catalog::new(base, db::media::catalog(conn, &ids)?))
}

fn references(input: &crate::domain::input::ArticleInput) -> BTreeSet<String> {
    let mut ids = crate::domain::media::references_in(&input.body_markdown);
    if let Some(img) = &input.feature_image {
        if let Some(id) = &img.media_id {
            ids.insert(id.clone());
        } else if let Some(id) = crate::domain::media::reference(&img.url) {
            ids.insert(id.to_string());
        }
    }
    ids
}

/// Writes article `pk` again (an edit labelled `change`) with its media items resolved
/// anew: their current text, and the media base URL `base`.
pub fn resolve_again(
    conn: &mut db::AnyConnection,
    pk: i32,
    caller: &crate::domain::access::Caller,
    base: &str,
    language: &str,
    change: &str,
) -> Result<db::articles::ArticleRecord, StoreError> {
    db::articles::update(conn, pk, caller, change, |conn, _| {
        let rec = db::articles::load_by_pk(conn, caller, pk, db::now_utc())?;
        let input = rec.input();
        let catalog = catalog_in(conn, base, &input)?;
        crate::domain::article::validate(input, language, db::now_utc(), &catalog)
            .map_err(StoreError::Invalid)
    })
}

/// The text fields of an upload (multipart fields or query parameters).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// Text alternative (raw-body uploads; multipart sends it as a field).
    #[param(max_length = 500, example = "Candles at a vigil in Kyiv")]
    pub alt: Option<String>,
    /// Caption.
    #[param(max_length = 500, example = "A vigil on Independence Square")]
    pub caption: Option<String>,
    /// Credit.
    #[param(max_length = 200, example = "Photo: Olena Kovalenko / UWC")]
    pub credit: Option<String>,
}

/// A multipart upload: the image and its text (no other parts).
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct MediaUpload {
    /// The image (JPEG, PNG, WebP or GIF; its type is read from the bytes).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Text alternative, at most 500 characters (required before an article using it is
    /// published). A form's parts are text: whatever is sent is read as text.
    alt: Option<serde_json::Value>,
    /// Caption, at most 500 characters.
    caption: Option<serde_json::Value>,
    /// Credit, at most 200 characters.
    credit: Option<serde_json::Value>,
}

/// The raw bytes of an image.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ImageBytes(Vec<u8>);

fn refused(r: Refusal) -> ApiError {
    match r {
        Refusal::NotAnImage(why) => ApiError::UnsupportedMediaType(why),
        other => ApiError::invalid_field("file", other.to_string()),
    }
}

fn store_failed(e: MediaStoreError) -> ApiError {
    tracing::warn!(error = %e, "media store");
    ApiError::Unavailable("The media store is unavailable; retry shortly.".into())
}

fn too_large(max: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("An upload may be at most {max} bytes."))
}

/// Reads a stream of chunks up to `max` bytes (413 past it).
async fn read_capped<S, E>(mut stream: S, max: usize) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::invalid_field("body", format!("could not be read: {e}")))?;
        if out.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The file and text of a multipart upload.
async fn multipart(
    req: &HttpRequest,
    payload: web::Payload,
    max: usize,
) -> Result<(Vec<u8>, UploadParams), ApiError> {
    // A form that cannot be read is refused naming the body (422: what the schema says
    // a form is cannot rule out every byte sequence inside one).
    let bad = |detail: String| ApiError::invalid_field("body", detail);
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let (mut file, mut text) = (None, UploadParams::default());
    while let Some(field) = form.next().await {
        let field = field.map_err(|e| bad(format!("The multipart body is malformed: {e}.")))?;
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => file = Some(read_capped(field, max).await?),
            "alt" | "caption" | "credit" => {
                let bytes = read_capped(field, 4096)
                    .await
                    .map_err(|_| ApiError::invalid_field(&name, "is too long"))?;
                let value = String::from_utf8(bytes)
                    .map_err(|_| ApiError::invalid_field(&name, "must be UTF-8 text"))?;
                match name.as_str() {
                    "alt" => text.alt = Some(value),
                    "caption" => text.caption = Some(value),
                    _ => text.credit = Some(value),
                }
            }
            other => {
                return Err(ApiError::invalid_field(
                    other,
                    "is not a field of an upload (file, alt, caption, credit)",
                ));
            }
        }
    }
    let file = file.ok_or_else(|| ApiError::invalid_field("file", "is required"))?;
    Ok((file, text))
}

/// 422 for text fields that break their rules; blank ones count as absent.
fn check_texts(text: UploadParams) -> Result<UploadParams, ApiError> {
    let mut errors = Vec::new();
    let mut clean = |field: &str, v: Option<String>, max: usize| {
        let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())?;
        match check_text(&v, TextRule::Line, max) {
            Ok(()) => Some(v),
            Err(m) => {
                errors.push(FieldError::new(field, m));
                None
            }
        }
    };
    let out = UploadParams {
        alt: clean("alt", text.alt, 500),
        caption: clean("caption", text.caption, 500),
        credit: clean("credit", text.credit, 200),
    };
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// The content address of a copy: the first 128 bits of its SHA-256, and its extension.
fn name_of(bytes: &[u8], format: image::Format) -> String {
    let digest = Sha256::digest(bytes);
    format!("{}.{}", hex::encode(&digest[..16]), format.ext())
}

/// Upload an image.
///
/// The body is the image itself (`Content-Type: image/jpeg`, `image/png`, `image/webp`,
/// `image/gif` or `application/octet-stream`; `alt`, `caption`, `credit` as query
/// parameters) or `multipart/form-data` with a `file` part and optional `alt`, `caption`
/// and `credit` parts. The real type is read from the bytes; anything but a raster image
/// (SVG, HTML, text, a polyglot) is a 415. Dimensions over `NEWSDESK_MEDIA_MAX_PIXELS`
/// are a 422 decided from the header before decoding; a truncated or corrupt image is
/// a 422. Every stored copy is re-encoded from the pixels: EXIF (GPS included), XMP,
/// IPTC and comments are gone, the colour profile kept, the EXIF orientation applied.
/// Variants 320, 640, 1024, 1600 and 2400 pixels wide (never upscaled) are made now, in
/// WebP and the original's format, so the answer lists every URL. The same bytes
/// uploaded again answer the existing item (200).
#[utoipa::path(
    tag = "media",
    params(UploadParams),
    request_body(
        description = "The image, raw or as a multipart form.",
        content(
            (MediaUpload = "multipart/form-data"),
            (ImageBytes = "image/jpeg"),
            (ImageBytes = "image/png"),
            (ImageBytes = "image/webp"),
            (ImageBytes = "image/gif"),
            (ImageBytes = "application/octet-stream")
        )
    ),
    security(("bearer" = ["write"])),
    responses(
        (status = 201, description = "Stored, with its variants.", body = Media,
            headers(("Location" = String, description = "URL of the new item."), ("ETag" = String, description = "Validator."))),
        (status = 200, description = "The same bytes were uploaded before: that item.", body = Media,
            headers(("ETag" = String, description = "Validator."))),
        (status = 413, description = "Larger than `NEWSDESK_MEDIA_MAX_BYTES`."),
        (status = 415, description = "Not a JPEG, PNG, WebP or GIF image (read from the bytes).", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "/problems/unsupported-media-type", "title": "Unsupported Media Type", "status": 415, "detail": "The body is not a raster image (JPEG, PNG, WebP or GIF), whatever its Content-Type says."})),
        (status = 422, description = "Too many pixels, truncated or corrupt, or a text field is invalid.", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "/problems/validation", "title": "Unprocessable Content", "status": 422, "detail": "1 field is invalid.", "errors": [{"field": "file", "message": "The image is 100000×100000 pixels; at most 50000000 pixels are accepted."}]}))
    )
)]
#[post("/media")]
pub async fn create_media(
    cx: Cx<Keyed<Write>>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (bytes, text) = upload(&cx.req, payload, cx.state.config.media_max_bytes).await?;
    // What it is, before any work: a 415 costs nothing.
    image::sniff(&bytes).map_err(refused)?;
    let (bytes, sha256) = web::block(move || {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        (bytes, sha256)
    })
    .await
    .map_err(ApiError::internal)?;
    let known = sha256.clone();
    if let Some(row) = db::run(&cx.state.pool, move |conn| {
        db::media::by_sha256(conn, &known)
    })
    .await?
    {
        return Ok(answer(&cx.state, StatusCode::OK, &row));
    }
    let new = stored(&cx.state, bytes, sha256, text).await?;
    let (row, created) =
        db::write(&cx.state.pool, move |conn| db::media::insert(conn, &new)).await?;
    if !created {
        return Ok(answer(&cx.state, StatusCode::OK, &row));
    }
    let mut res = answer(&cx.state, StatusCode::CREATED, &row);
    let location = format!("{}/v1/media/{}", cx.state.config.public_url, row.id);
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// An upload's bytes and text fields: the raw body (texts in the query) or a
/// multipart form's `file` and fields (the query's texts filling what the form left
/// out). Refused before reading when `Content-Length` is over `max` (and a little for a
/// form's framing), and while reading past it.
async fn upload(
    req: &HttpRequest,
    payload: web::Payload,
    max: usize,
) -> Result<(Vec<u8>, UploadParams), ApiError> {
    if declared_length(req).is_some_and(|len| len > max.saturating_add(64 * 1024)) {
        return Err(too_large(max));
    }
    let mime = req.mime_type().ok().flatten();
    let essence = mime.as_ref().map(|m| m.essence_str().to_ascii_lowercase());
    // The text parameters are text fields: a bad one (a control character, too long)
    // is a 422 naming it, like the form's own parts.
    let query: UploadParams = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ApiError::bad_param("query", e.to_string()))?;
    let query = check_texts(query)?;
    let (bytes, text) = match essence.as_deref() {
        Some("multipart/form-data") => {
            let (file, text) = multipart(req, payload, max).await?;
            let mut text = check_texts(text)?;
            text.alt = text.alt.or(query.alt);
            text.caption = text.caption.or(query.caption);
            text.credit = text.credit.or(query.credit);
            (file, text)
        }
        Some(
            "image/jpeg"
            | "image/png"
            | "image/webp"
            | "image/gif"
            | "image/avif"
            | "application/octet-stream",
        ) => (read_capped(payload, max).await?, query),
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "Send the image as its bytes (image/jpeg, image/png, image/webp, image/gif) or as multipart/form-data (got {}).",
                other.unwrap_or("no Content-Type")
            )));
        }
    };
    if bytes.is_empty() {
        return Err(ApiError::invalid_field("file", "is empty"));
    }
    Ok((bytes, text))
}

/// The request's `Content-Length`, when it states one.
fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Decodes the image (one at a time per `media_work` permit: decoding is CPU- and
/// memory-heavy), puts its copies in the media store, and returns the item to record.
async fn stored(
    state: &AppState,
    bytes: Vec<u8>,
    sha256: String,
    text: UploadParams,
) -> Result<db::media::NewMedia, ApiError> {
    let processed = decoded(state, bytes).await?;
    let mut files = Vec::with_capacity(processed.copies.len());
    for copy in processed.copies {
        let name = name_of(&copy.bytes, copy.format);
        files.push(StoredFile {
            name: name.clone(),
            format: copy.format.name().to_string(),
            width: copy.width,
            height: copy.height,
            bytes: copy.bytes.len() as u64,
            original: copy.original,
        });
        state
            .media
            .put(&name, copy.bytes)
            .await
            .map_err(store_failed)?;
    }
    Ok(db::media::NewMedia {
        sha256,
        item: crate::domain::media::StoredMedia {
            id: uuid::Uuid::now_v7().to_string(),
            format: processed.format.name().to_string(),
            width: processed.width,
            height: processed.height,
            alt: text.alt,
            caption: text.caption,
            credit: text.credit,
            files,
        },
    })
}

/// The image decoded and its clean copies made, off the async workers, while holding one
/// of the `media_work` permits.
async fn decoded(state: &AppState, bytes: Vec<u8>) -> Result<image::Processed, ApiError> {
    let max_pixels = state.config.media_max_pixels;
    let _turn = state
        .media_work
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable("The server is stopping.".into()))?;
    web::block(move || image::process(&bytes, max_pixels))
        .await
        .map_err(ApiError::internal)?
        .map_err(refused)
}

fn answer(state: &AppState, status: StatusCode, row: &db::media::MediaRow) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, Media::etag(row)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Media::of(row, &state.config.media_url))
}

/// Paging of the media list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MediaParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<i64>,
    /// Opaque token from `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List media items, newest first.
///
/// The media library (read key): what has been uploaded, used or not. The bytes
/// themselves are public at their URLs; an unused item's text is not.
#[utoipa::path(
    tag = "media",
    params(MediaParams),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of media items.", body = MediaPage)
    )
)]
#[get("/media")]
pub async fn list_media(
    cx: Cx<Keyed<Read>>,
    params: Query<MediaParams>,
) -> Result<HttpResponse, ApiError> {
    let page = paging::NumberedPage::of("media", params.limit, params.cursor.as_deref())?;
    let (rows, more) = db::run(&cx.state.pool, move |conn| {
        db::media::list(conn, page.before, page.limit)
    })
    .await?;
    let body = MediaPage {
        meta: MediaMeta {
            limit: page.limit,
            next_cursor: page.next(more, rows.last().map(|m| m.pk)),
        },
        data: rows
            .iter()
            .map(|r| Media::of(r, &cx.state.config.media_url))
            .collect(),
    };
    conditional::respond_hashed(&cx.req, &cx.auth.0, &cx.state.config, &body)
}

/// Read a media item.
///
/// Its size, type, text, every variant with URL and size, and a ready `srcset`.
#[utoipa::path(
    tag = "media",
    params(MediaId),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The media item.", body = Media)
    )
)]
#[get("/media/{id}")]
pub async fn get_media(
    cx: Cx<Keyed<Read>>,
    media: web::Path<MediaId>,
) -> Result<HttpResponse, ApiError> {
    let id = media.into_inner().id;
    let row = db::run(&cx.state.pool, move |conn| db::media::find(conn, &id)).await?;
    let v = conditional::Validators {
        etag: Media::etag(&row),
        last_modified: None,
    };
    Ok(conditional::respond(
        &cx.req,
        &v,
        &conditional::cache_control(&cx.auth.0, &cx.state.config),
        &Media::of(&row, &cx.state.config.media_url),
    ))
}

/// Change a media item's alt text, caption or credit.
///
/// JSON Merge Patch; `null` clears. The articles using the item show the new text at
/// once (they are updated, and their ETags change). Clearing the alt text of an image
/// a published article shows is a 422.
#[utoipa::path(
    tag = "media",
    params(MediaId),
    request_body(content = MediaPatch, content_type = "application/merge-patch+json"),
    security(("bearer" = ["write"])),
    responses(
        (status = 200, description = "Changed.", body = Media)
    )
)]
#[patch("/media/{id}")]
pub async fn update_media(
    cx: Cx<Keyed<Write>>,
    media: web::Path<MediaId>,
    if_match: IfMatch,
    body: JsonBody<MediaPatch>,
) -> Result<HttpResponse, ApiError> {
    let (alt, caption, credit) = media_texts(body.parse()?)?;
    let nothing = alt.is_none() && caption.is_none() && credit.is_none();
    let (id, caller) = (media.into_inner().id, cx.auth.0.clone());
    if nothing {
        // Nothing to change: the item as it is (no new version, no article rewritten).
        let row = db::run(&cx.state.pool, move |conn| db::media::find(conn, &id)).await?;
        if_match.check(&Media::etag(&row))?;
        return Ok(answer(&cx.state, StatusCode::OK, &row));
    }
    let (base, language) = (
        cx.state.config.media_url.clone(),
        cx.state.config.default_language.clone(),
    );
    let row = db::write(&cx.state.pool, move |conn| {
        let current = db::media::find(conn, &id)?;
        if_match.check_stored(&Media::etag(&current))?;
        let row = db::media::update(conn, &id, alt, caption, credit)?;
        // Each article using it shows the new text: written again, as an edit.
        // (One in the trash is left as it is: it shows nothing, and its next edit
        // resolves the item again.)
        for (pk, article) in db::media::live_users(conn, row.pk)? {
            resolve_again(conn, pk, &caller, &base, &language, "updated")
                .map_err(|e| invalidates(&article, e))?;
        }
        Ok::<_, StoreError>(row)
    })
    .await?;
    Ok(answer(&cx.state, StatusCode::OK, &row))
}

/// A media patch's texts, trimmed (empty clears) and checked: `None` leaves a text as
/// it is, `Some(None)` clears it.
type TextChange = Option<Option<String>>;

fn media_texts(patch: MediaPatch) -> Result<(TextChange, TextChange, TextChange), ApiError> {
    let mut errors = Vec::new();
    let mut clean = |field: &str, v: TextChange, max: usize| {
        v.map(|v| {
            let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            if let Some(s) = &v
                && let Err(m) = check_text(s, TextRule::Line, max)
            {
                errors.push(FieldError::new(field, m));
            }
            v
        })
    };
    let texts = (
        clean("alt", patch.alt, 500),
        clean("caption", patch.caption, 500),
        clean("credit", patch.credit, 200),
    );
    if errors.is_empty() {
        Ok(texts)
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// A change of an item's text that would make `article` invalid: a 422 on `alt` naming
/// the article and what it would break.
fn invalidates(article: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(errors) => StoreError::Invalid(
            errors
                .into_iter()
                .map(|e| {
                    FieldError::new(
                        "alt",
                        format!(
                            "article {article} would become invalid ({}: {})",
                            e.field, e.message
                        ),
                    )
                })
                .collect(),
        ),
        other => other,
    }
}

/// Delete a media item.
///
/// Refused with 409 while an article uses it (the answer names them; articles in the
/// trash count until deleted for good). Its bytes are removed from the media store.
#[utoipa::path(
    tag = "media",
    params(MediaId),
    security(("bearer" = ["write"])),
    responses(
        (status = 204, description = "Deleted, with its bytes."),
        (status = 409, description = "Articles use it; the answer names them.", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "/problems/conflict", "title": "Conflict", "status": 409, "detail": "The media item is used by 1 article(s): 01936b2e-9a0b-7c1d-8e2f-3a4b5c6d7e8f. Remove it from them first (articles in the trash count until deleted for good)."}))
    )
)]
#[delete("/media/{id}")]
pub async fn delete_media(
    cx: Cx<Keyed<Write>>,
    media: web::Path<MediaId>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = media.into_inner().id;
    let unused = db::write(&cx.state.pool, move |conn| {
        let current = db::media::find(conn, &id)?;
        if_match.check_stored(&Media::etag(&current))?;
        let row = db::media::delete(conn, &id)?;
        // Another upload of the same pixels (other metadata) has byte-identical copies
        // under the same names: those stay.
        let mut unused = Vec::new();
        for f in row.file_list() {
            if !db::media::has_file(conn, &f.name)? {
                unused.push(f);
            }
        }
        Ok::<_, StoreError>(unused)
    })
    .await?;
    for f in unused {
        if let Err(e) = cx.state.media.delete(&f.name).await {
            tracing::warn!(name = %f.name, error = %e, "a deleted media item's copy stays in the store");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Whether `name` is a content address newsdesk makes (`{32 hex}.{ext}`).
fn is_file_name(name: &str) -> Option<image::Format> {
    let (hash, ext) = name.split_once('.')?;
    (hash.len() == 32 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| image::Format::parse(ext))
        .flatten()
}

/// The bytes of a stored copy.
///
/// Public and immutable: the name is the hash of the bytes, so they never change
/// (`Cache-Control: public, max-age=31536000, immutable`). Supports `HEAD`,
/// `If-None-Match` (304) and one byte `Range` (206; 416 past the end).
#[utoipa::path(
    tag = "media",
    params(
        ("name" = String, Path, description = "The copy's content address, as in a media item's URLs.", example = "5d41402abc4b2a76b9719d911017c592.webp"),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`."),
        ("If-None-Match" = Option<String>, Header, description = "ETag of a cached copy; 304 when it matches.")
    ),
    security(()),
    responses(
        (status = 200, description = "The bytes.", content((ImageBytes = "image/webp"), (ImageBytes = "image/jpeg"), (ImageBytes = "image/png"), (ImageBytes = "image/gif")),
            headers(("ETag" = String, description = "The content address."), ("Cache-Control" = String, description = "public, max-age=31536000, immutable"), ("Accept-Ranges" = String, description = "bytes"))),
        (status = 206, description = "The range asked for.", content((ImageBytes = "image/webp"), (ImageBytes = "image/jpeg"), (ImageBytes = "image/png"), (ImageBytes = "image/gif")),
            headers(("Content-Range" = String, description = "bytes START-END/SIZE"))),
        (status = 304, description = "The cached copy is current."),
        (status = 404, description = "No copy has this name."),
        (status = 416, description = "The range is past the end.")
    )
)]
#[get("/media/{name}")]
pub async fn media_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let Some(format) = is_file_name(&name) else {
        return Err(no_copy(&name));
    };
    let etag = format!("\"{}\"", name.split('.').next().unwrap_or_default());
    if names_etag(&req, header::IF_NONE_MATCH, &etag) {
        return Ok(copy_answer(HttpResponse::NotModified(), &etag).finish());
    }
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        // If-Range with another validator: the whole copy.
        .filter(|_| {
            req.headers().get(header::IF_RANGE).is_none()
                || names_etag(&req, header::IF_RANGE, &etag)
        });
    if let Some(range) = range
        && let Some(res) = ranged(&state, &name, format, range, &etag).await?
    {
        return Ok(res);
    }
    let object = state
        .media
        .get(&name, None)
        .await
        .map_err(|e| fetch_failed(&name, e))?;
    Ok(copy_answer(HttpResponse::Ok(), &etag)
        .content_type(format.mime())
        .body(object.bytes))
}

fn no_copy(name: &str) -> ApiError {
    ApiError::NotFound(format!("No media copy is named {name}."))
}

fn fetch_failed(name: &str, e: MediaStoreError) -> ApiError {
    match e {
        MediaStoreError::NotFound => no_copy(name),
        e => store_failed(e),
    }
}

/// The headers of every answer with a copy's bytes (or its 304).
fn copy_answer(
    mut b: actix_web::HttpResponseBuilder,
    etag: &str,
) -> actix_web::HttpResponseBuilder {
    b.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        // Already compressed: no gzip on top, and ranges stay byte ranges.
        .insert_header((header::CONTENT_ENCODING, "identity"));
    b
}

/// Whether the request's header `h` (`If-None-Match`, `If-Range`) names `etag`.
fn names_etag(req: &HttpRequest, h: header::HeaderName, etag: &str) -> bool {
    req.headers()
        .get(h)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag)
        })
}

/// The answer to a `Range`: a 206 with the one range asked for, a 416 for a range past
/// the end, or `None` (the whole copy) for several ranges or an invalid one (RFC 9110
/// §14.2 lets a server ignore them).
async fn ranged(
    state: &AppState,
    name: &str,
    format: image::Format,
    range: &str,
    etag: &str,
) -> Result<Option<HttpResponse>, ApiError> {
    let size = state
        .media
        .size(name)
        .await
        .map_err(|e| fetch_failed(name, e))?;
    match http_range::HttpRange::parse(range, size) {
        Ok(ranges) if ranges.len() == 1 => {
            let r = &ranges[0];
            let object = state
                .media
                .get(name, Some(r.start..r.start + r.length))
                .await
                .map_err(|e| fetch_failed(name, e))?;
            Ok(Some(
                copy_answer(HttpResponse::PartialContent(), etag)
                    .insert_header((
                        header::CONTENT_RANGE,
                        format!("bytes {}-{}/{}", r.start, r.start + r.length - 1, size),
                    ))
                    .content_type(format.mime())
                    .body(object.bytes),
            ))
        }
        Ok(_) | Err(http_range::HttpRangeParseError::InvalidRange) => Ok(None),
        Err(http_range::HttpRangeParseError::NoOverlap) => {
            let res = ApiError::RangeNotSatisfiable(format!(
                "The copy is {size} bytes; the range asked for is outside it."
            ));
            let mut res = actix_web::ResponseError::error_response(&res);
            if let Ok(v) = header::HeaderValue::from_str(&format!("bytes */{size}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            Ok(Some(res))
        }
    }
}
