package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"motcua/dossier"
)

// Files filed online with a record are kept beside the store, in
// attachments/, named by their SHA-256 (and the extension their name or
// type gives, so the system viewer opens them): a counter that pulled an
// online file opens its attachments offline.

// ErrNoCopy says the backend holds no copy of an attachment: only the
// portal has it, at its link.
var ErrNoCopy = errors.New("máy chủ không giữ bản sao tệp này; hãy mở theo đường dẫn của cổng dịch vụ công")

// AttachmentDir is where the files filed online are kept.
func (s *Store) AttachmentDir() string { return filepath.Join(filepath.Dir(s.path), "attachments") }

// AttachmentPath is where an attachment's file is kept here (ErrNoCopy
// when the backend has no copy to give).
func (s *Store) AttachmentPath(a dossier.Attachment) (string, error) {
	sha := strings.ToLower(a.SHA256)
	if len(sha) != 64 || strings.Trim(sha, "0123456789abcdef") != "" {
		return "", ErrNoCopy
	}
	return filepath.Join(s.AttachmentDir(), sha+attachmentExt(a)), nil
}

// attachmentExt is the extension to keep a file under: its name's, when
// short and plain, or its type's.
func attachmentExt(a dossier.Attachment) string {
	ext := strings.ToLower(filepath.Ext(a.Name))
	if len(ext) >= 2 && len(ext) <= 6 && strings.Trim(ext[1:], "abcdefghijklmnopqrstuvwxyz0123456789") == "" {
		return ext
	}
	switch a.Type {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	}
	return ".bin"
}

// HasAttachment says whether an attachment's file is here, whole.
func (s *Store) HasAttachment(a dossier.Attachment) bool {
	p, err := s.AttachmentPath(a)
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Size() == a.Size
}

// MissingAttachments lists the files of online files waiting for receipt
// (or for a supplement before it) that the backend holds and this counter
// does not, each once.
func (s *Store) MissingAttachments() ([]dossier.Attachment, error) {
	recs, err := s.OnlineRecords()
	if err != nil {
		return nil, err
	}
	var out []dossier.Attachment
	for _, r := range recs {
		for _, a := range r.Attachments {
			if _, err := s.AttachmentPath(a); err == nil && !s.HasAttachment(a) &&
				!slices.ContainsFunc(out, func(b dossier.Attachment) bool { return strings.EqualFold(a.SHA256, b.SHA256) }) {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// OnlineRecords are the files filed online that no counter has received
// yet (dossier.Record.Online): status 1, or a supplement asked for before
// receipt.
func (s *Store) OnlineRecords() ([]*dossier.Record, error) {
	var out []*dossier.Record
	for _, st := range []dossier.Status{dossier.StatusRegistered, dossier.StatusSupplement} {
		var after Cursor
		for {
			recs, next, err := s.Page(Query{Status: st}, after, 500)
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				if r.Online() {
					out = append(out, r)
				}
			}
			if next == nil {
				break
			}
			after = next
		}
	}
	return out, nil
}

// KeepAttachment writes an attachment's file, whole or not at all (a
// temporary file, synced, then renamed).
func (s *Store) KeepAttachment(a dossier.Attachment, data []byte) error {
	p, err := s.AttachmentPath(a)
	if err != nil {
		return err
	}
	if int64(len(data)) != a.Size {
		return fmt.Errorf("storage: attachment of %d bytes, %d expected", len(data), a.Size)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// ReceiveOnline receives a file filed online at this counter, by this
// clerk, now: the appointment from the time of receipt. docs are the
// documents as checked (nil: as filed). The receipt is an event like any
// other: saved at once, sent when the network allows, and the backend
// takes the first counter's.
func (s *Store) ReceiveOnline(id string, docs []dossier.DocumentLine) (*dossier.Record, error) {
	set := s.Settings()
	if !set.Ready() {
		return nil, ErrNotSetUp
	}
	r, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	ev, err := dossier.NewOnlineReceipt(r, s.Catalog(), s.Calendar(), s.counterOf(set), s.now(), docs)
	if err != nil {
		return nil, err
	}
	return s.Apply(ev)
}
