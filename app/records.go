package app

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/account"
	"motcua/counter"
	"motcua/dossier"
	"motcua/storage"
)

const pageSize = 100

// searchPause is how long typing must pause before the search runs: a
// scanner types a whole code in well under it, a clerk between words.
const searchPause = 150 * time.Millisecond

// recordsScreen is "Hồ sơ": a virtual list of every record, newest first,
// loaded a page at a time from the store, with search and filters, and the
// opened record beside it.
type recordsScreen struct {
	u *UI

	search    *keyEntry
	current   int // the selected row, -1 for none
	status    *widget.Select
	procedure *widget.Select
	due       *widget.Select
	from, to  *widget.Entry
	count     *widget.Label
	list      *widget.List
	header    *fyne.Container
	least     []float32 // the columns' least widths, shared by the header and every row

	query    storage.Query
	items    []*dossier.Record
	next     storage.Cursor
	loading  bool
	gen      int // bumps on every new query; stale background results are dropped
	selected string

	debounce *time.Timer  // the search waiting for a pause in typing
	inflight atomic.Int32 // searches waiting or running (tests wait for none)

	detail  *detailView
	content fyne.CanvasObject
}

func newRecordsScreen(u *UI) *recordsScreen {
	s := &recordsScreen{u: u, least: slices.Clone(recordLeast())}
	s.search = newListEntry(s.moveSelection)
	s.current = -1
	s.search.SetPlaceHolder(lang.L("records.search.placeholder"))
	s.search.OnChanged = s.onSearchChanged
	s.search.OnSubmitted = s.onSearchSubmitted

	statuses := []string{lang.L("records.all_statuses")}
	for _, st := range dossier.AllStatuses() {
		statuses = append(statuses, fmt.Sprintf("%d. %s", st, statusLabel(st)))
	}
	s.status = widget.NewSelect(statuses, func(string) { s.reload() })
	s.status.SetSelectedIndex(0)
	procs := []string{lang.L("records.all_procedures")}
	for _, p := range u.ctr.Catalog().Procedures {
		procs = append(procs, p.Code+" — "+p.Name)
	}
	s.procedure = widget.NewSelect(procs, func(string) { s.reload() })
	s.procedure.SetSelectedIndex(0)
	s.due = widget.NewSelect([]string{lang.L("records.due.any"), lang.L("records.due.overdue"), lang.L("records.due.today"), lang.L("records.due.soon")}, func(string) { s.reload() })
	s.due.SetSelectedIndex(0)
	s.from, s.to = widget.NewEntry(), widget.NewEntry()
	for _, e := range []*widget.Entry{s.from, s.to} {
		e.SetPlaceHolder("dd/mm/yyyy")
		e.Validator = func(v string) error {
			if _, ok := dossier.ParseDate(v); v != "" && !ok {
				return fmt.Errorf("%s", lang.L("error.date"))
			}
			return nil
		}
		e.OnChanged = func(v string) {
			if _, ok := dossier.ParseDate(v); v == "" || ok {
				s.reload()
			}
		}
	}
	s.count = widget.NewLabel("")

	s.list = widget.NewList(func() int { return len(s.items) }, s.newRow, s.updateRow)
	s.list.OnSelected = func(i widget.ListItemID) {
		s.current = i
		if i < len(s.items) {
			s.open(s.items[i])
		}
	}
	s.detail = newDetailView(u)

	filters := container.NewVBox(
		s.search,
		container.NewGridWithColumns(3, s.status, s.procedure, s.due),
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("records.received_from")), nil,
			container.NewGridWithColumns(3, s.from, container.NewBorder(nil, nil, widget.NewLabel(lang.L("records.received_to")), nil, s.to), s.count)),
	)
	ledger := widget.NewButtonWithIcon(lang.L("records.print_ledger"), theme.DocumentPrintIcon(), func() { u.printLedger(s.currentQuery()) })
	if u.ctr.User().May(account.Reports) {
		filters.Add(container.NewHBox(ledger))
	}
	s.header = recordHeader(s.columns())
	left := container.NewBorder(container.NewVBox(filters, s.header, widget.NewSeparator()), nil, nil, nil, s.list)
	split := container.NewHSplit(left, s.detail.content)
	split.Offset = 0.6
	s.content = split
	return s
}

// recordHeader names the list's columns.
func recordHeader(columns fyne.Layout) *fyne.Container {
	keys := []string{"records.col.code", "records.col.owner", "records.col.procedure", "records.col.received", "records.col.due", "records.col.status"}
	cells := make([]fyne.CanvasObject, len(keys))
	for i, k := range keys {
		l := widget.NewLabelWithStyle(lang.L(k), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Truncation = fyne.TextTruncateEllipsis
		cells[i] = l
	}
	return container.New(columns, cells...)
}

// moveSelection moves through the list from the search box's arrow keys:
// the record under the selection opens beside the list.
func (s *recordsScreen) moveSelection(step int) {
	if len(s.items) == 0 {
		return
	}
	i := min(max(s.current+step, 0), len(s.items)-1)
	s.list.Select(i)
	s.list.ScrollTo(i)
}

// recordRow columns: code, owner, procedure, received, due, status.
var rowWeights = []float32{1.5, 2.4, 2.1, 1.7, 1.7, 2.1}

// recordLeast is what the list's code and times need to be read whole
// ("260310-2001", "10/03/26 09:00"): those columns never get less, the
// others share what is left.
var recordLeast = sync.OnceValue(func() []float32 {
	when := fyne.MeasureText("00/00/00 00:00", theme.TextSize(), fyne.TextStyle{}).Width + cellPad()
	return []float32{codeWidth("000000-0000"), 0, 0, when, when, 0}
})

// cellPad is what a label adds around its text.
func cellPad() float32 { return 2*theme.InnerPadding() + 2 }

// codeWidth is what a code needs in the list's first column (bold).
func codeWidth(code string) float32 {
	return fyne.MeasureText(code, theme.TextSize(), fyne.TextStyle{Bold: true}).Width + cellPad()
}

// widestCode is as wide as the code column grows for a file filed on the
// national portal ("G22.99.12-261109-0042"): a longer code is cut short
// in the list and read whole beside it.
var widestCode = sync.OnceValue(func() float32 { return codeWidth("G00.00.00-000000-0000") })

// columns is the layout of the list's header and rows: one least width
// for all, so that they stay in line as the code column grows.
func (s *recordsScreen) columns() fyne.Layout {
	return &weightedColumns{weights: rowWeights, least: s.least}
}

func (s *recordsScreen) newRow() fyne.CanvasObject {
	return newColumnsRowIn(s.columns(), len(rowWeights))
}

// fitCodes sizes the code column for the codes listed (those of files
// filed online are longer than the unit's own), up to widestCode; more
// says the items are added to the list, which then never narrows.
func (s *recordsScreen) fitCodes(items []*dossier.Record, more bool) {
	w := recordLeast()[0]
	if more {
		w = s.least[0]
	}
	for _, r := range items {
		if code := shortCode(r.Code, r.UnitCode); len(code) > len("000000-0000") && w < widestCode() {
			w = max(w, min(codeWidth(code), widestCode()))
		}
	}
	if w != s.least[0] {
		s.least[0] = w
		s.header.Refresh() // lays it out again; each row is as it is shown
	}
}

// newColumnsRow is a list's row of labels in weighted columns, the first
// (the record's code) bold, each cut short with an ellipsis.
func newColumnsRow(weights []float32) fyne.CanvasObject {
	return newColumnsRowIn(&weightedColumns{weights: weights}, len(weights))
}

// newColumnsRowIn is newColumnsRow in a layout of n columns of one's own.
func newColumnsRowIn(layout fyne.Layout, n int) fyne.CanvasObject {
	cells := make([]fyne.CanvasObject, n)
	for i := range cells {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		cells[i] = l
	}
	cells[0].(*widget.Label).TextStyle.Bold = true
	return container.New(layout, cells...)
}

func (s *recordsScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(s.items) {
		return
	}
	if i >= len(s.items)-20 && s.next != nil && !s.loading {
		s.loading = true
		s.loadMore()
	}
	r := s.items[i]
	row := o.(*fyne.Container)
	row.Layout.Layout(row.Objects, row.Size()) // the code column may have grown
	cells := row.Objects
	set := func(j int, text string) { cells[j].(*widget.Label).SetText(text) }
	set(0, shortCode(r.Code, r.UnitCode))
	set(1, r.Owner.Name)
	set(2, r.ProcedureName)
	set(3, fmtShort(r.ReceivedAt))
	set(4, fmtShort(r.DueAt))
	st := cells[5].(*widget.Label)
	st.Importance = widget.MediumImportance
	text := statusLabel(r.Status)
	if r.Overdue(s.u.now()) {
		st.Importance = widget.DangerImportance
		text = lang.L("records.overdue") + " · " + text
	}
	st.SetText(text)
}

// currentQuery reads the filters.
func (s *recordsScreen) currentQuery() storage.Query {
	q := storage.Query{Text: strings.TrimSpace(s.search.Text), Due: storage.DueFilter(max(0, s.due.SelectedIndex()))}
	if i := s.status.SelectedIndex(); i > 0 {
		q.Status = dossier.Status(i)
	}
	if i := s.procedure.SelectedIndex(); i > 0 {
		q.Procedure = s.u.ctr.Catalog().Procedures[i-1].Code
	}
	if d, ok := dossier.ParseDate(s.from.Text); ok {
		q.From = d
	}
	if d, ok := dossier.ParseDate(s.to.Text); ok {
		q.To = d.AddDate(0, 0, 1) // inclusive of the last day
	}
	return q
}

// onSearchChanged runs the search once typing pauses.
func (s *recordsScreen) onSearchChanged(string) {
	if s.debounce != nil && s.debounce.Stop() {
		s.inflight.Add(-1)
	}
	s.inflight.Add(1)
	s.debounce = time.AfterFunc(searchPause, func() {
		s.u.do(func() {
			s.inflight.Add(-1)
			s.reload()
		})
	})
}

// onSearchSubmitted opens the record at once when Enter ends a full record
// code or a receipt's lookup link (a scanner), without waiting for the
// pause in typing.
func (s *recordsScreen) onSearchSubmitted(text string) {
	code := dossier.FindCode(text)
	if code == "" {
		return
	}
	if s.debounce != nil && s.debounce.Stop() {
		s.inflight.Add(-1)
	}
	s.inflight.Add(1)
	go func() {
		r, err := s.u.ctr.GetByCode(code)
		s.u.do(func() {
			defer s.inflight.Add(-1)
			if err != nil {
				s.count.SetText(counter.Explain(err))
				return
			}
			s.open(r)
			s.reload() // the list shows that record alone
		})
	}()
}

// reload runs the query again from its first page, off the UI goroutine;
// a result that a newer query overtook is dropped.
func (s *recordsScreen) reload() {
	if s.list == nil {
		return
	}
	q := s.currentQuery()
	q.Now = s.u.now()
	s.query = q
	s.gen++
	gen := s.gen
	s.inflight.Add(1)
	go func() {
		items, next, err := s.u.ctr.Page(q, nil, pageSize)
		s.u.do(func() {
			defer s.inflight.Add(-1)
			if gen == s.gen {
				s.showPage(gen, items, next, err)
			}
		})
	}()
}

// showPage puts a query's first page in the list. The record open beside
// it stays open only if the new list has it.
func (s *recordsScreen) showPage(gen int, items []*dossier.Record, next storage.Cursor, err error) {
	if err != nil {
		s.count.SetText(counter.Explain(err))
		return
	}
	s.items, s.next, s.loading = items, next, false
	s.fitCodes(items, false)
	s.list.UnselectAll()
	s.current = -1
	s.list.Refresh()
	if hint := partialNumberHint(s.query.Text); hint != "" && len(items) == 0 {
		s.count.SetText(hint) // say what to type rather than "0 hồ sơ"
	} else if next == nil {
		s.count.SetText(lang.L("records.count", map[string]any{"N": len(items)}))
	} else {
		s.count.SetText(lang.L("records.counting"))
		go s.countInBackground(gen, s.query)
	}
	for i, r := range items {
		if r.ID == s.selected {
			s.list.Select(i) // shows it afresh
			return
		}
	}
	s.selected = ""
	s.detail.clear()
}

func (s *recordsScreen) countInBackground(gen int, q storage.Query) {
	const cap = 100_000
	n, err := s.u.ctr.Count(q, cap)
	s.u.do(func() {
		if gen != s.gen || err != nil {
			return
		}
		if n >= cap {
			s.count.SetText(lang.L("records.count_more", map[string]any{"N": fmtInt(cap)}))
		} else {
			s.count.SetText(lang.L("records.count", map[string]any{"N": fmtInt(n)}))
		}
	})
}

func fmtInt(n int) string { return dossier.Thousands(int64(n)) }

// loadMore reads the next page off the UI goroutine.
func (s *recordsScreen) loadMore() {
	q, after, gen := s.query, s.next, s.gen
	s.inflight.Add(1)
	go func() {
		items, next, err := s.u.ctr.Page(q, after, pageSize)
		s.u.do(func() {
			defer s.inflight.Add(-1)
			if gen != s.gen {
				return
			}
			s.loading = false
			if err != nil {
				s.count.SetText(counter.Explain(err))
				return
			}
			s.items = append(s.items, items...)
			s.next = next
			s.fitCodes(items, true)
			s.list.Refresh()
		})
	}()
}

func (s *recordsScreen) open(r *dossier.Record) {
	s.selected = r.ID
	s.detail.show(r)
}

// openCode shows the records tab with one record opened.
func (s *recordsScreen) openCode(code string) {
	s.u.showTab(1)
	if r, err := s.u.ctr.GetByCode(code); err == nil {
		s.open(r) // the list selects it when the search for its code comes back
	}
	s.search.SetText(code)
}

// weightedColumns lays cells out in one row, each taking its weight's share
// of the width.
// weightedColumns shares a row's width among its columns by weight; a
// column with a least width (least, when set) never gets less, the
// others sharing what is left.
type weightedColumns struct{ weights, least []float32 }

func (l *weightedColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	widths := l.widths(size.Width)
	x := float32(0)
	for i, o := range objs {
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(widths[i], size.Height))
		x += widths[i]
	}
}

// widths are the columns' widths in a row of width w.
func (l *weightedColumns) widths(w float32) []float32 {
	out := make([]float32, len(l.weights))
	fixed := make([]bool, len(l.weights))
	for range l.weights { // each pass fixes at least one more column, or ends
		var total, left float32 = 0, w
		for i, wt := range l.weights {
			if fixed[i] {
				left -= out[i]
			} else {
				total += wt
			}
		}
		more := false
		for i, wt := range l.weights {
			if fixed[i] {
				continue
			}
			out[i] = max(0, left) * wt / total
			if i < len(l.least) && out[i] < l.least[i] {
				out[i], fixed[i], more = l.least[i], true, true
			}
		}
		if !more {
			break
		}
	}
	return out
}

func (l *weightedColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(len(objs))*40, h)
}

// shortCode drops the unit prefix shared by every record of the unit, so
// the list shows what tells files apart: "260310-2001".
func shortCode(code, unit string) string {
	if short := strings.TrimPrefix(code, unit+"-"); short != code && short != "" {
		return short
	}
	return code
}

// partialNumberHint says what to type when the search is a part of a
// number (a few digits of an ID or phone): those are found whole only.
func partialNumberHint(text string) string {
	digits := strings.NewReplacer(" ", "", ".", "", "-", "").Replace(strings.TrimSpace(text))
	if digits == "" || storage.LooksLikeShortCode(text) || len(digits) >= 9 || strings.Trim(digits, "0123456789") != "" {
		return ""
	}
	return lang.L("records.partial_number")
}
