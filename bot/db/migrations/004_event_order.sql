-- Events for one item can be applied out of order (a retried delivery, a failed event retried later).
-- `last_event_id` (the inbox row that last changed the item) lets an older event be recognised as stale,
-- and a deletion of an item not yet seen leaves a tombstone that its late "new" event respects.
ALTER TABLE items ADD COLUMN last_event_id bigint NOT NULL DEFAULT 0;

CREATE TABLE tombstones (
    network      text        NOT NULL,
    community_id bigint      NOT NULL,
    kind         text        NOT NULL,
    ext_id       text        NOT NULL,
    deleter_id   bigint,
    event_id     bigint      NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network, community_id, kind, ext_id)
);
