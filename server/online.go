package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	gosync "sync"
	"time"

	"motcua/dossier"
	"motcua/sync/wire"
)

// Files filed online (docs/protocol.md, "Online filings"): a portal posts
// a filing for its unit; the backend keeps its attachments, makes the
// record in status 1 and puts the filed event in the unit's log, so that
// every counter of the unit pulls it like any record. The first counter's
// receipt wins (push.go, onlineTaken).

// FilingError says why a filing was refused though well formed: its code
// holds another filing, or a file past waiting.
type FilingError struct{ Reason string }

func (e *FilingError) Error() string { return e.Reason }

func fileSHA(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// FileOnline takes a filing for p's unit (p is a portal): a new file in
// status 1, the same filing again (duplicate), or, for a file whose
// supplement was asked for before receipt, the citizen's new files
// (a supplement_received event that brings it back to status 1).
func FileOnline(st Store, cat *dossier.Catalog, p Principal, req wire.FilingRequest, now time.Time) (wire.FilingResponse, error) {
	f := req.Filing
	contents, err := attachContents(&f, req.Contents)
	if err != nil {
		return wire.FilingResponse{}, err
	}
	e, err := dossier.NewFiledEvent(f, p.Unit, cat, now)
	if err != nil {
		return wire.FilingResponse{}, err
	}
	// the files first: a record never names a file the backend lacks
	for _, c := range contents {
		if _, err := st.PutFile(p.Unit, c); err != nil {
			return wire.FilingResponse{}, err
		}
	}
	res, err := pushOneEvent(st, p, e)
	if err != nil {
		return wire.FilingResponse{}, err
	}
	if res.Status != wire.Conflict {
		return filingAnswer(st, e.Record, res, false)
	}
	return refiled(st, p, e, res, now)
}

// refiled answers a filing whose code the unit holds already: the
// citizen's new files for a file waiting for them, the same filing or
// supplement again (duplicate), or another filing under that code.
func refiled(st Store, p Principal, e dossier.Event, res wire.PushResult, now time.Time) (wire.FilingResponse, error) {
	rec := res.Record
	if rec == nil {
		return wire.FilingResponse{}, &FilingError{Reason: res.Reason}
	}
	added := newAttachments(rec, e.Record.Attachments)
	if rec.Status == dossier.StatusSupplement && rec.PrevStatus == dossier.StatusRegistered && len(added) > 0 {
		sup := dossier.Event{ID: dossier.SupplementID(rec.ID, rec.Version, attachmentsDigest(added)), RecordID: rec.ID,
			Type: dossier.EvSupplementReceived, Actor: dossier.PortalActor, ActorName: dossier.PortalActorName,
			At: now.In(dossier.Loc).Truncate(time.Second), BaseVersion: rec.Version, Attachments: added}
		res, err := pushOneEvent(st, p, sup)
		if err != nil {
			return wire.FilingResponse{}, err
		}
		if res.Status != wire.Conflict {
			return filingAnswer(st, rec, res, true)
		}
		return wire.FilingResponse{}, &FilingError{Reason: res.Reason}
	}
	if len(added) == 0 && rec.ProcedureCode == e.Record.ProcedureCode && rec.Owner.IDNumber == e.Record.Owner.IDNumber {
		// everything sent is held: a supplement, or a filing, posted again
		return wire.FilingResponse{RecordID: rec.ID, Code: rec.Code, Result: wire.Duplicate, Status: rec.Status}, nil
	}
	return wire.FilingResponse{}, &FilingError{Reason: fmt.Sprintf("mã hồ sơ %s đã được nộp với nội dung khác (hồ sơ đang ở trạng thái %s)", rec.Code, rec.Status.Label())}
}

// attachContents fills in the SHA-256, size and type of each attachment
// whose content came with the filing, and lists those contents.
func attachContents(f *dossier.Filing, contents [][]byte) ([][]byte, error) {
	if len(contents) > len(f.Attachments) {
		return nil, dossier.ValidationErrors{{Field: "contents", Key: "attachments.contents",
			Msg: fmt.Sprintf("Có %d nội dung tệp cho %d tệp đính kèm", len(contents), len(f.Attachments))}}
	}
	f.Attachments = append([]dossier.Attachment(nil), f.Attachments...)
	var out [][]byte
	for i, c := range contents {
		if len(c) == 0 {
			continue
		}
		a := &f.Attachments[i]
		sha := fileSHA(c)
		if a.SHA256 != "" && !strings.EqualFold(a.SHA256, sha) {
			return nil, dossier.ValidationErrors{{Field: "attachments", Key: "attachments.sha256",
				Msg: "Nội dung tệp “" + a.Name + "” không khớp mã băm SHA-256 đã gửi"}}
		}
		a.SHA256, a.Size = sha, int64(len(c))
		if a.Type == "" {
			a.Type, _, _ = strings.Cut(http.DetectContentType(c), ";")
		}
		out = append(out, c)
	}
	return out, nil
}

// newAttachments are the files of as that r does not hold yet (the same
// content, or the same link with no content).
func newAttachments(r *dossier.Record, as []dossier.Attachment) []dossier.Attachment {
	held := map[string]bool{}
	for _, a := range r.Attachments {
		held[attachmentKey(a)] = true
	}
	var out []dossier.Attachment
	for _, a := range as {
		if !held[attachmentKey(a)] {
			out = append(out, a)
		}
	}
	return out
}

func attachmentKey(a dossier.Attachment) string {
	if a.SHA256 != "" {
		return "sha:" + strings.ToLower(a.SHA256)
	}
	return "url:" + a.URL + "\x00" + a.Name
}

func attachmentsDigest(as []dossier.Attachment) string {
	keys := make([]string, len(as))
	for i, a := range as {
		keys[i] = attachmentKey(a)
	}
	return fileSHA([]byte(strings.Join(keys, "\n")))
}

func pushOneEvent(st Store, p Principal, e dossier.Event) (wire.PushResult, error) {
	resp, err := st.Push(p, wire.PushRequest{Events: []dossier.Event{e}})
	if err != nil {
		return wire.PushResult{}, err
	}
	if len(resp.Results) != 1 {
		return wire.PushResult{}, errors.New("server: push gave no verdict")
	}
	return resp.Results[0], nil
}

// filingAnswer says what a push made of a filing (or of a supplement
// to one), with the record's status now.
func filingAnswer(st Store, r *dossier.Record, res wire.PushResult, supplement bool) (wire.FilingResponse, error) {
	out := wire.FilingResponse{RecordID: r.ID, Code: r.Code, Result: res.Status, Supplement: supplement, ServerSeq: res.ServerSeq}
	now, err := st.RecordByCode(r.UnitCode, r.Code)
	if err != nil || now == nil {
		return out, err
	}
	out.Status = now.Status
	return out, nil
}

// catalogCache is the catalogue filings are checked against, parsed again
// only when the reference data changes.
type catalogCache struct {
	mu   gosync.Mutex
	etag string
	cat  *dossier.Catalog
}

func (c *catalogCache) get(st Store) (*dossier.Catalog, error) {
	ref, err := st.Reference()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cat != nil && c.etag == ref.ETag {
		return c.cat, nil
	}
	cat, err := dossier.ParseCatalog(ref.Catalog)
	if err != nil {
		return nil, err
	}
	c.cat, c.etag = cat, ref.ETag
	return cat, nil
}

// online takes a portal's filing.
func (h *Handler) online(w http.ResponseWriter, r *http.Request, p Principal) {
	var req wire.FilingRequest
	if !h.body(w, r, &req) {
		return
	}
	cat, err := h.catalogs.get(h.store)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	resp, err := FileOnline(h.store, cat, p, req, h.now())
	var ve dossier.ValidationErrors
	var fe *FilingError
	switch {
	case errors.As(err, &ve):
		h.fail(w, r, http.StatusBadRequest, "bad_request", ve.Error())
		return
	case errors.As(err, &fe):
		h.fail(w, r, http.StatusConflict, "conflict", fe.Reason)
		return
	case err != nil:
		h.internal(w, r, err)
		return
	}
	slog.Info("online filing", "unit", p.Unit, "record", resp.RecordID, "result", resp.Result, "supplement", resp.Supplement)
	resp.ServerTime = h.now()
	h.json(w, r, http.StatusOK, resp)
}

// file gives a file filed online to the unit's counters and officers.
func (h *Handler) file(w http.ResponseWriter, r *http.Request, p Principal) {
	sha := strings.ToLower(r.PathValue("sha"))
	if len(sha) != 64 || strings.Trim(sha, "0123456789abcdef") != "" {
		h.fail(w, r, http.StatusBadRequest, "bad_request", "mã băm tệp không hợp lệ")
		return
	}
	data, err := h.store.File(p.Unit, sha)
	if errors.Is(err, ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "not_found", "không có tệp này trong đơn vị")
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// record gives a counter (or an officer) the backend's copy of one of its
// unit's records: a counter whose copy went another way takes it.
func (h *Handler) record(w http.ResponseWriter, r *http.Request, p Principal) {
	rec, err := h.store.Record(p.Unit, r.PathValue("id"))
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if rec == nil {
		h.fail(w, r, http.StatusNotFound, "not_found", "không có hồ sơ này trong đơn vị")
		return
	}
	h.json(w, r, http.StatusOK, rec)
}
