package server

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"motcua/dossier"
)

// The public status lookup (GET /tra-cuu): the page a receipt's QR code
// opens. A citizen gives the record code and the last four digits of the
// owner's phone or ID number, and sees the procedure, the dates, the status
// in plain words and the steps so far, with the owner's name masked;
// never an ID number, a phone, an address, a document or a reason. The
// code alone is not enough: codes are sequential and printed on paper, so
// guessing one must not show a file. A wrong code and wrong digits get
// the same calm answer, and each address may ask a few times a minute.

// Finder finds a record by its code in its unit (nil, nil: none).
type Finder interface {
	RecordByCode(unit, code string) (*dossier.Record, error)
}

//go:embed lookup.html
var lookupFS embed.FS

var lookupPage = template.Must(template.New("lookup.html").ParseFS(lookupFS, "lookup.html"))

// LookupLimit is how many lookups an address may make in LookupWindow.
const (
	LookupLimit  = 10
	LookupWindow = time.Minute
)

// lookupView is what the page shows.
type lookupView struct {
	Code     string
	Asked    bool   // the form was sent
	Message  string // a calm sentence when nothing is shown
	Found    *lookupRecord
	Limited  bool
	Interval int // minutes to wait when limited
}

type lookupRecord struct {
	Procedure, Owner, Received, Due, Status string
	Finished                                bool
	Steps                                   []lookupStep
}

type lookupStep struct{ At, What string }

// lookup serves the page: the form (with the code from the QR link), and
// the answer to it.
type lookup struct {
	find  Finder
	now   func() time.Time
	ip    func(*http.Request) string // who asks
	mu    sync.Mutex
	tries map[string][]time.Time // by client address, within the window
}

func newLookup(f Finder, now func() time.Time, ip func(*http.Request) string) *lookup {
	return &lookup{find: f, now: now, ip: ip, tries: map[string][]time.Time{}}
}

// allow counts a lookup of an address; false when it asked too often.
func (l *lookup) allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	keep := l.tries[ip][:0]
	for _, t := range l.tries[ip] {
		if now.Sub(t) < LookupWindow {
			keep = append(keep, t)
		}
	}
	if len(keep) >= LookupLimit {
		l.tries[ip] = keep
		return false
	}
	l.tries[ip] = append(keep, now)
	if len(l.tries) > 100_000 { // a flood of addresses: forget the oldest window
		clear(l.tries)
	}
	return true
}

func (l *lookup) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	v := lookupView{Code: strings.TrimSpace(r.FormValue("ma"))}
	if code := dossier.FindCode(v.Code); code != "" { // a scanned link pasted whole
		v.Code = code
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		v.Asked = true
		switch {
		case !l.allow(l.ip(r)):
			v.Limited, v.Interval, status = true, int(LookupWindow/time.Minute), http.StatusTooManyRequests
		default:
			v.Found, v.Message = l.answer(v.Code, r.PostFormValue("so"))
		}
	}
	w.WriteHeader(status)
	if err := lookupPage.Execute(w, v); err != nil {
		slog.Warn("lookup page", "err", err)
	}
}

// notFound is the one answer for a code that is not there, malformed, or
// whose digits do not match: nothing tells them apart.
const notFound = "Không tìm thấy hồ sơ với mã và bốn chữ số đã nhập. Xin kiểm tra lại mã hồ sơ trên Giấy tiếp nhận và bốn chữ số cuối của số điện thoại hoặc số giấy tờ tùy thân của người đứng tên hồ sơ."

// answer finds the record whose code and second factor match.
func (l *lookup) answer(code, digits string) (*lookupRecord, string) {
	digits = strings.TrimSpace(digits)
	parts, ok := dossier.ParseCode(code)
	if !ok || len(digits) != 4 || strings.Trim(digits, "0123456789") != "" {
		if code == "" || digits == "" {
			return nil, "Xin nhập mã hồ sơ và bốn chữ số cuối."
		}
		return nil, notFound
	}
	r, err := l.find.RecordByCode(parts.Unit, code)
	if err != nil {
		slog.Warn("lookup", "err", err)
		return nil, "Hệ thống đang bận, xin thử lại sau ít phút."
	}
	if r == nil || !secondFactor(r, digits) {
		return nil, notFound
	}
	return view(r), ""
}

// secondFactor says whether digits are the last four of the owner's (or
// the filer's) phone or identity number.
func secondFactor(r *dossier.Record, digits string) bool {
	for _, p := range []dossier.Party{r.Owner, r.Filer} {
		for _, s := range []string{p.Phone, p.IDNumber} {
			d := strings.Map(func(c rune) rune {
				if c >= '0' && c <= '9' {
					return c
				}
				return -1
			}, s)
			if len(d) >= 4 && d[len(d)-4:] == digits {
				return true
			}
		}
	}
	return false
}

// view is what the page may show of a record.
func view(r *dossier.Record) *lookupRecord {
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(dossier.Loc).Format("15:04 02/01/2006")
	}
	v := &lookupRecord{Procedure: r.ProcedureName, Owner: MaskName(r.Owner.Name), Received: day(r.ReceivedAt), Due: day(r.DueAt),
		Status: r.Status.Label(), Finished: r.Status == dossier.StatusDone || r.Status == dossier.StatusReturned}
	for _, e := range r.History {
		if e.Type == dossier.EvNoteAdded || e.Type == dossier.EvCorrected { // the office's own notes
			continue
		}
		v.Steps = append(v.Steps, lookupStep{At: day(e.At), What: e.Type.Label()})
	}
	return v
}

// MaskName keeps the first letter of each word of a name but the last,
// and at most three stars for the rest: "Nguyễn Thị Ánh Tuyết" is
// "N*** T** Á** Tuyết". An organisation's name is masked the same way.
func MaskName(name string) string {
	words := strings.FieldsFunc(name, unicode.IsSpace)
	for i, w := range words[:max(0, len(words)-1)] {
		first, size := utf8.DecodeRuneInString(w)
		words[i] = string(first) + strings.Repeat("*", min(3, utf8.RuneCountInString(w[size:])))
	}
	return strings.Join(words, " ")
}
