-- the public lookup page's address, given to counters with the reference
-- data for the receipt's QR code ("{code}" stands for the record code)
ALTER TABLE reference ADD COLUMN lookup_url text NOT NULL DEFAULT '';
