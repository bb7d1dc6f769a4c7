package dossier

// Status is the national portal's status code of a file, used 1:1.
type Status int

// The ten status codes of the National Public Service Portal.
const (
	StatusRegistered Status = 1  // Mới đăng ký
	StatusReceived   Status = 2  // Được tiếp nhận
	StatusRefused    Status = 3  // Không được tiếp nhận
	StatusProcessing Status = 4  // Đang xử lý
	StatusSupplement Status = 5  // Yêu cầu bổ sung giấy tờ
	StatusFinancial  Status = 6  // Yêu cầu thực hiện nghĩa vụ tài chính
	StatusWithdrawn  Status = 7  // Công dân yêu cầu rút hồ sơ
	StatusStopped    Status = 8  // Dừng xử lý
	StatusDone       Status = 9  // Đã xử lý xong
	StatusReturned   Status = 10 // Đã trả kết quả
	firstStatus             = StatusRegistered
	lastStatus              = StatusReturned
)

var statusLabels = [...]string{
	"", "Mới đăng ký", "Được tiếp nhận", "Không được tiếp nhận", "Đang xử lý",
	"Yêu cầu bổ sung giấy tờ", "Yêu cầu thực hiện nghĩa vụ tài chính",
	"Công dân yêu cầu rút hồ sơ", "Dừng xử lý", "Đã xử lý xong", "Đã trả kết quả",
}

// AllStatuses lists the codes in order.
func AllStatuses() []Status {
	out := make([]Status, 0, lastStatus)
	for s := firstStatus; s <= lastStatus; s++ {
		out = append(out, s)
	}
	return out
}

// Valid says whether s is one of the ten codes.
func (s Status) Valid() bool { return s >= firstStatus && s <= lastStatus }

// Label is the portal's Vietnamese name of the status.
func (s Status) Label() string {
	if !s.Valid() {
		return "?"
	}
	return statusLabels[s]
}

// Open says whether the file is still being worked on: the deadline runs
// (or is paused) and it can become overdue.
func (s Status) Open() bool {
	switch s {
	case StatusRegistered, StatusReceived, StatusProcessing, StatusSupplement, StatusFinancial:
		return true
	}
	return false
}

// Finished says whether the file has been settled (9 or 10), for reports.
func (s Status) Finished() bool { return s == StatusDone || s == StatusReturned }

// EventType names a change to a record.
type EventType string

// Event types. The status machine (Allowed) decides which apply from where.
const (
	EvReceived            EventType = "received"
	EvRefused             EventType = "refused"
	EvProcessing          EventType = "processing"
	EvSupplementRequested EventType = "supplement_requested"
	EvSupplementReceived  EventType = "supplement_received"
	EvFeeRequested        EventType = "fee_requested"
	EvFeePaid             EventType = "fee_paid"
	EvExtended            EventType = "extended"
	EvStopped             EventType = "stopped"
	EvResultReady         EventType = "result_ready"
	EvReturned            EventType = "returned"
	EvWithdrawn           EventType = "withdrawn"
	EvNoteAdded           EventType = "note_added"
	EvCorrected           EventType = "corrected" // a typing mistake put right (Correction)
	// EvFiled is a file filed online on a portal, taken in by the backend:
	// it makes the record in status 1 (Mới đăng ký), not yet received.
	EvFiled EventType = "filed"
	// EvReported says the national portal (DVCQG) has a record as it was
	// after the event named in Reported; the backend writes it, counters
	// show it, and it changes nothing of the record.
	EvReported EventType = "reported"
)

var eventLabels = map[EventType]string{
	EvReceived:            "Tiếp nhận hồ sơ",
	EvRefused:             "Từ chối tiếp nhận",
	EvProcessing:          "Chuyển xử lý",
	EvSupplementRequested: "Yêu cầu bổ sung",
	EvSupplementReceived:  "Nhận hồ sơ bổ sung",
	EvFeeRequested:        "Yêu cầu nộp phí, lệ phí",
	EvFeePaid:             "Đã nộp phí, lệ phí",
	EvExtended:            "Xin lỗi và gia hạn",
	EvStopped:             "Dừng xử lý",
	EvResultReady:         "Có kết quả",
	EvReturned:            "Trả kết quả",
	EvWithdrawn:           "Rút hồ sơ",
	EvNoteAdded:           "Ghi chú",
	EvCorrected:           "Sửa thông tin",
	EvGuided:              "Hướng dẫn tại quầy",
	EvFiled:               "Nộp hồ sơ trực tuyến",
	EvReported:            "Đã lên Cổng Dịch vụ công quốc gia",
}

// Label is the Vietnamese name of the action.
func (e EventType) Label() string {
	if l, ok := eventLabels[e]; ok {
		return l
	}
	return string(e)
}

// transitions is the status machine: from a status, which events apply.
// The target status is in target; events absent from it keep the status.
var transitions = map[Status][]EventType{
	StatusRegistered: {EvReceived, EvSupplementRequested, EvRefused, EvWithdrawn, EvCorrected, EvNoteAdded},
	StatusReceived:   {EvProcessing, EvRefused, EvSupplementRequested, EvFeeRequested, EvExtended, EvStopped, EvResultReady, EvWithdrawn, EvFeePaid, EvCorrected, EvNoteAdded},
	StatusProcessing: {EvSupplementRequested, EvFeeRequested, EvExtended, EvStopped, EvResultReady, EvWithdrawn, EvFeePaid, EvCorrected, EvNoteAdded},
	StatusSupplement: {EvSupplementReceived, EvStopped, EvWithdrawn, EvCorrected, EvNoteAdded},
	StatusFinancial:  {EvFeePaid, EvStopped, EvWithdrawn, EvExtended, EvCorrected, EvNoteAdded},
	StatusDone:       {EvReturned, EvFeePaid, EvCorrected, EvNoteAdded},
	StatusRefused:    {EvCorrected, EvNoteAdded},
	StatusWithdrawn:  {EvCorrected, EvNoteAdded},
	StatusStopped:    {EvCorrected, EvNoteAdded},
	StatusReturned:   {EvCorrected, EvNoteAdded},
}

var target = map[EventType]Status{
	EvRefused:             StatusRefused,
	EvProcessing:          StatusProcessing,
	EvSupplementRequested: StatusSupplement,
	EvFeeRequested:        StatusFinancial,
	EvStopped:             StatusStopped,
	EvResultReady:         StatusDone,
	EvReturned:            StatusReturned,
	EvWithdrawn:           StatusWithdrawn,
}

// Allowed lists the events that may be applied to a record in status s,
// in the order the UI offers them.
func Allowed(s Status) []EventType { return append([]EventType(nil), transitions[s]...) }

// CanApply says whether event e may be applied in status s.
func CanApply(s Status, e EventType) bool {
	for _, x := range transitions[s] {
		if x == e {
			return true
		}
	}
	return false
}

// AllEventTypes lists every event type but received.
func AllEventTypes() []EventType {
	return []EventType{EvRefused, EvProcessing, EvSupplementRequested, EvSupplementReceived, EvFeeRequested,
		EvFeePaid, EvExtended, EvStopped, EvResultReady, EvReturned, EvWithdrawn, EvNoteAdded, EvCorrected}
}
