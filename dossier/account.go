package dossier

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Role names what a person may do at the unit's counters (account package
// has the matrix of actions).
type Role string

// Roles.
const (
	RoleClerk      Role = "clerk"      // cán bộ tiếp nhận và trả kết quả
	RoleSupervisor Role = "supervisor" // lãnh đạo / trưởng bộ phận một cửa
	RoleAdmin      Role = "admin"      // quản trị hệ thống
)

// Roles lists every role, in order of power.
var Roles = []Role{RoleClerk, RoleSupervisor, RoleAdmin}

// Account is a person who signs in at the unit's counters. It belongs to
// the unit, not to one PC: its changes travel as EvAccount events through
// the backend. Username is its id in the data: unique in the unit and
// never changed; Name is what paper shows.
type Account struct {
	Username string `json:"username"`
	Name     string `json:"name"`
	Roles    []Role `json:"roles"`
	// Hash is the password's argon2id hash in PHC form; the password
	// itself is never kept or sent.
	Hash string `json:"hash"`
	// MustChange: the password was set by an admin (first or reset); the
	// person must choose their own before doing anything else.
	MustChange bool      `json:"must_change,omitempty"`
	Disabled   bool      `json:"disabled,omitempty"`
	UnitCode   string    `json:"unit_code"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	UpdatedBy  string    `json:"updated_by"`
	// Stamps holds, per part of the account (AccountPart), the id of the
	// event that last changed it: a change names the stamp it was made
	// against, and one made against an older stamp lost a race
	// (ErrAccountRace).
	Stamps map[string]string `json:"stamps"`
}

// Has says whether the account holds the role.
func (a *Account) Has(r Role) bool { return a != nil && slices.Contains(a.Roles, r) }

// Clone copies the account.
func (a *Account) Clone() *Account {
	c := *a
	c.Roles = slices.Clone(a.Roles)
	c.Stamps = make(map[string]string, len(a.Stamps))
	for k, v := range a.Stamps {
		c.Stamps[k] = v
	}
	return &c
}

// EvAccount is a change to an account. Its RecordID is the username; it
// carries an AccountChange. It is outside the records' status machine.
const EvAccount EventType = "account"

// AccountOp is what an account change does.
type AccountOp string

// Account operations.
const (
	OpCreate   AccountOp = "create"   // a new account (admin; or the unit's first admin, by itself)
	OpPassword AccountOp = "password" // the person changes their own password
	OpReset    AccountOp = "reset"    // an admin sets a new initial password
	OpDisable  AccountOp = "disable"
	OpEnable   AccountOp = "enable"
	OpRoles    AccountOp = "roles"
	OpName     AccountOp = "name"
)

// AccountPart is the part of an account an operation changes: two
// changes of different parts made offline at two counters both hold;
// two of the same part race, and the first the backend takes wins.
func AccountPart(op AccountOp) string {
	switch op {
	case OpPassword, OpReset:
		return "password"
	case OpDisable, OpEnable:
		return "disabled"
	case OpRoles:
		return "roles"
	case OpName:
		return "name"
	}
	return "account"
}

var accountParts = []string{"account", "password", "disabled", "roles", "name"}

// AccountChange is the content of an EvAccount event.
type AccountChange struct {
	Op       AccountOp `json:"op"`
	Username string    `json:"username"`
	Name     string    `json:"name,omitempty"`
	Roles    []Role    `json:"roles,omitempty"`
	Hash     string    `json:"hash,omitempty"`
	UnitCode string    `json:"unit_code,omitempty"` // on create
	// Prev is the stamp of the part changed as the writer saw it ("" on
	// create).
	Prev string `json:"prev,omitempty"`
}

// Errors of account changes.
var (
	ErrAccountExists  = errors.New("tên đăng nhập này đã có trong đơn vị")
	ErrNoAccount      = errors.New("không có tài khoản này trong đơn vị")
	ErrAccountRace    = errors.New("tài khoản đã được thay đổi ở nơi khác trước thay đổi này")
	ErrBadAccountData = errors.New("thay đổi tài khoản không hợp lệ")
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// NormalizeUsername lowers and trims a username as typed.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckUsername says whether a username is well formed: 2 to 32 of a-z,
// 0-9, dot, dash and underscore, starting with a letter or digit.
func CheckUsername(s string) error {
	if !usernameRE.MatchString(s) {
		return fieldErr("username", "username.invalid", "Tên đăng nhập gồm 2–32 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới")
	}
	return nil
}

// CheckRoles says whether a set of roles is known and not empty.
func CheckRoles(rs []Role) error {
	if len(rs) == 0 {
		return fieldErr("roles", "roles.required", "Chưa chọn vai trò")
	}
	for _, r := range rs {
		if !slices.Contains(Roles, r) {
			return fieldErr("roles", "roles.unknown", fmt.Sprintf("Vai trò không có: %q", r))
		}
	}
	return nil
}

// ApplyAccount applies an account event to the account it names (nil
// when there is none yet) and returns the new state. With race, a change
// made against another stamp than the account's is refused with
// ErrAccountRace (the backend deciding, and a counter's own change); a
// counter applying the backend's log, already in order, passes race
// false.
func ApplyAccount(a *Account, e Event, race bool) (*Account, error) {
	ch := e.Account
	if e.Type != EvAccount || ch == nil || e.ID == "" || e.At.IsZero() || ch.Username != e.RecordID {
		return nil, ErrBadAccountData
	}
	if err := CheckUsername(ch.Username); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadAccountData, err)
	}
	if ch.Op == OpCreate {
		if a != nil && race {
			return nil, ErrAccountExists
		}
		return createAccount(e)
	}
	if a == nil {
		return nil, ErrNoAccount
	}
	part := AccountPart(ch.Op)
	if race && a.Stamps[part] != ch.Prev {
		return nil, ErrAccountRace
	}
	n := a.Clone()
	if err := n.change(ch); err != nil {
		return nil, err
	}
	n.Stamps[part] = e.ID
	n.UpdatedAt, n.UpdatedBy = e.At, e.Actor
	return n, nil
}

func createAccount(e Event) (*Account, error) {
	ch := e.Account
	if err := checkCreate(ch); err != nil {
		return nil, err
	}
	n := &Account{Username: ch.Username, Name: ch.Name, Roles: slices.Clone(ch.Roles), Hash: ch.Hash, MustChange: e.Actor != ch.Username,
		UnitCode: ch.UnitCode, CreatedAt: e.At, UpdatedAt: e.At, UpdatedBy: e.Actor, Stamps: map[string]string{}}
	for _, p := range accountParts {
		n.Stamps[p] = e.ID
	}
	return n, nil
}

// change applies what a change other than create sets.
func (n *Account) change(ch *AccountChange) error {
	switch ch.Op {
	case OpPassword, OpReset:
		if !strings.HasPrefix(ch.Hash, "$argon2id$") {
			return ErrBadAccountData
		}
		n.Hash, n.MustChange = ch.Hash, ch.Op == OpReset
	case OpDisable, OpEnable:
		n.Disabled = ch.Op == OpDisable
	case OpRoles:
		if err := CheckRoles(ch.Roles); err != nil {
			return fmt.Errorf("%w: %v", ErrBadAccountData, err)
		}
		n.Roles = slices.Clone(ch.Roles)
	case OpName:
		if strings.TrimSpace(ch.Name) == "" || len(ch.Name) > MaxNameLen {
			return ErrBadAccountData
		}
		n.Name = ch.Name
	default:
		return ErrBadAccountData
	}
	return nil
}

func checkCreate(ch *AccountChange) error {
	if strings.TrimSpace(ch.Name) == "" || len(ch.Name) > MaxNameLen || !strings.HasPrefix(ch.Hash, "$argon2id$") {
		return ErrBadAccountData
	}
	if err := CheckRoles(ch.Roles); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAccountData, err)
	}
	return nil
}
