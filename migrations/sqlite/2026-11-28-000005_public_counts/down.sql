DROP INDEX articles_public_pk;
DROP INDEX articles_public_language;
