package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"motcua/dossier"
	"motcua/report"
	"motcua/server"
)

// Indicators are a unit's Decision 766 figures for a period that the
// backend can compute from its records: the supervisor's report's own
// (the same code counts them), and the on-time rate by the 766 rule.
type Indicators struct {
	Unit string            `json:"unit"`
	From time.Time         `json:"from"`
	To   time.Time         `json:"to"`
	Rep  report.Row        `json:"total"`
	Ind  report.Indicators `json:"indicators"`
	// OnTime766: as OnTimeRate, but a file asked for a supplement more
	// than once counts late (766 document, index 2.1).
	OnTime766 float64 `json:"on_time_rate_766"`
}

// computeIndicators counts a unit's records for the period.
func computeIndicators(adm server.Admin, unit string, from, to, now time.Time) (Indicators, error) {
	ref, err := adm.Reference()
	if err != nil {
		return Indicators{}, err
	}
	cat, err := dossier.ParseCatalog(ref.Catalog)
	if err != nil {
		return Indicators{}, err
	}
	p := report.Period{From: from, To: to, Now: now}
	b := report.NewBuilder(p, cat)
	start, end := dossier.Midnight(from), p.End()
	settled, onTime := 0, 0
	err = adm.Export(unit, func(r *dossier.Record) error {
		b.Add(r)
		if r.FinishedAt.IsZero() || r.FinishedAt.Before(start) || !r.FinishedAt.Before(end) {
			return nil
		}
		settled++
		supplements := 0
		for _, e := range r.History {
			if e.Type == dossier.EvSupplementRequested {
				supplements++
			}
		}
		if supplements <= 1 && !dossier.Midnight(r.FinishedAt).After(dossier.Midnight(r.LegalDue())) {
			onTime++
		}
		return nil
	})
	if err != nil {
		return Indicators{}, err
	}
	if err := b.Err(); err != nil {
		return Indicators{}, err
	}
	rep := b.Report(unit)
	out := Indicators{Unit: unit, From: rep.From, To: rep.To, Rep: rep.Total, Ind: rep.Indicators}
	if settled > 0 {
		out.OnTime766 = float64(onTime*1000/settled) / 10
	}
	return out, nil
}

// cmdIndicators prints a unit's figures for a period.
func cmdIndicators(adm server.Admin, o opts) error {
	from, okA := dossier.ParseDate(o.from)
	to, okB := dossier.ParseDate(o.to)
	if o.unit == "" || !okA || !okB || to.Before(from) {
		return errors.New("cần -unit MÃ_ĐƠN_VỊ -from dd/mm/yyyy -to dd/mm/yyyy")
	}
	in, err := computeIndicators(adm, o.unit, from, to, time.Now())
	if err != nil {
		return err
	}
	w := o.stdout
	if o.portal.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(in)
	}
	t := in.Rep
	fmt.Fprintf(w, "Đơn vị %s, %s–%s\n", in.Unit, in.From.Format("02/01/2006"), in.To.Format("02/01/2006"))
	fmt.Fprintf(w, "Tiếp nhận: %d (trực tuyến %d, trực tiếp và bưu chính %d, kỳ trước chuyển sang %d)\n", t.Received, t.Online, t.InPerson, t.Carried)
	fmt.Fprintf(w, "Đã giải quyết: %d (trước hạn %d, đúng hạn %d, quá hạn %d); đang giải quyết: %d (quá hạn %d)\n",
		t.Settled, t.Early, t.OnTime, t.Late, t.InProgress, t.Overdue)
	fmt.Fprintf(w, "Tỷ lệ giải quyết đúng hạn: %.1f%%\n", in.Ind.OnTimeRate)
	fmt.Fprintf(w, "Tỷ lệ đúng hạn theo cách tính của Quyết định 766 (bổ sung hơn một lần tính là quá hạn): %.1f%%\n", in.OnTime766)
	fmt.Fprintf(w, "Tỷ lệ hồ sơ trực tuyến: %.1f%%\n", in.Ind.OnlineShare)
	fmt.Fprintf(w, "Tỷ lệ quá hạn trong số đang giải quyết: %.1f%%\n", in.Ind.OverdueShare)
	fmt.Fprintln(w, "Chưa tính được từ dữ liệu của chương trình: tỷ lệ số hóa hồ sơ, thanh toán trực tuyến, mức độ hài lòng.")
	return nil
}
