DROP TABLE api_keys;
DROP TABLE former_slugs;
DROP TABLE article_authors;
DROP TABLE article_tags;
DROP TABLE articles;
DROP TABLE tags;
DROP TABLE authors;
