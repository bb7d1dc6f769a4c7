package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
	mcsync "motcua/sync"
)

type statusJSON struct {
	Records     int       `json:"records"`
	Pending     int       `json:"pending"`
	Attention   int       `json:"attention"`
	Indexing    int       `json:"indexing,omitempty"` // pulled records not yet findable by name, ID, phone
	FileBytes   int64     `json:"file_bytes"`
	Server      string    `json:"server,omitempty"`
	Enrolled    bool      `json:"enrolled"`
	NeedsEnroll bool      `json:"needs_enroll,omitempty"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Generation  string    `json:"generation,omitempty"` // the backend store's, as last seen
	Rewinds     int       `json:"rewinds,omitempty"`
	LastRewind  time.Time `json:"last_rewind,omitzero"`
	Restored    time.Time `json:"restored,omitzero"`
	ReadOnly    bool      `json:"read_only,omitempty"`
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

const usage = `motcuactl — công cụ quản trị Một Cửa (không cần giao diện)

Cách dùng: motcuactl [-data THƯ_MỤC] <lệnh> [tham số]

Lệnh:
  setup -unit-name TÊN -unit-code MÃ -place ĐỊA_DANH -counter N -clerk HỌ_TÊN
                                 thiết lập đơn vị và quầy (như màn hình lần đầu)
  intake FILE.json               tiếp nhận hồ sơ từ tệp JSON (xem docs/intake.md), in mã hồ sơ
  due -procedure MÃ -received "2026-02-13 16:05" [-alt]
                                 tính ngày hẹn trả theo lịch làm việc hiện hành
  seed -records N [-seed S]      tạo N hồ sơ giả lập để trình diễn, đo hiệu năng
  backup FILE                    sao lưu nhất quán (bản sao được kiểm tra toàn bộ)
  restore FILE                   khôi phục từ bản sao lưu (đóng chương trình trước); tệp cũ được giữ lại
  verify                         kiểm tra tệp dữ liệu và các chỉ mục
  export -csv FILE               xuất toàn bộ hồ sơ ra CSV
  calendar import FILE           thay lịch làm việc và bảng ngày nghỉ
  calendar show                  in lịch đang dùng
  catalog import FILE            thay danh mục thủ tục
  print -form LOẠI -code MÃ -o FILE.pdf
                                 in biểu mẫu của hồ sơ: receipt (Mẫu 01), supplement (02),
                                 refusal (03), extension (04), stop (05), control (06),
                                 handover (biên nhận trả kết quả), fee (biên lai)
  print -form ledger -from dd/mm/yyyy -to dd/mm/yyyy [-status N] -o FILE.pdf
                                 in sổ theo dõi hồ sơ (Mẫu 07)
  enroll -server URL -code MÃ    đăng ký quầy với máy chủ của tỉnh (mã dùng một lần)
  sync                           một lượt gửi và nhận với máy chủ; thoát 0 khi đã gửi hết
  status [-json]                 số hồ sơ, sự kiện chờ gửi, cần xử lý, lần đồng bộ gần nhất
`

// exitError carries an exit status with a message for the operator.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func fail(format string, a ...any) error { return &exitError{1, fmt.Sprintf(format, a...)} }

func run(args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("motcuactl", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.Usage = func() { fmt.Fprint(stderr, usage) }
	dataDir := global.String("data", "", "thư mục dữ liệu (mặc định: thư mục dữ liệu người dùng)")
	if err := global.Parse(args); err != nil {
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	path, err := dbPath(*dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "Lỗi:", err)
		return 1
	}
	err = dispatch(path, rest[0], rest[1:], stdout, stderr)
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		fmt.Fprintln(stderr, "Lỗi:", ee.msg)
		return ee.code
	default:
		fmt.Fprintln(stderr, "Lỗi:", explain(err))
		return 1
	}
}

func dbPath(dir string) (string, error) {
	if dir == "" {
		return storage.DefaultPath()
	}
	return filepath.Join(dir, "motcua.db"), nil
}

// explain turns an error into the sentences a support person reads.
func explain(err error) string {
	var ve dossier.ValidationErrors
	if errors.As(err, &ve) {
		var b strings.Builder
		b.WriteString("hồ sơ không hợp lệ:")
		for _, e := range ve {
			fmt.Fprintf(&b, "\n  - %s: %s", e.Field, e.Msg)
		}
		return b.String()
	}
	return err.Error()
}

func open(path string) (*storage.Store, error) {
	return storage.Open(path, storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar})
}

// openReading opens the store for a command that only reads (status,
// verify, export, backup): read-only, so it works on a read-only file or
// medium and never writes to a file that may be damaged. A file from an
// older version is opened for writing once, to upgrade it.
func openReading(path string) (*storage.Store, error) {
	s, err := storage.Open(path, storage.Options{ReadOnly: true})
	if errors.Is(err, storage.ErrOldSchema) {
		return open(path)
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, fail("chưa có tệp dữ liệu %s", path)
	}
	return s, err
}

// openPrinting opens the store to print: for writing (every print is
// audited), or read-only when the file or medium is (the PDF is made, and
// the operator is told the print is not in the audit).
func openPrinting(path string) (*storage.Store, error) {
	s, err := open(path)
	if errors.Is(err, storage.ErrReadOnlyFile) {
		return openReading(path)
	}
	return s, err
}

func withReading(path string, fn func(*storage.Store) error) error {
	s, err := openReading(path)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

func dispatch(path, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch cmd {
	case "setup":
		var set storage.Settings
		fs.StringVar(&set.UnitName, "unit-name", "", "tên đơn vị")
		fs.StringVar(&set.UnitCode, "unit-code", "", "mã định danh đơn vị, ví dụ 000.00.12.H57")
		fs.StringVar(&set.Place, "place", "", "địa danh")
		fs.IntVar(&set.Counter, "counter", 0, "số quầy (1–9)")
		fs.StringVar(&set.Clerk, "clerk", "", "họ tên cán bộ")
		fs.StringVar(&set.Language, "lang", "vi", "ngôn ngữ: vi hoặc en")
		if err := fs.Parse(args); err != nil {
			return &exitError{2, "tham số không hợp lệ"}
		}
		return withStore(path, func(s *storage.Store) error { return s.SaveSettings(set) })
	case "intake":
		if len(args) != 1 {
			return &exitError{2, "cần đúng một tệp JSON: motcuactl intake FILE.json"}
		}
		return cmdIntake(path, args[0], stdout)
	case "due":
		proc := fs.String("procedure", "", "mã thủ tục, ví dụ 1.001193")
		recv := fs.String("received", "", `thời điểm tiếp nhận "2006-01-02 15:04"`)
		alt := fs.Bool("alt", false, "dùng thời hạn thay thế của thủ tục (ví dụ khi cần xác minh)")
		if err := fs.Parse(args); err != nil {
			return &exitError{2, "tham số không hợp lệ"}
		}
		return cmdDue(path, *proc, *recv, *alt, stdout)
	case "seed":
		n := fs.Int("records", 1000, "số hồ sơ")
		seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "hạt giống ngẫu nhiên")
		if err := fs.Parse(args); err != nil {
			return &exitError{2, "tham số không hợp lệ"}
		}
		return cmdSeed(path, *n, *seed, stdout, stderr)
	case "backup":
		if len(args) != 1 {
			return &exitError{2, "cần tệp đích: motcuactl backup FILE"}
		}
		return withReading(path, func(s *storage.Store) error {
			if err := s.Backup(args[0]); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "Đã sao lưu và kiểm tra bản sao:", args[0])
			return nil
		})
	case "verify":
		return withReading(path, func(s *storage.Store) error {
			probs, err := s.Verify()
			if err != nil {
				return err
			}
			st, _ := s.Stats()
			for _, p := range probs {
				fmt.Fprintln(stdout, "LỖI", p)
			}
			if len(probs) > 0 {
				return fail("tệp dữ liệu có %d lỗi", len(probs))
			}
			fmt.Fprintf(stdout, "Tệp dữ liệu nhất quán: %d hồ sơ, mọi chỉ mục khớp.\n", st.Records)
			return nil
		})
	case "export":
		out := fs.String("csv", "", "tệp CSV đích")
		if err := fs.Parse(args); err != nil || *out == "" {
			return &exitError{2, "cần -csv FILE"}
		}
		return withReading(path, func(s *storage.Store) error {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			n, err := s.ExportCSV(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Đã xuất %d hồ sơ vào %s\n", n, *out)
			return nil
		})
	case "restore":
		if len(args) != 1 {
			return &exitError{2, "cần tệp sao lưu: motcuactl restore FILE (đóng chương trình trước)"}
		}
		aside, err := storage.Restore(path, args[0])
		if errors.Is(err, storage.ErrLocked) {
			return fail("chương trình Một Cửa đang mở tệp dữ liệu; hãy đóng chương trình rồi khôi phục")
		}
		if err != nil {
			return err
		}
		if aside != "" {
			fmt.Fprintln(stdout, "Tệp dữ liệu cũ được giữ lại tại", aside)
		}
		fmt.Fprintln(stdout, "Đã khôi phục từ", args[0]+". Lần đồng bộ tới sẽ nhận lại từ máy chủ những gì bản sao lưu thiếu và gửi lại những gì máy chủ chưa có.")
		return nil
	case "calendar", "catalog":
		return cmdReference(path, cmd, args, stdout)
	case "print":
		kind := fs.String("form", "", "loại biểu mẫu")
		code := fs.String("code", "", "mã hồ sơ")
		out := fs.String("o", "", "tệp PDF đích")
		from := fs.String("from", "", "sổ theo dõi: từ ngày dd/mm/yyyy")
		to := fs.String("to", "", "sổ theo dõi: đến ngày dd/mm/yyyy")
		status := fs.Int("status", 0, "sổ theo dõi: chỉ trạng thái này (1–10)")
		if err := fs.Parse(args); err != nil || *kind == "" || *out == "" {
			return &exitError{2, "cần -form LOẠI và -o FILE.pdf"}
		}
		s, err := openPrinting(path)
		if err != nil {
			return err
		}
		defer s.Close()
		return cmdPrint(s, forms.Kind(*kind), *code, *from, *to, dossier.Status(*status), *out, stdout)
	case "enroll":
		server := fs.String("server", "", "địa chỉ máy chủ, ví dụ https://motcua.example.vn")
		code := fs.String("code", "", "mã đăng ký dùng một lần")
		if err := fs.Parse(args); err != nil || *server == "" || *code == "" {
			return &exitError{2, "cần -server URL và -code MÃ"}
		}
		return withStore(path, func(s *storage.Store) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := mcsync.New(s, mcsync.Config{DeviceName: hostname()}).Enroll(ctx, *server, *code); err != nil {
				return err
			}
			set := s.Settings()
			fmt.Fprintf(stdout, "Đã đăng ký: đơn vị %s, quầy %d\n", set.UnitCode, set.Counter)
			return nil
		})
	case "sync":
		return withStore(path, func(s *storage.Store) error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			sum, err := mcsync.New(s, mcsync.Config{}).SyncOnce(ctx)
			if err != nil {
				return err
			}
			st, _ := s.Stats()
			fmt.Fprintf(stdout, "Đã đồng bộ: %s\nCòn chờ gửi: %d; cần xử lý: %d\n", sum, st.Pending, st.Attention)
			if st.Pending > 0 {
				return fail("còn %d sự kiện chưa gửi được", st.Pending)
			}
			return nil
		})
	case "status":
		asJSON := fs.Bool("json", false, "in dạng JSON")
		if err := fs.Parse(args); err != nil {
			return &exitError{2, "tham số không hợp lệ"}
		}
		return withReading(path, func(s *storage.Store) error {
			st, err := s.Stats()
			if err != nil {
				return err
			}
			ss, err := s.SyncState()
			if err != nil {
				return err
			}
			out := statusJSON{Records: st.Records, Pending: st.Pending, Attention: st.Attention, Indexing: st.Indexing, FileBytes: st.FileBytes,
				Server: ss.ServerURL, Enrolled: ss.Enrolled(), NeedsEnroll: ss.NeedsEnroll, LastSuccess: ss.LastSuccess, LastError: ss.LastError,
				Generation: ss.Generation, Rewinds: ss.Rewinds, LastRewind: ss.LastRewind, Restored: ss.Restored, ReadOnly: s.ReadOnly()}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(out)
			}
			last := "chưa có"
			if !ss.LastSuccess.IsZero() {
				last = ss.LastSuccess.In(dossier.Loc).Format("02/01/2006 15:04:05")
			}
			fmt.Fprintf(stdout, "Hồ sơ: %d\nChờ gửi: %d\nCần xử lý: %d\nMáy chủ: %s\nĐồng bộ thành công gần nhất: %s\nLỗi gần nhất: %s\nDung lượng tệp: %d byte\n",
				st.Records, st.Pending, st.Attention, orNone(ss.ServerURL), last, orNone(ss.LastError), st.FileBytes)
			if st.Indexing > 0 {
				fmt.Fprintf(stdout, "Đang lập chỉ mục tìm kiếm: %d hồ sơ vừa nhận\n", st.Indexing)
			}
			if ss.Generation != "" {
				fmt.Fprintf(stdout, "Thế hệ dữ liệu máy chủ: %s\n", ss.Generation)
			}
			if ss.Rewinds > 0 {
				fmt.Fprintf(stdout, "Máy chủ đã quay về bản sao lưu cũ %d lần, gần nhất %s (đã gửi lại và đồng bộ lại)\n", ss.Rewinds, ss.LastRewind.In(dossier.Loc).Format("02/01/2006 15:04"))
			}
			if !ss.Restored.IsZero() {
				fmt.Fprintf(stdout, "Khôi phục từ bản sao lưu lúc: %s\n", ss.Restored.In(dossier.Loc).Format("02/01/2006 15:04"))
			}
			return nil
		})
	}
	fmt.Fprint(stderr, usage)
	return &exitError{2, "lệnh không rõ: " + cmd}
}

func withStore(path string, fn func(*storage.Store) error) error {
	s, err := open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

func cmdIntake(path, file string, stdout io.Writer) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fail("không đọc được tệp %s: %v", file, err)
	}
	var in dossier.Intake
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fail("tệp %s không đúng định dạng hồ sơ (docs/intake.md): %v", file, err)
	}
	return withStore(path, func(s *storage.Store) error {
		r, err := s.Intake(in)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, r.Code)
		return nil
	})
}

func cmdDue(path, proc, recv string, alt bool, stdout io.Writer) error {
	received, err := time.ParseInLocation("2006-01-02 15:04", recv, dossier.Loc)
	if err != nil {
		return &exitError{2, `thời điểm tiếp nhận phải có dạng "2026-02-13 16:05"`}
	}
	return withStore(path, func(s *storage.Store) error {
		p, ok := s.Catalog().Lookup(proc)
		if !ok {
			return fail("không có thủ tục %q trong danh mục", proc)
		}
		in := dossier.Intake{UseAltTime: alt}
		pt := in.TimeFor(p)
		due := s.Calendar().Due(pt, p.Cutoff15, received)
		fmt.Fprintf(stdout, "%s\n", due.Format("2006-01-02 15:04"))
		fmt.Fprintf(stdout, "# %s — %s; thời hạn: %s%s; tiếp nhận %s\n", p.Code, p.Name, pt, map[bool]string{true: " (áp dụng mốc 15 giờ)"}[p.Cutoff15], received.Format("02/01/2006 15:04"))
		return nil
	})
}

func cmdSeed(path string, n int, seed uint64, stdout, stderr io.Writer) error {
	if n <= 0 || n > 10_000_000 {
		return &exitError{2, "số hồ sơ phải từ 1 đến 10.000.000"}
	}
	s, err := storage.Open(path, storage.Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar, NoSync: true})
	if err != nil {
		return err
	}
	defer s.Close()
	if !s.Settings().Ready() {
		return fail("hãy thiết lập đơn vị trước (motcuactl setup …)")
	}
	start := time.Now()
	err = s.Seed(n, seed, func(done int) { progressBar(stderr, done, n, start) })
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	if err := s.Sync(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Đã tạo %d hồ sơ giả lập trong %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

func progressBar(w io.Writer, done, total int, start time.Time) {
	const width = 30
	filled := done * width / total
	rate := float64(done) / max(time.Since(start).Seconds(), 0.001)
	fmt.Fprintf(w, "\r[%s%s] %3d%% %d/%d (%.0f hồ sơ/giây)", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done*100/total, done, total, rate)
}

func cmdReference(path, what string, args []string, stdout io.Writer) error {
	if len(args) == 1 && args[0] == "show" {
		return withStore(path, func(s *storage.Store) error {
			var v any = s.Calendar()
			if what == "catalog" {
				v = s.Catalog()
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		})
	}
	if len(args) != 2 || args[0] != "import" {
		return &exitError{2, "cách dùng: motcuactl " + what + " import FILE | " + what + " show"}
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		return fail("không đọc được tệp %s: %v", args[1], err)
	}
	return withStore(path, func(s *storage.Store) error {
		actor := s.Settings().Clerk
		if what == "calendar" {
			cal, err := s.SetCalendar(data, actor)
			if err != nil {
				return fail("lịch không hợp lệ, lịch cũ vẫn giữ nguyên: %v", err)
			}
			fmt.Fprintf(stdout, "Đã nhập lịch %q: %d ngày đặc biệt\n", cal.Version, len(cal.Days))
			return nil
		}
		cat, err := s.SetCatalog(data, actor)
		if err != nil {
			return fail("danh mục không hợp lệ, danh mục cũ vẫn giữ nguyên: %v", err)
		}
		fmt.Fprintf(stdout, "Đã nhập danh mục %q: %d thủ tục\n", cat.Version, len(cat.Procedures))
		return nil
	})
}

// unitOf is the forms' issuer from the counter's settings.
func unitOf(set storage.Settings) forms.Unit {
	return forms.Unit{Name: set.UnitName, Code: set.UnitCode, Place: set.Place, LookupURL: set.LookupURL}
}

func cmdPrint(s *storage.Store, kind forms.Kind, code, from, to string, status dossier.Status, out string, stdout io.Writer) error {
	set := s.Settings()
	if !set.Ready() {
		return fail("hãy thiết lập đơn vị trước (motcuactl setup …)")
	}
	f, err := os.Create(out)
	if err != nil {
		return fail("không tạo được tệp %s: %v", out, err)
	}
	defer f.Close()
	if kind == forms.KindLedger {
		a, okA := dossier.ParseDate(from)
		b, okB := dossier.ParseDate(to)
		if !okA || !okB || b.Before(a) {
			return &exitError{2, "sổ theo dõi cần -from và -to dạng dd/mm/yyyy, -from không sau -to"}
		}
		if status != 0 && !status.Valid() {
			return &exitError{2, "trạng thái phải từ 1 đến 10"}
		}
		recs, more, err := s.Collect(storage.Query{From: a, To: b.AddDate(0, 0, 1), Status: status}, 100_000)
		if err != nil {
			return err
		}
		if more {
			return fail("khoảng thời gian có hơn 100.000 hồ sơ; hãy chia nhỏ")
		}
		label := ""
		if status != 0 {
			label = status.Label()
		}
		if err := forms.Ledger(f, unitOf(set), recs, forms.LedgerFilter{From: a, To: b, Status: label}, time.Now()); err != nil {
			return err
		}
		if err := s.LogLedgerPrint(set.Clerk, from+"–"+to); err != nil && !s.ReadOnly() {
			return err
		}
		fmt.Fprintf(stdout, "Đã in sổ theo dõi: %d hồ sơ vào %s\n", len(recs), out)
		return f.Close()
	}
	if s.ReadOnly() {
		fmt.Fprintln(stdout, "Lưu ý: tệp dữ liệu chỉ đọc, lần in này không được ghi vào nhật ký")
	}
	r, err := s.GetByCode(code)
	if err != nil {
		return fail("không tìm thấy hồ sơ %q", code)
	}
	if err := forms.Render(f, kind, unitOf(set), r, time.Now()); err != nil {
		return err
	}
	if _, err := s.LogPrint(set.Clerk, r, string(kind)); err != nil && !s.ReadOnly() {
		return err
	}
	fmt.Fprintf(stdout, "Đã in %s của hồ sơ %s vào %s\n", kind.Title(), r.Code, out)
	return f.Close()
}
