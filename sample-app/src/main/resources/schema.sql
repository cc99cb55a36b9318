-- The sample's own table, created by Spring Boot's SQL initialization on the embedded H2.
CREATE TABLE IF NOT EXISTS documents (
	id VARCHAR(36) NOT NULL PRIMARY KEY,
	title VARCHAR(1000) NOT NULL,
	content CLOB NOT NULL,
	user_id VARCHAR(255) NOT NULL,
	uploaded_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
	summary CLOB,
	failure CLOB
);
ALTER TABLE documents ADD COLUMN IF NOT EXISTS failure CLOB;
