package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"motcua/dossier"
	"motcua/sync/wire"
)

// Admin is what the administration commands do to a backend's store:
// directly when the server is stopped, or through the running server's
// admin socket (bbolt lets one process open the file).
type Admin interface {
	NewEnrollCode(unit string, counter int) (string, error)
	NewToken(kind PrincipalKind, unit string) (string, error)
	Revoke(deviceID string) error
	Reference() (wire.Reference, error)
	SetReference(catalog, calendar []byte) error
	// SetLookupURL sets the public lookup page's address given to counters.
	SetLookupURL(u string) error
	Export(unit string, fn func(*dossier.Record) error) error
	// Backup writes a checked, consistent copy of the store to path (a
	// path on the server's machine) while it keeps serving.
	Backup(path string) error
	// Generation is the store's identity, which a restore changes.
	Generation() string
	// SetAccountDisabled disables or enables one of a unit's accounts.
	SetAccountDisabled(unit, username string, disabled bool) error
	// PortalConfig and SetPortalConfig are how the backend reaches DVCQG;
	// PortalStatus, what waits for it and what it refused.
	PortalConfig() (PortalConfig, error)
	SetPortalConfig(PortalConfig) error
	PortalStatus() (PortalStatus, error)
}

// AdminSocket is the admin socket's path in a data directory. The
// directory is the owner's alone (0700), and so is the socket.
func AdminSocket(dir string) string { return filepath.Join(dir, "admin.sock") }

// AdminPortFile is where a server whose system gave it no Unix socket
// (Windows before 10 version 1803, Wine; or a folder whose path is too
// long for one) writes the loopback TCP address of its admin port and the
// secret a command must send first. Like the socket, it is the owner's
// alone, in the owner's folder.
func AdminPortFile(dir string) string { return filepath.Join(dir, "admin.port") }

// adminPort is the content of AdminPortFile.
type adminPort struct {
	Addr  string `json:"addr"`
	Token string `json:"token"`
}

// Serving says whether a server answers on the admin socket (or port) in dir.
func Serving(dir string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := dialAdmin(ctx, dir)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// dialAdmin connects to the admin port when the server wrote one, else
// to the admin socket.
func dialAdmin(ctx context.Context, dir string) (net.Conn, error) {
	var d net.Dialer
	b, err := os.ReadFile(AdminPortFile(dir))
	if err != nil {
		return d.DialContext(ctx, "unix", AdminSocket(dir))
	}
	var p adminPort
	if err := json.Unmarshal(b, &p); err != nil || p.Token == "" {
		return nil, fmt.Errorf("server: %s is damaged", AdminPortFile(dir))
	}
	c, err := d.DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(c, p.Token+"\n"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ListenAdmin opens the admin socket in dir, replacing one a killed
// server left behind; where the system cannot make one there, a loopback
// TCP port whose connections must first send the secret in AdminPortFile.
func ListenAdmin(dir string) (net.Listener, error) {
	path := AdminSocket(dir)
	if Serving(dir) {
		return nil, ErrLocked
	}
	_ = os.Remove(path)
	_ = os.Remove(AdminPortFile(dir))
	ln, err := net.Listen("unix", path)
	if err != nil {
		return listenAdminPort(dir, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func listenAdminPort(dir string, unixErr error) (net.Listener, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%v; loopback port: %w", unixErr, err)
	}
	p := adminPort{Addr: ln.Addr().String(), Token: hex.EncodeToString(secret)}
	b, _ := json.Marshal(p)
	file := AdminPortFile(dir)
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	if err := os.Rename(tmp, file); err != nil {
		ln.Close()
		return nil, err
	}
	return &portListener{Listener: ln, token: []byte(p.Token + "\n"), file: file}, nil
}

// portListener admits the connections that send the secret first.
type portListener struct {
	net.Listener
	token []byte
	file  string
}

func (l *portListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got := make([]byte, len(l.token))
		_, err = io.ReadFull(c, got)
		_ = c.SetReadDeadline(time.Time{})
		if err == nil && subtle.ConstantTimeCompare(got, l.token) == 1 {
			return c, nil
		}
		c.Close()
	}
}

// Close stops listening and removes the port's file.
func (l *portListener) Close() error {
	err := l.Listener.Close()
	_ = os.Remove(l.file)
	return err
}

// adminRequest carries the arguments of every admin operation.
type adminRequest struct {
	Unit      string          `json:"unit,omitempty"`
	Counter   int             `json:"counter,omitempty"`
	Device    string          `json:"device,omitempty"`
	Catalog   json.RawMessage `json:"catalog,omitempty"`
	Calendar  json.RawMessage `json:"calendar,omitempty"`
	Path      string          `json:"path,omitempty"`
	Username  string          `json:"username,omitempty"`
	Disabled  bool            `json:"disabled,omitempty"`
	LookupURL string          `json:"lookup_url,omitempty"`
	Portal    *PortalConfig   `json:"portal,omitempty"`
	Kind      PrincipalKind   `json:"kind,omitempty"`
}

// AdminHandler serves the admin operations of st, for the admin socket
// only: it has no authentication of its own.
func AdminHandler(st Admin) http.Handler {
	mux := http.NewServeMux()
	op := func(pattern string, do func(adminRequest) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			var (
				req adminRequest
				out any
				err error
			)
			if r.Method == http.MethodPost {
				err = wire.Decode(r.Body, 32<<20, &req, true)
			}
			if err == nil {
				out, err = do(req)
			}
			w.Header().Set("Content-Type", "application/json")
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				out = map[string]string{"error": err.Error()}
			}
			_ = json.NewEncoder(w).Encode(out)
		})
	}
	op("POST /enroll-code", func(req adminRequest) (any, error) {
		code, err := st.NewEnrollCode(req.Unit, req.Counter)
		return map[string]string{"code": code}, err
	})
	op("POST /token", func(req adminRequest) (any, error) {
		tok, err := st.NewToken(req.Kind, req.Unit)
		return map[string]string{"token": tok}, err
	})
	op("POST /revoke", func(req adminRequest) (any, error) { return struct{}{}, st.Revoke(req.Device) })
	op("POST /account", func(req adminRequest) (any, error) {
		return struct{}{}, st.SetAccountDisabled(req.Unit, req.Username, req.Disabled)
	})
	op("GET /reference", func(adminRequest) (any, error) { return st.Reference() })
	op("POST /backup", func(req adminRequest) (any, error) { return struct{}{}, st.Backup(req.Path) })
	op("GET /generation", func(adminRequest) (any, error) {
		return map[string]string{"generation": st.Generation()}, nil
	})
	op("POST /reference", func(req adminRequest) (any, error) {
		return struct{}{}, st.SetReference(req.Catalog, req.Calendar)
	})
	op("POST /lookup-url", func(req adminRequest) (any, error) { return struct{}{}, st.SetLookupURL(req.LookupURL) })
	op("POST /portal-config", func(req adminRequest) (any, error) {
		if req.Portal == nil {
			return nil, errors.New("server: no configuration")
		}
		return struct{}{}, st.SetPortalConfig(*req.Portal)
	})
	op("GET /portal-config", func(adminRequest) (any, error) {
		c, err := st.PortalConfig()
		c.Password = "" // never leaves the backend
		return c, err
	})
	op("GET /portal-status", func(adminRequest) (any, error) { return st.PortalStatus() })
	mux.HandleFunc("GET /export", func(w http.ResponseWriter, r *http.Request) {
		// JSON lines; an error after the first line ends the stream with
		// an {"error": …} line
		w.Header().Set("Content-Type", "application/x-ndjson")
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		if err := st.Export(r.URL.Query().Get("unit"), func(rec *dossier.Record) error { return enc.Encode(rec) }); err != nil {
			_ = enc.Encode(map[string]string{"error": err.Error()})
		}
		_ = bw.Flush()
	})
	return mux
}

// DialAdmin reaches a running server through its admin socket in dir.
func DialAdmin(dir string) Admin {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return dialAdmin(ctx, dir)
	}}
	return &adminClient{c: &http.Client{Transport: tr, Timeout: 10 * time.Minute}}
}

// ErrNoServer says the store is locked but no server answers on its admin
// socket (another command holds it, or a server of an older version).
var ErrNoServer = errors.New("tệp dữ liệu đang bị khóa nhưng không có máy chủ nào trả lời ở admin.sock; hãy thử lại sau")

type adminClient struct{ c *http.Client }

func (a *adminClient) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	resp, err := a.do(method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// do sends one request; an answer other than 200 becomes its error.
func (a *adminClient) do(method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(method, "http://admin"+path, body)
	if err != nil {
		return nil, err
	}
	resp, err := a.c.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil, ErrNoServer
		}
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e struct {
			Error string `json:"error"`
		}
		if json.NewDecoder(resp.Body).Decode(&e) != nil || e.Error == "" {
			return nil, fmt.Errorf("máy chủ trả lời %d", resp.StatusCode)
		}
		return nil, errors.New(e.Error)
	}
	return resp, nil
}

func (a *adminClient) NewEnrollCode(unit string, counter int) (string, error) {
	var out struct{ Code string }
	err := a.call(http.MethodPost, "/enroll-code", adminRequest{Unit: unit, Counter: counter}, &out)
	return out.Code, err
}

func (a *adminClient) NewToken(kind PrincipalKind, unit string) (string, error) {
	var out struct{ Token string }
	err := a.call(http.MethodPost, "/token", adminRequest{Unit: unit, Kind: kind}, &out)
	return out.Token, err
}

func (a *adminClient) Backup(path string) error {
	return a.call(http.MethodPost, "/backup", adminRequest{Path: path}, &struct{}{})
}

func (a *adminClient) Generation() string {
	var out struct {
		Generation string `json:"generation"`
	}
	if a.call(http.MethodGet, "/generation", nil, &out) != nil {
		return ""
	}
	return out.Generation
}

func (a *adminClient) Revoke(deviceID string) error {
	return a.call(http.MethodPost, "/revoke", adminRequest{Device: deviceID}, &struct{}{})
}

func (a *adminClient) Reference() (wire.Reference, error) {
	var ref wire.Reference
	err := a.call(http.MethodGet, "/reference", nil, &ref)
	return ref, err
}

func (a *adminClient) SetReference(catalog, calendar []byte) error {
	return a.call(http.MethodPost, "/reference", adminRequest{Catalog: catalog, Calendar: calendar}, &struct{}{})
}

func (a *adminClient) SetLookupURL(u string) error {
	return a.call(http.MethodPost, "/lookup-url", adminRequest{LookupURL: u}, &struct{}{})
}

func (a *adminClient) SetPortalConfig(c PortalConfig) error {
	return a.call(http.MethodPost, "/portal-config", adminRequest{Portal: &c}, &struct{}{})
}

// PortalConfig through the admin socket comes without the password.
func (a *adminClient) PortalConfig() (PortalConfig, error) {
	var c PortalConfig
	return c, a.call(http.MethodGet, "/portal-config", nil, &c)
}

func (a *adminClient) PortalStatus() (PortalStatus, error) {
	var s PortalStatus
	return s, a.call(http.MethodGet, "/portal-status", nil, &s)
}

func (a *adminClient) Export(unit string, fn func(*dossier.Record) error) error {
	resp, err := a.do(http.MethodGet, "/export?unit="+url.QueryEscape(unit), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for dec.More() {
		var line json.RawMessage
		if err := dec.Decode(&line); err != nil {
			return err
		}
		var failed struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(line, &failed) == nil && failed.Error != "" {
			return errors.New(failed.Error)
		}
		var r dossier.Record
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}
