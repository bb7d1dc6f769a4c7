// Package storage keeps a counter's records in one local bbolt file.
//
// Every user action is one bbolt Update that writes the record, all of its
// index entries, its outbox entry and its audit entry together: either all
// of it is on disk (fsync'd) or none of it is. No network call ever happens
// inside a transaction, and bytes read inside one are copied before they
// leave it.
//
// Bucket layout (all keys big-endian where numeric; "·" is a 0x00 byte):
//
//	meta
//	  schema            uint32       schema version, see migrations
//	  device            string       this installation's UUID
//	  settings          JSON         unit, counter, clerk, language, …
//	  seq/yyMMdd        uint32       last code sequence used that day
//	  records_n         uint64       number of records
//	  sync              JSON         SyncState: server, device token, pull cursor
//	  printed/<id>/<f>  uint32       times form f of a record was printed
//	  backup_state      JSON         BackupState: the last automatic backup
//	catalog
//	  current           JSON         procedure catalogue (dossier.Catalog)
//	calendar
//	  current           JSON         working hours and holiday table
//	records
//	  <id>              JSON         dossier.Record with its history; id is a UUIDv7
//	idx_code
//	  <code>            <id>         record code → id (unique)
//	idx_idnum
//	  <idnum>·<id>      -            owner's and filer's ID numbers
//	idx_phone
//	  <phone>·<id>      -            owner's and filer's phones, normalised
//	idx_name
//	  <token>·<id>      -            folded name words of owner and filer
//	idx_received
//	  <recv>·<id>       -            recv = unix seconds, 8 bytes
//	idx_status_recv
//	  <status><recv><id> -           status is one byte
//	idx_status_due
//	  <status><due><id>  -           due = unix seconds, 8 bytes
//	idx_proc_recv
//	  <proc>·<recv><id>  -           procedure code
//	idx_backlog
//	  <id>              entries      party index entries a pulled record still
//	                                 owes to idx_idnum, idx_phone, idx_name
//	                                 (see backlog.go)
//	outbox
//	  <seq>             JSON         OutboxEntry: the event and its send state
//	sent
//	  <seq>             JSON         an accepted outbox entry, kept 180 days, to
//	                                 give again to a backend restored from an
//	                                 older backup (sent.go)
//	audit
//	  <seq>             JSON         AuditEntry: who did what to which record
//	attention
//	  <seq>             JSON         Attention: an event the backend refused,
//	                                 or a pulled one that could not apply
//
// Ids have a fixed length (36 bytes), so a composite key splits without a
// separator after fixed-width fields. A query is a cursor scan over one
// index (see query.go); Verify checks that every index agrees with records.
package storage
