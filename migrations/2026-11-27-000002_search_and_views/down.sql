DROP INDEX authors_updated;
DROP INDEX tags_updated;
DROP INDEX articles_published;
DROP INDEX articles_language;
DROP INDEX articles_views;
DROP INDEX articles_updated;
DROP TABLE article_views_daily;
DROP TABLE article_search;
