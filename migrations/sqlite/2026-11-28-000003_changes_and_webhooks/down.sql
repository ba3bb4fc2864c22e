DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE article_schedule;
DROP TABLE article_events;
