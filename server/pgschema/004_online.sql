-- files filed online, and the portals that file them (server/online.go)
ALTER TABLE principals DROP CONSTRAINT principals_kind_check;
ALTER TABLE principals ADD CONSTRAINT principals_kind_check CHECK (kind IN ('device', 'officer', 'portal'));
-- the files themselves, by their SHA-256, per unit: the unit's counters
-- fetch them to open offline
CREATE TABLE files (
	unit text NOT NULL,
	sha256 text NOT NULL,
	data bytea NOT NULL,
	PRIMARY KEY (unit, sha256)
);
