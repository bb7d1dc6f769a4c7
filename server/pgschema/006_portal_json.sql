-- the outbox's items are written by every push and read back whole as text:
-- json keeps them as given, where jsonb parsed and rebuilt each one
ALTER TABLE portal_outbox ALTER COLUMN item TYPE json USING item::json;
ALTER TABLE portal_refused ALTER COLUMN item TYPE json USING item::json;
