-- An application's own first migration, beside which the background-jobs scripts run.
CREATE TABLE documents (id VARCHAR(64) NOT NULL PRIMARY KEY, title VARCHAR(255) NOT NULL);
