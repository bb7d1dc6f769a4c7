package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"motcua/account"
	"motcua/counter"
	"motcua/dossier"
	"motcua/forms"
	"motcua/internal/version"
)

const usage = `motcuactl — công cụ quản trị Một Cửa (không cần giao diện)

Cách dùng: motcuactl [-data THƯ_MỤC] [-user TÊN_ĐĂNG_NHẬP] <lệnh> [tham số]

Mọi lệnh thay đổi dữ liệu cần -user; mật khẩu gõ ở cửa sổ dòng lệnh hoặc lấy từ
biến MOTCUA_PASSWORD (mật khẩu mới: MOTCUA_NEW_PASSWORD). Lệnh chỉ đọc (status,
verify, due, calendar show) không cần tài khoản.

Lệnh:
  setup -unit-name TÊN -unit-code MÃ -place ĐỊA_DANH -counter N -clerk HỌ_TÊN
        [-admin-user TÊN -admin-name HỌ_TÊN] [-printer TÊN_MÁY_IN]
        [-lan-off] [-lan-port N] [-lan-peers máy:cổng,…] [-lan-discover=false]
                                 thiết lập đơn vị và quầy (như màn hình lần đầu); lần đầu
                                 tạo luôn quản trị viên đầu tiên
  user add -username TÊN -name HỌ_TÊN -roles clerk[,supervisor,admin]
  user list | disable -username TÊN | enable -username TÊN | reset -username TÊN
  user roles -username TÊN -roles …
                                 quản lý tài khoản của đơn vị (quản trị viên)
  passwd                         đổi mật khẩu của chính mình
  report -from dd/mm/yyyy -to dd/mm/yyyy | -month mm/yyyy | -year yyyy -format pdf|xlsx|csv -o FILE
                                 báo cáo tình hình, kết quả giải quyết TTHC (lãnh đạo)
  audit [-from dd/mm/yyyy] [-to dd/mm/yyyy] [-person TÊN] [-action …] [-record MÃ]
        [-json | -csv FILE]      nhật ký thao tác (lãnh đạo)
  intake FILE.json               tiếp nhận hồ sơ từ tệp JSON (xem docs/intake.md), in mã hồ sơ
  apply -code MÃ -event THAO_TÁC [-reason …] [-missing "a; b"] [-deadline dd/mm/yyyy]
        [-new-due "dd/mm/yyyy hh:mm"] [-amount N] [-collector HỌ_TÊN] [-approval …]
                                 thực hiện một thao tác trên hồ sơ như ở màn hình hồ sơ:
                                 processing, supplement_requested, supplement_received,
                                 fee_requested, fee_paid, extended, refused, stopped,
                                 result_ready, returned, withdrawn, note_added
  guide -form 02|03 [-o FILE.pdf] FILE.json
                                 hướng dẫn trước khi tiếp nhận: Mẫu 02 (bổ sung) hoặc Mẫu 03
                                 (từ chối) thay cho giấy tiếp nhận; không cấp mã hồ sơ
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
  print -form overdue -o FILE.pdf
                                 in danh sách hồ sơ quá hạn (lãnh đạo)
  print … -send                  in xong thì gửi tệp tới máy in trong Cài đặt (chưa chọn máy
                                 in: mở bằng trình xem PDF), như nút In của chương trình
  enroll -server URL -code MÃ    đăng ký quầy với máy chủ của tỉnh (mã dùng một lần)
  version                        in phiên bản của chương trình
  sync                           một lượt gửi và nhận với máy chủ; thoát 0 khi đã gửi hết
  serve                          chạy quầy không giao diện: đồng bộ với tỉnh và mạng nội bộ đến khi
                                 đầu vào chuẩn kết thúc; mỗi dòng vào là một lệnh cho kịch bản:
                                 intake TỆP.json | apply MÃ THAO_TÁC | get ID | have | peers
  status [-json]                 số hồ sơ, sự kiện chờ gửi, cần xử lý, lần đồng bộ gần nhất
`

// exitError carries an exit status with a message for the operator.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func fail(format string, a ...any) error { return &exitError{1, fmt.Sprintf(format, a...)} }

func badArgs(msg string) error { return &exitError{2, msg} }

// env is what a command runs with.
type env struct {
	dir            string // the data folder, "" for the default
	user           string // -user: who signs in for the command
	args           []string
	stdout, stderr io.Writer
}

// How a command opens the counter's data.
type access int

const (
	none     access = iota // the command opens nothing, or opens it itself
	writing                // for writing
	reading                // read-only (status, verify, export, backup)
	printing               // for writing, read-only when the file is
)

// command is one line of the table: its name, how it opens the data, and
// what it does with its arguments.
type command struct {
	name   string
	access access
	run    func(c *counter.Counter, e env) error
}

var commands = []command{
	{"setup", writing, cmdSetup},
	{"intake", writing, cmdIntake},
	{"apply", writing, cmdApply},
	{"guide", writing, cmdGuide},
	{"due", writing, cmdDue},
	{"seed", none, cmdSeed},
	{"backup", reading, cmdBackup},
	{"restore", none, cmdRestore},
	{"verify", reading, cmdVerify},
	{"export", reading, cmdExport},
	{"calendar", writing, cmdReference("calendar")},
	{"catalog", writing, cmdReference("catalog")},
	{"print", printing, cmdPrint},
	{"enroll", writing, cmdEnroll},
	{"sync", writing, cmdSync},
	{"serve", writing, cmdServe},
	{"status", reading, cmdStatus},
	{"user", writing, cmdUser},
	{"passwd", writing, cmdPasswd},
	{"audit", reading, cmdAudit},
	{"report", printing, cmdReport},
}

func run(args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("motcuactl", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.Usage = func() { fmt.Fprint(stderr, usage) }
	dataDir := global.String("data", "", "thư mục dữ liệu (mặc định: thư mục dữ liệu người dùng)")
	user := global.String("user", "", "tên đăng nhập của người thực hiện lệnh")
	if err := global.Parse(args); err != nil {
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if rest[0] == "version" {
		fmt.Fprintln(stdout, "motcuactl", version.Version)
		return 0
	}
	err := dispatch(env{dir: *dataDir, user: *user, args: rest[1:], stdout: stdout, stderr: stderr}, rest[0])
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		fmt.Fprintln(stderr, "Lỗi:", ee.msg)
		return ee.code
	default:
		fmt.Fprintln(stderr, "Lỗi:", counter.Explain(err))
		var ve dossier.ValidationErrors
		if errors.As(err, &ve) {
			for _, f := range ve {
				fmt.Fprintf(stderr, "  (%s)\n", f.Field)
			}
		}
		return 1
	}
}

// dispatch finds the command, opens the data as it needs and runs it.
func dispatch(e env, name string) error {
	for _, cmd := range commands {
		if cmd.name != name {
			continue
		}
		if cmd.access == none {
			return cmd.run(nil, e)
		}
		c, err := open(e.dir, cmd.access)
		if err != nil {
			return err
		}
		defer c.Close()
		if m := c.Moved(); m != nil {
			fmt.Fprintln(e.stderr, counter.L("data.moved", map[string]any{"From": m.From, "To": m.To}))
		}
		counter.SetLanguage(c.Settings().Language)
		if err := signIn(c, e); err != nil {
			return err
		}
		return cmd.run(c, e)
	}
	fmt.Fprint(e.stderr, usage)
	return badArgs("lệnh không rõ: " + name)
}

func open(dir string, a access) (*counter.Counter, error) {
	switch a {
	case reading:
		return counter.OpenReading(dir)
	case printing:
		return counter.OpenPrinting(dir)
	}
	return counter.Open(counter.Options{Dir: dir})
}

// flags parses a command's flags; a bad one is exit status 2 with hint.
func flags(e env, name, hint string, define func(fs *flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	define(fs)
	if err := fs.Parse(e.args); err != nil {
		return badArgs(hint)
	}
	return nil
}

func cmdSetup(c *counter.Counter, e env) error {
	var adminUser, adminName string
	set := c.Settings()
	if set.Language == "" {
		set.Language = "vi"
	}
	err := flags(e, "setup", "tham số không hợp lệ", func(fs *flag.FlagSet) {
		// every flag defaults to what is set already: setup again changes
		// only what it is given
		fs.StringVar(&set.UnitName, "unit-name", set.UnitName, "tên đơn vị")
		fs.StringVar(&set.UnitCode, "unit-code", set.UnitCode, "mã định danh đơn vị, ví dụ 000.00.12.H57")
		fs.StringVar(&set.Place, "place", set.Place, "địa danh")
		fs.IntVar(&set.Counter, "counter", set.Counter, "số quầy (1–99)")
		fs.StringVar(&set.Clerk, "clerk", set.Clerk, "họ tên cán bộ")
		fs.StringVar(&set.Language, "lang", set.Language, "ngôn ngữ: vi hoặc en")
		fs.StringVar(&set.Ward, "ward", set.Ward, "phường/xã điền sẵn trong địa chỉ của người nộp")
		fs.StringVar(&set.Province, "province", set.Province, "tỉnh/thành phố điền sẵn trong địa chỉ của người nộp")
		fs.StringVar(&set.ParentName, "parent-name", set.ParentName, "cơ quan chủ quản in trên đơn vị, ví dụ “Ủy ban nhân dân phường Thuận Hóa”")
		fs.StringVar(&set.SignerAuthority, "signer-authority", set.SignerAuthority, "thẩm quyền ký văn bản, ví dụ “TM. Ủy ban nhân dân”")
		fs.StringVar(&set.SignerTitle, "signer-title", set.SignerTitle, "chức vụ người ký, ví dụ “Chủ tịch”")
		fs.StringVar(&set.SignerName, "signer-name", set.SignerName, "họ tên người ký")
		fs.StringVar(&set.LetterSymbol, "letter-symbol", set.LetterSymbol, "phần cơ quan ban hành trong ký hiệu văn bản, ví dụ UBND (thành 15/UBND, 16/TB-UBND)")
		fs.IntVar(&set.LockMinutes, "lock-minutes", set.LockMinutes, "số phút không thao tác trước khi màn hình tự khóa (mặc định 10)")
		fs.StringVar(&set.Printer, "printer", set.Printer, "máy in của quầy (để trống: mở tệp PDF bằng trình xem PDF)")
		fs.BoolVar(&set.LANOff, "lan-off", set.LANOff, "không dùng mạng nội bộ giữa các quầy")
		fs.IntVar(&set.LANPort, "lan-port", set.LANPort, "cổng của quầy trên mạng nội bộ (mặc định 8761)")
		fs.Func("lan-discover", "tìm các quầy khác bằng multicast DNS: true (mặc định) hoặc false (chỉ dùng -lan-peers)", func(v string) error {
			on, err := strconv.ParseBool(v)
			set.LANNoDiscover = !on
			return err
		})
		fs.Func("lan-peers", "địa chỉ các quầy khác, cách nhau bởi dấu phẩy (máy:cổng), khi mạng chặn multicast", func(v string) error {
			set.LANPeers = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					set.LANPeers = append(set.LANPeers, p)
				}
			}
			return nil
		})
		fs.StringVar(&adminUser, "admin-user", "", "tên đăng nhập của quản trị viên đầu tiên (lần thiết lập đầu)")
		fs.StringVar(&adminName, "admin-name", "", "họ tên của quản trị viên đầu tiên")
	})
	if err != nil {
		return err
	}
	if err := c.SaveSettings(set); err != nil {
		return err
	}
	if adminUser != "" {
		if adminName == "" {
			adminName = set.Clerk
		}
		return setupAdmin(c, e, adminUser, adminName)
	}
	return nil
}

func cmdIntake(c *counter.Counter, e env) error {
	if len(e.args) != 1 {
		return badArgs("cần đúng một tệp JSON: motcuactl intake FILE.json")
	}
	data, err := os.ReadFile(e.args[0])
	if err != nil {
		return fail("không đọc được tệp %s: %v", e.args[0], err)
	}
	r, err := c.IntakeJSON(data)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, r.Code)
	return nil
}

// cmdGuide records guidance given before receipt (Mẫu 02 or 03 instead
// of a receipt) from a JSON file, and prints its form when -o is given.
func cmdGuide(c *counter.Counter, e env) error {
	var form, out string
	fs := flag.NewFlagSet("guide", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&form, "form", "", "02: hướng dẫn bổ sung; 03: từ chối tiếp nhận")
	fs.StringVar(&out, "o", "", "tệp PDF của phiếu (không bắt buộc)")
	if err := fs.Parse(e.args); err != nil {
		return badArgs("cần -form 02|03 và tệp JSON")
	}
	kinds := map[string]dossier.GuidanceKind{"02": dossier.GuideSupplement, "03": dossier.GuideRefusal}
	kind, ok := kinds[form]
	if !ok {
		return badArgs("cần -form 02 (hướng dẫn bổ sung) hoặc -form 03 (từ chối tiếp nhận)")
	}
	args := fs.Args()
	if len(args) != 1 {
		return badArgs("cần đúng một tệp JSON: motcuactl guide -form 02|03 FILE.json")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return fail("không đọc được tệp %s: %v", args[0], err)
	}
	var g dossier.Guidance
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return fail("tệp %s không đúng định dạng hướng dẫn (procedure_code, person, missing, reason): %v", args[0], err)
	}
	g.Kind = kind
	saved, err := c.Guide(g)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, saved.ID)
	if out != "" {
		if _, err := c.PrintGuidance(saved, out); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "Đã in phiếu vào", out)
	}
	return nil
}

// ownerCorrection is the owner of a record with the given details put
// right (empty ones unchanged); nil when none is given.
func ownerCorrection(c *counter.Counter, code, name, id, phone string) (*dossier.Correction, error) {
	if name == "" && id == "" && phone == "" {
		return nil, nil
	}
	r, err := c.GetByCode(code)
	if err != nil {
		return nil, err
	}
	o := r.Owner
	for _, f := range []struct {
		value string
		field *string
	}{{name, &o.Name}, {id, &o.IDNumber}, {phone, &o.Phone}} {
		if f.value != "" {
			*f.field = f.value
		}
	}
	return &dossier.Correction{Owner: &o}, nil
}

// cmdApply performs one action of a record's life, through the same path
// as the record screen.
func cmdApply(c *counter.Counter, e env) error {
	var req counter.ActionRequest
	var event, missing, deadline, newDue, collector, collectorID, collectorPhone string
	var ownerName, ownerID, ownerPhone string
	err := flags(e, "apply", "cần -code MÃ và -event THAO_TÁC", func(fs *flag.FlagSet) {
		fs.StringVar(&req.Code, "code", "", "mã hồ sơ")
		fs.StringVar(&event, "event", "", "thao tác: processing, supplement_requested, supplement_received, fee_requested, fee_paid, extended, refused, stopped, result_ready, returned, withdrawn, note_added")
		fs.StringVar(&req.Reason, "reason", "", "lý do, nội dung ghi chú")
		fs.StringVar(&missing, "missing", "", "giấy tờ cần bổ sung, cách nhau bằng dấu ;")
		fs.StringVar(&deadline, "deadline", "", "hạn bổ sung dd/mm/yyyy")
		fs.StringVar(&newDue, "new-due", "", "ngày hẹn mới \"dd/mm/yyyy hh:mm\"")
		fs.Int64Var(&req.Amount, "amount", 0, "số tiền (đồng)")
		fs.StringVar(&collector, "collector", "", "họ tên người nhận kết quả")
		fs.StringVar(&collectorID, "collector-id", "", "số giấy tờ người nhận kết quả")
		fs.StringVar(&collectorPhone, "collector-phone", "", "điện thoại người nhận kết quả")
		fs.StringVar(&req.Approval, "approval", "", "ý kiến phê duyệt của lãnh đạo (hẹn lại lần thứ hai)")
		fs.StringVar(&ownerName, "owner-name", "", "corrected: họ tên đúng của chủ hồ sơ")
		fs.StringVar(&ownerID, "owner-id", "", "corrected: số giấy tờ đúng của chủ hồ sơ")
		fs.StringVar(&ownerPhone, "owner-phone", "", "corrected: số điện thoại đúng của chủ hồ sơ")
	})
	if err != nil {
		return err
	}
	if req.Code == "" || event == "" {
		return badArgs("cần -code MÃ và -event THAO_TÁC")
	}
	req.Event = dossier.EventType(event)
	for _, m := range strings.Split(missing, ";") {
		if m = strings.TrimSpace(m); m != "" {
			req.Missing = append(req.Missing, m)
		}
	}
	if deadline != "" {
		d, ok := dossier.ParseDate(deadline)
		if !ok {
			return badArgs("hạn bổ sung phải có dạng dd/mm/yyyy")
		}
		req.Deadline = d.Add(17 * time.Hour)
	}
	if newDue != "" {
		t, err := time.ParseInLocation("02/01/2006 15:04", newDue, dossier.Loc)
		if err != nil {
			return badArgs(`ngày hẹn mới phải có dạng "20/03/2026 16:00"`)
		}
		req.NewDue = t
	}
	if collector != "" {
		req.Collector = &dossier.Collector{Name: collector, IDNumber: collectorID, Phone: collectorPhone}
	}
	if req.Correction, err = ownerCorrection(c, req.Code, ownerName, ownerID, ownerPhone); err != nil {
		return err
	}
	r, err := c.Act(req)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s → %s; hẹn trả %s, hạn giải quyết %s\n", r.Code, req.Event.Label(), r.Status.Label(),
		counter.Moment(r.DueAt), counter.Moment(r.LegalDue()))
	return nil
}

func cmdDue(c *counter.Counter, e env) error {
	var proc, recv string
	var alt bool
	err := flags(e, "due", "tham số không hợp lệ", func(fs *flag.FlagSet) {
		fs.StringVar(&proc, "procedure", "", "mã thủ tục, ví dụ 1.001193")
		fs.StringVar(&recv, "received", "", `thời điểm tiếp nhận "2006-01-02 15:04"`)
		fs.BoolVar(&alt, "alt", false, "dùng thời hạn thay thế của thủ tục (ví dụ khi cần xác minh)")
	})
	if err != nil {
		return err
	}
	received, err := time.ParseInLocation("2006-01-02 15:04", recv, dossier.Loc)
	if err != nil {
		return badArgs(`thời điểm tiếp nhận phải có dạng "2026-02-13 16:05"`)
	}
	a, err := c.Due(counter.DueRequest{Procedure: proc, Received: received, Alt: alt})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s\n# %s; tiếp nhận %s\n", a.Due.Format("2006-01-02 15:04"), a, received.Format("02/01/2006 15:04"))
	if note := counter.UnconfirmedNote(a.Unconfirmed); note != "" {
		fmt.Fprintln(e.stdout, "# "+note)
	}
	return nil
}

func cmdSeed(_ *counter.Counter, e env) error {
	var n int
	var seed uint64
	err := flags(e, "seed", "tham số không hợp lệ", func(fs *flag.FlagSet) {
		fs.IntVar(&n, "records", 1000, "số hồ sơ")
		fs.Uint64Var(&seed, "seed", uint64(time.Now().UnixNano()), "hạt giống ngẫu nhiên")
	})
	if err != nil {
		return err
	}
	if n <= 0 || n > 10_000_000 {
		return badArgs("số hồ sơ phải từ 1 đến 10.000.000")
	}
	c, err := counter.Open(counter.Options{Dir: e.dir, Bulk: true})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := signIn(c, e); err != nil {
		return err
	}
	start := time.Now()
	err = c.Seed(n, seed, func(done int) { progressBar(e.stderr, done, n, start) })
	fmt.Fprintln(e.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã tạo %d hồ sơ giả lập trong %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

func progressBar(w io.Writer, done, total int, start time.Time) {
	const width = 30
	filled := done * width / total
	rate := float64(done) / max(time.Since(start).Seconds(), 0.001)
	fmt.Fprintf(w, "\r[%s%s] %3d%% %d/%d (%.0f hồ sơ/giây)", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done*100/total, done, total, rate)
}

func cmdBackup(c *counter.Counter, e env) error {
	if len(e.args) != 1 {
		return badArgs("cần tệp đích: motcuactl backup FILE")
	}
	if err := c.Backup(e.args[0]); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Đã sao lưu và kiểm tra bản sao:", e.args[0])
	return nil
}

func cmdRestore(_ *counter.Counter, e env) error {
	if len(e.args) != 1 {
		return badArgs("cần tệp sao lưu: motcuactl restore FILE (đóng chương trình trước)")
	}
	if err := mayRestore(e); err != nil {
		return err
	}
	aside, err := counter.Restore(e.dir, e.args[0])
	if errors.Is(err, counter.ErrLocked) {
		return fail("chương trình Một Cửa đang mở tệp dữ liệu; hãy đóng chương trình rồi khôi phục")
	}
	if err != nil {
		return err
	}
	if aside != "" {
		fmt.Fprintln(e.stdout, "Tệp dữ liệu cũ được giữ lại tại", aside)
	}
	fmt.Fprintln(e.stdout, "Đã khôi phục từ", e.args[0]+". Lần đồng bộ tới sẽ nhận lại từ máy chủ những gì bản sao lưu thiếu và gửi lại những gì máy chủ chưa có.")
	return nil
}

// mayRestore checks, on the data file in place, that -user is an admin
// (its file is closed again before the restore replaces it).
func mayRestore(e env) error {
	c, err := counter.OpenReading(e.dir)
	if errors.Is(err, counter.ErrNoStoreFile) {
		return nil // nothing to protect: a new PC restoring its backup
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if err := signIn(c, e); err != nil {
		return err
	}
	return c.Require(account.Backup)
}

func cmdVerify(c *counter.Counter, e env) error {
	probs, records, err := c.Verify()
	if err != nil {
		return err
	}
	for _, p := range probs {
		fmt.Fprintln(e.stdout, "LỖI", p)
	}
	if len(probs) > 0 {
		return fail("tệp dữ liệu có %d lỗi", len(probs))
	}
	fmt.Fprintf(e.stdout, "Tệp dữ liệu nhất quán: %d hồ sơ, mọi chỉ mục khớp.\n", records)
	return nil
}

func cmdExport(c *counter.Counter, e env) error {
	var out string
	if err := flags(e, "export", "cần -csv FILE", func(fs *flag.FlagSet) { fs.StringVar(&out, "csv", "", "tệp CSV đích") }); err != nil {
		return err
	}
	if out == "" {
		return badArgs("cần -csv FILE")
	}
	n, err := c.ExportCSV(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã xuất %d hồ sơ vào %s\n", n, out)
	return nil
}

func cmdReference(what string) func(*counter.Counter, env) error {
	return func(c *counter.Counter, e env) error {
		switch {
		case len(e.args) == 1 && e.args[0] == "show":
			var v any = c.Calendar()
			if what == "catalog" {
				v = c.Catalog()
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		case len(e.args) != 2 || e.args[0] != "import":
			return badArgs("cách dùng: motcuactl " + what + " import FILE | " + what + " show")
		}
		data, err := os.ReadFile(e.args[1])
		if err != nil {
			return fail("không đọc được tệp %s: %v", e.args[1], err)
		}
		if what == "calendar" {
			cal, err := c.ImportCalendar(data)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Đã nhập lịch %q: %d ngày đặc biệt\n", cal.Version, len(cal.Days))
			return nil
		}
		cat, err := c.ImportCatalog(data)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Đã nhập danh mục %q: %d thủ tục\n", cat.Version, len(cat.Procedures))
		return nil
	}
}

func cmdPrint(c *counter.Counter, e env) error {
	var a printArgs
	var send bool
	err := flags(e, "print", "cần -form LOẠI và -o FILE.pdf", func(fs *flag.FlagSet) {
		fs.StringVar(&a.kind, "form", "", "loại biểu mẫu")
		fs.StringVar(&a.code, "code", "", "mã hồ sơ")
		fs.StringVar(&a.out, "o", "", "tệp PDF đích")
		fs.StringVar(&a.from, "from", "", "sổ theo dõi: từ ngày dd/mm/yyyy")
		fs.StringVar(&a.to, "to", "", "sổ theo dõi: đến ngày dd/mm/yyyy")
		fs.IntVar(&a.status, "status", 0, "sổ theo dõi: chỉ trạng thái này (1–10)")
		fs.StringVar(&a.eventID, "event", "", "mã sự kiện, để in lại một yêu cầu bổ sung trước (mặc định: yêu cầu gần nhất)")
		fs.BoolVar(&send, "send", false, "gửi tệp PDF tới máy in trong Cài đặt (hoặc mở bằng trình xem PDF), như nút In của chương trình")
	})
	if err != nil {
		return err
	}
	if a.kind == "" || a.out == "" {
		return badArgs("cần -form LOẠI và -o FILE.pdf")
	}
	if err := printForm(c, e, a); err != nil || !send {
		return err
	}
	if err := c.Send(a.out, nil); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Đã gửi tệp tới máy in (hoặc trình xem PDF nếu chưa chọn máy in)")
	return nil
}

// printArgs are the flags of `motcuactl print`.
type printArgs struct {
	kind, code, out, from, to, eventID string
	status                             int
}

func printForm(c *counter.Counter, e env, a printArgs) error {
	kind, code, out, eventID := a.kind, a.code, a.out, a.eventID
	if kind == "overdue" {
		res, err := c.PrintOverdue(out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Đã in danh sách %d hồ sơ quá hạn vào %s\n", res.Records, res.Path)
		return nil
	}
	if forms.Kind(kind) == forms.KindLedger {
		from, okA := dossier.ParseDate(a.from)
		to, okB := dossier.ParseDate(a.to)
		if !okA || !okB {
			return badArgs(counter.L("print.ledger_dates"))
		}
		res, err := c.PrintLedger(counter.LedgerRequest{From: from, To: to, Status: dossier.Status(a.status)}, out)
		if err != nil {
			return err
		}
		notAudited(c, res, e.stdout)
		fmt.Fprintf(e.stdout, "Đã in sổ theo dõi: %d hồ sơ vào %s\n", res.Records, out)
		return nil
	}
	r, err := c.GetByCode(code)
	if err != nil {
		return err
	}
	res, err := c.PrintEventForm(r, forms.Kind(kind), eventID, out)
	if err != nil {
		return err
	}
	notAudited(c, res, e.stdout)
	fmt.Fprintf(e.stdout, "Đã in %s của hồ sơ %s vào %s\n", forms.Kind(kind).Title(), r.Code, out)
	return nil
}

func notAudited(c *counter.Counter, res counter.PrintResult, w io.Writer) {
	if c.ReadOnly() && !res.Audited {
		fmt.Fprintln(w, "Lưu ý: tệp dữ liệu chỉ đọc, lần in này không được ghi vào nhật ký")
	}
}

func cmdEnroll(c *counter.Counter, e env) error {
	var server, code string
	err := flags(e, "enroll", "cần -server URL và -code MÃ", func(fs *flag.FlagSet) {
		fs.StringVar(&server, "server", "", "địa chỉ máy chủ, ví dụ https://motcua.example.vn")
		fs.StringVar(&code, "code", "", "mã đăng ký dùng một lần")
	})
	if err != nil {
		return err
	}
	if server == "" || code == "" {
		return badArgs("cần -server URL và -code MÃ")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Enroll(ctx, server, code); err != nil {
		return err
	}
	set := c.Settings()
	fmt.Fprintf(e.stdout, "Đã đăng ký: đơn vị %s, quầy %d\n", set.UnitCode, set.Counter)
	return nil
}

func cmdSync(c *counter.Counter, e env) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sum, err := c.SyncOnce(ctx)
	if err != nil {
		return err
	}
	st, err := c.Status()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã đồng bộ: %s\nCòn chờ gửi: %d; cần xử lý: %d\n", counter.L(sum.Note().Key, sum.Note().Args), st.Pending, st.Attention)
	if st.Pending > 0 {
		return fail("còn %d sự kiện chưa gửi được", st.Pending)
	}
	return nil
}

func cmdStatus(c *counter.Counter, e env) error {
	var asJSON bool
	if err := flags(e, "status", "tham số không hợp lệ", func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "in dạng JSON") }); err != nil {
		return err
	}
	st, err := c.Status()
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(st)
	}
	printStatus(e.stdout, st)
	return nil
}

func printStatus(w io.Writer, st counter.Summary) {
	last := "chưa có"
	if !st.LastSuccess.IsZero() {
		last = st.LastSuccess.In(dossier.Loc).Format("02/01/2006 15:04:05")
	}
	fmt.Fprintf(w, "Hồ sơ: %d\nChờ gửi: %d\nCần xử lý: %d\nMáy chủ: %s\nĐồng bộ thành công gần nhất: %s\nLỗi gần nhất: %s\nDung lượng tệp: %d byte\n",
		st.Records, st.Pending, st.Attention, orNone(st.Server), last, orNone(st.LastError), st.FileBytes)
	if st.Indexing > 0 {
		fmt.Fprintf(w, "Đang lập chỉ mục tìm kiếm: %d hồ sơ vừa nhận\n", st.Indexing)
	}
	if st.Generation != "" {
		fmt.Fprintf(w, "Thế hệ dữ liệu máy chủ: %s\n", st.Generation)
	}
	if st.Rewinds > 0 {
		fmt.Fprintf(w, "Máy chủ đã quay về bản sao lưu cũ %d lần, gần nhất %s (đã gửi lại và đồng bộ lại)\n", st.Rewinds, counter.Moment(st.LastRewind))
	}
	if !st.Restored.IsZero() {
		fmt.Fprintf(w, "Khôi phục từ bản sao lưu lúc: %s\n", counter.Moment(st.Restored))
	}
	if st.BackupDir != "" {
		good := "chưa có"
		if !st.Backup.LastGood.IsZero() {
			good = counter.Moment(st.Backup.LastGood)
		}
		fmt.Fprintf(w, "Sao lưu tự động vào %s, bản tốt gần nhất: %s\n", st.BackupDir, good)
		if st.BackupStale {
			fmt.Fprintln(w, "CẢNH BÁO: bản sao lưu đã cũ hơn 2 ngày")
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
