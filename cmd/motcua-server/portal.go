package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"motcua/dossier"
	"motcua/server"
)

// portalFlags are `portal config`'s: what is not given keeps its value.
type portalFlags struct {
	adapterURL, authEndpoint, integrationEndpoint string
	username, dstcode, madonvi, passwordFile      string
	unitNames                                     unitNames
	asJSON                                        bool
	every                                         time.Duration
}

// unitNames are -unit-name MÃ=Tên flags, repeated.
type unitNames map[string]string

func (u *unitNames) String() string { return fmt.Sprint(map[string]string(*u)) }

func (u *unitNames) Set(v string) error {
	code, name, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(code) == "" || strings.TrimSpace(name) == "" {
		return errors.New("-unit-name nhận MÃ_ĐƠN_VỊ=Tên đơn vị")
	}
	if *u == nil {
		*u = unitNames{}
	}
	(*u)[strings.TrimSpace(code)] = strings.TrimSpace(name)
	return nil
}

func (p *portalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.adapterURL, "adapter-url", "", "DVCQG: địa chỉ nền tảng tích hợp (LGSP/NDXP)")
	fs.StringVar(&p.authEndpoint, "auth-endpoint", "", "DVCQG: đường dẫn đăng nhập")
	fs.StringVar(&p.integrationEndpoint, "integration-endpoint", "", "DVCQG: đường dẫn các dịch vụ")
	fs.StringVar(&p.username, "portal-user", "", "DVCQG: tài khoản")
	fs.StringVar(&p.dstcode, "dstcode", "", "DVCQG: mã định tuyến (dstcode)")
	fs.StringVar(&p.madonvi, "madonvi", "", "DVCQG: mã đơn vị của tỉnh")
	fs.StringVar(&p.passwordFile, "password-file", "", "DVCQG: tệp chứa mật khẩu (hoặc biến MOTCUA_PORTAL_PASSWORD)")
	fs.Var(&p.unitNames, "unit-name", "tên đơn vị hiện trên DVCQG: MÃ_ĐƠN_VỊ=Tên (lặp lại cho mỗi đơn vị)")
	fs.BoolVar(&p.asJSON, "json", false, "in dạng JSON")
	fs.DurationVar(&p.every, "portal-every", 10*time.Second, "serve: khi không có gì chờ, bao lâu xem lại hàng chờ gửi DVCQG một lần")
}

// cmdPortalConfig sets how the backend reaches DVCQG. The password comes
// from a file or the environment, never a flag (a process list shows
// flags); not given, the one kept stays.
func cmdPortalConfig(adm server.Admin, o opts) error {
	c, err := adm.PortalConfig()
	if err != nil {
		return err
	}
	p := o.portal
	for _, f := range []struct {
		to *string
		v  string
	}{{&c.AdapterURL, p.adapterURL}, {&c.AuthEndpoint, p.authEndpoint},
		{&c.IntegrationEndpoint, p.integrationEndpoint}, {&c.Username, p.username}, {&c.DstCode, p.dstcode}, {&c.MaDonVi, p.madonvi}} {
		if f.v != "" {
			*f.to = f.v
		}
	}
	c.Password = os.Getenv("MOTCUA_PORTAL_PASSWORD")
	if p.passwordFile != "" {
		b, err := os.ReadFile(p.passwordFile)
		if err != nil {
			return err
		}
		c.Password = strings.TrimSpace(string(b))
	}
	for code, name := range p.unitNames {
		if c.Units == nil {
			c.Units = map[string]string{}
		}
		c.Units[code] = name
	}
	if err := adm.SetPortalConfig(c); err != nil {
		return err
	}
	fmt.Fprintln(o.stdout, "Đã lưu cấu hình gửi Cổng DVCQG:", c.Config.String())
	return nil
}

// cmdPortalStatus says what waits for DVCQG, what it refused and why,
// and the last success.
func cmdPortalStatus(adm server.Admin, o opts) error {
	s, err := adm.PortalStatus()
	if err != nil {
		return err
	}
	if o.portal.asJSON {
		enc := json.NewEncoder(o.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	w := o.stdout
	when := func(t time.Time) string {
		if t.IsZero() {
			return "chưa có"
		}
		return t.In(dossier.Loc).Format("02/01/2006 15:04:05")
	}
	if !s.Configured {
		fmt.Fprintln(w, "Chưa cấu hình gửi Cổng DVCQG (motcua-server portal config); các hồ sơ vẫn được xếp hàng chờ gửi.")
	}
	fmt.Fprintf(w, "Đang chờ gửi: %d\nBị từ chối: %d\nGửi thành công lần cuối: %s\n", s.Pending, s.RefusedN, when(s.LastSuccess))
	if s.LastError != "" {
		fmt.Fprintf(w, "Lỗi lần cuối (%s): %s\n", when(s.LastErrorAt), s.LastError)
	}
	for _, it := range s.Refused {
		what := "hồ sơ"
		if it.Step != nil {
			what = it.Step.NoiDungXuLy
		}
		fmt.Fprintf(w, "  %s · %s · %s: %s\n", it.Code, what, when(it.RefusedAt), it.Refused)
	}
	return nil
}
