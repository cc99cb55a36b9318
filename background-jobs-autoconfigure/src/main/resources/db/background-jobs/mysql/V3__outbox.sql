-- background-jobs schema, version 3: the transactional outbox. EventPublisher.send inside a
-- transaction on the starter's DataSource writes the event here, in that transaction; the relay
-- publishes it to Kafka right after the commit and deletes the row. Rows of an instance that died
-- between commit and relay are relayed by any instance, oldest first (outbox_id order).
-- record_value and record_headers are the Kafka record exactly as it will be sent.

CREATE TABLE IF NOT EXISTS bj_outbox (
	outbox_id BIGINT NOT NULL AUTO_INCREMENT,
	event_id VARCHAR(255) NOT NULL,
	event_name VARCHAR(255) NOT NULL,
	topic VARCHAR(255) NOT NULL,
	record_value LONGBLOB NOT NULL,
	record_headers LONGBLOB,
	created_at DATETIME(6) NOT NULL,
	PRIMARY KEY (outbox_id)
) ENGINE = InnoDB ROW_FORMAT = DYNAMIC DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
