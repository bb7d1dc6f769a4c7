package counter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"sync/atomic"
	"text/template"
	"time"

	"motcua/account"
	"motcua/assets"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
	mcsync "motcua/sync"
	"motcua/sync/wire"
)

// The words a person reads come from assets/translations (vi.json, en.json),
// the same files and keys the window's Fyne lang lookups use, so the window
// and motcuactl say the same thing in the same language.

var language atomic.Value // "vi" or "en"

// SetLanguage sets the language of every sentence this package makes: "en",
// or "vi" (the default, and whatever else is given).
func SetLanguage(code string) {
	if code != "en" {
		code = "vi"
	}
	language.Store(code)
}

// Language is the code in force.
func Language() string {
	if v, _ := language.Load().(string); v != "" {
		return v
	}
	return "vi"
}

type catalogue struct {
	msgs  map[string]string
	mu    gosync.Mutex
	cache map[string]*template.Template
}

var (
	loadOnce   gosync.Once
	catalogues map[string]*catalogue
)

func load() {
	catalogues = map[string]*catalogue{}
	for code, data := range map[string][]byte{"vi": assets.TranslationVI, "en": assets.TranslationEN} {
		c := &catalogue{cache: map[string]*template.Template{}}
		if err := json.Unmarshal(data, &c.msgs); err != nil {
			panic(fmt.Sprintf("counter: translations %s: %v", code, err)) // embedded, checked by the tests
		}
		catalogues[code] = c
	}
}

// L is the sentence for key in the language in force, with args filled in
// ({{.Name}} in the text); the key itself when no language has it.
func L(key string, args ...map[string]any) string {
	return X(key, "", args...)
}

// X is L with a fallback: the Vietnamese text the domain already has (a
// dossier error's message), used when the key is missing.
func X(key, fallback string, args ...map[string]any) string {
	loadOnce.Do(load)
	c := catalogues[Language()]
	msg, ok := c.msgs[key]
	if !ok {
		if fallback != "" {
			return fallback
		}
		if msg, ok = catalogues["vi"].msgs[key]; !ok {
			return key
		}
		c = catalogues["vi"]
	}
	if len(args) == 0 || !strings.Contains(msg, "{{") {
		return msg
	}
	c.mu.Lock()
	t, ok := c.cache[key]
	if !ok {
		var err error
		if t, err = template.New(key).Option("missingkey=zero").Parse(msg); err != nil {
			c.mu.Unlock()
			return msg
		}
		c.cache[key] = t
	}
	c.mu.Unlock()
	var b bytes.Buffer
	if err := t.Execute(&b, args[0]); err != nil {
		return msg
	}
	return b.String()
}

// domain is a label the domain already has in Vietnamese: used as is in
// Vietnamese, looked up by key in English.
func domain(key, vi string) string {
	if Language() == "vi" {
		return vi
	}
	return X(key, vi)
}

// StatusLabel is a status code's name in the language in force.
func StatusLabel(s dossier.Status) string {
	return domain(fmt.Sprintf("status.%d", s), s.Label())
}

// EventLabel is an action's name in the language in force.
func EventLabel(e dossier.EventType) string { return domain("event."+string(e), e.Label()) }

// FieldMessage is a field error in the language in force.
func FieldMessage(e *dossier.FieldError) string { return domain("err."+e.Key, e.Msg) }

// Explain turns an error into what a clerk or an operator reads, in the
// language in force: the one place where errors become sentences.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	if s, ok := explainAccount(err); ok {
		return s
	}
	if s, ok := explainDomain(err); ok {
		return s
	}
	if s, ok := explainStore(err); ok {
		return s
	}
	if s, ok := explainSync(err); ok {
		return s
	}
	if s, ok := explainPrint(err); ok {
		return s
	}
	return L("error.unexpected") + "\n" + err.Error()
}

func explainAccount(err error) (string, bool) {
	var fe *ForbiddenError
	var we *WaitError
	var pe *account.PasswordError
	switch {
	case errors.As(err, &fe):
		return L("error.forbidden", map[string]any{"Action": L("right." + string(fe.Action))}), true
	case errors.As(err, &we):
		return L("error.signin_wait", map[string]any{"Seconds": int(we.Wait.Seconds())}), true
	case errors.As(err, &pe):
		return L("password."+pe.Key, map[string]any{"N": account.MinLength}), true
	}
	for _, k := range []struct {
		err error
		key string
	}{{ErrSignIn, "error.signin"}, {ErrDisabled, "error.account_disabled"}, {ErrNotSignedIn, "error.not_signed_in"},
		{ErrMustChange, "error.must_change"}, {ErrNoAccounts, "error.no_accounts"}, {ErrHasAccounts, "error.has_accounts"},
		{ErrWrongPassword, "error.wrong_password"}, {dossier.ErrAccountExists, "error.account_exists"},
		{dossier.ErrNoAccount, "error.no_account"}, {dossier.ErrAccountRace, "error.account_race"},
		{dossier.ErrBadAccountData, "error.bad_account"}, {storage.ErrAuditBroken, "error.audit_broken"}} {
		if errors.Is(err, k.err) {
			return L(k.key), true
		}
	}
	return "", false
}

func explainDomain(err error) (string, bool) {
	var ve dossier.ValidationErrors
	var fe *dossier.FieldError
	var te *dossier.TransitionError
	var ue *UsageError
	var ie *ImportError
	switch {
	case errors.As(err, &ue):
		return ue.Error(), true
	case errors.As(err, &ve):
		lines := make([]string, 0, len(ve))
		for _, e := range ve {
			lines = append(lines, "• "+FieldMessage(e))
		}
		return L("error.form") + "\n" + strings.Join(lines, "\n"), true
	case errors.As(err, &fe):
		return FieldMessage(fe), true
	case errors.As(err, &te):
		return L("error.transition", map[string]any{"Action": EventLabel(te.Event), "Status": StatusLabel(te.From)}), true
	case errors.Is(err, dossier.ErrVersion):
		return X("error.version", dossier.ErrVersion.Error()), true
	case errors.Is(err, dossier.ErrSequenceFull):
		return X("error.sequence_full", dossier.ErrSequenceFull.Error()), true
	case errors.Is(err, ErrLedgerTooBig):
		return L("print.ledger_too_big", map[string]any{"N": dossier.Thousands(LedgerLimit)}), true
	case errors.Is(err, ErrNoRecord):
		return L("error.no_record", map[string]any{"Code": errorCode(err)}), true
	case errors.Is(err, ErrNoStoreFile):
		return L("error.no_store_file", map[string]any{"Path": errorCode(err)}), true
	case errors.As(err, &ie):
		return L("error.import."+ie.What, map[string]any{"Detail": ie.Err.Error()}), true
	case errors.Is(err, ErrNotSetUp):
		return L("error.not_set_up"), true
	case errors.Is(err, ErrUnknownProcedure):
		return L("error.unknown_procedure", map[string]any{"Code": errorCode(err)}), true
	}
	return "", false
}

func explainStore(err error) (string, bool) {
	var de *storage.DamagedError
	switch {
	case errors.Is(err, storage.ErrBadBackup):
		return L("error.bad_backup") + "\n" + err.Error(), true
	case errors.As(err, &de):
		return L("error.damaged", map[string]any{"Path": de.Path, "Detail": de.Why}), true
	case errors.Is(err, storage.ErrLocked):
		return X("error.locked", storage.ErrLocked.Error()), true
	case errors.Is(err, storage.ErrNewerSchema):
		return X("error.newer_schema", storage.ErrNewerSchema.Error()), true
	case errors.Is(err, storage.ErrOldSchema):
		return X("error.old_schema", storage.ErrOldSchema.Error()), true
	case errors.Is(err, storage.ErrDiskFull):
		return X("error.disk_full", storage.ErrDiskFull.Error()), true
	case errors.Is(err, storage.ErrReadOnlyFile):
		return X("error.read_only", storage.ErrReadOnlyFile.Error()), true
	case errors.Is(err, storage.ErrNotFound):
		return X("error.not_found", storage.ErrNotFound.Error()), true
	case errors.Is(err, storage.ErrCodeTaken):
		return X("error.code_taken", storage.ErrCodeTaken.Error()), true
	case errors.Is(err, storage.ErrBackupDirMissing):
		return X("error.backup_dir_missing", storage.ErrBackupDirMissing.Error()), true
	}
	return "", false
}

func explainPrint(err error) (string, bool) {
	var pe *forms.PrintError
	var nw *forms.ErrNotWaiting
	switch {
	case errors.As(err, &nw):
		return L("error.not_waiting", map[string]any{"Code": nw.Code}), true
	case errors.Is(err, ErrNothingChosen):
		return L("error.nothing_chosen"), true
	case !errors.As(err, &pe):
		return "", false
	}
	args := map[string]any{"Program": pe.Program, "Printer": pe.Printer, "Detail": pe.Err.Error(), "Path": pe.Path}
	key := "error.print.viewer"
	switch {
	case pe.Missing && pe.Program == "shell:printto":
		key = "error.print.no_printto"
	case pe.Missing && pe.Program == "shell:open":
		key = "error.print.no_viewer_windows"
	case pe.Missing && pe.Printer != "":
		key = "error.print.no_lp"
	case pe.Missing:
		key = "error.print.no_viewer"
	case pe.Printer != "":
		key = "error.print.printer"
	}
	msg := L(key, args)
	if pe.Path != "" {
		msg += "\n" + L("error.print.kept", args)
	}
	return msg, true
}

func explainSync(err error) (string, bool) {
	var he *mcsync.HTTPError
	var ne *mcsync.NetError
	var re *mcsync.RewoundError
	var ref *mcsync.ReferenceError
	switch {
	case errors.Is(err, mcsync.ErrAuth):
		return L("error.sync.auth"), true
	case errors.Is(err, mcsync.ErrNotEnrolled):
		return L("error.sync.not_enrolled"), true
	case errors.Is(err, mcsync.ErrGone):
		return L("error.sync.gone"), true
	case errors.As(err, &ne):
		return L("error.sync.network", map[string]any{"Reason": L("error.sync.net." + ne.Reason)}), true
	case errors.As(err, &re):
		return L("error.sync.rewound", map[string]any{"Generation": re.State.Generation}), true
	case errors.As(err, &ref):
		return L("error.sync.reference."+ref.What, map[string]any{"Detail": ref.Err.Error()}), true
	case errors.Is(err, mcsync.ErrNotJSON):
		return L("error.sync.not_json"), true
	case errors.Is(err, mcsync.ErrTooLarge):
		return L("error.sync.too_large"), true
	case errors.Is(err, wire.ErrMalformed):
		return L("error.sync.malformed", map[string]any{"Detail": err.Error()}), true
	case errors.As(err, &he):
		if he.Message != "" {
			return L("error.sync.http_message", map[string]any{"Status": he.Status, "Message": he.Message}), true
		}
		return L("error.sync.http", map[string]any{"Status": he.Status}), true
	}
	return "", false
}

// Wording is a sync log note as a line a person reads: its time, then
// what happened, in the language in force.
func Wording(n mcsync.Note) string {
	at := n.At.In(dossier.Loc).Format("02/01 15:04:05")
	var text string
	switch n.Key {
	case mcsync.NoteError:
		text = L("sync.note.error", map[string]any{"Error": Explain(n.Err)})
	case mcsync.NoteRound:
		args := map[string]any{}
		for k, v := range n.Args {
			if i, ok := v.(int); ok {
				v = dossier.Thousands(int64(i))
			}
			args[k] = v
		}
		text = L(n.Key, args)
	default:
		text = L(n.Key, n.Args)
	}
	return at + "  " + text
}

// Moment writes a time as a clerk reads it: 16:05 23/02/2026.
func Moment(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(dossier.Loc).Format("02/01/2006 15:04")
}
