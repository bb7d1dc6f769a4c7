package app

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/charts"
	"motcua/counter"
	"motcua/dossier"
)

// overviewScreen is the supervisor's desk: today's and this week's
// figures, the overdue board, the results waiting to be collected, and
// the periodic report for a chosen period.
type overviewScreen struct {
	u         *UI
	figures   *fyne.Container
	overdue   *widget.List
	waiting   *widget.List
	heading   *widget.Label
	waitHead  *widget.Label
	chosen    map[string]bool // waiting files ticked for prepared hand-over slips, by record id
	slips     *widget.Button
	chooseAll *widget.Button
	period    *widget.Select
	from, to  *widget.Entry
	data      counter.Overview
	charts    *fyne.Container // the four charts, drawn when their tab is shown
	inner     *container.AppTabs
	content   fyne.CanvasObject
}

func newOverviewScreen(u *UI) *overviewScreen {
	s := &overviewScreen{u: u, figures: container.NewGridWithColumns(3), heading: widget.NewLabel(""), waitHead: widget.NewLabel(""), chosen: map[string]bool{}}
	s.heading.TextStyle.Bold, s.waitHead.TextStyle.Bold = true, true
	s.overdue = widget.NewList(func() int { return len(s.data.Overdue) }, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.overdueLine(s.data.Overdue[i]))
		})
	s.overdue.OnSelected = func(i widget.ListItemID) {
		s.overdue.UnselectAll()
		s.u.records.openCode(s.data.Overdue[i].Record.Code)
	}
	s.waiting = widget.NewList(func() int { return len(s.data.Waiting) }, func() fyne.CanvasObject {
		return container.NewBorder(nil, nil, widget.NewCheck("", nil), nil, widget.NewLabel(""))
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		r := s.data.Waiting[i]
		row := o.(*fyne.Container)
		row.Objects[0].(*widget.Label).SetText(s.waitingLine(r))
		check := row.Objects[1].(*widget.Check)
		check.OnChanged = nil // the row is reused: set its box without calling the old one
		check.SetChecked(s.chosen[r.ID])
		check.OnChanged = func(on bool) { s.choose(r.ID, on) }
	})
	s.waiting.OnSelected = func(i widget.ListItemID) {
		s.waiting.UnselectAll()
		s.u.records.openCode(s.data.Waiting[i].Code)
	}
	s.slips = widget.NewButtonWithIcon("", theme.DocumentPrintIcon(), s.printSlips)
	s.chooseAll = widget.NewButton("", s.toggleAll)
	s.slipsLabel()
	refresh := widget.NewButtonWithIcon(lang.L("overview.refresh"), theme.ViewRefreshIcon(), s.reload)
	top := container.NewBorder(nil, nil, nil, refresh, s.figures)
	printList := widget.NewButtonWithIcon(lang.L("overview.print_list"), theme.DocumentPrintIcon(), func() {
		u.inBackground(func() (string, string, error) {
			res, err := u.ctr.PrintOverdue("")
			return res.Path, lang.L("overview.list_printed", map[string]any{"N": res.Records}), err
		})
	})
	boards := container.NewGridWithColumns(2,
		container.NewBorder(container.NewBorder(nil, nil, nil, printList, s.heading), nil, nil, nil, s.overdue),
		container.NewBorder(container.NewVBox(s.waitHead, container.NewHBox(layout.NewSpacer(), s.chooseAll, s.slips)), nil, nil, nil, s.waiting))
	figures := container.NewBorder(container.NewVBox(top, widget.NewSeparator()), nil, nil, nil, boards)
	s.charts = container.NewGridWithColumns(2)
	s.inner = container.NewAppTabs(
		container.NewTabItem(lang.L("overview.figures"), figures),
		container.NewTabItem(lang.L("overview.charts"), container.NewVScroll(s.charts)))
	s.inner.OnSelected = func(t *container.TabItem) {
		if t == s.inner.Items[1] {
			s.drawCharts()
		}
	}
	s.content = container.NewBorder(nil, s.reportBar(), nil, nil, s.inner)
	return s
}

// drawCharts counts the trends and draws the four charts off the window's
// thread.
func (s *overviewScreen) drawCharts() {
	u := s.u
	// the rates follow the report's period when its days are set (read
	// here, on the window's thread)
	from, okA := dossier.ParseDate(s.from.Text)
	to, okB := dossier.ParseDate(s.to.Text)
	period := lang.L("overview.twelve_months")
	if okA && okB && !to.Before(from) {
		period = from.Format("02/01/2006") + "–" + to.Format("02/01/2006")
	} else {
		from, to = time.Time{}, time.Time{}
	}
	wd := charts.Words{Received: lang.L("chart.received"), Files: lang.L("chart.files"), InPerson: lang.L("chart.in_person"), Online: lang.L("chart.online"),
		Settled: lang.L("chart.settled"), Early: lang.L("chart.early"), OnTime: lang.L("chart.on_time"), Late: lang.L("chart.late"),
		RateAxis: lang.L("chart.rate_axis"), None: lang.L("chart.none"),
		RateProcedure: lang.L("overview.rate_procedure", map[string]any{"Period": period}),
		RateClerk:     lang.L("overview.rate_clerk", map[string]any{"Period": period})}
	go func() {
		imgs, err := s.renderCharts(from, to, wd)
		u.do(func() {
			s.charts.RemoveAll()
			if err != nil {
				s.charts.Add(widget.NewLabel(counter.Explain(err)))
				return
			}
			for i, png := range imgs {
				img := canvas.NewImageFromResource(fyne.NewStaticResource(fmt.Sprintf("chart-%d.png", i), png))
				img.FillMode = canvas.ImageFillContain
				img.SetMinSize(fyne.NewSize(600, 340)) // at its own size: the text stays readable
				s.charts.Add(img)
			}
		})
	}()
}

func (s *overviewScreen) renderCharts(from, to time.Time, wd charts.Words) ([][]byte, error) {
	t, err := s.u.ctr.Trends(from, to)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, draw := range []func() ([]byte, error){
		func() ([]byte, error) { return charts.ReceivedPerDay(t.Days, charts.Default, wd) },
		func() ([]byte, error) { return charts.Punctuality(t.Months, charts.Default, wd) },
		func() ([]byte, error) {
			return charts.Rates(wd.RateProcedure, t.Procedures, 8, charts.Default, wd)
		},
		func() ([]byte, error) {
			return charts.Rates(wd.RateClerk, t.Clerks, 8, charts.Default, wd)
		},
	} {
		png, err := draw()
		if err != nil {
			return nil, err
		}
		out = append(out, png)
	}
	return out, nil
}

// reportBar chooses a period and writes its report as PDF, XLSX or CSV.
func (s *overviewScreen) reportBar() fyne.CanvasObject {
	s.from, s.to = widget.NewEntry(), widget.NewEntry()
	s.from.SetPlaceHolder("dd/mm/yyyy")
	s.to.SetPlaceHolder("dd/mm/yyyy")
	choices := []string{lang.L("overview.this_month"), lang.L("overview.last_month"), lang.L("overview.this_quarter"), lang.L("overview.this_year"), lang.L("overview.custom")}
	s.period = widget.NewSelect(choices, func(string) {
		s.fillPeriod()
		if s.inner != nil && s.inner.SelectedIndex() == 1 { // the charts follow the period
			s.drawCharts()
		}
	})
	s.period.SetSelectedIndex(0)
	button := func(label, format string) *widget.Button {
		return widget.NewButtonWithIcon(label, theme.DocumentSaveIcon(), func() { s.write(format) })
	}
	day := func(e *widget.Entry) fyne.CanvasObject { // wide enough for dd/mm/yyyy
		return container.NewGridWrap(fyne.NewSize(130, e.MinSize().Height), e)
	}
	return container.NewVBox(widget.NewSeparator(), container.NewHBox(widget.NewLabel(lang.L("overview.report")), s.period, day(s.from), widget.NewLabel("–"), day(s.to),
		button("PDF", counter.FormatPDF), button("XLSX", counter.FormatXLSX), button("CSV", counter.FormatCSV)))
}

// fillPeriod puts the chosen period's days in the boxes.
func (s *overviewScreen) fillPeriod() {
	now := s.u.now().In(dossier.Loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, dossier.Loc)
	var a, b time.Time
	switch s.period.SelectedIndex() {
	case 0:
		a, b = month, month.AddDate(0, 1, -1)
	case 1:
		a, b = month.AddDate(0, -1, 0), month.AddDate(0, 0, -1)
	case 2:
		q := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, dossier.Loc)
		a, b = q, q.AddDate(0, 3, -1)
	case 3:
		a = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, dossier.Loc)
		b = a.AddDate(1, 0, -1)
	default:
		return // the person types the days
	}
	s.from.SetText(a.Format("02/01/2006"))
	s.to.SetText(b.Format("02/01/2006"))
}

// write renders the report off the window's thread and sends a PDF to the
// printer (or viewer); a workbook or CSV is kept in the prints folder.
func (s *overviewScreen) write(format string) {
	a, okA := dossier.ParseDate(s.from.Text)
	b, okB := dossier.ParseDate(s.to.Text)
	if !okA || !okB {
		s.u.showError(errors.New(lang.L("overview.bad_period")))
		return
	}
	u := s.u
	go func() {
		res, _, err := u.ctr.WriteReport(a, b, format, "")
		u.do(func() {
			switch {
			case err != nil:
				u.showError(errors.New(counter.Explain(err)))
			case format == counter.FormatPDF:
				u.inBackground(func() (string, string, error) { return res.Path, lang.L("overview.printed"), nil })
			default:
				u.status.notify(lang.L("overview.saved", map[string]any{"Path": res.Path}))
			}
		})
	}()
}

// reload reads the overview off the window's thread.
func (s *overviewScreen) reload() {
	u := s.u
	go func() {
		ov, err := u.ctr.Overview()
		u.do(func() {
			if err != nil {
				s.heading.SetText(counter.Explain(err))
				return
			}
			s.show(ov)
		})
	}()
}

func (s *overviewScreen) show(ov counter.Overview) {
	s.data = ov
	s.figures.RemoveAll()
	row := func(label string, today, week string) {
		l := widget.NewLabel(label)
		s.figures.Add(l)
		s.figures.Add(widget.NewLabelWithStyle(today, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		s.figures.Add(widget.NewLabelWithStyle(week, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	}
	n := strconv.Itoa
	s.figures.Add(widget.NewLabel(""))
	s.figures.Add(widget.NewLabelWithStyle(lang.L("overview.today"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	s.figures.Add(widget.NewLabelWithStyle(lang.L("overview.week"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	t, w := ov.Today, ov.Week
	row(lang.L("overview.received"), fmt.Sprintf("%d (%d / %d)", t.Online+t.InPerson, t.Online, t.InPerson), fmt.Sprintf("%d (%d / %d)", w.Online+w.InPerson, w.Online, w.InPerson))
	row(lang.L("overview.settled"), fmt.Sprintf("%d (%d %s)", t.Settled, t.Late, lang.L("overview.late")), fmt.Sprintf("%d (%d %s)", w.Settled, w.Late, lang.L("overview.late")))
	row(lang.L("overview.returned"), n(ov.ReturnedToday), n(ov.ReturnedWeek))
	row(lang.L("overview.guided"), n(ov.GuidanceToday), n(ov.GuidanceWeek))
	row(lang.L("overview.now"), lang.L("overview.now_line", map[string]any{"Due": ov.DueToday, "Overdue": len(ov.Overdue), "Paused": ov.Paused}), "")
	s.heading.SetText(lang.L("overview.overdue", map[string]any{"N": len(ov.Overdue)}))
	s.waitHead.SetText(lang.L("overview.waiting", map[string]any{"N": len(ov.Waiting), "Fee": dossier.Thousands(ov.WaitingFee)}))
	for id := range s.chosen { // a file collected meanwhile is no longer chosen
		if !slices.ContainsFunc(ov.Waiting, func(r *dossier.Record) bool { return r.ID == id }) {
			delete(s.chosen, id)
		}
	}
	s.slipsLabel()
	s.overdue.Refresh()
	s.waiting.Refresh()
}

// choose ticks or unticks a waiting file for the prepared slips.
func (s *overviewScreen) choose(id string, on bool) {
	if on {
		s.chosen[id] = true
	} else {
		delete(s.chosen, id)
	}
	s.slipsLabel()
}

// toggleAll ticks every waiting file, or none when all are ticked.
func (s *overviewScreen) toggleAll() {
	all := len(s.chosen) == len(s.data.Waiting)
	clear(s.chosen)
	if !all {
		for _, r := range s.data.Waiting {
			s.chosen[r.ID] = true
		}
	}
	s.slipsLabel()
	s.waiting.Refresh()
}

// slipsLabel says how many slips the print button prints.
func (s *overviewScreen) slipsLabel() {
	s.slips.SetText(lang.L("overview.print_slips", map[string]any{"N": len(s.chosen)}))
	if len(s.chosen) == 0 {
		s.slips.Disable()
	} else {
		s.slips.Enable()
	}
	if len(s.data.Waiting) > 0 && len(s.chosen) == len(s.data.Waiting) {
		s.chooseAll.SetText(lang.L("overview.choose_none"))
	} else {
		s.chooseAll.SetText(lang.L("overview.choose_all"))
	}
}

// printSlips prints prepared hand-over slips for the ticked files, in the
// list's order (longest waiting first), off the window's thread.
func (s *overviewScreen) printSlips() {
	var ids []string
	for _, r := range s.data.Waiting {
		if s.chosen[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	s.u.inBackground(func() (string, string, error) {
		res, err := s.u.ctr.PrintHandOvers(ids, "")
		return res.Path, lang.L("overview.slips_printed", map[string]any{"N": res.Records}), err
	})
}

func (s *overviewScreen) overdueLine(f counter.OverdueFile) string {
	r := f.Record
	return lang.L("overview.overdue_line", map[string]any{"Days": f.DaysLate, "Code": shortCode(r.Code, r.UnitCode), "Procedure": r.ProcedureName,
		"Owner": r.Owner.Name, "Clerk": r.Clerk, "Status": statusLabel(r.Status)})
}

func (s *overviewScreen) waitingLine(r *dossier.Record) string {
	days := int(s.data.Now.Sub(r.FinishedAt).Hours() / 24)
	return lang.L("overview.waiting_line", map[string]any{"Days": days, "Code": shortCode(r.Code, r.UnitCode), "Owner": r.Owner.Name,
		"Fee": dossier.Thousands(max(0, r.Fee-r.FeePaid))})
}
