// Command motcua-server is the reference provincial backend of Một Cửa:
// the sync API over an embedded bbolt store, and its administration.
//
//	motcua-server serve -addr 127.0.0.1:8750 -data DIR [-cert F -key F]
//	motcua-server enroll-code -data DIR -unit CODE -counter N
//	motcua-server officer-token -data DIR -unit CODE
//	motcua-server portal-token -data DIR -unit CODE
//	motcua-server revoke -data DIR -device ID
//	motcua-server account -data DIR -unit CODE -username NAME -disable|-enable
//	motcua-server export -data DIR [-unit CODE]
//	motcua-server reference -data DIR [-catalog F] [-calendar F]
//	motcua-server backup -data DIR FILE
//	motcua-server restore -data DIR FILE     (the server stopped)
//	motcua-server migrate -from DIR -db postgres://…
//
// With -db postgres://… (or MOTCUA_DB) every command uses that PostgreSQL
// database instead of the bbolt store in DIR: several servers may serve
// it at once, and the administration commands open it directly while they
// run. On bbolt, the administration commands open the store when the
// server is stopped; while it runs they go through its admin socket
// (DIR/admin.sock).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	_ "motcua/internal/console" // UTF-8 in a Windows terminal
	"motcua/internal/profile"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/internal/version"
	"motcua/server"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// the server's live heap is small and its garbage is the requests'
		// JSON: collecting a quarter as often cuts its processor time a
		// push by about a third (server.BenchmarkPushPostgres); GOGC overrides
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `motcua-server — máy chủ tham chiếu của hệ thống Một Cửa

  serve -addr 127.0.0.1:8750 -data DIR [-cert FILE -key FILE] [-insecure-http]
  enroll-code -data DIR -unit MÃ_ĐƠN_VỊ -counter N   in mã đăng ký dùng một lần cho một quầy
  officer-token -data DIR -unit MÃ_ĐƠN_VỊ            in mã xác thực cho phía xử lý
  portal-token -data DIR -unit MÃ_ĐƠN_VỊ             in mã xác thực cho cổng dịch vụ công nộp hồ sơ trực tuyến
  revoke -data DIR -device ID                        thu hồi mã xác thực của một thiết bị
  account -data DIR -unit MÃ -username TÊN -disable|-enable
                                                     khóa / mở khóa tài khoản của đơn vị; các quầy nhận ở lần đồng bộ tới
  export -data DIR [-unit MÃ_ĐƠN_VỊ]                 in mọi hồ sơ, mỗi dòng một JSON
  reference -data DIR [-catalog FILE] [-calendar FILE] [-lookup-url https://…/tra-cuu?ma={code}]
                                                     thay danh mục / lịch / địa chỉ tra cứu phân phối cho các quầy
  backup -data DIR FILE                              sao lưu dữ liệu (kiểm tra bản sao), kể cả khi đang chạy
  restore -data DIR FILE                             khôi phục từ bản sao lưu (dừng máy chủ trước); các quầy
                                                     tự gửi lại những gì máy chủ không còn và đồng bộ lại

  version                                            in phiên bản của chương trình
  portal config -data DIR -adapter-url URL -auth-endpoint ĐƯỜNG_DẪN -integration-endpoint ĐƯỜNG_DẪN
        -portal-user TÀI_KHOẢN -dstcode MÃ -madonvi MÃ [-unit-name MÃ_ĐƠN_VỊ=Tên …]
                                                     cấu hình gửi hồ sơ và tiến độ lên Cổng DVCQG; mật khẩu lấy từ
                                                     -password-file FILE hoặc biến MOTCUA_PORTAL_PASSWORD
  portal status -data DIR [-json]                    những gì đang chờ gửi DVCQG, bị từ chối và lý do, lần gửi cuối
  indicators -data DIR -unit MÃ -from dd/mm/yyyy -to dd/mm/yyyy [-json]
                                                     chỉ số theo Quyết định 766 tính được từ hồ sơ của đơn vị
  migrate -from DIR -db postgres://…                 chép dữ liệu bbolt trong DIR sang PostgreSQL (máy chủ dừng) và
                                                     kiểm tra số lượng; các quầy giữ mã xác thực và vị trí đồng bộ

Mọi lệnh nhận -db postgres://… (hoặc biến MOTCUA_DB) để dùng PostgreSQL thay cho -data DIR;
khi đó nhiều máy chủ có thể cùng phục vụ và lệnh quản trị chạy trực tiếp trên cơ sở dữ liệu.
Với bbolt, khi máy chủ đang chạy, các lệnh quản trị đi qua cổng quản trị DIR/admin.sock.
`

// opts are the flags every command shares; each command reads its own.
type opts struct {
	data, db, from    string
	to                string
	addr, cert, key   string
	insecure          bool
	unit, device      string
	username          string
	disable, enable   bool
	counter           int
	catalog, calendar string
	lookupURL         string
	proxies           string
	cpuProfile        string
	portal            portalFlags
	args              []string // what follows the flags
	stdout            io.Writer
}

// command is one line of the table: its name and what it does with the
// store, or through the admin socket when the server runs.
type command struct {
	name string
	run  func(adm server.Admin, o opts) error
}

var commands = []command{
	{"enroll-code", cmdEnrollCode},
	{"officer-token", cmdToken(server.KindOfficer)},
	{"portal-token", cmdToken(server.KindPortal)},
	{"revoke", func(adm server.Admin, o opts) error { return adm.Revoke(o.device) }},
	{"account", cmdAccount},
	{"backup", cmdBackup},
	{"export", cmdExport},
	{"reference", cmdReference},
	{"portal-config", cmdPortalConfig},
	{"portal-status", cmdPortalStatus},
	{"indicators", cmdIndicators},
}

func parse(args []string, stdout, stderr io.Writer) (opts, error) {
	o := opts{stdout: stdout}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.data, "data", "", "thư mục dữ liệu")
	fs.StringVar(&o.db, "db", os.Getenv("MOTCUA_DB"), "cơ sở dữ liệu PostgreSQL (postgres://…)")
	fs.StringVar(&o.from, "from", "", "migrate: thư mục dữ liệu bbolt cần chép sang PostgreSQL; indicators: từ ngày dd/mm/yyyy")
	fs.StringVar(&o.to, "to", "", "indicators: đến ngày dd/mm/yyyy")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8750", "địa chỉ lắng nghe")
	fs.StringVar(&o.cert, "cert", "", "chứng chỉ TLS")
	fs.StringVar(&o.key, "key", "", "khóa TLS")
	fs.BoolVar(&o.insecure, "insecure-http", false, "cho phép HTTP không mã hóa trên địa chỉ không phải loopback")
	fs.StringVar(&o.unit, "unit", "", "mã đơn vị")
	fs.IntVar(&o.counter, "counter", 0, "số quầy")
	fs.StringVar(&o.device, "device", "", "mã thiết bị")
	fs.StringVar(&o.username, "username", "", "tên đăng nhập")
	fs.BoolVar(&o.disable, "disable", false, "khóa tài khoản")
	fs.BoolVar(&o.enable, "enable", false, "mở khóa tài khoản")
	fs.StringVar(&o.catalog, "catalog", "", "tệp danh mục thủ tục")
	fs.StringVar(&o.calendar, "calendar", "", "tệp lịch làm việc")
	fs.StringVar(&o.proxies, "trusted-proxy", "", "các proxy ngược phía trước (CIDR, cách nhau bởi dấu phẩy): địa chỉ người dùng lấy từ X-Forwarded-For")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "serve: ghi hồ sơ dùng bộ xử lý (pprof) vào tệp này đến khi dừng")
	fs.StringVar(&o.lookupURL, "lookup-url", "", "địa chỉ trang tra cứu công khai, {code} ở chỗ mã hồ sơ (mã QR trên giấy tiếp nhận)")
	o.portal.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	o.args = fs.Args()
	switch {
	case args[0] == "migrate" && (o.from == "" || !server.IsPostgres(o.db)):
		return o, errors.New("cần -from DIR và -db postgres://…")
	case o.db != "" && !server.IsPostgres(o.db):
		return o, errors.New("-db nhận địa chỉ postgres://…")
	case args[0] == "serve" && o.db != "" && o.data == "":
		// PostgreSQL: no admin socket
	case o.data == "" && o.db == "" && args[0] != "migrate":
		return o, errors.New("cần -data DIR hoặc -db postgres://…")
	}
	if (o.cert == "") != (o.key == "") {
		return o, errors.New("-cert và -key phải đi cùng nhau (thiếu một trong hai thì không phục vụ)")
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if args[0] == "version" {
		fmt.Fprintln(stdout, "motcua-server", version.Version)
		return 0
	}
	if args[0] == "portal" && len(args) > 1 { // portal config | portal status
		args = append([]string{"portal-" + args[1]}, args[2:]...)
	}
	o, err := parse(args, stdout, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) && !strings.HasPrefix(err.Error(), "flag") {
			fmt.Fprintln(stderr, "Lỗi:", err)
		}
		return 2
	}
	switch err = dispatch(args[0], o); {
	case errors.Is(err, errUsage):
		fmt.Fprint(stderr, usage)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "Lỗi:", err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

// dispatch runs a command: serve and restore on the store file; the
// others on the store when the server is stopped, through its admin
// socket when it runs.
func dispatch(name string, o opts) error {
	switch name {
	case "restore":
		if o.db != "" {
			return server.ErrPgBackup
		}
		return cmdRestore(o)
	case "migrate":
		return cmdMigrate(o)
	case "serve":
		st, err := server.Open(o.db, o.data, assets.Catalog, assets.Calendar)
		if err != nil {
			return err
		}
		defer st.Close()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if o.cpuProfile != "" {
			stop, err := profile.CPU(o.cpuProfile)
			if err != nil {
				return err
			}
			defer stop()
		}
		return serve(ctx, st, o)
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		if o.db != "" { // PostgreSQL serves every process at once
			st, err := server.Open(o.db, "", assets.Catalog, assets.Calendar)
			if err != nil {
				return err
			}
			defer st.Close()
			return c.run(st, o)
		}
		if server.Serving(o.data) {
			return c.run(server.DialAdmin(o.data), o)
		}
		st, err := server.OpenBolt(o.data, assets.Catalog, assets.Calendar)
		if errors.Is(err, server.ErrLocked) {
			return c.run(server.DialAdmin(o.data), o) // it was starting; or says no server answers
		}
		if err != nil {
			return err
		}
		defer st.Close()
		return c.run(st, o)
	}
	return errUsage
}

func cmdRestore(o opts) error {
	if len(o.args) != 1 {
		return errors.New("cần tệp sao lưu: restore -data DIR FILE")
	}
	aside, gen, err := server.Restore(o.data, o.args[0], assets.Catalog, assets.Calendar)
	if err != nil {
		return err
	}
	if aside != "" {
		fmt.Fprintln(o.stdout, "dữ liệu cũ được giữ tại", aside)
	}
	fmt.Fprintln(o.stdout, "đã khôi phục; thế hệ dữ liệu mới:", gen)
	return nil
}

func cmdEnrollCode(adm server.Admin, o opts) error {
	code, err := adm.NewEnrollCode(o.unit, o.counter)
	if err == nil {
		fmt.Fprintln(o.stdout, code)
	}
	return err
}

func cmdAccount(adm server.Admin, o opts) error {
	if o.unit == "" || o.username == "" || o.disable == o.enable {
		return errors.New("cần -unit, -username và một trong -disable, -enable")
	}
	if err := adm.SetAccountDisabled(o.unit, o.username, o.disable); err != nil {
		return err
	}
	fmt.Fprintln(o.stdout, "Đã lưu; các quầy của đơn vị nhận thay đổi ở lần đồng bộ tới.")
	return nil
}

// cmdToken prints a new token of a kind for a unit.
func cmdToken(kind server.PrincipalKind) func(server.Admin, opts) error {
	return func(adm server.Admin, o opts) error {
		tok, err := adm.NewToken(kind, o.unit)
		if err == nil {
			fmt.Fprintln(o.stdout, tok)
		}
		return err
	}
}

func cmdBackup(adm server.Admin, o opts) error {
	if len(o.args) != 1 {
		return errors.New("cần tệp đích: backup -data DIR FILE")
	}
	path, err := filepath.Abs(o.args[0])
	if err != nil {
		return err
	}
	if err := adm.Backup(path); err != nil {
		return err
	}
	fmt.Fprintln(o.stdout, "đã sao lưu và kiểm tra:", path)
	return nil
}

func cmdExport(adm server.Admin, o opts) error {
	enc := json.NewEncoder(o.stdout)
	return adm.Export(o.unit, func(r *dossier.Record) error { return enc.Encode(r) })
}

func cmdReference(adm server.Admin, o opts) error {
	ref, err := adm.Reference()
	if err != nil {
		return err
	}
	cat, cal := []byte(ref.Catalog), []byte(ref.Calendar)
	if o.catalog != "" {
		if cat, err = os.ReadFile(o.catalog); err != nil {
			return err
		}
	}
	if o.calendar != "" {
		if cal, err = os.ReadFile(o.calendar); err != nil {
			return err
		}
	}
	if err := adm.SetReference(cat, cal); err != nil {
		return err
	}
	if o.lookupURL != "" {
		if err := adm.SetLookupURL(o.lookupURL); err != nil {
			return err
		}
	}
	ref, _ = adm.Reference()
	fmt.Fprintln(o.stdout, "reference etag", ref.ETag)
	if ref.LookupURL != "" {
		fmt.Fprintln(o.stdout, "lookup url", ref.LookupURL)
	}
	return nil
}

// loopback says whether addr only listens on this machine.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serve answers counters on addr, and the admin commands on the admin
// socket in dir, until ctx ends.
func serve(ctx context.Context, st server.Backend, o opts) error {
	dir, addr, cert, key, insecure := o.data, o.addr, o.cert, o.key, o.insecure
	tls := cert != "" && key != ""
	if !tls && !loopback(addr) && !insecure {
		return errors.New("từ chối phục vụ HTTP không mã hóa trên " + addr + ": dùng -cert/-key, hoặc -insecure-http nếu chắc chắn")
	}
	h := server.NewHandler(st)
	proxies, err := parseProxies(o.proxies)
	if err != nil {
		return err
	}
	h.TrustProxies(proxies)
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 2)
	admin := &http.Server{Handler: server.AdminHandler(st), ReadHeaderTimeout: 10 * time.Second}
	where := "postgresql"
	if o.db == "" { // bbolt: one process has the file; the admin commands ask it
		adminLn, err := server.ListenAdmin(dir)
		if err != nil {
			return fmt.Errorf("không mở được cổng quản trị %s: %w", server.AdminSocket(dir), err)
		}
		defer os.Remove(server.AdminSocket(dir))
		go func() { errc <- admin.Serve(adminLn) }()
		where = server.AdminSocket(dir)
		if adminLn.Addr().Network() == "tcp" {
			where = "admin port " + adminLn.Addr().String() + " (" + server.AdminPortFile(dir) + ")"
		}
	}
	// reporting to DVCQG, once an administrator configured it (one
	// process of those on a PostgreSQL database sends at a time)
	pctx, stopPortal := context.WithCancel(ctx)
	portalDone := make(chan struct{})
	go func() { server.RunPortal(pctx, st, server.PortalOptions{Every: o.portal.every}); close(portalDone) }()
	defer func() { stopPortal(); <-portalDone }()
	go func() {
		slog.Info("serving", "addr", addr, "tls", tls, "store", where, "generation", st.Generation())
		if tls {
			errc <- srv.ListenAndServeTLS(cert, key)
		} else {
			errc <- srv.ListenAndServe()
		}
	}()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin.Shutdown(sctx)
	if serr := srv.Shutdown(sctx); err == nil {
		err = serr
	}
	return err
}

func cmdMigrate(o opts) error {
	from, err := server.OpenBolt(o.from, assets.Catalog, assets.Calendar)
	if errors.Is(err, server.ErrLocked) {
		return errors.New("máy chủ đang dùng " + o.from + ": dừng máy chủ trước khi chép dữ liệu")
	}
	if err != nil {
		return err
	}
	defer from.Close()
	st, err := server.Open(o.db, "", assets.Catalog, assets.Calendar)
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := server.MigrateBolt(context.Background(), from, st.(*server.PgStore))
	if err != nil {
		return err
	}
	for _, c := range counts {
		fmt.Fprintf(o.stdout, "%-16s %d\n", c.Table, c.Rows)
	}
	fmt.Fprintln(o.stdout, "đã chép và kiểm tra số lượng; thế hệ dữ liệu giữ nguyên:", st.Generation())
	return nil
}

// parseProxies reads -trusted-proxy: addresses or CIDR ranges, comma
// separated.
func parseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("-trusted-proxy: %q không phải địa chỉ IP", s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("-trusted-proxy: %q không phải dải địa chỉ", s)
		}
		out = append(out, p)
	}
	return out, nil
}
