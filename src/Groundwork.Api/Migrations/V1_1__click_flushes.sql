-- One row per click flush an app server wrote, in the same transaction as the flush's upsert. A flush whose commit
-- succeeded but whose acknowledgement was lost (the connection cut by a failover, a restart, KILL CONNECTION) is
-- retried with the same id; the duplicate key here says it was already applied, so no click is counted twice.
-- The app servers delete rows older than 7 days.
CREATE TABLE click_flushes (
    id          BINARY(16)      NOT NULL,
    flushed_at  DATETIME        NOT NULL,
    PRIMARY KEY (id),
    KEY ix_click_flushes_flushed_at (flushed_at)
) ENGINE=InnoDB;
