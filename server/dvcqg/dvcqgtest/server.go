// Package dvcqgtest is a stand-in for DVCQG's integration platform in
// tests: it implements the shapes package dvcqg sends, strictly, as a real
// platform might: a missing required field, a number where a string is
// expected, a date not in yyyyMMddHHmmss, a status outside 1–10, an
// unknown key, a step of an unknown record or an expired session are all
// refused with error_code -1 and a message; a record created twice is
// "Hồ sơ đã tồn tại". It keeps what it accepted, and can fail on demand.
package dvcqgtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"

	"motcua/server/dvcqg"
)

// Server is the stand-in. Its fields are set before the first request.
type Server struct {
	*httptest.Server
	Username, Password, DstCode, MaDonVi string

	mu       sync.Mutex
	sessions map[string]int // session → calls left before it expires
	records  map[string]dvcqg.Record
	steps    map[string][]dvcqg.Step // by record
	calls    map[string]int          // by service
	// SessionCalls is how many calls a session serves before it expires
	// (0: for ever).
	SessionCalls int
	failNext     int
	refuse       map[string]string // record code → why it is refused
}

// Paths of the two endpoints.
const (
	AuthPath        = "/lgsp/auth"
	IntegrationPath = "/lgsp/dvcqg"
)

// New starts a stand-in with these credentials.
func New(user, password, dstcode, madonvi string) *Server {
	s := &Server{Username: user, Password: password, DstCode: dstcode, MaDonVi: madonvi,
		sessions: map[string]int{}, records: map[string]dvcqg.Record{}, steps: map[string][]dvcqg.Step{}, calls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+AuthPath, s.auth)
	mux.HandleFunc("POST "+IntegrationPath, s.integrate)
	s.Server = httptest.NewServer(mux)
	return s
}

// Config is a client configuration for this stand-in.
func (s *Server) Config() dvcqg.Config {
	return dvcqg.Config{AdapterURL: s.URL, AuthEndpoint: AuthPath, IntegrationEndpoint: IntegrationPath,
		Username: s.Username, Password: s.Password, DstCode: s.DstCode, MaDonVi: s.MaDonVi}
}

// FailNext makes the next n requests answer 503.
func (s *Server) FailNext(n int) { s.mu.Lock(); s.failNext = n; s.mu.Unlock() }

// Refuse makes the platform refuse the record with this code, and its
// steps, with the message why.
func (s *Server) Refuse(code, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse == nil {
		s.refuse = map[string]string{}
	}
	s.refuse[code] = why
}

func (s *Server) refused(code string) string { s.mu.Lock(); defer s.mu.Unlock(); return s.refuse[code] }

// ExpireSessions ends every session.
func (s *Server) ExpireSessions() { s.mu.Lock(); clear(s.sessions); s.mu.Unlock() }

// Records are the records it holds, by code.
func (s *Server) Records() map[string]dvcqg.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]dvcqg.Record, len(s.records))
	for k, v := range s.records {
		out[k] = v
	}
	return out
}

// Steps are the steps it holds for a record, in the order received.
func (s *Server) Steps(code string) []dvcqg.Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]dvcqg.Step(nil), s.steps[code]...)
}

// Calls is how many calls of a service it answered (logins: "login").
func (s *Server) Calls(service string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls[service] }

func answer(w http.ResponseWriter, code int, msg string, extra map[string]any) {
	out := map[string]any{"error_code": code, "message": msg}
	for k, v := range extra {
		out[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) failing(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		http.Error(w, "tạm thời không phục vụ", http.StatusServiceUnavailable)
		return true
	}
	return false
}

func (s *Server) auth(w http.ResponseWriter, r *http.Request) {
	if s.failing(w) {
		return
	}
	var body map[string]any
	if err := decodeStrict(r, &body); err != nil {
		answer(w, -1, err.Error(), nil)
		return
	}
	s.mu.Lock()
	s.calls["login"]++
	s.mu.Unlock()
	if r.Header.Get("dstcode") != s.DstCode || body["username"] != s.Username || body["password"] != s.Password {
		answer(w, -1, "Sai thông tin đăng nhập", nil)
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	session := hex.EncodeToString(b)
	s.mu.Lock()
	s.sessions[session] = s.SessionCalls
	s.mu.Unlock()
	answer(w, 0, "Đăng nhập thành công", map[string]any{"session": session})
}

func decodeStrict(r *http.Request, v any) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		return err
	}
	if err := json.Unmarshal(buf.Bytes(), v); err != nil {
		return fmt.Errorf("dữ liệu không đúng định dạng JSON: %v", err)
	}
	return nil
}

// useSession spends one call of a session; false when it has expired.
func (s *Server) useSession(session string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	left, ok := s.sessions[session]
	switch {
	case !ok:
		return false
	case left == 1:
		delete(s.sessions, session)
	case left > 1:
		s.sessions[session] = left - 1
	}
	return true
}

func (s *Server) integrate(w http.ResponseWriter, r *http.Request) {
	if s.failing(w) {
		return
	}
	var body map[string]json.RawMessage
	if err := decodeStrict(r, &body); err != nil {
		answer(w, -1, err.Error(), nil)
		return
	}
	var session, madonvi, service string
	for k, p := range map[string]*string{"session": &session, "madonvi": &madonvi, "service": &service} {
		if err := json.Unmarshal(body[k], p); err != nil {
			answer(w, -1, "Thiếu hoặc sai kiểu trường "+k, nil)
			return
		}
	}
	switch {
	case r.Header.Get("dstcode") != s.DstCode:
		answer(w, -1, "Sai mã định tuyến dstcode", nil)
		return
	case !s.useSession(session):
		answer(w, -1, "Phiên làm việc (session) đã hết hạn", nil)
		return
	case madonvi != s.MaDonVi:
		answer(w, -1, "Sai mã đơn vị", nil)
		return
	}
	s.mu.Lock()
	s.calls[service]++
	s.mu.Unlock()
	switch service {
	case dvcqg.ServiceLookup:
		s.lookup(w, body)
	case dvcqg.ServiceSyncRecord:
		s.syncRecord(w, body)
	case dvcqg.ServiceProgress:
		s.progress(w, body)
	default:
		answer(w, -1, "Dịch vụ không tồn tại: "+service, nil)
	}
}

func (s *Server) lookup(w http.ResponseWriter, body map[string]json.RawMessage) {
	var code string
	if err := json.Unmarshal(body["mahoso"], &code); err != nil || code == "" {
		answer(w, -1, "Thiếu mahoso", nil)
		return
	}
	s.mu.Lock()
	rec, ok := s.records[code]
	s.mu.Unlock()
	result := []any{}
	if ok {
		result = append(result, map[string]string{"MaHoSo": rec.MaHoSo, "TrangThaiHoSo": rec.TrangThaiHoSo})
	}
	answer(w, 0, "Thành công", map[string]any{"result": result})
}

var (
	dateRE   = regexp.MustCompile(`^\d{14}$`)
	statusRE = regexp.MustCompile(`^([1-9]|10)$`)
)

// fields checks an object: only known keys, every scalar a string,
// required ones present and not empty, dates in yyyyMMddHHmmss. It
// returns the refusal's message, "" when the object is fine.
func fields(obj map[string]json.RawMessage, known map[string]bool, required, dates, lists []string) string {
	for k := range obj {
		if !known[k] {
			return fmt.Sprintf("Trường không hợp lệ: %s", k)
		}
	}
	isList := map[string]bool{}
	for _, l := range lists {
		isList[l] = true
		var v []json.RawMessage
		if raw, ok := obj[l]; ok && json.Unmarshal(raw, &v) != nil {
			return fmt.Sprintf("Trường %s phải là danh sách", l)
		}
	}
	str := map[string]string{}
	for k, raw := range obj {
		if isList[k] {
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Sprintf("Trường %s phải là chuỗi", k)
		}
		str[k] = v
	}
	for _, k := range required {
		if str[k] == "" {
			return fmt.Sprintf("Thiếu trường bắt buộc %s", k)
		}
	}
	for _, k := range dates {
		if v := str[k]; v != "" {
			if !dateRE.MatchString(v) {
				return fmt.Sprintf("Trường %s sai định dạng ngày yyyyMMddHHmmss: %s", k, v)
			}
			if _, err := dvcqg.ParseDate(v); err != nil {
				return fmt.Sprintf("Trường %s không phải ngày: %s", k, v)
			}
		}
	}
	return ""
}

// decode reads an object fields has checked (every value a string or a
// list) into T.
func decode[T any](obj map[string]json.RawMessage) T {
	var v T
	b, _ := json.Marshal(obj)
	_ = json.Unmarshal(b, &v)
	return v
}

func jsonKeys(v any) map[string]bool {
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

var (
	recordKeys = jsonKeys(dvcqg.Record{})
	stepKeys   = jsonKeys(dvcqg.Step{})
)

func (s *Server) syncRecord(w http.ResponseWriter, body map[string]json.RawMessage) {
	var updating string
	if err := json.Unmarshal(body["isUpdating"], &updating); err != nil || (updating != "True" && updating != "False") {
		answer(w, -1, `isUpdating phải là chuỗi "True" hoặc "False"`, nil)
		return
	}
	var data []map[string]json.RawMessage
	if err := json.Unmarshal(body["data"], &data); err != nil || len(data) == 0 {
		answer(w, -1, "Thiếu danh sách hồ sơ data", nil)
		return
	}
	for _, obj := range data {
		err := fields(obj, recordKeys,
			[]string{"MaHoSo", "MaTTHC", "TenTTHC", "LoaiDoiTuong", "NgayTiepNhan", "TrangThaiHoSo", "HinhThuc", "DonViXuLy"},
			[]string{"NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy"},
			[]string{"TaiLieuNop", "DanhSachGiayToKetQua", "DanhSachLePhi", "DanhSachTepDinhKemKhac", "DanhSachHoSoBoSung"})
		if err != "" {
			answer(w, -1, err, nil)
			return
		}
		rec := decode[dvcqg.Record](obj)
		if !statusRE.MatchString(rec.TrangThaiHoSo) {
			answer(w, -1, "TrangThaiHoSo không hợp lệ: "+rec.TrangThaiHoSo, nil)
			return
		}
		if why := s.refused(rec.MaHoSo); why != "" {
			answer(w, -1, why, nil)
			return
		}
		s.mu.Lock()
		_, exists := s.records[rec.MaHoSo]
		switch {
		case exists && updating == "False":
			s.mu.Unlock()
			answer(w, -1, "Hồ sơ "+rec.MaHoSo+" đã tồn tại", nil)
			return
		case !exists && updating == "True":
			s.mu.Unlock()
			answer(w, -1, "Không tìm thấy hồ sơ "+rec.MaHoSo+" để cập nhật", nil)
			return
		}
		s.records[rec.MaHoSo] = rec
		s.mu.Unlock()
	}
	answer(w, 0, "Đồng bộ hồ sơ thành công", nil)
}

func (s *Server) progress(w http.ResponseWriter, body map[string]json.RawMessage) {
	var data []map[string]json.RawMessage
	if err := json.Unmarshal(body["data"], &data); err != nil || len(data) == 0 || len(data) > 10 {
		answer(w, -1, "data phải là danh sách từ 1 đến 10 bước xử lý", nil)
		return
	}
	steps := make([]dvcqg.Step, 0, len(data))
	for _, obj := range data {
		if msg := fields(obj, stepKeys, []string{"MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "TrangThai"},
			[]string{"ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"}, nil); msg != "" {
			answer(w, -1, msg, nil)
			return
		}
		st := decode[dvcqg.Step](obj)
		if !statusRE.MatchString(st.TrangThai) {
			answer(w, -1, "TrangThai không hợp lệ: "+st.TrangThai, nil)
			return
		}
		s.mu.Lock()
		_, ok := s.records[st.MaHoSo]
		s.mu.Unlock()
		if !ok {
			answer(w, -1, "Không tìm thấy hồ sơ "+st.MaHoSo, nil)
			return
		}
		steps = append(steps, st)
	}
	s.mu.Lock()
	for _, st := range steps {
		s.steps[st.MaHoSo] = append(s.steps[st.MaHoSo], st)
	}
	s.mu.Unlock()
	answer(w, 0, "Cập nhật tiến độ thành công", nil)
}
