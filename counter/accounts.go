package counter

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"motcua/account"
	"motcua/dossier"
	"motcua/storage"
)

// Session is who is signed in at this counter.
type Session struct {
	Username string
	Name     string
	Roles    []dossier.Role
	// MustChange: the password was given by an admin; until the person
	// chooses their own, changing it is all they may do.
	MustChange bool
}

// May says whether the session's roles allow the action.
func (s *Session) May(a account.Action) bool { return s != nil && account.Allowed(s.Roles, a) }

// Errors of signing in and of the roles.
var (
	// ErrSignIn: the username is unknown or the password wrong (one
	// sentence for both, so a guesser learns nothing).
	ErrSignIn = errors.New("counter: wrong username or password")
	// ErrDisabled: the account has been disabled by an admin.
	ErrDisabled = errors.New("counter: the account is disabled")
	// ErrNotSignedIn: a change needs someone signed in.
	ErrNotSignedIn = errors.New("counter: nobody is signed in")
	// ErrMustChange: the password given by an admin must be changed first.
	ErrMustChange = errors.New("counter: the password must be changed before anything else")
	// ErrNoAccounts: the unit has no account yet; the first admin comes first.
	ErrNoAccounts = errors.New("counter: the unit has no account yet")
	// ErrHasAccounts: the first admin exists already.
	ErrHasAccounts = errors.New("counter: the unit has accounts already")
	// ErrWrongPassword: the current password given to change it is wrong.
	ErrWrongPassword = errors.New("counter: the current password is wrong")
)

// ForbiddenError says the signed-in person's roles do not allow an action.
type ForbiddenError struct {
	Action account.Action
	User   string
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("counter: %s may not %s", e.User, e.Action)
}

// WaitError says too many wrong passwords were typed in a row for this
// username: the next try must wait.
type WaitError struct{ Wait time.Duration }

func (e *WaitError) Error() string {
	return fmt.Sprintf("counter: too many wrong passwords; wait %v", e.Wait)
}

// User is who is signed in (nil: nobody).
func (c *Counter) User() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.user == nil {
		return nil
	}
	u := *c.user
	return &u
}

// HasAccounts says whether the unit has any account (false on a new
// counter until its first admin is made, or until it pulls the unit's
// accounts after enrollment).
func (c *Counter) HasAccounts() bool { return c.store.HasAccounts() }

// Require says whether the signed-in person may do the action, for a
// front end that checks before it starts.
func (c *Counter) Require(a account.Action) error { return c.require(a) }

// require says whether the signed-in person may do the action.
func (c *Counter) require(a account.Action) error {
	if err := c.ready(); err != nil {
		return err
	}
	u := c.User()
	switch {
	case u == nil && !c.store.HasAccounts():
		return ErrNoAccounts
	case u == nil:
		return ErrNotSignedIn
	case u.MustChange:
		return ErrMustChange
	case !u.May(a):
		return &ForbiddenError{Action: a, User: u.Username}
	}
	return nil
}

// requireOrSetUp is require, except that before the unit has any account
// the set-up's own steps (settings, enrollment, a first sync that brings
// the unit's accounts) need none.
func (c *Counter) requireOrSetUp(a account.Action) error {
	if c.User() == nil && !c.store.HasAccounts() {
		return nil
	}
	return c.require(a)
}

func (c *Counter) setUser(a *dossier.Account) *Session {
	s := &Session{Username: a.Username, Name: a.Name, Roles: slices.Clone(a.Roles), MustChange: a.MustChange}
	c.mu.Lock()
	c.user = s
	c.mu.Unlock()
	c.store.SetActor(storage.Actor{Username: a.Username, Name: a.Name})
	u := *s
	return &u
}

// CreateFirstAdmin makes the unit's first account, an admin, after the
// unit's set-up, and signs it in. It is refused once the unit has an
// account (made here or pulled from the backend).
func (c *Counter) CreateFirstAdmin(username, name, password string) (*Session, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	if c.store.HasAccounts() {
		return nil, ErrHasAccounts
	}
	username = dossier.NormalizeUsername(username)
	ch, err := c.newAccount(username, name, []dossier.Role{dossier.RoleAdmin}, password)
	if err != nil {
		return nil, err
	}
	a, err := c.store.ChangeAccount(c.accountEvent(username, name, ch))
	if err != nil {
		return nil, err
	}
	if _, err := c.store.SignedIn(username, true, true, c.now()); err != nil {
		return nil, err
	}
	return c.setUser(a), nil
}

// newAccount checks and hashes what a new account is made of.
func (c *Counter) newAccount(username, name string, roles []dossier.Role, password string) (*dossier.AccountChange, error) {
	name = strings.Join(strings.Fields(name), " ")
	var errs dossier.ValidationErrors
	if err := dossier.CheckUsername(username); err != nil {
		errs = append(errs, err.(*dossier.FieldError))
	}
	if len([]rune(name)) < 2 || len(name) > dossier.MaxNameLen {
		errs = append(errs, &dossier.FieldError{Field: "name", Key: "account.name", Msg: "Chưa nhập họ tên"})
	}
	if err := dossier.CheckRoles(roles); err != nil {
		errs = append(errs, err.(*dossier.FieldError))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if err := account.CheckNew(password, username); err != nil {
		return nil, err
	}
	hash, err := account.Hash(password)
	if err != nil {
		return nil, err
	}
	return &dossier.AccountChange{Op: dossier.OpCreate, Username: username, Name: name, Roles: slices.Clone(roles), Hash: hash,
		UnitCode: c.store.Settings().UnitCode}, nil
}

// accountEvent is an account change by the actor, now.
func (c *Counter) accountEvent(actor, actorName string, ch *dossier.AccountChange) dossier.Event {
	return dossier.Event{ID: dossier.NewEventID(), RecordID: ch.Username, Type: dossier.EvAccount, Actor: actor, ActorName: actorName,
		At: c.now().In(dossier.Loc).Truncate(time.Second), Account: ch}
}

// SignIn checks a username and password and makes that person the one
// signed in (a shift change when someone else was). An unknown username
// and a wrong password give the same ErrSignIn and take the same time;
// after five wrong passwords in a row the next try waits (*WaitError), and
// every failure is in the audit.
func (c *Counter) SignIn(username, password string) (*Session, error) {
	// whoever was signed in is not any more, whatever comes of this try
	c.mu.Lock()
	c.user = nil
	c.mu.Unlock()
	c.store.SetActor(storage.Actor{})
	username = dossier.NormalizeUsername(username)
	if w := c.store.Tries(username).Remaining(c.now()); w > 0 {
		return nil, &WaitError{Wait: w.Round(time.Second)}
	}
	a, err := c.store.Account(username)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	hash := dummyHash()
	if a != nil {
		hash = a.Hash
	}
	ok, herr := account.Check(hash, password)
	ok = ok && a != nil && herr == nil
	// a file opened read-only (backup, export) cannot count or audit
	if !c.store.ReadOnly() {
		if _, err := c.store.SignedIn(username, a != nil, ok, c.now()); err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, ErrSignIn
	}
	if a.Disabled {
		return nil, ErrDisabled
	}
	return c.setUser(a), nil
}

// dummyHash is a hash of nothing anyone types, checked for an unknown
// username so that it costs what a known one does.
var dummyHash = gosync.OnceValue(func() string {
	h, _ := account.Hash("\x00no account\x00")
	return h
})

// SignOut ends the session (the program stays open on the sign-in screen).
// lock says it was the screen lock, by hand or idle, for the audit.
func (c *Counter) SignOut(lock bool) {
	u := c.User()
	if u == nil {
		return
	}
	action := "signout"
	if lock {
		action = "lock"
	}
	if !c.store.ReadOnly() {
		_ = c.store.AuditNote(action, "")
	}
	c.mu.Lock()
	c.user = nil
	c.mu.Unlock()
	c.store.SetActor(storage.Actor{})
}

// ChangePassword changes the signed-in person's own password, checking
// the current one first.
func (c *Counter) ChangePassword(old, password string) error {
	u := c.User()
	if u == nil {
		return ErrNotSignedIn
	}
	a, err := c.store.Account(u.Username)
	if err != nil {
		return err
	}
	if ok, _ := account.Check(a.Hash, old); !ok {
		return ErrWrongPassword
	}
	if old == password {
		return &account.PasswordError{Key: "same"}
	}
	if err := account.CheckNew(password, u.Username); err != nil {
		return err
	}
	hash, err := account.Hash(password)
	if err != nil {
		return err
	}
	ch := &dossier.AccountChange{Op: dossier.OpPassword, Username: u.Username, Hash: hash, Prev: a.Stamps[dossier.AccountPart(dossier.OpPassword)]}
	next, err := c.store.ChangeAccount(c.accountEvent(u.Username, u.Name, ch))
	if err != nil {
		return err
	}
	c.setUser(next)
	return nil
}

// Accounts lists the unit's accounts (admin).
func (c *Counter) Accounts() ([]dossier.Account, error) {
	if err := c.require(account.Accounts); err != nil {
		return nil, err
	}
	return c.store.Accounts()
}

// AddAccount makes an account with an initial password the person must
// change at first sign-in (admin).
func (c *Counter) AddAccount(username, name string, roles []dossier.Role, initial string) (*dossier.Account, error) {
	if err := c.require(account.Accounts); err != nil {
		return nil, err
	}
	username = dossier.NormalizeUsername(username)
	if _, err := c.store.Account(username); err == nil {
		return nil, dossier.ErrAccountExists
	}
	ch, err := c.newAccount(username, name, roles, initial)
	if err != nil {
		return nil, err
	}
	u := c.User()
	return c.store.ChangeAccount(c.accountEvent(u.Username, u.Name, ch))
}

// ChangeAccount disables or enables an account, gives it new roles, or
// resets its password to an initial one (admin). An admin cannot disable
// themselves or take away their own admin role: the unit would be left
// with nobody to undo it.
func (c *Counter) ChangeAccount(username string, op dossier.AccountOp, roles []dossier.Role, initial string) (*dossier.Account, error) {
	if err := c.require(account.Accounts); err != nil {
		return nil, err
	}
	u := c.User()
	username = dossier.NormalizeUsername(username)
	a, err := c.store.Account(username)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, dossier.ErrNoAccount
	} else if err != nil {
		return nil, err
	}
	if username == u.Username && (op == dossier.OpDisable || op == dossier.OpRoles && !slices.Contains(roles, dossier.RoleAdmin)) {
		return nil, &ForbiddenError{Action: account.Accounts, User: u.Username}
	}
	ch := &dossier.AccountChange{Op: op, Username: username, Prev: a.Stamps[dossier.AccountPart(op)]}
	if err := fillChange(ch, roles, initial); err != nil {
		return nil, err
	}
	next, err := c.store.ChangeAccount(c.accountEvent(u.Username, u.Name, ch))
	if err == nil && op == dossier.OpReset {
		// a reset also clears the wait after wrong passwords
		_, err = c.store.SignedIn(username, true, true, c.now())
	}
	return next, err
}

// fillChange puts in an admin's change what its operation sets: a hashed
// initial password, or roles.
func fillChange(ch *dossier.AccountChange, roles []dossier.Role, initial string) error {
	switch ch.Op {
	case dossier.OpReset:
		if err := account.CheckNew(initial, ch.Username); err != nil {
			return err
		}
		var err error
		ch.Hash, err = account.Hash(initial)
		return err
	case dossier.OpRoles:
		if err := dossier.CheckRoles(roles); err != nil {
			return dossier.ValidationErrors{err.(*dossier.FieldError)}
		}
		ch.Roles = slices.Clone(roles)
	case dossier.OpDisable, dossier.OpEnable:
	default:
		return dossier.ErrBadAccountData
	}
	return nil
}

// ParseRoles reads roles written "clerk,supervisor".
func ParseRoles(s string) ([]dossier.Role, error) {
	var out []dossier.Role
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(strings.ToLower(p)); p != "" && !slices.Contains(out, dossier.Role(p)) {
			out = append(out, dossier.Role(p))
		}
	}
	if err := dossier.CheckRoles(out); err != nil {
		return nil, dossier.ValidationErrors{err.(*dossier.FieldError)}
	}
	return out, nil
}

// AuditWhere lists the audit entries that match, newest first (supervisor).
func (c *Counter) AuditWhere(f storage.AuditFilter, limit int) ([]storage.AuditEntry, error) {
	if err := c.require(account.Reports); err != nil {
		return nil, err
	}
	return c.store.AuditWhere(f, limit)
}

// ExportAudit writes the audit entries that match to a CSV file (UTF-8
// with the mark spreadsheet programs read), newest first; it returns how
// many (supervisor).
func (c *Counter) ExportAudit(path string, f storage.AuditFilter, limit int) (int, error) {
	entries, err := c.AuditWhere(f, limit)
	if err != nil {
		return 0, err
	}
	return len(entries), writeFile(path, func(out io.Writer) error {
		if _, err := io.WriteString(out, "\ufeff"); err != nil {
			return err
		}
		w := csv.NewWriter(out)
		_ = w.Write([]string{"stt", "thoi_diem", "nguoi", "thao_tac", "ma_ho_so", "chi_tiet"})
		for _, a := range entries {
			_ = w.Write([]string{strconv.FormatUint(a.Seq, 10), a.At.In(dossier.Loc).Format("2006-01-02 15:04:05"), a.Actor, a.Action, a.Code, a.Detail})
		}
		w.Flush()
		return w.Error()
	})
}
