package account

import (
	"slices"

	"motcua/dossier"
)

// Action is something a person does that the roles decide on.
type Action string

// Actions. Reading (search, a record, status, due dates) needs no role:
// only being signed in.
const (
	Intake        Action = "intake"         // receive a file
	Guide         Action = "guide"          // guidance before receipt (Mẫu 02/03)
	Process       Action = "process"        // hand over for processing, result ready
	Supplement    Action = "supplement"     // ask for and take in a supplement
	Fee           Action = "fee"            // ask for and take a fee
	Return        Action = "return"         // hand the result back
	Note          Action = "note"           // a note on a record
	Correct       Action = "correct"        // put a typing mistake right
	Print         Action = "print"          // first print of a form, any reprint of a receipt or slip
	Refuse        Action = "refuse"         // refusal after receipt
	Extend        Action = "extend"         // apology and extension (Mẫu 04)
	Stop          Action = "stop"           // stop processing (Mẫu 05)
	Withdraw      Action = "withdraw"       // the citizen withdraws the file
	ReprintLetter Action = "reprint_letter" // a letter (Mẫu 02–05) printed again
	Reports       Action = "reports"        // ledger, reports, CSV export, audit
	Settings      Action = "settings"       // the unit's settings
	Reference     Action = "reference"      // calendar and catalogue import
	Accounts      Action = "accounts"       // add, disable, reset, roles
	Enroll        Action = "enroll"         // enrol the counter with the backend
	Backup        Action = "backup"         // backup and restore
	Devices       Action = "devices"        // sync: run now, dismiss what it could not apply, seed demo data
)

var clerkActions = []Action{Intake, Guide, Process, Supplement, Fee, Return, Note, Correct, Print}

// matrix is who may do what (README, "Roles"). A supervisor does
// everything a clerk does; an admin has only the admin's powers, and a
// person may hold several roles.
var matrix = map[dossier.Role][]Action{
	dossier.RoleClerk:      clerkActions,
	dossier.RoleSupervisor: append(slices.Clone(clerkActions), Refuse, Extend, Stop, Withdraw, ReprintLetter, Reports, Settings, Reference),
	dossier.RoleAdmin:      {Accounts, Enroll, Backup, Devices},
}

// Actions lists every action, in the README's order.
var Actions = []Action{Intake, Guide, Process, Supplement, Fee, Return, Note, Correct, Print,
	Refuse, Extend, Stop, Withdraw, ReprintLetter, Reports, Settings, Reference, Accounts, Enroll, Backup, Devices}

// Allowed says whether any of the roles may do the action.
func Allowed(roles []dossier.Role, a Action) bool {
	for _, r := range roles {
		if slices.Contains(matrix[r], a) {
			return true
		}
	}
	return false
}

// ForEvent is the action an event of a record is.
func ForEvent(t dossier.EventType) Action {
	switch t {
	case dossier.EvReceived:
		return Intake
	case dossier.EvGuided:
		return Guide
	case dossier.EvProcessing, dossier.EvResultReady:
		return Process
	case dossier.EvSupplementRequested, dossier.EvSupplementReceived:
		return Supplement
	case dossier.EvFeeRequested, dossier.EvFeePaid:
		return Fee
	case dossier.EvReturned:
		return Return
	case dossier.EvNoteAdded:
		return Note
	case dossier.EvCorrected:
		return Correct
	case dossier.EvRefused:
		return Refuse
	case dossier.EvExtended:
		return Extend
	case dossier.EvStopped:
		return Stop
	case dossier.EvWithdrawn:
		return Withdraw
	case dossier.EvAccount:
		return Accounts
	}
	return Action("event:" + string(t)) // no role has it
}

// MayChange says whether actor may make the account change: an admin any,
// a person only their own password, and the unit's first admin its own
// creation (first: the unit has no account yet).
func MayChange(actor *dossier.Account, actorName string, ch *dossier.AccountChange, first bool) bool {
	switch {
	case first:
		return ch.Op == dossier.OpCreate && ch.Username == actorName && slices.Contains(ch.Roles, dossier.RoleAdmin)
	case actor == nil || actor.Disabled:
		return false
	case ch.Op == dossier.OpPassword:
		return actor.Username == ch.Username
	}
	return actor.Has(dossier.RoleAdmin)
}
