package storage

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"motcua/dossier"
)

// Synthetic people for demos and benchmarks: common Vietnamese family,
// middle and given names, IDs consistent with birth year and sex, valid
// phones. None of it is a real person.
var (
	familyNames = []string{"Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Tôn Nữ", "Tôn Thất", "Trương", "Đinh", "Lâm"}
	middleMale  = []string{"Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Ngọc", "Đình", "Quang"}
	middleFem   = []string{"Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Mai", "Kim", "Bảo", "Hồng", "Diệu"}
	givenMale   = []string{"An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang", "Khoa", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Việt", "Vinh"}
	givenFem    = []string{"An", "Anh", "Châu", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hương", "Lan", "Linh", "Loan", "Mai", "My", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thủy", "Trang", "Trâm", "Uyên", "Vân", "Yến"}
	streets     = []string{"Lê Lợi", "Trần Hưng Đạo", "Hùng Vương", "Nguyễn Huệ", "Điện Biên Phủ", "Phan Đình Phùng", "Lý Thường Kiệt", "Bà Triệu", "Hai Bà Trưng", "Nguyễn Trãi", "Kim Long", "Chi Lăng"}
	wards       = []string{"Phường Thuận Hóa", "Phường Phú Xuân", "Phường Kim Long", "Phường Vỹ Dạ", "Phường An Cựu", "Phường Thủy Xuân", "Xã Phú Vinh", "Phường Hương An"}
	provCodes   = []string{"046", "046", "046", "046", "045", "048", "049", "001", "079", "038", "040", "042", "044"}
	mobilePfx   = []string{"090", "091", "093", "094", "096", "097", "098", "086", "088", "032", "033", "035", "037", "039", "070", "076", "077", "078", "079", "081", "083", "085", "056", "058"}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// SyntheticPerson makes a plausible citizen.
func SyntheticPerson(r *rand.Rand) dossier.Party {
	male := r.IntN(2) == 0
	year := 1940 + r.IntN(76) // born by 2015: older than any receipt the seeder makes (a million files go back to 2020)
	birth := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, dossier.Loc)
	var name string
	sex := dossier.SexMale
	centuryDigit := (year/100 - 19) * 2
	if male {
		name = pick(r, familyNames) + " " + pick(r, middleMale) + " " + pick(r, givenMale)
	} else {
		name = pick(r, familyNames) + " " + pick(r, middleFem) + " " + pick(r, givenFem)
		sex, centuryDigit = dossier.SexFemale, centuryDigit+1
	}
	id := fmt.Sprintf("%s%d%02d%06d", pick(r, provCodes), centuryDigit, year%100, r.IntN(1000000))
	p := dossier.Party{Type: dossier.PartyCitizen, Name: name, IDNumber: id, Birth: birth.Format("2006-01-02"), Sex: sex,
		Address: dossier.Address{Street: fmt.Sprintf("%d %s", 1+r.IntN(300), pick(r, streets)), Ward: pick(r, wards), Province: "Thành phố Huế"}}
	if r.IntN(10) < 8 {
		p.Phone = fmt.Sprintf("%s%07d", pick(r, mobilePfx), r.IntN(10000000))
	}
	return p
}

// Seed adds n synthetic records spread over past working days (at most 600
// a day), with a life that matches their age: old files are mostly
// returned, recent ones in progress. They never enter the outbox. progress
// is called after each batch with the number saved so far.
func (s *Store) Seed(n int, seed uint64, progress func(done int)) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cal := s.Calendar()
	procs := s.Catalog().Procedures
	if cal == nil || len(procs) == 0 {
		return fmt.Errorf("storage: no catalogue or calendar to seed with")
	}
	perDay := 600
	days := max(1, (n+perDay-1)/perDay)
	// the working days, oldest first, ending yesterday
	var workdays []time.Time
	now := s.now().In(dossier.Loc)
	for d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, dossier.Loc).AddDate(0, 0, -1); len(workdays) < days; d = d.AddDate(0, 0, -1) {
		if cal.IsWorkingDay(d) {
			workdays = append([]time.Time{d}, workdays...)
		}
	}
	const batch = 2000
	done := 0
	for done < n {
		size := min(batch, n-done)
		ins := make([]dossier.Intake, size)
		for i := range ins {
			k := done + i
			day := workdays[k*len(workdays)/n]
			p := procs[r.IntN(len(procs))]
			owner := SyntheticPerson(r)
			ins[i] = dossier.Intake{ProcedureCode: p.Code, Owner: owner, FilerIsOwner: r.IntN(5) > 0,
				ReceivedAt: day.Add(time.Duration(7*60+r.IntN(9*60)) * time.Minute), Channel: dossier.Channel(1 + r.IntN(3)%2*2)}
			if !ins[i].FilerIsOwner {
				ins[i].Filer = SyntheticPerson(r)
			}
		}
		life := func(rec *dossier.Record) []dossier.Event {
			return syntheticLife(r, rec, now)
		}
		if _, err := s.IntakeMany(ins, BatchOptions{After: life, Demo: true}); err != nil {
			return err
		}
		done += size
		if progress != nil {
			progress(done)
		}
	}
	return s.update(func(tx *bolt.Tx) error {
		id, _ := s.actor()
		return s.audit(tx, AuditEntry{Actor: id, Action: "seed", Detail: fmt.Sprintf("%d", n)})
	})
}

func syntheticLife(r *rand.Rand, rec *dossier.Record, now time.Time) []dossier.Event {
	ev := func(typ dossier.EventType, at time.Time) dossier.Event {
		return dossier.Event{ID: dossier.NewEventID(), RecordID: rec.ID, Type: typ, Actor: rec.Clerk, At: at}
	}
	age := now.Sub(rec.ReceivedAt)
	roll := r.IntN(100)
	switch {
	case roll < 2:
		e := ev(dossier.EvRefused, rec.ReceivedAt.Add(10*time.Minute))
		e.Reason = "Hồ sơ không thuộc thẩm quyền giải quyết"
		return []dossier.Event{e}
	case roll < 3:
		e := ev(dossier.EvWithdrawn, rec.ReceivedAt.Add(time.Hour))
		e.Reason = "Công dân xin rút hồ sơ"
		return []dossier.Event{e}
	}
	finish := rec.DueAt.Add(-time.Duration(r.IntN(6)) * time.Hour)
	if r.IntN(20) == 0 {
		finish = rec.DueAt.Add(time.Duration(1+r.IntN(48)) * time.Hour) // late
	}
	evs := []dossier.Event{ev(dossier.EvProcessing, rec.ReceivedAt.Add(30*time.Minute))}
	switch {
	case age < 24*time.Hour:
		return evs[:r.IntN(2)]
	case finish.After(now):
		if r.IntN(10) == 0 {
			e := ev(dossier.EvSupplementRequested, rec.ReceivedAt.Add(time.Hour))
			e.Missing, e.Deadline = []string{"Bản sao giấy tờ chứng minh nơi cư trú"}, rec.ReceivedAt.AddDate(0, 0, 7)
			evs = append(evs, e)
		}
		return evs
	}
	evs = append(evs, ev(dossier.EvResultReady, finish))
	if age > 10*24*time.Hour || r.IntN(3) > 0 {
		e := ev(dossier.EvReturned, finish.Add(time.Duration(1+r.IntN(72))*time.Hour))
		e.Collector = &dossier.Collector{Name: strings.TrimSpace(rec.ContactParty().Name)}
		evs = append(evs, e)
	}
	return evs
}
