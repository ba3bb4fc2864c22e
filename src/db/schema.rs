// @generated shape of migrations/; keep in step with them (see `db::tests`).

diesel::table! {
    api_keys (pk) {
        pk -> Integer,
        name -> Text,
        key_hash -> Text,
        prefix -> Text,
        scope -> Text,
        created_at -> Text,
        last_used_at -> Nullable<Text>,
        revoked_at -> Nullable<Text>,
        expires_at -> Nullable<Text>,
        rate_limit -> Nullable<Integer>,
        rate_window_secs -> Nullable<Integer>,
    }
}

diesel::table! {
    article_authors (article_pk, author_pk) {
        article_pk -> Integer,
        author_pk -> Integer,
        position -> Integer,
    }
}

diesel::table! {
    article_tags (article_pk, tag_pk) {
        article_pk -> Integer,
        tag_pk -> Integer,
        position -> Integer,
    }
}

diesel::table! {
    articles (pk) {
        pk -> Integer,
        id -> Text,
        slug -> Text,
        title -> Text,
        subtitle -> Nullable<Text>,
        excerpt -> Text,
        excerpt_is_derived -> Bool,
        body_markdown -> Text,
        body_html -> Text,
        body_text -> Text,
        status -> Text,
        published_at -> Nullable<Text>,
        sort_at -> Text,
        language -> Text,
        translation_group -> Text,
        feature_image_url -> Nullable<Text>,
        feature_image_alt -> Nullable<Text>,
        feature_image_caption -> Nullable<Text>,
        canonical_url -> Nullable<Text>,
        featured -> Bool,
        view_count -> BigInt,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        created_at -> Text,
        updated_at -> Text,
        deleted_at -> Nullable<Text>,
        version -> Integer,
        feature_image_media -> Nullable<Text>,
    }
}

diesel::table! {
    authors (pk) {
        pk -> Integer,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    former_slugs (slug) {
        slug -> Text,
        article_pk -> Integer,
    }
}

diesel::table! {
    tags (pk) {
        pk -> Integer,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::joinable!(article_authors -> articles (article_pk));
diesel::joinable!(article_authors -> authors (author_pk));
diesel::joinable!(article_tags -> articles (article_pk));
diesel::joinable!(article_tags -> tags (tag_pk));
diesel::joinable!(former_slugs -> articles (article_pk));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    article_events,
    article_media,
    article_revisions,
    article_schedule,
    article_search,
    article_views_daily,
    article_authors,
    article_tags,
    articles,
    authors,
    former_slugs,
    media,
    server_secrets,
    tags,
    webhook_deliveries,
    webhooks,
);

diesel::table! {
    /// Contentless FTS5 index of articles (declared by hand: print-schema cannot).
    article_search (rowid) {
        rowid -> Integer,
        title -> Text,
        subtitle -> Text,
        excerpt -> Text,
        tags -> Text,
        body -> Text,
    }
}

diesel::table! {
    article_views_daily (day, article_pk) {
        article_pk -> Integer,
        day -> Text,
        views -> BigInt,
    }
}

diesel::joinable!(article_views_daily -> articles (article_pk));

diesel::table! {
    article_events (seq) {
        seq -> Integer,
        article_id -> Text,
        kind -> Text,
        occurred_at -> Text,
        public_before -> Bool,
        public_after -> Bool,
        public -> Bool,
        public_etag -> Nullable<Text>,
        keyed_etag -> Nullable<Text>,
    }
}

diesel::table! {
    article_schedule (article_pk) {
        article_pk -> Integer,
        due_at -> Text,
    }
}

diesel::joinable!(article_schedule -> articles (article_pk));

diesel::table! {
    webhooks (pk) {
        pk -> Integer,
        id -> Text,
        url -> Text,
        events -> Text,
        include_unpublished -> Bool,
        secret -> Text,
        active -> Bool,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    webhook_deliveries (pk) {
        pk -> Integer,
        webhook_pk -> Integer,
        event_seq -> Integer,
        event_type -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Text>,
        last_attempt_at -> Nullable<Text>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Text,
        delivered_at -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_pk));

diesel::table! {
    article_revisions (pk) {
        pk -> Integer,
        article_pk -> Integer,
        n -> Integer,
        change -> Text,
        key_name -> Nullable<Text>,
        created_at -> Text,
        snapshot -> Text,
    }
}

diesel::joinable!(article_revisions -> articles (article_pk));

diesel::table! {
    server_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    /// One row: when anything a list shows last changed (see the migration).
    store_changes (id) {
        id -> Integer,
        changed_at -> Text,
    }
}

diesel::table! {
    /// The cache tags each committed batch touched, in commit order.
    cache_purges (seq) {
        seq -> BigInt,
        occurred_at -> Text,
        tags -> Text,
    }
}

diesel::table! {
    /// Uploaded images (see the migration).
    media (pk) {
        pk -> Integer,
        id -> Text,
        sha256 -> Text,
        format -> Text,
        width -> Integer,
        height -> Integer,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        files -> Text,
        created_at -> Text,
        updated_at -> Text,
        version -> Integer,
    }
}

diesel::table! {
    /// Which articles use which media items.
    article_media (article_pk, media_pk) {
        article_pk -> Integer,
        media_pk -> Integer,
    }
}

diesel::joinable!(article_media -> articles (article_pk));
diesel::joinable!(article_media -> media (media_pk));
