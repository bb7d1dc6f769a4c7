// Command motcua-server is the reference provincial backend of Một Cửa:
// the sync API over an embedded bbolt store, and its administration.
//
//	motcua-server serve -addr 127.0.0.1:8750 -data DIR [-cert F -key F]
//	motcua-server enroll-code -data DIR -unit CODE -counter N
//	motcua-server officer-token -data DIR -unit CODE
//	motcua-server revoke -data DIR -device ID
//	motcua-server export -data DIR [-unit CODE]
//	motcua-server reference -data DIR [-catalog F] [-calendar F]
//	motcua-server backup -data DIR FILE
//	motcua-server restore -data DIR FILE     (the server stopped)
//
// The administration commands open the store when the server is stopped;
// while it runs they go through its admin socket (DIR/admin.sock).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"motcua/assets"
	"motcua/dossier"
	"motcua/server"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `motcua-server — máy chủ tham chiếu của hệ thống Một Cửa

  serve -addr 127.0.0.1:8750 -data DIR [-cert FILE -key FILE] [-insecure-http]
  enroll-code -data DIR -unit MÃ_ĐƠN_VỊ -counter N   in mã đăng ký dùng một lần cho một quầy
  officer-token -data DIR -unit MÃ_ĐƠN_VỊ            in mã xác thực cho phía xử lý
  revoke -data DIR -device ID                        thu hồi mã xác thực của một thiết bị
  export -data DIR [-unit MÃ_ĐƠN_VỊ]                 in mọi hồ sơ, mỗi dòng một JSON
  reference -data DIR [-catalog FILE] [-calendar FILE]  thay danh mục / lịch phân phối cho các quầy
  backup -data DIR FILE                              sao lưu dữ liệu (kiểm tra bản sao), kể cả khi đang chạy
  restore -data DIR FILE                             khôi phục từ bản sao lưu (dừng máy chủ trước); các quầy
                                                     tự gửi lại những gì máy chủ không còn và đồng bộ lại

Khi máy chủ đang chạy, các lệnh quản trị đi qua cổng quản trị DIR/admin.sock.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "thư mục dữ liệu")
	addr := fs.String("addr", "127.0.0.1:8750", "địa chỉ lắng nghe")
	cert := fs.String("cert", "", "chứng chỉ TLS")
	key := fs.String("key", "", "khóa TLS")
	insecure := fs.Bool("insecure-http", false, "cho phép HTTP không mã hóa trên địa chỉ không phải loopback")
	unit := fs.String("unit", "", "mã đơn vị")
	counter := fs.Int("counter", 0, "số quầy")
	device := fs.String("device", "", "mã thiết bị")
	catalog := fs.String("catalog", "", "tệp danh mục thủ tục")
	calendar := fs.String("calendar", "", "tệp lịch làm việc")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *data == "" {
		fmt.Fprintln(stderr, "Lỗi: cần -data DIR")
		return 2
	}
	if args[0] == "restore" {
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "Lỗi: cần tệp sao lưu: restore -data DIR FILE")
			return 2
		}
		aside, gen, err := server.Restore(*data, fs.Arg(0), assets.Catalog, assets.Calendar)
		if err != nil {
			fmt.Fprintln(stderr, "Lỗi:", err)
			return 1
		}
		if aside != "" {
			fmt.Fprintln(stdout, "dữ liệu cũ được giữ tại", aside)
		}
		fmt.Fprintln(stdout, "đã khôi phục; thế hệ dữ liệu mới:", gen)
		return 0
	}
	if (*cert == "") != (*key == "") {
		fmt.Fprintln(stderr, "Lỗi: -cert và -key phải đi cùng nhau (thiếu một trong hai thì không phục vụ)")
		return 2
	}
	var (
		st  *server.BoltStore
		adm server.Admin
		err error
	)
	if args[0] != "serve" && server.Serving(*data) {
		// the server is running: ask it, through its admin socket
		adm = server.DialAdmin(*data)
	} else if st, err = server.OpenBolt(*data, assets.Catalog, assets.Calendar); err == nil {
		adm = st
	}
	switch {
	case errors.Is(err, server.ErrLocked) && args[0] != "serve":
		adm = server.DialAdmin(*data) // it was starting; or says no server answers
	case err != nil:
		fmt.Fprintln(stderr, "Lỗi:", err)
		return 1
	case st != nil:
		defer st.Close()
	}
	err = func() error {
		switch args[0] {
		case "serve":
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serve(ctx, st, *data, *addr, *cert, *key, *insecure)
		case "enroll-code":
			code, err := adm.NewEnrollCode(*unit, *counter)
			if err == nil {
				fmt.Fprintln(stdout, code)
			}
			return err
		case "officer-token":
			tok, err := adm.NewOfficerToken(*unit)
			if err == nil {
				fmt.Fprintln(stdout, tok)
			}
			return err
		case "revoke":
			return adm.Revoke(*device)
		case "backup":
			if fs.NArg() != 1 {
				return errors.New("cần tệp đích: backup -data DIR FILE")
			}
			path, err := filepath.Abs(fs.Arg(0))
			if err != nil {
				return err
			}
			if err := adm.Backup(path); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "đã sao lưu và kiểm tra:", path)
			return nil
		case "export":
			enc := json.NewEncoder(stdout)
			return adm.Export(*unit, func(r *dossier.Record) error { return enc.Encode(r) })
		case "reference":
			ref, err := adm.Reference()
			if err != nil {
				return err
			}
			cat, cal := []byte(ref.Catalog), []byte(ref.Calendar)
			if *catalog != "" {
				if cat, err = os.ReadFile(*catalog); err != nil {
					return err
				}
			}
			if *calendar != "" {
				if cal, err = os.ReadFile(*calendar); err != nil {
					return err
				}
			}
			if err := adm.SetReference(cat, cal); err != nil {
				return err
			}
			ref, _ = adm.Reference()
			fmt.Fprintln(stdout, "reference etag", ref.ETag)
			return nil
		}
		return fmt.Errorf("lệnh không rõ: %s", args[0])
	}()
	if err != nil {
		fmt.Fprintln(stderr, "Lỗi:", err)
		return 1
	}
	return 0
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
func serve(ctx context.Context, st *server.BoltStore, dir, addr, cert, key string, insecure bool) error {
	if (cert == "") != (key == "") {
		return errors.New("-cert và -key phải đi cùng nhau")
	}
	tls := cert != "" && key != ""
	if !tls && !loopback(addr) && !insecure {
		return errors.New("từ chối phục vụ HTTP không mã hóa trên " + addr + ": dùng -cert/-key, hoặc -insecure-http nếu chắc chắn")
	}
	srv := &http.Server{Addr: addr, Handler: server.NewHandler(st), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	adminLn, err := server.ListenAdmin(dir)
	if err != nil {
		return fmt.Errorf("không mở được cổng quản trị %s: %w", server.AdminSocket(dir), err)
	}
	admin := &http.Server{Handler: server.AdminHandler(st), ReadHeaderTimeout: 10 * time.Second}
	defer os.Remove(server.AdminSocket(dir))
	errc := make(chan error, 2)
	go func() { errc <- admin.Serve(adminLn) }()
	go func() {
		slog.Info("serving", "addr", addr, "tls", tls, "admin", server.AdminSocket(dir), "generation", st.Generation())
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
