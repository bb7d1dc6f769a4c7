-- The backend's store on PostgreSQL (server/pg.go). Keys are as in the
-- bbolt store: a unit's records, accounts and guidance by unit; events by
-- their id, once; the log per unit, numbered by unit_log (docs/protocol.md,
-- "Pull order").

CREATE TABLE meta (
	key   text PRIMARY KEY,
	value text NOT NULL
);

-- the catalogue and calendar given to counters; one row
CREATE TABLE reference (
	id       int PRIMARY KEY CHECK (id = 1),
	etag     text NOT NULL,
	catalog  bytea NOT NULL,
	calendar bytea NOT NULL
);

-- one-time enrollment codes, by the hash of the code
CREATE TABLE enroll_codes (
	code_hash text PRIMARY KEY,
	unit      text NOT NULL,
	counter   int NOT NULL,
	used      boolean NOT NULL DEFAULT false,
	install   text NOT NULL DEFAULT '',
	device    text NOT NULL DEFAULT ''
);

-- who holds a token, by the hash of the token
CREATE TABLE principals (
	token_hash text PRIMARY KEY,
	kind       text NOT NULL CHECK (kind IN ('device', 'officer')),
	device_id  text,
	unit       text NOT NULL,
	counter    int NOT NULL DEFAULT 0,
	revoked    boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX principals_device ON principals (device_id) WHERE device_id IS NOT NULL;
-- two active devices with one counter number would issue the same codes
CREATE UNIQUE INDEX principals_one_per_counter ON principals (unit, counter) WHERE kind = 'device' AND NOT revoked;

-- what the store holds of each device's events, and its audit chain's head
CREATE TABLE devices (
	device_id  text PRIMARY KEY,
	high       bigint NOT NULL DEFAULT 0,
	audit_seq  bigint NOT NULL DEFAULT 0,
	audit_hash text NOT NULL DEFAULT ''
);

-- the last sequence of each unit's log; its row is locked by every push
-- to the unit until the push commits
CREATE TABLE unit_log (
	unit text PRIMARY KEY,
	last bigint NOT NULL
);

CREATE TABLE log (
	unit     text NOT NULL,
	seq      bigint NOT NULL,
	event_id text NOT NULL,
	event    json NOT NULL,
	PRIMARY KEY (unit, seq)
);

-- exactly once: one verdict per event id
CREATE TABLE events (
	event_id text PRIMARY KEY,
	hash     text NOT NULL,
	status   text NOT NULL,
	seq      bigint NOT NULL DEFAULT 0,
	reason   text NOT NULL DEFAULT ''
);

CREATE TABLE records (
	unit text NOT NULL,
	id   text NOT NULL,
	code text NOT NULL,
	data json NOT NULL,
	PRIMARY KEY (unit, id)
);
-- the code-collision rule: one record a code in a unit
CREATE UNIQUE INDEX records_code ON records (unit, code);

CREATE TABLE accounts (
	unit     text NOT NULL,
	username text NOT NULL,
	data     json NOT NULL,
	PRIMARY KEY (unit, username)
);

CREATE TABLE guidance (
	unit text NOT NULL,
	id   text NOT NULL,
	data json NOT NULL,
	PRIMARY KEY (unit, id)
);

-- the register of outgoing documents: next number per unit and year, the
-- runs given to devices (by request id), and the numbers used
CREATE TABLE letter_next (
	unit text NOT NULL,
	year int NOT NULL,
	next bigint NOT NULL,
	PRIMARY KEY (unit, year)
);
CREATE TABLE letter_requests (
	device_id  text NOT NULL,
	request_id text NOT NULL,
	year       int NOT NULL,
	first      bigint NOT NULL,
	last       bigint NOT NULL,
	PRIMARY KEY (device_id, request_id)
);
CREATE TABLE letter_used (
	unit     text NOT NULL,
	year     int NOT NULL,
	letter   text NOT NULL,
	event_id text NOT NULL,
	PRIMARY KEY (unit, year, letter)
);

-- cursor checks of a bbolt store's log copied here (motcua-server
-- migrate): that log's sequence was one for all units, so a counter's
-- cursor may stand where its unit has no event
CREATE TABLE legacy_checks (
	seq   bigint PRIMARY KEY,
	value text NOT NULL
);
