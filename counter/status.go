package counter

import (
	"time"

	"motcua/storage"
)

// Summary is the counter's state in figures: the status bar and
// motcuactl status show the same ones.
type Summary struct {
	Records     int       `json:"records"`
	Pending     int       `json:"pending"`
	Attention   int       `json:"attention"`
	Indexing    int       `json:"indexing,omitempty"` // pulled records not yet findable by name, ID, phone
	FileBytes   int64     `json:"file_bytes"`
	Server      string    `json:"server,omitempty"`
	DeviceID    string    `json:"device_id,omitempty"` // this counter, as the backend enrolled it
	Enrolled    bool      `json:"enrolled"`
	NeedsEnroll bool      `json:"needs_enroll,omitempty"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Generation  string    `json:"generation,omitempty"` // the backend store's, as last seen
	Rewinds     int       `json:"rewinds,omitempty"`
	LastRewind  time.Time `json:"last_rewind,omitzero"`
	Restored    time.Time `json:"restored,omitzero"`
	ReadOnly    bool      `json:"read_only,omitempty"`

	BackupDir   string              `json:"backup_dir,omitempty"`
	Backup      storage.BackupState `json:"backup,omitzero"`
	BackupStale bool                `json:"backup_stale,omitempty"` // a backup folder is set and the last good backup is old
}

// Status sums up the counter: records, what waits to be sent, what needs a
// person, the link to the backend and the backups. The figures are kept
// in the file, so this is cheap enough for every refresh.
func (c *Counter) Status() (Summary, error) {
	st, err := c.store.Stats()
	if err != nil {
		return Summary{}, err
	}
	ss, err := c.store.SyncState()
	if err != nil {
		return Summary{}, err
	}
	set, b := c.store.Settings(), c.store.BackupState()
	return Summary{Records: st.Records, Pending: st.Pending, Attention: st.Attention, Indexing: st.Indexing, FileBytes: st.FileBytes,
		Server: ss.ServerURL, DeviceID: ss.DeviceID, Enrolled: ss.Enrolled(), NeedsEnroll: ss.NeedsEnroll, LastSuccess: ss.LastSuccess, LastError: ss.LastError,
		Generation: ss.Generation, Rewinds: ss.Rewinds, LastRewind: ss.LastRewind, Restored: ss.Restored, ReadOnly: c.store.ReadOnly(),
		BackupDir: set.BackupDir, Backup: b, BackupStale: set.BackupDir != "" && b.Stale(c.now())}, nil
}
