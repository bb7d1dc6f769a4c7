package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"motcua/counter"
	"motcua/dossier"
	"motcua/forms"
	"motcua/storage"
)

// setupScreen is the first-run set-up and, later, the Settings tab.
type setupScreen struct {
	u        *UI
	firstRun bool
	unitName *widget.Entry
	unitCode *widget.Entry
	place    *widget.Entry
	counter  *widget.Select
	clerk    *widget.Entry
	language *widget.Select
	printer  *widget.SelectEntry
	autoPrnt *widget.Check
	lookup   *widget.Entry
	bakDir   *widget.Entry
	bakKeep  *widget.Entry
	lockMin  *widget.Entry // minutes untouched before the screen locks
	symbol   *widget.Entry // the issuing body's part of a letter's symbol
	parent   *widget.Entry
	sAuth    *widget.Entry // who signs the unit's letters
	sTitle   *widget.Entry
	sName    *widget.Entry
	ward     *widget.Entry // the address fields' first values
	province *widget.Entry
	form     *widget.Form
	content  fyne.CanvasObject
}

var languageNames = map[string]string{"vi": "Tiếng Việt", "en": "English"}

func newSetupScreen(u *UI, firstRun bool) *setupScreen {
	set := u.ctr.Settings()
	s := &setupScreen{u: u, firstRun: firstRun,
		unitName: widget.NewEntry(), unitCode: widget.NewEntry(), place: widget.NewEntry(), clerk: widget.NewEntry()}
	s.unitName.SetPlaceHolder(lang.L("setup.unit_name.placeholder"))
	s.unitCode.SetPlaceHolder("000.00.12.H57")
	s.place.SetPlaceHolder(lang.L("setup.place.placeholder"))
	s.unitName.SetText(set.UnitName)
	s.unitCode.SetText(set.UnitCode)
	s.place.SetText(set.Place)
	s.clerk.SetText(set.Clerk)
	s.unitCode.Validator = func(v string) error {
		if e := dossier.ValidateUnitCode(strings.TrimSpace(v)); e != nil {
			return fmt.Errorf("%s", counter.FieldMessage(e))
		}
		return nil
	}
	counters := make([]string, dossier.MaxCounter)
	for i := range counters {
		counters[i] = strconv.Itoa(i + 1)
	}
	s.counter = widget.NewSelect(counters, nil)
	s.counter.PlaceHolder = lang.L("setup.counter.pick")
	if set.Counter > 0 {
		s.counter.SetSelected(strconv.Itoa(set.Counter))
	}
	s.language = widget.NewSelect([]string{languageNames["vi"], languageNames["en"]}, nil)
	s.language.SetSelected(languageNames[set.Language])
	if s.language.Selected == "" {
		s.language.SetSelected(languageNames["vi"])
	}
	s.printer = widget.NewSelectEntry(forms.Printers())
	s.printer.SetPlaceHolder(lang.L("setup.printer.placeholder"))
	s.printer.SetText(set.Printer)
	s.autoPrnt = widget.NewCheck(lang.L("setup.auto_print"), nil)
	s.autoPrnt.SetChecked(set.AutoPrint)
	s.lookup = widget.NewEntry()
	s.lookup.SetPlaceHolder("https://…?ma={code}")
	s.lookup.SetText(set.LookupURL)
	s.parent, s.sAuth, s.sTitle, s.sName = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	s.symbol = widget.NewEntry()
	s.symbol.SetPlaceHolder(storage.DefaultLetterSymbol)
	s.symbol.SetText(set.LetterSymbol)
	s.parent.SetPlaceHolder("Ủy ban nhân dân phường Thuận Hóa")
	s.parent.SetText(set.ParentName)
	s.sAuth.SetPlaceHolder("TM. Ủy ban nhân dân")
	s.sAuth.SetText(set.SignerAuthority)
	s.sTitle.SetPlaceHolder("Chủ tịch")
	s.sTitle.SetText(set.SignerTitle)
	s.sName.SetText(set.SignerName)
	s.ward, s.province = widget.NewEntry(), widget.NewEntry()
	s.ward.SetPlaceHolder("Phường Thuận Hóa")
	s.ward.SetText(set.Ward)
	s.province.SetPlaceHolder("Thành phố Huế")
	s.province.SetText(set.Province)
	s.bakDir = widget.NewEntry()
	s.bakDir.SetPlaceHolder("/media/usb/motcua-saoluu")
	s.bakDir.SetText(set.BackupDir)
	s.bakKeep = widget.NewEntry()
	keep := set.BackupKeep
	if keep == 0 {
		keep = storage.DefaultBackupKeep
	}
	s.bakKeep.SetText(strconv.Itoa(keep))
	s.bakKeep.Validator = func(v string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1 || n > 365 {
			return fmt.Errorf("%s", lang.L("setup.backup_keep.invalid"))
		}
		return nil
	}
	s.lockMin = lockMinutesEntry(set)
	codeItem := widget.NewFormItem(lang.L("setup.unit_code"), s.unitCode)
	codeItem.HintText = lang.L("setup.unit_code.hint")
	placeItem := widget.NewFormItem(lang.L("setup.place"), s.place)
	placeItem.HintText = lang.L("setup.place.hint")
	counterItem := widget.NewFormItem(lang.L("setup.counter"), s.counter)
	counterItem.HintText = lang.L("setup.counter.hint")
	s.form = widget.NewForm(
		widget.NewFormItem(lang.L("setup.unit_name"), s.unitName),
		codeItem, placeItem, counterItem,
		widget.NewFormItem(lang.L("setup.clerk"), s.clerk),
		widget.NewFormItem(lang.L("setup.language"), s.language),
	)
	if !firstRun {
		printerItem := widget.NewFormItem(lang.L("setup.printer"), s.printer)
		printerItem.HintText = lang.L("setup.printer.hint")
		lookupItem := widget.NewFormItem(lang.L("setup.lookup_url"), s.lookup)
		lookupItem.HintText = lang.L("setup.lookup_url.hint")
		s.form.AppendItem(printerItem)
		s.form.AppendItem(widget.NewFormItem("", s.autoPrnt))
		s.form.AppendItem(lookupItem)
		addrItem := widget.NewFormItem(lang.L("setup.address"), container.NewGridWithColumns(2, s.ward, s.province))
		addrItem.HintText = lang.L("setup.address.hint")
		s.form.AppendItem(addrItem)
		parentItem := widget.NewFormItem(lang.L("setup.parent"), s.parent)
		parentItem.HintText = lang.L("setup.parent.hint")
		s.form.AppendItem(parentItem)
		signerItem := widget.NewFormItem(lang.L("setup.signer"), container.NewGridWithColumns(3, s.sAuth, s.sTitle, s.sName))
		signerItem.HintText = lang.L("setup.signer.hint")
		s.form.AppendItem(signerItem)
		symbolItem := widget.NewFormItem(lang.L("setup.letter_symbol"), s.symbol)
		symbolItem.HintText = lang.L("setup.letter_symbol.hint")
		s.form.AppendItem(symbolItem)
		bakItem := widget.NewFormItem(lang.L("setup.backup_dir"), s.bakDir)
		bakItem.HintText = lang.L("setup.backup_dir.hint")
		s.form.AppendItem(bakItem)
		s.form.AppendItem(widget.NewFormItem(lang.L("setup.backup_keep"), s.bakKeep))
		s.form.AppendItem(widget.NewFormItem(lang.L("setup.lock_minutes"), s.lockMin))
	}
	s.form.SubmitText = lang.L("action.save")
	s.form.OnSubmit = s.submit
	s.enterSaves()

	title := widget.NewLabelWithStyle(lang.L("setup.title.settings"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel(lang.L("setup.intro.settings"))
	if firstRun {
		title.SetText(lang.L("setup.title.first_run"))
		intro.SetText(lang.L("setup.intro.first_run"))
	}
	intro.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{title, intro, s.form}
	if !firstRun {
		parts = append(parts, widget.NewSeparator(), u.connectionForm(), widget.NewSeparator(), s.info())
	}
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(parts...)))
	return s
}

// settings reads the form.
func (s *setupScreen) settings() storage.Settings {
	set := s.u.ctr.Settings()
	set.UnitName = strings.TrimSpace(s.unitName.Text)
	set.UnitCode = strings.TrimSpace(s.unitCode.Text)
	set.Place = strings.TrimSpace(s.place.Text)
	set.Counter, _ = strconv.Atoi(s.counter.Selected)
	set.Clerk = strings.Join(strings.Fields(s.clerk.Text), " ")
	set.Language = "vi"
	if s.language.Selected == languageNames["en"] {
		set.Language = "en"
	}
	set.Printer = strings.TrimSpace(s.printer.Text)
	set.AutoPrint = s.autoPrnt.Checked
	set.LookupURL = strings.TrimSpace(s.lookup.Text)
	set.ParentName = strings.TrimSpace(s.parent.Text)
	set.Ward = strings.TrimSpace(s.ward.Text)
	set.Province = strings.TrimSpace(s.province.Text)
	set.SignerAuthority = strings.TrimSpace(s.sAuth.Text)
	set.SignerTitle = strings.TrimSpace(s.sTitle.Text)
	set.SignerName = strings.Join(strings.Fields(s.sName.Text), " ")
	set.LetterSymbol = strings.TrimSpace(s.symbol.Text)
	set.BackupDir = strings.TrimSpace(s.bakDir.Text)
	if n, err := strconv.Atoi(strings.TrimSpace(s.bakKeep.Text)); err == nil && n >= 1 && n <= 365 {
		set.BackupKeep = n
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s.lockMin.Text)); err == nil && n >= 1 && n <= 120 {
		set.LockMinutes = n
	}
	return set
}

// lockMinutesEntry is the idle lock's minutes, 1–120.
func lockMinutesEntry(set storage.Settings) *widget.Entry {
	e := widget.NewEntry()
	lock := set.LockMinutes
	if lock == 0 {
		lock = int(DefaultIdleLock / time.Minute)
	}
	e.SetText(strconv.Itoa(lock))
	e.Validator = func(v string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1 || n > 120 {
			return fmt.Errorf("%s", lang.L("setup.lock_minutes.invalid"))
		}
		return nil
	}
	return e
}

// enterSaves makes Enter in a one-line field save, as the button does,
// once the form is valid.
func (s *setupScreen) enterSaves() {
	for _, e := range []*widget.Entry{s.unitName, s.unitCode, s.place, s.clerk, s.lookup, s.parent, s.sAuth, s.sTitle, s.sName,
		s.ward, s.province, s.bakDir, s.bakKeep, s.lockMin, s.symbol} {
		e.OnSubmitted = func(string) {
			if s.form.Validate() == nil {
				s.submit()
			}
		}
	}
}

func (s *setupScreen) submit() {
	before := s.u.ctr.Settings()
	set := s.settings()
	if err := s.u.ctr.SaveSettings(set); err != nil {
		s.u.showError(fmt.Errorf("%s", counter.Explain(err)))
		return
	}
	if s.firstRun || before.Language != set.Language {
		s.u.rebuild()
		return
	}
	s.u.status.refresh()
	s.u.showInfo(lang.L("setup.saved.title"), lang.L("setup.saved"))
}

// info shows the data file and the reference data in force.
func (s *setupScreen) info() fyne.CanvasObject {
	st := s.u.ctr
	cal := st.Calendar()
	var days []string
	for _, d := range cal.SpecialDays() {
		kind := lang.L("calendar.off")
		if d.Kind == dossier.DayWork {
			kind = lang.L("calendar.work")
		}
		mark := ""
		if !d.Confirmed {
			mark = " " + lang.L("calendar.unconfirmed")
		}
		days = append(days, fmt.Sprintf("%s  %s  %s%s", d.Date, kind, d.Name, mark))
	}
	hours := []string{}
	for i := 1; i <= 7; i++ {
		wd := i % 7
		h := cal.Week[wd]
		var spans []string
		for _, sp := range h.Open {
			spans = append(spans, sp.String())
		}
		line := weekdaysVI[wd] + ": "
		if len(spans) == 0 {
			line += lang.L("calendar.closed")
		} else {
			line += strings.Join(spans, ", ")
			if !h.Counts {
				line += " " + lang.L("calendar.not_counted")
			}
		}
		hours = append(hours, line)
	}
	holidays := widget.NewLabel(strings.Join(days, "\n"))
	return container.NewVBox(
		widget.NewLabelWithStyle(lang.L("settings.data"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(lang.L("settings.file", map[string]any{"Path": st.File()})),
		widget.NewLabel(lang.L("settings.catalog", map[string]any{"Version": st.Catalog().Version, "N": len(st.Catalog().Procedures)})),
		widget.NewLabelWithStyle(lang.L("settings.hours", map[string]any{"Version": cal.Version}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(strings.Join(hours, "\n")),
		widget.NewAccordion(widget.NewAccordionItem(lang.L("settings.holidays", map[string]any{"N": len(days)}), holidays)),
		widget.NewLabel(lang.L("settings.import_hint")),
	)
}
