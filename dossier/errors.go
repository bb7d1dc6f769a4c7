package dossier

import (
	"errors"
	"fmt"
)

// FieldError is a validation failure of one field. Key names the rule for
// the code and for the UI's translations; Error gives the clerk's sentence
// in Vietnamese.
type FieldError struct {
	Field string // e.g. "owner.id_number"
	Key   string // e.g. "id.length"
	Msg   string // Vietnamese
}

func (e *FieldError) Error() string { return e.Msg }

// ValidationErrors collects every field error of a form, so the clerk sees
// all of them at once.
type ValidationErrors []*FieldError

func (v ValidationErrors) Error() string {
	if len(v) == 1 {
		return v[0].Error()
	}
	return fmt.Sprintf("%s (và %d lỗi khác)", v[0].Error(), len(v)-1)
}

// For returns the first error of a field, or nil.
func (v ValidationErrors) For(field string) *FieldError {
	for _, e := range v {
		if e.Field == field {
			return e
		}
	}
	return nil
}

// TransitionError says an event is not allowed from a record's status.
type TransitionError struct {
	Event EventType
	From  Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("Không thể thực hiện thao tác “%s” khi hồ sơ đang ở trạng thái “%s”", e.Event.Label(), e.From.Label())
}

// Sentinel errors of the domain.
var (
	ErrVersion          = errors.New("hồ sơ đã được thay đổi ở nơi khác, hãy mở lại")
	ErrBadEvent         = errors.New("sự kiện không hợp lệ")
	ErrSequenceFull     = errors.New("quầy đã dùng hết số thứ tự hồ sơ của ngày hôm nay (999)")
	ErrUnknownProcedure = errors.New("không tìm thấy thủ tục hành chính")
)

func fieldErr(field, key, msg string) *FieldError {
	return &FieldError{Field: field, Key: key, Msg: msg}
}
