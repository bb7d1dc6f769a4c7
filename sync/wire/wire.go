// Package wire holds the request and response types of the Một Cửa sync
// protocol v1 (docs/protocol.md), shared by the counter's sync engine and
// the reference provincial backend, and their strict decoders.
package wire

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"motcua/dossier"
)

// Limits of the protocol.
const (
	MaxBatch        = 500             // events in one push
	MaxPullLimit    = 1000            // events in one pull page
	MaxRequestBytes = 16 << 20        // a push body, decompressed
	MaxBatchBytes   = 4 << 20         // what a counter puts in one push, encoded, before compression
	MaxPageBytes    = 8 << 20         // what the server puts in one pull page, events as stored
	MaxEventBytes   = 1 << 20         // one event, encoded (a record is at most dossier.MaxRecordBytes)
	MaxResponseSize = 64 << 20        // what a client reads of one answer
	ClockSkewWarn   = 2 * time.Minute // counter clock off by more: warn
)

// Push result statuses.
const (
	Accepted  = "accepted"
	Duplicate = "duplicate"
	Conflict  = "conflict"
	// Wait: the event was made after another event of its record that the
	// backend has not received yet (it travels through another counter);
	// nothing is kept, and the counter sends it again later.
	Wait = "wait"
)

// EnrollRequest exchanges a one-time enrollment code for a device token.
type EnrollRequest struct {
	Code       string `json:"code"`
	DeviceName string `json:"device_name"`
	// InstallID names the installation (its store's own id): a retry with
	// the same code from the same installation, after the answer was
	// lost, gets the same device and a fresh token.
	InstallID string `json:"install_id,omitempty"`
}

// EnrollResponse names the device and its unit and counter.
type EnrollResponse struct {
	DeviceID   string    `json:"device_id"`
	UnitCode   string    `json:"unit_code"`
	CounterNo  int       `json:"counter_no"`
	Token      string    `json:"token"`
	ServerTime time.Time `json:"server_time"`
	State
}

// PushRequest carries a batch of events, in the order they happened.
type PushRequest struct {
	DeviceID string          `json:"device_id"`
	Events   []dossier.Event `json:"events"`
	// Seqs is the device's own sequence of each event (its outbox key),
	// in the same order: the backend keeps the highest it holds per device.
	Seqs []uint64 `json:"seqs,omitempty"`
	// Acked is the highest of its sequences the backend has told the
	// device it holds, and Generation the backend's store it was told so
	// by. A backend that holds less (restored from an older backup)
	// answers 409 "rewound" and applies nothing.
	Acked      uint64 `json:"acked,omitempty"`
	Generation string `json:"generation,omitempty"`
	// AuditHead and AuditSeq are the head of the device's audit chain
	// (the hash of its last entry, and its number): the backend keeps
	// them, so a chain rewritten on the counter afterwards shows.
	AuditHead string `json:"audit_head,omitempty"`
	AuditSeq  uint64 `json:"audit_seq,omitempty"`
}

// RawPushRequest is a push request whose events are already encoded: a
// counter sends the bytes it stored, without decoding and encoding them
// again. It encodes as the PushRequest it embeds with those events.
type RawPushRequest struct {
	PushRequest
	Events []json.RawMessage `json:"events"`
}

// AppendJSON appends the request as json.Marshal encodes it, its events'
// bytes put in as they are: json.Marshal would scan them all again to
// check and compact them, most of a counter's work on a large push. The
// events must be valid, compact JSON (as json.Marshal made them).
func (r RawPushRequest) AppendJSON(buf []byte) ([]byte, error) {
	head := r.PushRequest
	head.Events = nil
	data, err := json.Marshal(head)
	if err != nil {
		return nil, err
	}
	// a JSON string escapes its quotes: the field is the one "events":null
	i := bytes.Index(data, []byte(`"events":null`))
	if i < 0 {
		return nil, errors.New("wire: a push request without its events field")
	}
	at := i + len(`"events":`)
	buf = append(append(buf, data[:at]...), '[')
	for j, e := range r.Events {
		if j > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, e...)
	}
	return append(append(buf, ']'), data[at+len("null"):]...), nil
}

// State is what every push and pull answer says of the backend's store
// and of the calling device (docs/protocol.md, "Restores").
type State struct {
	// Generation names the backend's store; it changes when the store is
	// restored from a backup or rebuilt.
	Generation string `json:"generation,omitempty"`
	// DeviceHigh is the highest device sequence of the caller's events
	// that the backend holds (0 for officers).
	DeviceHigh uint64 `json:"device_high"`
}

// PushResult is the server's answer for one event.
type PushResult struct {
	EventID   string          `json:"event_id"`
	Status    string          `json:"status"`               // accepted, duplicate, conflict
	ServerSeq uint64          `json:"server_seq,omitempty"` // accepted (and duplicate of accepted)
	Original  string          `json:"original,omitempty"`   // duplicate: the original status
	Reason    string          `json:"reason,omitempty"`     // conflict
	Record    *dossier.Record `json:"record,omitempty"`     // conflict: the server's copy
	// Account is the server's copy of an account whose change it refused.
	Account *dossier.Account `json:"account,omitempty"`
}

// PushResponse has one result per event, in request order.
type PushResponse struct {
	Results []PushResult `json:"results"`
	State
	ServerTime time.Time `json:"server_time"`
}

// PulledEvent is one event of the unit's log.
type PulledEvent struct {
	Seq   uint64        `json:"seq"`
	Event dossier.Event `json:"event"`
}

// PullResponse is one page of the unit's log after a cursor.
type PullResponse struct {
	Events []PulledEvent `json:"events"`
	Next   uint64        `json:"next"` // the cursor for the next page
	More   bool          `json:"more"`
	// NextCheck vouches for Next: the counter sends it back with the
	// cursor, and a backend whose log at that place holds another event
	// (restored, then grown again) answers 410.
	NextCheck    string    `json:"next_check,omitempty"`
	ReferenceTag string    `json:"reference_etag"`
	ServerTime   time.Time `json:"server_time"`
	State
}

// RawPulledEvent is a PulledEvent whose event is already JSON: the server
// sends its log's bytes as they are stored.
type RawPulledEvent struct {
	Seq   uint64          `json:"seq"`
	Event json.RawMessage `json:"event"`
}

// RawPullResponse is the server's form of PullResponse (same JSON).
type RawPullResponse struct {
	Events       []RawPulledEvent `json:"events"`
	Next         uint64           `json:"next"`
	More         bool             `json:"more"`
	NextCheck    string           `json:"next_check,omitempty"`
	ReferenceTag string           `json:"reference_etag"`
	ServerTime   time.Time        `json:"server_time"`
	State
}

// WriteJSON writes the response as PullResponse's JSON. The events are
// copied as they are (the server's own stored, compact JSON): running them
// through an encoder would re-scan every byte, most of a pull's cost.
func (p RawPullResponse) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"events":[`)
	for i, e := range p.Events {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(`{"seq":`)
		bw.WriteString(strconv.FormatUint(e.Seq, 10))
		bw.WriteString(`,"event":`)
		bw.Write(e.Event)
		bw.WriteByte('}')
	}
	tail, err := json.Marshal(struct {
		Next         uint64    `json:"next"`
		More         bool      `json:"more"`
		NextCheck    string    `json:"next_check,omitempty"`
		ReferenceTag string    `json:"reference_etag"`
		ServerTime   time.Time `json:"server_time"`
		State
	}{p.Next, p.More, p.NextCheck, p.ReferenceTag, p.ServerTime, p.State})
	if err != nil {
		return err
	}
	bw.WriteString(`],`)
	bw.Write(tail[1:]) // the fields after the opening brace
	bw.WriteByte('\n')
	return bw.Flush()
}

// Reference is the reference data the backend distributes.
type Reference struct {
	ETag     string          `json:"etag"`
	Catalog  json.RawMessage `json:"catalog,omitempty"`
	Calendar json.RawMessage `json:"calendar,omitempty"`
	// LookupURL is the public lookup page's address, "{code}" standing
	// for the record code: the receipts' QR codes open it.
	LookupURL  string    `json:"lookup_url,omitempty"`
	ServerTime time.Time `json:"server_time"`
}

// LetterRequest asks for a run of numbers of the unit's register of
// outgoing documents for a year. ID names the request: asked again (its
// answer lost), it gets the same run, so the register has no gaps.
type LetterRequest struct {
	ID    string `json:"id"`
	Year  int    `json:"year"`
	Count int    `json:"count"`
}

// LetterBlock is a run of numbers [From, To] of a unit's register for a
// year, the asking device's alone.
type LetterBlock struct {
	Year int `json:"year"`
	From int `json:"from"`
	To   int `json:"to"`
}

// MaxLetterBlock bounds a run of register numbers asked for at once.
const MaxLetterBlock = 200

// FilingRequest is a file filed online, posted by a portal to
// POST /v1/online: the filing, and the content of its attachments when
// the portal sends them (Contents[i] is Filing.Attachments[i]; empty: the
// portal keeps the file, at its URL). The whole body is MaxRequestBytes
// at most.
type FilingRequest struct {
	Filing   dossier.Filing `json:"filing"`
	Contents [][]byte       `json:"contents,omitempty"` // base64 in JSON
}

// FilingResponse says what became of a filing: accepted (a new record in
// status 1, or a supplement to one), or duplicate (already held).
type FilingResponse struct {
	RecordID   string         `json:"record_id"`
	Code       string         `json:"code"`
	Result     string         `json:"result"` // accepted, duplicate
	Supplement bool           `json:"supplement,omitempty"`
	Status     dossier.Status `json:"record_status"`
	ServerSeq  uint64         `json:"server_seq,omitempty"`
	ServerTime time.Time      `json:"server_time"`
}

// Error is the body of every error answer.
type Error struct {
	Error string `json:"error"` // a sentence, in Vietnamese
	Code  string `json:"code"`  // stable: bad_request, unauthorized, forbidden, not_found, gone, too_large, rewound, internal
	// With code "rewound" (409): what the backend holds.
	*State `json:",omitempty"`
}

// CursorCheck is the check of a pull cursor that ends at the event with
// this id: both sides compute it, so a counter can vouch for a cursor in
// the middle of a page as well as for the server's Next.
func CursorCheck(eventID string) string {
	h := sha256.Sum256([]byte(eventID))
	return hex.EncodeToString(h[:8])
}

// ErrMalformed says an answer or request could not be decoded.
var ErrMalformed = errors.New("dữ liệu không đúng định dạng giao thức")

// Decode reads one JSON value of at most limit bytes; trailing data is
// refused. Strict also refuses unknown fields (the server reads requests
// strictly; clients read answers leniently, so a newer server can add fields).
func Decode(r io.Reader, limit int64, v any, strict bool) error {
	dec := json.NewDecoder(io.LimitReader(r, limit+1))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	return nil
}

// DecodeAnswer reads a server's answer leniently: a whole body, already
// read within the client's size limit (Unmarshal refuses trailing data).
func DecodeAnswer(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// DecodePull reads a pull page as DecodeAnswer does, but one event at a
// time, calling between after each: a page is a thousand events, and the
// counter gives way to a clerk's save between them.
func DecodePull(b []byte, out *PullResponse, between func()) error {
	fail := func(err error) error { return fmt.Errorf("%w: %w", ErrMalformed, err) }
	dec := json.NewDecoder(bytes.NewReader(b))
	delim := func(want json.Delim) error {
		t, err := dec.Token()
		if err == nil && t != want {
			err = fmt.Errorf("expected %v", want)
		}
		return err
	}
	if err := delim('{'); err != nil {
		return fail(err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := t.(string)
		var field any // keys match as in encoding/json: case folded, unknown ones skipped
		switch {
		case strings.EqualFold(key, "events"):
			out.Events = nil
			t, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			if t == nil { // null
				continue
			}
			if t != json.Delim('[') {
				return fail(errors.New("events: not an array"))
			}
			out.Events = []PulledEvent{}
			for dec.More() {
				var e PulledEvent
				if err := dec.Decode(&e); err != nil {
					return fail(err)
				}
				out.Events = append(out.Events, e)
				between()
			}
			if err := delim(']'); err != nil {
				return fail(err)
			}
			continue
		case strings.EqualFold(key, "next"):
			field = &out.Next
		case strings.EqualFold(key, "more"):
			field = &out.More
		case strings.EqualFold(key, "next_check"):
			field = &out.NextCheck
		case strings.EqualFold(key, "generation"):
			field = &out.Generation
		case strings.EqualFold(key, "device_high"):
			field = &out.DeviceHigh
		case strings.EqualFold(key, "reference_etag"):
			field = &out.ReferenceTag
		case strings.EqualFold(key, "server_time"):
			field = &out.ServerTime
		default:
			field = new(json.RawMessage)
		}
		if err := dec.Decode(field); err != nil {
			return fail(err)
		}
	}
	if err := delim('}'); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(errors.New("trailing data"))
	}
	return nil
}

// ValidatePush checks a push request's shape (not its meaning).
func (p *PushRequest) Validate() error {
	if len(p.Events) == 0 || len(p.Events) > MaxBatch {
		return fmt.Errorf("%w: a push carries 1 to %d events", ErrMalformed, MaxBatch)
	}
	if len(p.Seqs) != 0 && len(p.Seqs) != len(p.Events) {
		return fmt.Errorf("%w: %d seqs for %d events", ErrMalformed, len(p.Seqs), len(p.Events))
	}
	for i, e := range p.Events {
		if e.ID == "" || e.RecordID == "" || e.Type == "" || e.At.IsZero() {
			return fmt.Errorf("%w: event %d lacks id, record_id, type or at", ErrMalformed, i)
		}
		if e.Type == dossier.EvReceived && (e.Record == nil || e.Record.ID != e.RecordID) {
			return fmt.Errorf("%w: event %d: received without its record", ErrMalformed, i)
		}
	}
	return nil
}

// Validate checks a push response against the request it answers.
func (p *PushResponse) Validate(req *PushRequest) error {
	ids := make([]string, len(req.Events))
	for i, e := range req.Events {
		ids[i] = e.ID
	}
	return p.ValidateIDs(ids)
}

// ValidateIDs checks a push response against the ids of the events sent,
// in order.
func (p *PushResponse) ValidateIDs(ids []string) error {
	if len(p.Results) != len(ids) {
		return fmt.Errorf("%w: %d results for %d events", ErrMalformed, len(p.Results), len(ids))
	}
	for i, r := range p.Results {
		if r.EventID != ids[i] {
			return fmt.Errorf("%w: result %d is for another event", ErrMalformed, i)
		}
		switch r.Status {
		case Accepted, Duplicate, Conflict, Wait:
		default:
			return fmt.Errorf("%w: result %d: unknown status %q", ErrMalformed, i, r.Status)
		}
	}
	return nil
}

// Validate checks a pull page: sequence numbers rise past the cursor.
func (p *PullResponse) Validate(after uint64) error {
	last := after
	for i, e := range p.Events {
		if e.Seq <= last {
			return fmt.Errorf("%w: event %d out of order", ErrMalformed, i)
		}
		if e.Event.ID == "" || e.Event.RecordID == "" || e.Event.Type == "" {
			return fmt.Errorf("%w: event %d incomplete", ErrMalformed, i)
		}
		if e.Event.Type == dossier.EvReceived && (e.Event.Record == nil || e.Event.Record.ID != e.Event.RecordID) {
			return fmt.Errorf("%w: event %d: received without its record", ErrMalformed, i)
		}
		last = e.Seq
	}
	if p.Next < last {
		return fmt.Errorf("%w: next cursor behind the events", ErrMalformed)
	}
	return nil
}
