ALTER TABLE articles DROP COLUMN feature_image_media;
DROP TABLE article_media;
DROP TABLE media;
