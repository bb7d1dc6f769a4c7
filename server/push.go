package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"motcua/account"
	"motcua/dossier"
	"motcua/sync/wire"
)

// The rules of a push, written once for every store: each store gives
// them a pushTx, its reads and writes inside one transaction, and commits
// what they did or nothing. What is here decides every verdict; a store
// decides only how the unit's log is numbered (docs/protocol.md, "Pull
// order").

// pushTx is what a push reads and writes inside one transaction.
type pushTx interface {
	// result is the verdict once given to an event id (nil: never seen).
	result(eventID string) (*eventResult, error)
	keepResult(eventID string, r eventResult) error
	// record is the unit's copy of a record (nil: none).
	record(unit, id string) (*dossier.Record, error)
	// putRecord keeps the unit's copy; a new record's code is kept too.
	putRecord(unit string, r *dossier.Record, isNew bool) error
	// codeHolder is the id of the unit's record with that code ("": none).
	codeHolder(unit, code string) (string, error)
	// appendLog puts an event, encoded as enc (json.Marshal's), at the
	// end of the unit's log.
	appendLog(unit string, e dossier.Event, enc []byte) (uint64, error)
	hasAccounts(unit string) (bool, error)
	account(unit, username string) (*dossier.Account, error) // nil: none
	putAccount(unit string, a *dossier.Account) error
	// letterHolder is the event that holds a number of the unit's register
	// for a year ("": none); keepLetter gives it to an event.
	letterHolder(unit string, year int, letter string) (string, error)
	keepLetter(unit string, year int, letter, eventID string) error
	putGuidance(unit string, g *dossier.Guidance) error
	// state is the store's generation and the highest of p's device
	// sequences it holds.
	state(p Principal) (wire.State, error)
	setDeviceHigh(deviceID string, high uint64) error
	keepAuditHead(deviceID string, h auditHead) error
	// queuePortal puts what DVCQG is to be told at the end of the outbox.
	queuePortal(it PortalItem) error
}

type eventResult struct {
	Hash   string `json:"hash"`
	Status string `json:"status"`
	Seq    uint64 `json:"seq,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// auditHead is what a device last said of its audit chain's head.
type auditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// eventHashed is an event's hash and the encoding hashed.
func eventHashed(e dossier.Event) hashed {
	data, _ := json.Marshal(e)
	h := sha256.Sum256(data)
	return hashed{hash: hex.EncodeToString(h[:]), enc: data}
}

// hashed is an event's hash and its encoding (json.Marshal's).
type hashed struct {
	hash string
	enc  []byte
}

// eventHashes hashes a batch's events, outside the write transaction.
func eventHashes(events []dossier.Event) []hashed {
	out := make([]hashed, len(events))
	for i, e := range events {
		out[i] = eventHashed(e)
	}
	return out
}

// pushBatch applies a batch in order. A device's batch is refused whole,
// with a *RewoundError, when the store holds less of the device's events
// than the device was told; the caller then rolls back.
func pushBatch(t pushTx, cal *dossier.Calendar, p Principal, req wire.PushRequest, hashes []hashed) (wire.PushResponse, error) {
	resp := wire.PushResponse{Results: make([]wire.PushResult, len(req.Events))}
	st, err := t.state(p)
	if err != nil {
		return resp, err
	}
	if p.Kind == KindDevice && st.DeviceHigh < req.Acked {
		return resp, &RewoundError{State: st}
	}
	waited := false
	for i, e := range req.Events {
		res, err := pushOne(t, cal, p, e, hashes[i])
		if err != nil {
			return resp, err
		}
		resp.Results[i] = res
		// the device's high counts only what is held: it stops below an
		// event that waits (it is sent again, or relayed, later)
		waited = waited || res.Status == wire.Wait
		if p.Kind == KindDevice && i < len(req.Seqs) && !waited {
			st.DeviceHigh = max(st.DeviceHigh, req.Seqs[i])
		}
	}
	if p.Kind == KindDevice && p.DeviceID != "" {
		if req.AuditHead != "" {
			if err := t.keepAuditHead(p.DeviceID, auditHead{Seq: req.AuditSeq, Hash: req.AuditHead}); err != nil {
				return resp, err
			}
		}
		if err := t.setDeviceHigh(p.DeviceID, st.DeviceHigh); err != nil {
			return resp, err
		}
	}
	resp.State = st
	return resp, nil
}

// pushOne gives one event its verdict: accepted, a duplicate of one seen
// before (same id and content: the original verdict), or a conflict (same
// id with other content, another unit's record, too large, or not allowed
// by the status machine against the server's copy, which is returned).
func pushOne(t pushTx, cal *dossier.Calendar, p Principal, e dossier.Event, hs hashed) (wire.PushResult, error) {
	h := hs.hash
	prev, err := t.result(e.ID)
	if err != nil {
		return wire.PushResult{}, err
	}
	if prev != nil {
		if prev.Hash != h {
			return conflict(t, p, e, "mã sự kiện đã dùng cho một nội dung khác"), nil
		}
		res := wire.PushResult{EventID: e.ID, Status: wire.Duplicate, Original: prev.Status, ServerSeq: prev.Seq, Reason: prev.Reason}
		if prev.Status == wire.Conflict {
			res.Record = recordCopy(t, p.Unit, e.RecordID)
		}
		return res, nil
	}
	// the same rules as the counter's intake: too large or malformed
	// content gets its own verdict and never blocks the events behind it
	// (not remembered: it is refused again whenever it comes)
	if err := dossier.CheckEventLimitsSized(&e, len(hs.enc)); err != nil {
		return conflict(t, p, e, "sự kiện bị từ chối: "+err.Error()), nil
	}
	v := verdict{t: t, p: p, e: e, hash: h, enc: hs.enc}
	switch {
	case e.Type == dossier.EvAccount:
		return pushAccount(v)
	}
	if why, err := checkActor(t, p, e); err != nil || why != "" {
		return v.rejectIf(why, err)
	}
	if why, err := checkLetter(t, p.Unit, e); err != nil || why != "" {
		return v.rejectIf(why, err)
	}
	if e.Type == dossier.EvGuided {
		return pushGuidance(v)
	}
	return pushRecordEvent(v, cal)
}

// verdict is an event on its way to its verdict, remembered once given.
type verdict struct {
	t    pushTx
	p    Principal
	e    dossier.Event
	hash string
	enc  []byte // e's encoding, hashed
}

func (v verdict) remember(r eventResult) error {
	r.Hash = v.hash
	return v.t.keepResult(v.e.ID, r)
}

// reject refuses the event for a reason, remembered: the same event again
// gets the same verdict.
func (v verdict) reject(reason string) (wire.PushResult, error) {
	res := conflict(v.t, v.p, v.e, reason)
	return res, v.remember(eventResult{Status: wire.Conflict, Reason: reason})
}

func (v verdict) rejectIf(why string, err error) (wire.PushResult, error) {
	if err != nil {
		return wire.PushResult{}, err
	}
	return v.reject(why)
}

// accept puts the event at the end of the unit's log (as stored) and
// remembers its sequence.
func (v verdict) accept(stored dossier.Event) (wire.PushResult, error) {
	enc := v.enc // as pushed (an intake is): its encoding is known
	if !reflect.DeepEqual(stored, v.e) {
		var err error
		if enc, err = json.Marshal(stored); err != nil {
			return wire.PushResult{}, err
		}
	}
	seq, err := v.t.appendLog(v.p.Unit, stored, enc)
	if err != nil {
		return wire.PushResult{}, err
	}
	return wire.PushResult{EventID: v.e.ID, Status: wire.Accepted, ServerSeq: seq}, v.remember(eventResult{Status: wire.Accepted, Seq: seq})
}

// pushRecordEvent applies an event to the unit's copy of its record. The
// server's copy decides: the event is rebased on it and must be allowed
// by the status machine from the server's status.
func pushRecordEvent(v verdict, cal *dossier.Calendar) (wire.PushResult, error) {
	p, e := v.p, v.e
	var rec dossier.Record
	if r, err := v.t.record(p.Unit, e.RecordID); err != nil {
		return wire.PushResult{}, err
	} else if r != nil {
		rec = *r
	}
	received, filed := e.Type == dossier.EvReceived, e.Type == dossier.EvFiled
	creates := filed || received && rec.Version == 0
	switch {
	case filed && (p.Kind != KindPortal || e.Record == nil || e.Record.UnitCode != p.Unit):
		return v.reject("chỉ cổng dịch vụ công của đơn vị mới nộp được hồ sơ trực tuyến")
	case !filed && p.Kind == KindPortal && e.Type != dossier.EvSupplementReceived:
		return v.reject("cổng dịch vụ công chỉ nộp hồ sơ và hồ sơ bổ sung")
	case received && p.Kind != KindDevice:
		return v.reject("chỉ quầy tiếp nhận mới tạo được hồ sơ")
	case received && (e.Record == nil || e.Record.UnitCode != p.Unit || e.Record.Counter != p.Counter):
		return v.reject("hồ sơ không thuộc đơn vị hoặc quầy của thiết bị này")
	case received && rec.Version > 0 && !rec.FiledAt.IsZero():
		if why := onlineTaken(&rec); why != "" {
			return v.reject(why)
		}
	case creates && rec.Version > 0:
		return v.reject("hồ sơ đã tồn tại")
	case !creates && e.After != "" && !rec.HasEvent(e.After):
		// made after an event this backend has not received: it may be on
		// its way through another counter; nothing is kept (a refusal
		// would be remembered, and the event could never go through)
		if prev, err := v.t.result(e.After); err != nil || prev == nil {
			return wire.PushResult{EventID: e.ID, Status: wire.Wait, Reason: "chờ sự kiện trước của hồ sơ đến máy chủ"}, err
		}
	case !creates && rec.Version == 0:
		return v.reject("không có hồ sơ này trong đơn vị")
	}
	if creates {
		holder, err := v.t.codeHolder(p.Unit, e.Record.Code)
		if err != nil {
			return wire.PushResult{}, err
		}
		if holder != "" && holder != e.RecordID {
			return v.reject("mã hồ sơ " + e.Record.Code + " đã được dùng cho một hồ sơ khác của đơn vị")
		}
	}
	applied := e
	applied.BaseVersion = rec.Version
	if err := dossier.Apply(&rec, applied, cal); err != nil {
		return v.reject(err.Error())
	}
	stored := rec.History[len(rec.History)-1]
	stored.Record = e.Record
	stored.BaseVersion = e.BaseVersion
	if err := v.t.putRecord(p.Unit, &rec, creates); err != nil {
		return wire.PushResult{}, err
	}
	if err := v.t.queuePortal(portalItemFor(p.Unit, rec.History[len(rec.History)-1], &rec)); err != nil {
		return wire.PushResult{}, err
	}
	return v.accept(stored)
}

// onlineTaken says why a file filed online cannot be received any more
// ("": it can): the first counter's receipt wins, and the others are told
// where it went.
func onlineTaken(r *dossier.Record) string {
	switch {
	case r.Status == dossier.StatusRegistered:
		return ""
	case !r.ReceivedAt.IsZero():
		return fmt.Sprintf("hồ sơ trực tuyến %s đã được quầy %d tiếp nhận lúc %s (%s)", r.Code, r.Counter,
			r.ReceivedAt.In(dossier.Loc).Format("15:04 02/01/2006"), r.Clerk)
	}
	return fmt.Sprintf("hồ sơ trực tuyến %s không còn chờ tiếp nhận: %s", r.Code, r.Status.Label())
}

func conflict(t pushTx, p Principal, e dossier.Event, reason string) wire.PushResult {
	return wire.PushResult{EventID: e.ID, Status: wire.Conflict, Reason: reason, Record: recordCopy(t, p.Unit, e.RecordID)}
}

// recordCopy is the unit's copy of a record, sent with a conflict (nil
// when there is none or it cannot be read).
func recordCopy(t pushTx, unit, id string) *dossier.Record {
	r, err := t.record(unit, id)
	if err != nil {
		return nil
	}
	return r
}

// checkActor refuses a counter's event whose actor is no account of the
// unit or whose roles do not allow it. A unit with no account yet (set up
// before accounts, or whose first admin is still on its way) is not
// checked; officers are people of the processing side, authenticated by
// their own token.
func checkActor(t pushTx, p Principal, e dossier.Event) (string, error) {
	if p.Kind != KindDevice {
		return "", nil
	}
	if has, err := t.hasAccounts(p.Unit); err != nil || !has {
		return "", err
	}
	a, err := t.account(p.Unit, e.Actor)
	switch {
	case err != nil:
		return "", err
	case a == nil:
		return "người thực hiện “" + e.Actor + "” không phải tài khoản của đơn vị", nil
	case !account.Allowed(a.Roles, account.ForEvent(e.Type)):
		return "tài khoản “" + e.Actor + "” không có quyền thực hiện thao tác này", nil
	}
	return "", nil
}

// checkLetter refuses a letter number of the unit's year that another
// letter holds, and gives it to this one.
func checkLetter(t pushTx, unit string, e dossier.Event) (string, error) {
	if e.Letter == "" || !dossier.NumberedLetter(e.Type) {
		return "", nil
	}
	year := e.At.In(dossier.Loc).Year()
	holder, err := t.letterHolder(unit, year, e.Letter)
	if err != nil {
		return "", err
	}
	if holder != "" && holder != e.ID {
		return "số văn bản " + e.Letter + " đã được dùng cho một văn bản khác của đơn vị", nil
	}
	return "", t.keepLetter(unit, year, e.Letter, e.ID)
}

// pushAccount takes an account change from a counter: the actor must be
// allowed to make it (an admin; a person for their own password; the
// unit's first admin for its own creation) and it must be made against
// the account as it is here.
func pushAccount(v verdict) (wire.PushResult, error) {
	p, e, ch := v.p, v.e, v.e.Account
	if p.Kind != KindDevice || ch == nil || ch.Username != e.RecordID {
		return v.reject("thay đổi tài khoản không hợp lệ")
	}
	if ch.Op == dossier.OpCreate && ch.UnitCode != p.Unit {
		return v.reject("tài khoản không thuộc đơn vị của thiết bị này")
	}
	has, err := v.t.hasAccounts(p.Unit)
	if err != nil {
		return wire.PushResult{}, err
	}
	actor, err := v.t.account(p.Unit, e.Actor)
	if err != nil {
		return wire.PushResult{}, err
	}
	if !account.MayChange(actor, e.Actor, ch, !has) {
		return v.reject("người thực hiện không có quyền thay đổi tài khoản này")
	}
	old, err := v.t.account(p.Unit, ch.Username)
	if err != nil {
		return wire.PushResult{}, err
	}
	next, err := dossier.ApplyAccount(old, e, true)
	if err != nil {
		res, rerr := v.reject(err.Error())
		res.Account = old
		return res, rerr
	}
	if err := v.t.putAccount(p.Unit, next); err != nil {
		return wire.PushResult{}, err
	}
	return v.accept(e)
}

// pushGuidance keeps guidance given at a counter before receipt and puts
// it in the unit's log, so that the unit's other counters and its reports
// have it. It is no record and takes no record code.
func pushGuidance(v verdict) (wire.PushResult, error) {
	p, g := v.p, v.e.Guidance
	switch {
	case p.Kind != KindDevice:
		return v.reject("chỉ quầy tiếp nhận mới hướng dẫn hồ sơ")
	case g == nil || g.ID != v.e.RecordID || g.UnitCode != p.Unit || g.Counter != p.Counter:
		return v.reject("nội dung hướng dẫn không thuộc đơn vị hoặc quầy của thiết bị này")
	}
	if err := v.t.putGuidance(p.Unit, g); err != nil {
		return wire.PushResult{}, err
	}
	return v.accept(v.e)
}

// BackendActor is who account changes made at the backend are by (the
// province's administrator, at motcua-server).
const BackendActor = "motcua-server"

// setAccountDisabled disables or enables an account of a unit from the
// backend: the change goes into the unit's log like a counter's, and
// every counter of the unit applies it at its next pull.
func setAccountDisabled(t pushTx, unit, username string, disabled bool, now time.Time) error {
	old, err := t.account(unit, username)
	if err != nil {
		return err
	}
	if old == nil {
		return dossier.ErrNoAccount
	}
	op := dossier.OpEnable
	if disabled {
		op = dossier.OpDisable
	}
	e := dossier.Event{ID: dossier.NewEventID(), RecordID: username, Type: dossier.EvAccount, Actor: BackendActor,
		At:      now.In(dossier.Loc).Truncate(time.Second),
		Account: &dossier.AccountChange{Op: op, Username: username, Prev: old.Stamps[dossier.AccountPart(op)]}}
	next, err := dossier.ApplyAccount(old, e, true)
	if err != nil {
		return err
	}
	if err := t.putAccount(unit, next); err != nil {
		return err
	}
	hs := eventHashed(e)
	seq, err := t.appendLog(unit, e, hs.enc)
	if err != nil {
		return err
	}
	return t.keepResult(e.ID, eventResult{Status: wire.Accepted, Seq: seq, Hash: hs.hash})
}

// letterKey names a number of a unit's register in a store's keys.
func letterKey(year int, letter string) string { return fmt.Sprintf("%d\x00%s", year, letter) }
