-- A digest's items keep the numbers they were first shown with, so that after «📄 5» takes item 5 out, «🗑 6» still
-- means the comment that was number 6 (two moderators never press one number meaning two comments).
ALTER TABLE cards ADD COLUMN digest_number int;

-- Who deleted an item in the network's own interface, by name (the id resolved as an author's is).
ALTER TABLE items ADD COLUMN removed_by_name text;
