package dvcqg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
)

// Config is how the backend reaches DVCQG (through the province's
// integration platform): set by an administrator, never logged.
type Config struct {
	AdapterURL          string `json:"adapter_url"`          // the platform's base address
	AuthEndpoint        string `json:"auth_endpoint"`        // login, after AdapterURL
	IntegrationEndpoint string `json:"integration_endpoint"` // every service, after AdapterURL
	Username            string `json:"username"`
	Password            string `json:"password"`
	DstCode             string `json:"dstcode"` // the platform's routing code (header dstcode)
	MaDonVi             string `json:"madonvi"` // the province's unit identifier at DVCQG
}

// String never shows the password.
func (c Config) String() string {
	return fmt.Sprintf("%s (login %s, services %s, user %q, dstcode %q, madonvi %q)",
		c.AdapterURL, c.AuthEndpoint, c.IntegrationEndpoint, c.Username, c.DstCode, c.MaDonVi)
}

// Validate says what an administrator left out.
func (c Config) Validate() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"adapter_url", c.AdapterURL}, {"auth_endpoint", c.AuthEndpoint},
		{"integration_endpoint", c.IntegrationEndpoint}, {"username", c.Username}, {"password", c.Password}, {"madonvi", c.MaDonVi}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("dvcqg: thiếu cấu hình %s", strings.Join(missing, ", "))
	}
	return nil
}

// maxSteps is how many steps one CapNhatTienDoHoSoMC call carries (TD's
// limit; OCPS sends one at a time).
const maxSteps = 10

// RefusedError is DVCQG answering a call with an error: the record or
// step it names goes to an administrator's attention, and sending it again
// as it is will not help.
type RefusedError struct {
	Service string
	Code    string
	Message string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("dvcqg: %s refused (error_code %s): %s", e.Service, e.Code, e.Message)
}

// ErrLogin is a login DVCQG refused: the configuration is wrong.
var ErrLogin = errors.New("dvcqg: login refused")

// Client calls DVCQG's services with a session it logs in for, and logs
// in again when DVCQG says the session has expired. Transport failures
// and 5xx answers are returned as they are, for the caller to retry later.
type Client struct {
	cfg Config
	c   *resty.Client

	mu      sync.Mutex
	session string
}

// New makes a client; timeout bounds each call.
func New(cfg Config, timeout time.Duration) *Client {
	c := resty.New().
		SetBaseURL(strings.TrimRight(cfg.AdapterURL, "/")).
		SetTimeout(timeout).
		SetHeader("Content-Type", "application/json").
		SetHeader("Accept", "application/json").
		SetHeader("Charset", "utf-8")
	if cfg.DstCode != "" {
		c.SetHeader("dstcode", cfg.DstCode)
	}
	return &Client{cfg: cfg, c: c}
}

// HTTP exposes the resty client (tests set its transport).
func (c *Client) HTTP() *resty.Client { return c.c }

// reply is DVCQG's answer: error_code is a number or a string.
type reply struct {
	Code    json.RawMessage   `json:"error_code"`
	Message string            `json:"message"`
	Session string            `json:"session"`
	Result  []json.RawMessage `json:"result"`
}

func (r reply) code() string {
	var n json.Number
	if err := json.Unmarshal(r.Code, &n); err == nil {
		return n.String()
	}
	var s string
	if err := json.Unmarshal(r.Code, &s); err == nil {
		return strings.TrimSpace(s)
	}
	return string(r.Code)
}

func (r reply) ok() bool { c := r.code(); return c == "0" || c == "00" }

// sessionExpired: DVCQG's wording is not documented; integrators re-login
// on any refusal that speaks of the session.
func (r reply) sessionExpired() bool {
	m := strings.ToLower(r.Message)
	return !r.ok() && (strings.Contains(m, "session") || strings.Contains(m, "phiên"))
}

// duplicate is DVCQG refusing to create a record it has (TD).
func (r reply) duplicate() bool {
	return strings.Contains(strings.ToLower(r.Message), "đã tồn tại")
}

func (c *Client) post(ctx context.Context, path string, body any) (reply, error) {
	var r reply
	resp, err := c.c.R().SetContext(ctx).SetBody(body).Post(path)
	if err != nil {
		return r, fmt.Errorf("dvcqg: %w", err)
	}
	if resp.StatusCode() >= 500 || resp.StatusCode() == http.StatusTooManyRequests {
		return r, fmt.Errorf("dvcqg: %s answered %s", path, resp.Status())
	}
	if err := json.Unmarshal(resp.Body(), &r); err != nil || len(r.Code) == 0 {
		return r, fmt.Errorf("dvcqg: %s answered %s without a readable error_code", path, resp.Status())
	}
	return r, nil
}

func (c *Client) login(ctx context.Context) (string, error) {
	r, err := c.post(ctx, c.cfg.AuthEndpoint, map[string]string{"username": c.cfg.Username, "password": c.cfg.Password})
	if err != nil {
		return "", err
	}
	if !r.ok() || r.Session == "" {
		return "", fmt.Errorf("%w (error_code %s): %s", ErrLogin, r.code(), r.Message)
	}
	return r.Session, nil
}

// call sends one service's keys in the session envelope, logging in first
// and once more if the session expired.
func (c *Client) call(ctx context.Context, service string, keys map[string]any) (reply, error) {
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		session := c.session
		c.mu.Unlock()
		if session == "" {
			s, err := c.login(ctx)
			if err != nil {
				return reply{}, err
			}
			c.mu.Lock()
			c.session, session = s, s
			c.mu.Unlock()
		}
		body := map[string]any{"session": session, "madonvi": c.cfg.MaDonVi, "service": service}
		for k, v := range keys {
			body[k] = v
		}
		r, err := c.post(ctx, c.cfg.IntegrationEndpoint, body)
		if err != nil {
			return r, err
		}
		if r.sessionExpired() && attempt == 0 {
			c.mu.Lock()
			if c.session == session {
				c.session = ""
			}
			c.mu.Unlock()
			continue
		}
		return r, nil
	}
}

func refused(service string, r reply) error {
	return &RefusedError{Service: service, Code: r.code(), Message: r.Message}
}

// Exists asks DVCQG whether it has the record (TraCuuHoSo).
func (c *Client) Exists(ctx context.Context, code string) (bool, error) {
	r, err := c.call(ctx, ServiceLookup, map[string]any{"mahoso": code})
	if err != nil {
		return false, err
	}
	if !r.ok() {
		return false, refused(ServiceLookup, r)
	}
	return len(r.Result) > 0, nil
}

// SyncRecord creates the record at DVCQG, or updates it when DVCQG has it
// (asked first, as OCPS does; an "already exists" to a create is sent
// again as an update, as TD does).
func (c *Client) SyncRecord(ctx context.Context, rec Record) error {
	exists, err := c.Exists(ctx, rec.MaHoSo)
	if err != nil {
		return err
	}
	return c.sync(ctx, rec, exists)
}

// Update sends a record DVCQG is known to have.
func (c *Client) Update(ctx context.Context, rec Record) error { return c.sync(ctx, rec, true) }

func (c *Client) sync(ctx context.Context, rec Record, exists bool) error {
	for {
		updating := "False"
		if exists {
			updating = "True"
		}
		r, err := c.call(ctx, ServiceSyncRecord, map[string]any{"isUpdating": updating, "data": []Record{rec}})
		if err != nil {
			return err
		}
		switch {
		case r.ok():
			return nil
		case !exists && r.duplicate():
			exists = true
			continue
		}
		return refused(ServiceSyncRecord, r)
	}
}

// Progress sends steps, in order, at most ten a call. It returns how many
// were accepted before an error.
func (c *Client) Progress(ctx context.Context, steps []Step) (int, error) {
	sent := 0
	for sent < len(steps) {
		n := min(maxSteps, len(steps)-sent)
		r, err := c.call(ctx, ServiceProgress, map[string]any{"data": steps[sent : sent+n]})
		if err != nil {
			return sent, err
		}
		if !r.ok() {
			return sent, refused(ServiceProgress, r)
		}
		sent += n
	}
	return sent, nil
}
