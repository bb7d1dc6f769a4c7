package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"motcua/dossier"
	"motcua/internal/gzpool"
	"motcua/sync/wire"
)

// Handler serves the sync protocol v1 over a Store.
type Handler struct {
	store Store
	mux   *http.ServeMux
	now   func() time.Time
	guard codeGuard // wrong enrollment codes, per address
	// proxies are the reverse proxies in front of the server: a request
	// from one of them is from the address it names in X-Forwarded-For.
	proxies  []netip.Prefix
	catalogs catalogCache // what online filings are checked against
}

// TrustProxies names the reverse proxies in front of the server, whose
// X-Forwarded-For says who the client is (for the limits per address).
func (h *Handler) TrustProxies(nets []netip.Prefix) { h.proxies = nets }

func (h *Handler) trusted(a netip.Addr) bool {
	for _, n := range h.proxies {
		if n.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// clientIP is who sent a request: the peer, or behind a trusted proxy the
// last address in X-Forwarded-For that is not one of the proxies (a client
// can put anything before it).
func (h *Handler) clientIP(r *http.Request) string {
	ip := peerIP(r)
	a, err := netip.ParseAddr(ip)
	if err != nil || !h.trusted(a) {
		return ip
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !h.trusted(hop) {
			return hop.String()
		}
	}
	return ip
}

// codeGuard slows down guessing of enrollment codes: after
// freeWrongCodes wrong codes in a row from one address, each further try
// waits twice as long as the one before (1 s, 2 s, 4 s, … up to 15 min).
type codeGuard struct {
	mu    gosync.Mutex
	fails map[string]*guardEntry
}

type guardEntry struct {
	n     int
	until time.Time
}

const freeWrongCodes = 5

func (g *codeGuard) wait(ip string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e := g.fails[ip]; e != nil && now.Before(e.until) {
		return e.until.Sub(now)
	}
	return 0
}

func (g *codeGuard) failed(ip string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fails == nil {
		g.fails = map[string]*guardEntry{}
	}
	if len(g.fails) > 100_000 { // bounded: forget everyone rather than grow
		clear(g.fails)
	}
	e := g.fails[ip]
	if e == nil {
		e = &guardEntry{}
		g.fails[ip] = e
	}
	e.n++
	if e.n >= freeWrongCodes {
		e.until = now.Add(min(time.Second<<min(e.n-freeWrongCodes, 20), 15*time.Minute))
	}
}

func (g *codeGuard) ok(ip string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.fails, ip)
}

// peerIP is the address a request came from.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// NewHandler builds the API.
func NewHandler(s Store) *Handler {
	h := &Handler{store: s, mux: http.NewServeMux(), now: time.Now}
	h.mux.HandleFunc("POST /v1/enroll", h.enroll)
	h.mux.HandleFunc("POST /v1/push", h.auth(KindDevice, h.push))
	h.mux.HandleFunc("GET /v1/pull", h.auth("", h.pull))
	h.mux.HandleFunc("GET /v1/reference", h.auth("", h.reference))
	h.mux.HandleFunc("POST /v1/letters", h.auth(KindDevice, h.letters))
	h.mux.HandleFunc("POST /v1/records/{id}/events", h.auth(KindOfficer, h.officerEvents))
	h.mux.HandleFunc("POST /v1/online", h.auth(KindPortal, h.online))
	h.mux.HandleFunc("GET /v1/files/{sha}", h.auth("", h.file))
	h.mux.HandleFunc("GET /v1/records/{id}", h.auth("", h.record))
	h.mux.HandleFunc("POST /v1/lan/cert", h.auth(KindDevice, h.lanCert))
	h.mux.HandleFunc("GET /v1/lan/devices", h.auth(KindDevice, h.lanDevices))
	h.mux.HandleFunc("GET /v1/relay/{device}", h.auth(KindDevice, h.relayState))
	h.mux.HandleFunc("POST /v1/relay", h.auth(KindDevice, h.relay))
	lk := newLookup(s, time.Now, h.clientIP)
	h.mux.Handle("GET /tra-cuu", lk)
	h.mux.Handle("POST /tra-cuu", http.MaxBytesHandler(lk, 4096))
	h.mux.HandleFunc("GET /v1/health", func(w http.ResponseWriter, r *http.Request) {
		h.json(w, r, http.StatusOK, map[string]any{"status": "ok", "server_time": h.now()})
	})
	return h
}

// ServeHTTP answers every request, even one that panics, with JSON.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			slog.Error("panic while serving", "path", r.URL.Path, "panic", fmt.Sprint(v))
			h.fail(w, r, http.StatusInternalServerError, "internal", "lỗi máy chủ")
		}
	}()
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) auth(kind PrincipalKind, next func(http.ResponseWriter, *http.Request, Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			h.fail(w, r, http.StatusUnauthorized, "unauthorized", "thiếu mã xác thực")
			return
		}
		p, err := h.store.Authenticate(tok)
		if err != nil {
			h.fail(w, r, http.StatusUnauthorized, "unauthorized", ErrUnauthorized.Error())
			return
		}
		if kind != "" && p.Kind != kind {
			h.fail(w, r, http.StatusForbidden, "forbidden", "mã xác thực không có quyền này")
			return
		}
		next(w, r, p)
	}
}

// body reads a request body, gzip or not, within the size limit.
func (h *Handler) body(w http.ResponseWriter, r *http.Request, v any) bool {
	var rd io.Reader = http.MaxBytesReader(w, r.Body, wire.MaxRequestBytes)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzpool.Reader(rd)
		if err != nil {
			h.fail(w, r, http.StatusBadRequest, "bad_request", "nội dung gzip hỏng")
			return false
		}
		defer gzpool.PutReader(zr)
		// the limit holds after decompression too: a gzip bomb is a 413
		rd = &capped{r: zr, left: wire.MaxRequestBytes}
	}
	if err := wire.Decode(rd, wire.MaxRequestBytes, v, true); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || errors.Is(err, errTooLarge) {
			h.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", "yêu cầu quá lớn")
			return false
		}
		h.fail(w, r, http.StatusBadRequest, "bad_request", "yêu cầu không đúng định dạng: "+err.Error())
		return false
	}
	return true
}

var errTooLarge = errors.New("body over the limit")

// capped reads at most left bytes, then fails with errTooLarge.
type capped struct {
	r    io.Reader
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// one byte more than allowed means too large, not merely ended
		var b [1]byte
		if n, _ := c.r.Read(b[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (h *Handler) enroll(w http.ResponseWriter, r *http.Request) {
	var req wire.EnrollRequest
	if !h.body(w, r, &req) {
		return
	}
	ip := h.clientIP(r)
	if wait := h.guard.wait(ip, h.now()); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+1)))
		h.fail(w, r, http.StatusTooManyRequests, "too_many", "nhập sai mã đăng ký quá nhiều lần; hãy thử lại sau")
		return
	}
	resp, err := h.store.Enroll(req)
	if errors.Is(err, ErrBadCode) {
		h.guard.failed(ip, h.now())
		slog.Warn("wrong enrollment code", "remote", ip)
		h.fail(w, r, http.StatusForbidden, "forbidden", err.Error())
		return
	}
	h.guard.ok(ip)
	if errors.Is(err, ErrCounterTaken) {
		slog.Warn("enrollment refused: the counter has an active device", "remote", ip)
		h.fail(w, r, http.StatusConflict, "counter_taken", err.Error())
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	slog.Info("device enrolled", "device", resp.DeviceID, "unit", resp.UnitCode, "counter", resp.CounterNo)
	resp.ServerTime = h.now()
	h.json(w, r, http.StatusOK, resp)
}

func (h *Handler) push(w http.ResponseWriter, r *http.Request, p Principal) {
	var req wire.PushRequest
	if !h.body(w, r, &req) {
		return
	}
	if err := req.Validate(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if req.DeviceID != p.DeviceID {
		h.fail(w, r, http.StatusForbidden, "forbidden", "thiết bị không khớp với mã xác thực")
		return
	}
	h.apply(w, r, p, req)
}

// apply commits a validated batch and answers one result per event.
func (h *Handler) apply(w http.ResponseWriter, r *http.Request, p Principal, req wire.PushRequest) {
	resp, err := h.store.Push(p, req)
	var rew *RewoundError
	if errors.As(err, &rew) {
		slog.Warn("device is ahead of this store: restored from an older backup?", "device", p.DeviceID,
			"generation", rew.State.Generation, "held", rew.State.DeviceHigh, "device_acked", req.Acked)
		h.json(w, r, http.StatusConflict, wire.Error{Error: rew.Error(), Code: "rewound", State: &rew.State})
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	resp.ServerTime = h.now()
	h.json(w, r, http.StatusOK, resp)
}

func (h *Handler) officerEvents(w http.ResponseWriter, r *http.Request, p Principal) {
	var req struct {
		Events []dossier.Event `json:"events"`
	}
	if !h.body(w, r, &req) {
		return
	}
	pr := wire.PushRequest{Events: req.Events}
	if err := pr.Validate(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	for _, e := range req.Events {
		if e.RecordID != r.PathValue("id") {
			h.fail(w, r, http.StatusBadRequest, "bad_request", "sự kiện không thuộc hồ sơ trong đường dẫn")
			return
		}
	}
	h.apply(w, r, p, pr)
}

func (h *Handler) pull(w http.ResponseWriter, r *http.Request, p Principal) {
	q := r.URL.Query()
	after, err := strconv.ParseUint(q.Get("after"), 10, 64)
	if q.Get("after") == "" {
		after, err = 0, nil
	}
	limit, lerr := strconv.Atoi(q.Get("limit"))
	if q.Get("limit") == "" {
		limit, lerr = 500, nil
	}
	if err != nil || lerr != nil || limit < 1 {
		h.fail(w, r, http.StatusBadRequest, "bad_request", "tham số after, limit không hợp lệ")
		return
	}
	resp, err := h.store.Pull(p, after, q.Get("check"), limit)
	if errors.Is(err, ErrGone) {
		h.fail(w, r, http.StatusGone, "gone", err.Error())
		return
	}
	if err != nil {
		h.internal(w, r, err)
		return
	}
	resp.ServerTime = h.now()
	h.send(w, r, http.StatusOK, resp.WriteJSON)
}

func (h *Handler) reference(w http.ResponseWriter, r *http.Request, _ Principal) {
	ref, err := h.store.Reference()
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if since := r.URL.Query().Get("since"); since != "" && since == ref.ETag {
		w.Header().Set("ETag", ref.ETag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	ref.ServerTime = h.now()
	w.Header().Set("ETag", ref.ETag)
	h.json(w, r, http.StatusOK, ref)
}

// letters gives a counter numbers of its unit's register of outgoing
// documents (docs/protocol.md, "Letter numbers").
func (h *Handler) letters(w http.ResponseWriter, r *http.Request, p Principal) {
	var req wire.LetterRequest
	if !h.body(w, r, &req) {
		return
	}
	b, err := h.store.ReserveLetters(p, req)
	switch {
	case errors.Is(err, ErrBadLetterRequest):
		h.fail(w, r, http.StatusBadRequest, "bad_request", err.Error())
	case err != nil:
		h.internal(w, r, err)
	default:
		h.json(w, r, http.StatusOK, b)
	}
}

func (h *Handler) internal(w http.ResponseWriter, r *http.Request, err error) {
	slog.Error("request failed", "path", r.URL.Path, "err", err)
	h.fail(w, r, http.StatusInternalServerError, "internal", "lỗi máy chủ, hãy thử lại sau")
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	h.json(w, r, status, wire.Error{Error: msg, Code: code})
}

// json writes v, gzip-compressed when the client accepts it.
func (h *Handler) json(w http.ResponseWriter, r *http.Request, status int, v any) {
	h.send(w, r, status, func(out io.Writer) error { return json.NewEncoder(out).Encode(v) })
}

// send writes a JSON answer, gzip'd when the client takes it.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, status int, write func(io.Writer) error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	var out io.Writer = w
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzpool.Writer(w)
		defer func() {
			zw.Close()
			gzpool.PutWriter(zw)
		}()
		out = zw
	}
	w.WriteHeader(status)
	_ = write(out)
}
