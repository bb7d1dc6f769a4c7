package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-resty/resty/v2"

	"motcua/dossier"
	"motcua/internal/gzpool"
	"motcua/storage"
	"motcua/sync/wire"
)

// Remote is the backend as the engine sees it.
type Remote interface {
	Enroll(ctx context.Context, req wire.EnrollRequest) (wire.EnrollResponse, error)
	Push(ctx context.Context, body PushBody) (wire.PushResponse, error)
	Pull(ctx context.Context, after uint64, check string, limit int) (wire.PullResponse, error)
	Reference(ctx context.Context, since string) (wire.Reference, bool, error)
	ReserveLetters(ctx context.Context, req wire.LetterRequest) (wire.LetterBlock, error)
	// File fetches a file filed online with one of the unit's records.
	File(ctx context.Context, sha string) ([]byte, error)
	// LANCert certifies this counter's key for the office network;
	// LANDevices is the unit's roster.
	LANCert(ctx context.Context, req wire.LANCertRequest) (wire.LANCertResponse, error)
	LANDevices(ctx context.Context) (wire.LANDevices, error)
	// RelayState is how far the backend has another device's events;
	// Relay carries them there while it is away.
	RelayState(ctx context.Context, device string) (wire.State, error)
	Relay(ctx context.Context, req wire.RelayRequest) (wire.PushResponse, error)
	// Record is the backend's copy of one of the unit's records.
	Record(ctx context.Context, id string) (*dossier.Record, error)
}

// HTTPError is an answer with an error status.
type HTTPError struct {
	Status     int
	Code       string // the server's error code, when it sent one
	Message    string
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("sync: the backend answered %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("sync: the backend answered %d", e.Status)
}

// Errors the engine decides on. Their texts are for logs; a person reads
// them worded by the counter package (counter.Explain), in the UI's
// language.
var (
	// ErrAuth: the token was refused (401/403): stop and re-enroll.
	ErrAuth = errors.New("sync: the backend refused the counter's token; enroll again")
	// ErrGone: the pull cursor is unknown (410): pull the unit again from 0.
	ErrGone = errors.New("sync: the backend no longer knows the pull cursor")
	// ErrNetwork: no answer (connection refused, reset, timeout); a
	// *NetError says why.
	ErrNetwork = errors.New("sync: no answer from the backend")
	// ErrNotEnrolled: a round was asked of a counter not enrolled.
	ErrNotEnrolled = errors.New("sync: the counter is not enrolled with a backend")
	// ErrNotJSON: the answer was not JSON (often a network's login page);
	// it comes wrapped with wire.ErrMalformed.
	ErrNotJSON = errors.New("the answer is not JSON")
	// ErrTooLarge: the answer was over wire.MaxResponseSize; it comes
	// wrapped with wire.ErrMalformed.
	ErrTooLarge = errors.New("the answer is too large")
)

// Why no answer came, as NetError.Reason.
const (
	NetRefused     = "refused"     // the backend refused the connection
	NetReset       = "reset"       // the connection was cut
	NetDNS         = "dns"         // the backend's name is not found
	NetTimeout     = "timeout"     // no answer in time
	NetUnreachable = "unreachable" // no network
	NetOther       = "other"
)

// NetError is ErrNetwork with its reason (one of the Net constants) and
// the cause, without the URL.
type NetError struct {
	Reason string
	Err    error
}

func (e *NetError) Error() string { return fmt.Sprintf("%v (%s: %v)", ErrNetwork, e.Reason, e.Err) }

// Unwrap makes errors.Is(err, ErrNetwork) hold.
func (e *NetError) Unwrap() error { return ErrNetwork }

// RewoundError is the backend saying (409 "rewound") that it holds fewer
// of this device's events than it acknowledged: it was restored from an
// older backup. The engine re-queues what it lacks and pulls again.
type RewoundError struct{ State wire.State }

func (e *RewoundError) Error() string {
	return fmt.Sprintf("sync: the backend went back to an older backup (generation %s)", e.State.Generation)
}

// Retryable says whether an error may pass by itself, so the engine backs
// off and tries again: no answer or a cut connection, 408, 429, 5xx (but
// 501), a backend restored from a backup, and local trouble (a full disk
// that someone frees). A refusal does not pass by itself: a refused token,
// another 4xx (400, 404, 405, 413 …), 501, and a malformed answer (a
// network's login page, another program on the backend's address).
func Retryable(err error) bool {
	var he *HTTPError
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrAuth), errors.Is(err, context.Canceled), errors.Is(err, ErrNotEnrolled), errors.Is(err, wire.ErrMalformed):
		return false
	case errors.As(err, new(*ReferenceError)):
		return false
	case errors.As(err, &he):
		return he.Status == http.StatusRequestTimeout || he.Status == http.StatusTooManyRequests ||
			(he.Status >= 500 && he.Status != http.StatusNotImplemented)
	}
	return true
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// HTTPRemote talks to the backend with resty. Each call is one attempt:
// the engine owns retries, backoff and their persistence.
type HTTPRemote struct {
	c *resty.Client
	// Between, when set, is called between the events of a pull page as
	// it is decoded (the engine gives way to a clerk's save there).
	Between func()
}

// NewHTTPRemote makes a client for a server URL; token may be empty
// before enrollment.
func NewHTTPRemote(baseURL, token string, timeout time.Duration) *HTTPRemote {
	c := resty.New().
		SetBaseURL(strings.TrimRight(baseURL, "/")).
		SetTimeout(timeout).
		SetRetryCount(0).
		SetResponseBodyLimit(wire.MaxResponseSize).
		SetHeader("User-Agent", "motcua-counter/1")
	if token != "" {
		c.SetAuthToken(token)
	}
	return &HTTPRemote{c: c}
}

// Client exposes the resty client (tests set its transport).
func (r *HTTPRemote) Client() *resty.Client { return r.c }

// gzBytes compresses a body already encoded.
func gzBytes(plain []byte) (gzipped, error) {
	var b bytes.Buffer
	zw := gzpool.Writer(&b)
	defer gzpool.PutWriter(zw)
	if _, err := zw.Write(plain); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func gz(v any) (gzipped, error) {
	var b bytes.Buffer
	zw := gzpool.Writer(&b)
	defer gzpool.PutWriter(zw)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// do runs one request and hands a 200 answer's body to decode; a 304 Not
// Modified is reported as notModified.
func (r *HTTPRemote) do(ctx context.Context, method, path string, body any, query map[string]string, decode func([]byte) error) (notModified bool, err error) {
	req := r.c.R().SetContext(ctx).SetQueryParams(query)
	if body != nil {
		data, ok := body.(gzipped)
		if !ok {
			if data, err = gz(body); err != nil {
				return false, err
			}
		}
		req.SetHeader("Content-Type", "application/json").SetHeader("Content-Encoding", "gzip").SetBody([]byte(data)) // a plain []byte: resty would encode another type as JSON
	}
	resp, err := req.Execute(method, path)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if errors.Is(err, resty.ErrResponseBodyTooLarge) {
			return false, fmt.Errorf("%w: %w", wire.ErrMalformed, ErrTooLarge)
		}
		return false, netError(err)
	}
	status := resp.StatusCode()
	switch {
	case status == http.StatusNotModified:
		return true, nil
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return false, fmt.Errorf("%w (%s)", ErrAuth, errorMessage(resp.Body()))
	case status == http.StatusGone:
		return false, ErrGone
	case status == http.StatusConflict:
		var e wire.Error
		if wire.DecodeAnswer(resp.Body(), &e) == nil && e.Code == "rewound" && e.State != nil {
			return false, &RewoundError{State: *e.State}
		}
		return false, &HTTPError{Status: status, Message: errorMessage(resp.Body())}
	case status != http.StatusOK:
		return false, &HTTPError{Status: status, Message: errorMessage(resp.Body()), RetryAfter: retryAfter(resp.Header(), time.Now())}
	}
	if ct := resp.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return false, fmt.Errorf("%w: %w: %q", wire.ErrMalformed, ErrNotJSON, ct)
	}
	return false, decode(resp.Body())
}

// into decodes an answer into out.
func into(out any) func([]byte) error {
	return func(b []byte) error { return wire.DecodeAnswer(b, out) }
}

// netError says why no answer came, without the URL.
func netError(err error) *NetError {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &NetError{NetRefused, err}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &NetError{NetReset, err}
	case errors.As(err, &dns):
		return &NetError{NetDNS, err}
	case errors.As(err, &ne) && ne.Timeout():
		return &NetError{NetTimeout, err}
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return &NetError{NetUnreachable, err}
	}
	return &NetError{NetOther, err}
}

// errorMessage reads the server's error sentence, if the body is one.
func errorMessage(body []byte) string {
	var e wire.Error
	if wire.DecodeAnswer(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	return ""
}

// Enroll exchanges an enrollment code for a token.
func (r *HTTPRemote) Enroll(ctx context.Context, req wire.EnrollRequest) (wire.EnrollResponse, error) {
	var out wire.EnrollResponse
	_, err := r.do(ctx, http.MethodPost, "/v1/enroll", req, nil, into(&out))
	if err == nil && (out.Token == "" || out.DeviceID == "" || out.UnitCode == "" || out.CounterNo < 1 || out.CounterNo > dossier.MaxCounter) {
		err = fmt.Errorf("%w: the enrollment answer lacks a token, device, unit or counter", wire.ErrMalformed)
	}
	return out, err
}

// Push sends one batch.
func (r *HTTPRemote) Push(ctx context.Context, body PushBody) (wire.PushResponse, error) {
	var out wire.PushResponse
	_, err := r.do(ctx, http.MethodPost, "/v1/push", body.data, nil, into(&out))
	if err == nil {
		err = out.ValidateIDs(body.IDs)
	}
	return out, err
}

// PushBody is a push request with its body already encoded (gzip'd
// JSON): the engine encodes the next batch while one is in flight.
type PushBody struct {
	IDs  []string // the events' ids, in order: the answer is checked against them
	data gzipped
}

// NewPushBody encodes a push request.
func NewPushBody(req wire.PushRequest) (PushBody, error) {
	ids := make([]string, len(req.Events))
	for i, e := range req.Events {
		ids[i] = e.ID
	}
	data, err := gz(req)
	return PushBody{ids, data}, err
}

// newOutgoingBody encodes a push of outbox entries, their events as the
// counter stored them; req carries the rest.
func newOutgoingBody(req wire.PushRequest, batch []storage.Outgoing) (PushBody, error) {
	raw := wire.RawPushRequest{PushRequest: req, Events: make([]json.RawMessage, len(batch))}
	ids := make([]string, len(batch))
	raw.Seqs = make([]uint64, len(batch))
	for i, b := range batch {
		raw.Events[i], raw.Seqs[i], ids[i] = b.Event, b.Seq, b.ID
	}
	plain, err := raw.AppendJSON(nil)
	if err != nil {
		return PushBody{}, err
	}
	data, err := gzBytes(plain)
	return PushBody{ids, data}, err
}

// gzipped is a request body ready to send.
type gzipped []byte

// Pull reads one page of the unit's log.
func (r *HTTPRemote) Pull(ctx context.Context, after uint64, check string, limit int) (wire.PullResponse, error) {
	var out wire.PullResponse
	decode := into(&out)
	if r.Between != nil {
		decode = func(b []byte) error { return wire.DecodePull(b, &out, r.Between) }
	}
	_, err := r.do(ctx, http.MethodGet, "/v1/pull", nil, pullQuery(after, check, limit), decode)
	if err == nil {
		err = out.Validate(after)
	}
	return out, err
}

func pullQuery(after uint64, check string, limit int) map[string]string {
	q := map[string]string{"after": strconv.FormatUint(after, 10), "limit": strconv.Itoa(limit)}
	if check != "" {
		q["check"] = check
	}
	return q
}

// Reference fetches the reference data unless it is still since.
func (r *HTTPRemote) Reference(ctx context.Context, since string) (wire.Reference, bool, error) {
	var out wire.Reference
	q := map[string]string{}
	if since != "" {
		q["since"] = since
	}
	notModified, err := r.do(ctx, http.MethodGet, "/v1/reference", nil, q, into(&out))
	return out, !notModified, err
}

// ReserveLetters asks for a run of the unit's register of outgoing
// documents.
func (r *HTTPRemote) ReserveLetters(ctx context.Context, req wire.LetterRequest) (wire.LetterBlock, error) {
	var out wire.LetterBlock
	_, err := r.do(ctx, http.MethodPost, "/v1/letters", req, nil, into(&out))
	if err == nil && (out.Year != req.Year || out.From < 1 || out.To < out.From || out.To-out.From >= wire.MaxLetterBlock) {
		err = fmt.Errorf("%w: a run of register numbers %d–%d for %d", wire.ErrMalformed, out.From, out.To, out.Year)
	}
	return out, err
}

// File fetches a file filed online with one of the unit's records, by its
// SHA-256 (GET /v1/files/{sha}); the content is checked against it.
func (r *HTTPRemote) File(ctx context.Context, sha string) ([]byte, error) {
	resp, err := r.c.R().SetContext(ctx).SetResponseBodyLimit(wire.MaxRequestBytes).Get("/v1/files/" + url.PathEscape(sha))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, netError(err)
	}
	switch status := resp.StatusCode(); {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return nil, fmt.Errorf("%w (%s)", ErrAuth, errorMessage(resp.Body()))
	case status != http.StatusOK:
		return nil, &HTTPError{Status: status, Message: errorMessage(resp.Body()), RetryAfter: retryAfter(resp.Header(), time.Now())}
	}
	data := resp.Body()
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != strings.ToLower(sha) {
		return nil, fmt.Errorf("%w: tệp tải về không khớp mã băm", wire.ErrMalformed)
	}
	return data, nil
}

// LANCert certifies this counter's key for the office network.
func (r *HTTPRemote) LANCert(ctx context.Context, req wire.LANCertRequest) (wire.LANCertResponse, error) {
	var out wire.LANCertResponse
	_, err := r.do(ctx, http.MethodPost, "/v1/lan/cert", req, nil, into(&out))
	if err == nil && (len(out.Cert) == 0 || len(out.CA) == 0) {
		err = fmt.Errorf("%w: a certificate answer without its certificate", wire.ErrMalformed)
	}
	return out, err
}

// LANDevices is the unit's roster.
func (r *HTTPRemote) LANDevices(ctx context.Context) (wire.LANDevices, error) {
	var out wire.LANDevices
	_, err := r.do(ctx, http.MethodGet, "/v1/lan/devices", nil, nil, into(&out))
	return out, err
}

// RelayState is how far the backend has another device's events.
func (r *HTTPRemote) RelayState(ctx context.Context, device string) (wire.State, error) {
	var out wire.State
	_, err := r.do(ctx, http.MethodGet, "/v1/relay/"+url.PathEscape(device), nil, nil, into(&out))
	return out, err
}

// Relay carries another device's events to the backend.
func (r *HTTPRemote) Relay(ctx context.Context, req wire.RelayRequest) (wire.PushResponse, error) {
	var out wire.PushResponse
	_, err := r.do(ctx, http.MethodPost, "/v1/relay", req, nil, into(&out))
	if err == nil && len(out.Results) != len(req.Events) {
		err = fmt.Errorf("%w: %d verdicts for %d relayed events", wire.ErrMalformed, len(out.Results), len(req.Events))
	}
	return out, err
}

// Record is the backend's copy of one of the unit's records.
func (r *HTTPRemote) Record(ctx context.Context, id string) (*dossier.Record, error) {
	var out dossier.Record
	_, err := r.do(ctx, http.MethodGet, "/v1/records/"+url.PathEscape(id), nil, nil, into(&out))
	if err == nil && out.ID != id {
		err = fmt.Errorf("%w: the backend's copy of another record", wire.ErrMalformed)
	}
	return &out, err
}
