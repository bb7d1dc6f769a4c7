package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"motcua/counter"
	"motcua/dossier"
	"motcua/storage"
)

// password reads a password: from the environment variable when it is
// set (scripts), else from the terminal without echo. Neither is an error
// that says so.
func password(e env, prompt, envName string) (string, error) {
	if v, ok := os.LookupEnv(envName); ok {
		return v, nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", fail("cần mật khẩu: đặt biến %s hoặc chạy lệnh trong cửa sổ dòng lệnh để gõ mật khẩu", envName)
	}
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fail("không đọc được mật khẩu: %v", err)
	}
	return string(b), nil
}

// newPassword reads a new password: from the variable, or typed twice.
func newPassword(e env, envName string) (string, error) {
	if v, ok := os.LookupEnv(envName); ok {
		return v, nil
	}
	p1, err := password(e, "Mật khẩu mới: ", envName)
	if err != nil {
		return "", err
	}
	p2, err := password(e, "Gõ lại mật khẩu mới: ", envName)
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", fail("hai lần gõ mật khẩu mới không giống nhau")
	}
	return p1, nil
}

// signIn signs the -user in with the password from MOTCUA_PASSWORD or the
// terminal.
func signIn(c *counter.Counter, e env) error {
	if e.user == "" {
		return nil
	}
	pw, err := password(e, "Mật khẩu của "+e.user+": ", "MOTCUA_PASSWORD")
	if err != nil {
		return err
	}
	_, err = c.SignIn(e.user, pw)
	return err
}

// cmdUser manages the unit's accounts (admin): add, list, disable,
// enable, reset, roles.
func cmdUser(c *counter.Counter, e env) error {
	if len(e.args) == 0 {
		return badArgs("cần lệnh con: user add | list | disable | enable | reset | roles")
	}
	sub, rest := e.args[0], e.args[1:]
	var username, name, roles string
	err := flags(env{args: rest, stderr: e.stderr}, "user "+sub, "tham số không hợp lệ", func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "tên đăng nhập")
		fs.StringVar(&name, "name", "", "họ tên (add)")
		fs.StringVar(&roles, "roles", "", "vai trò, cách nhau bằng dấu phẩy: clerk, supervisor, admin")
	})
	if err != nil {
		return err
	}
	if sub != "list" && username == "" {
		return badArgs("cần -username")
	}
	if sub == "list" {
		return listUsers(c, e)
	}
	ops := map[string]dossier.AccountOp{"add": dossier.OpCreate, "disable": dossier.OpDisable, "enable": dossier.OpEnable,
		"reset": dossier.OpReset, "roles": dossier.OpRoles}
	op, ok := ops[sub]
	if !ok {
		return badArgs("lệnh con không rõ: user " + sub)
	}
	rs, pw, err := userChangeArgs(e, op, roles)
	if err != nil {
		return err
	}
	if op == dossier.OpCreate {
		if _, err := c.AddAccount(username, name, rs, pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Đã tạo tài khoản %s; người dùng phải đổi mật khẩu ở lần đăng nhập đầu.\n", dossier.NormalizeUsername(username))
		return nil
	}
	if _, err := c.ChangeAccount(username, op, rs, pw); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Đã lưu; các quầy khác nhận thay đổi ở lần đồng bộ tới.")
	return nil
}

// userChangeArgs reads what an account change needs: roles (add, roles)
// and a new initial password (add, reset).
func userChangeArgs(e env, op dossier.AccountOp, roles string) (rs []dossier.Role, pw string, err error) {
	if op == dossier.OpCreate || op == dossier.OpRoles {
		if rs, err = counter.ParseRoles(roles); err != nil {
			return nil, "", err
		}
	}
	if op == dossier.OpCreate || op == dossier.OpReset {
		if pw, err = newPassword(e, "MOTCUA_NEW_PASSWORD"); err != nil {
			return nil, "", err
		}
	}
	return rs, pw, nil
}

func listUsers(c *counter.Counter, e env) error {
	as, err := c.Accounts()
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	for _, a := range as {
		roles := make([]string, len(a.Roles))
		for i, r := range a.Roles {
			roles[i] = string(r)
		}
		state := "đang dùng"
		switch {
		case a.Disabled:
			state = "đã khóa"
		case a.MustChange:
			state = "chờ đổi mật khẩu"
		}
		fmt.Fprintf(w, "%-16s %-28s %-26s %s\n", a.Username, a.Name, strings.Join(roles, ","), state)
	}
	return w.Flush()
}

// cmdPasswd changes the signed-in person's password: the current one is
// the sign-in's (MOTCUA_PASSWORD), the new one MOTCUA_NEW_PASSWORD.
func cmdPasswd(c *counter.Counter, e env) error {
	u := c.User()
	if u == nil {
		return counter.ErrNotSignedIn
	}
	old, err := password(e, "Mật khẩu hiện tại: ", "MOTCUA_PASSWORD")
	if err != nil {
		return err
	}
	pw, err := newPassword(e, "MOTCUA_NEW_PASSWORD")
	if err != nil {
		return err
	}
	if err := c.ChangePassword(old, pw); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Đã đổi mật khẩu.")
	return nil
}

// cmdAudit lists the audit (supervisor): newest first, filtered, as text,
// JSON or CSV.
func cmdAudit(c *counter.Counter, e env) error {
	var f storage.AuditFilter
	var from, to, csvOut string
	var asJSON bool
	limit := 1000
	err := flags(e, "audit", "tham số không hợp lệ", func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "từ ngày dd/mm/yyyy")
		fs.StringVar(&to, "to", "", "đến hết ngày dd/mm/yyyy")
		fs.StringVar(&f.Person, "person", "", "tên đăng nhập")
		fs.StringVar(&f.Action, "action", "", "thao tác (received, print, signin_failed, account_ …)")
		fs.StringVar(&f.Record, "record", "", "mã hồ sơ")
		fs.BoolVar(&asJSON, "json", false, "in JSON")
		fs.StringVar(&csvOut, "csv", "", "ghi ra tệp CSV")
		fs.IntVar(&limit, "limit", limit, "nhiều nhất bao nhiêu mục")
	})
	if err != nil {
		return err
	}
	for _, d := range []struct {
		s   string
		out *time.Time
		add int
	}{{from, &f.From, 0}, {to, &f.To, 1}} {
		if d.s == "" {
			continue
		}
		t, err := time.ParseInLocation("02/01/2006", d.s, dossier.Loc)
		if err != nil {
			return badArgs("ngày phải có dạng dd/mm/yyyy: " + d.s)
		}
		*d.out = t.AddDate(0, 0, d.add)
	}
	if csvOut != "" {
		n, err := c.ExportAudit(csvOut, f, limit)
		if err == nil {
			fmt.Fprintf(e.stdout, "Đã ghi %d mục vào %s\n", n, csvOut)
		}
		return err
	}
	entries, err := c.AuditWhere(f, limit)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	for _, a := range entries {
		fmt.Fprintf(e.stdout, "%6d  %s  %-14s %-22s %s %s\n", a.Seq, a.At.In(dossier.Loc).Format("02/01/2006 15:04:05"), a.Actor, a.Action, a.Code, a.Detail)
	}
	return nil
}

// setupAdmin makes the unit's first admin during setup, with the password
// from MOTCUA_PASSWORD or the terminal.
func setupAdmin(c *counter.Counter, e env, username, name string) error {
	if c.HasAccounts() {
		return fail("đơn vị đã có tài khoản; quản trị viên thêm người bằng: motcuactl -user … user add")
	}
	pw, err := newPassword(e, "MOTCUA_PASSWORD")
	if err != nil {
		return err
	}
	if _, err := c.CreateFirstAdmin(username, name, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã tạo quản trị viên đầu tiên: %s\n", dossier.NormalizeUsername(username))
	return nil
}

// cmdReport writes the periodic report (supervisor) for -from/-to, or a
// whole -month MM/YYYY or -year YYYY, as pdf, xlsx or csv.
func cmdReport(c *counter.Counter, e env) error {
	var from, to, month, year, format, out string
	err := flags(e, "report", "cần -from dd/mm/yyyy -to dd/mm/yyyy (hoặc -month mm/yyyy, -year yyyy) -format pdf|xlsx|csv -o FILE", func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "từ ngày dd/mm/yyyy")
		fs.StringVar(&to, "to", "", "đến hết ngày dd/mm/yyyy")
		fs.StringVar(&month, "month", "", "cả tháng mm/yyyy")
		fs.StringVar(&year, "year", "", "cả năm yyyy")
		fs.StringVar(&format, "format", counter.FormatPDF, "pdf, xlsx hoặc csv")
		fs.StringVar(&out, "o", "", "tệp đích")
	})
	if err != nil {
		return err
	}
	a, b, ok := reportPeriod(from, to, month, year)
	if !ok {
		return badArgs("kỳ báo cáo: -from dd/mm/yyyy -to dd/mm/yyyy, hoặc -month mm/yyyy, hoặc -year yyyy")
	}
	res, rep, err := c.WriteReport(a, b, format, out)
	if err != nil {
		return err
	}
	notAudited(c, res, e.stdout)
	t := rep.Total
	fmt.Fprintf(e.stdout, "Đã ghi báo cáo %s–%s vào %s: nhận %d (trực tuyến %d, trực tiếp/bưu chính %d, kỳ trước %d); đã giải quyết %d (trước hạn %d, đúng hạn %d, quá hạn %d); đang giải quyết %d (quá hạn %d)\n",
		rep.From.Format("02/01/2006"), rep.To.Format("02/01/2006"), res.Path, t.Received, t.Online, t.InPerson, t.Carried,
		t.Settled, t.Early, t.OnTime, t.Late, t.InProgress, t.Overdue)
	return nil
}

// reportPeriod reads the period's flags: one of the three forms.
func reportPeriod(from, to, month, year string) (a, b time.Time, ok bool) {
	switch {
	case month != "":
		m, err := time.ParseInLocation("01/2006", month, dossier.Loc)
		return m, m.AddDate(0, 1, -1), err == nil
	case year != "":
		y, err := time.ParseInLocation("2006", year, dossier.Loc)
		return y, y.AddDate(1, 0, -1), err == nil
	}
	a, okA := dossier.ParseDate(from)
	b, okB := dossier.ParseDate(to)
	return a, b, okA && okB
}
