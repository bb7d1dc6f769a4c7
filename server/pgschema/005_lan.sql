-- the counters' Ed25519 keys, certified for the office network and
-- checked on the events one counter relays for another (server/lan.go)
CREATE TABLE lan_keys (
	device_id text PRIMARY KEY,
	pub bytea NOT NULL
);
