-- Links and their click analytics. Timestamps are UTC, written by the app.
CREATE TABLE links (
    id          BIGINT NOT NULL AUTO_INCREMENT,
    slug        VARCHAR(64)     NOT NULL,
    url         VARCHAR(2048)   NOT NULL,
    created_at  DATETIME(3)     NOT NULL,
    disabled    TINYINT(1)      NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE KEY ux_links_slug (slug),
    KEY ix_links_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Analytics-friendly: one row per link per minute, flushed in batches by the app servers. Metabase reads this
-- table on the replica (clicks per link per minute, roll up to hours and days with GROUP BY).
CREATE TABLE link_clicks_per_minute (
    link_id     BIGINT NOT NULL,
    minute      DATETIME        NOT NULL,
    clicks      INT UNSIGNED    NOT NULL,
    PRIMARY KEY (link_id, minute),
    KEY ix_clicks_minute (minute)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every admin action: who, what, when, before and after.
CREATE TABLE admin_audit_log (
    id          BIGINT NOT NULL AUTO_INCREMENT,
    at          DATETIME(3)     NOT NULL,
    actor       VARCHAR(320)    NOT NULL,
    action      VARCHAR(32)     NOT NULL,
    slug        VARCHAR(64)     NOT NULL,
    before_json JSON            NULL,
    after_json  JSON            NULL,
    PRIMARY KEY (id),
    KEY ix_audit_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A view Metabase users can start from without knowing the ids.
CREATE VIEW clicks_per_link_per_minute AS
    SELECT l.slug, c.minute, c.clicks
    FROM link_clicks_per_minute c JOIN links l ON l.id = c.link_id;
