-- Every card shows its author's record on the network's pages: their items, found by author across pages.
CREATE INDEX IF NOT EXISTS items_network_author ON items (network, author_id, id);
-- ...and the bans we set them, from the audit (an unban clears the item's decision, never its record).
CREATE INDEX IF NOT EXISTS audit_item ON audit (item_id) WHERE item_id IS NOT NULL;
