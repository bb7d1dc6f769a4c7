-- what the national portal (DVCQG) is to be told, queued by the push that
-- accepted each event (server/portal.go): the record as the event left it
-- and, for a processing step, the step; sent in seq order and deleted
CREATE TABLE portal_outbox (
	seq bigserial PRIMARY KEY,
	unit text NOT NULL,
	event_id text NOT NULL UNIQUE,
	item jsonb NOT NULL
);
-- what DVCQG refused, with its reason, for a province administrator
CREATE TABLE portal_refused (
	seq bigint PRIMARY KEY,
	unit text NOT NULL,
	item jsonb NOT NULL,
	reason text NOT NULL,
	refused_at timestamptz NOT NULL
);
