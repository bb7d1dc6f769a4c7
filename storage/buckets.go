package storage

// The file's layout, drawn in doc.go: every bucket is declared here, in one
// list, and every one is created when the file is opened for writing (the
// migrations that introduced them stay as they were).

// Bucket names.
var (
	bMeta          = []byte("meta")
	bCatalog       = []byte("catalog")
	bCalendar      = []byte("calendar")
	bRecords       = []byte("records")
	bIdxCode       = []byte("idx_code")
	bIdxIDNum      = []byte("idx_idnum")
	bIdxPhone      = []byte("idx_phone")
	bIdxName       = []byte("idx_name")
	bIdxReceived   = []byte("idx_received")
	bIdxStatusRcv  = []byte("idx_status_recv")
	bIdxStatusDue  = []byte("idx_status_due")
	bIdxProcRecv   = []byte("idx_proc_recv")
	bIdxBacklog    = []byte("idx_backlog") // pulled records owing name, ID and phone entries (backlog.go)
	bOutbox        = []byte("outbox")
	bSent          = []byte("sent") // the sent journal (sent.go)
	bAttention     = []byte("attention")
	bAudit         = []byte("audit")
	bGuidance      = []byte("guidance")       // guidance given at the counter before receipt (guidance.go)
	bAccounts      = []byte("accounts")       // username → dossier.Account (accounts.go)
	bAccountEvents = []byte("account_events") // account event id → username: applied here
	bSignin        = []byte("signin")         // hashed username → account.Tries (wrong passwords in a row)
	bLetters       = []byte("letters")        // the counter's runs of the register of outgoing documents (letters.go)
	bPortalMarks   = []byte("portal_marks")   // record id → PortalMark: how far the national portal has it (portal.go)
	bLANFold       = []byte("lan_fold")       // record id → lanFold: changes the backend has not spoken of (fold.go)

	allBuckets = [][]byte{bMeta, bCatalog, bCalendar, bRecords, bIdxCode, bIdxIDNum, bIdxPhone, bIdxName,
		bIdxReceived, bIdxStatusRcv, bIdxStatusDue, bIdxProcRecv, bIdxBacklog, bOutbox, bSent, bAttention, bAudit, bGuidance,
		bAccounts, bAccountEvents, bSignin, bLetters, bPortalMarks, bLANEvents, bLANHigh, bEventSeq, bLANFold}

	// schema1Buckets are those the first schema had (migration 0 → 1).
	schema1Buckets = [][]byte{bMeta, bCatalog, bCalendar, bRecords, bIdxCode, bIdxIDNum, bIdxPhone, bIdxName,
		bIdxReceived, bIdxStatusRcv, bIdxStatusDue, bIdxProcRecv, bOutbox, bAudit}

	// indexBuckets are the record indexes Verify checks against the records.
	indexBuckets = [][]byte{bIdxCode, bIdxIDNum, bIdxPhone, bIdxName, bIdxReceived, bIdxStatusRcv, bIdxStatusDue, bIdxProcRecv}
)

// Keys of the meta bucket.
var (
	kSchema    = []byte("schema")
	kDevice    = []byte("device")
	kSettings  = []byte("settings")
	kCurrent   = []byte("current") // in catalog and calendar: the document in force
	kRecordN   = []byte("records_n")
	kPendingN  = []byte("outbox_pending") // outbox entries pending or sending
	kSync      = []byte("sync")
	kBackup    = []byte("backup_state")
	kAuditHead = []byte("audit_head")        // the audit chain's head (accounts.go)
	kShipped   = []byte("reference_shipped") // versions of the shipped calendar and catalogue last put in (shipped.go)
)
