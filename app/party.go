package app

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"motcua/counter"
	"motcua/dossier"
)

// partyForm edits an owner or a filer. A chip ID card's QR code scanned
// into the ID field fills the ID, name, birth date, sex and address.
type partyForm struct {
	kind     *widget.RadioGroup
	idNumber *widget.Entry
	name     *widget.Entry
	birth    *widget.Entry
	sex      *widget.RadioGroup
	taxCode  *widget.Entry
	street   *widget.Entry
	ward     *widget.Entry
	province *widget.Entry
	defaults func() (ward, province string)
	allItems []*widget.FormItem // the form's rows, some hidden by the party type
	content  *fyne.Container    // holds the form: what the screen shows
	phone    *widget.Entry
	email    *widget.Entry
	form     *widget.Form
	onChange func()
	// onIDComplete hears of a whole, valid personal ID typed or scanned
	// (a returning citizen is looked up)
	onIDComplete func(id string)
}

var partyTypes = []dossier.PartyType{dossier.PartyCitizen, dossier.PartyBusiness, dossier.PartyState, dossier.PartyOther}

func errText(e *dossier.FieldError) error {
	if e == nil {
		return nil
	}
	return errors.New(counter.FieldMessage(e))
}

// optional validates a field only when something was typed in it.
func optional(check func(string) *dossier.FieldError) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return errText(check(s))
	}
}

// newPartyForm builds the fields of a person; defaults gives the ward and
// province an address starts with (the unit's own).
func newPartyForm(onChange func(), defaults func() (ward, province string)) *partyForm {
	p := &partyForm{onChange: onChange, defaults: defaults,
		idNumber: widget.NewEntry(), name: widget.NewEntry(), birth: widget.NewEntry(), taxCode: widget.NewEntry(),
		street: widget.NewEntry(), ward: widget.NewEntry(), province: widget.NewEntry(), phone: widget.NewEntry(), email: widget.NewEntry()}
	var labels []string
	for _, t := range partyTypes {
		labels = append(labels, partyTypeLabel(t))
	}
	p.kind = widget.NewRadioGroup(labels, func(string) { p.changed() })
	p.kind.Horizontal = true
	p.kind.Required = true
	p.kind.SetSelected(labels[0])
	p.sex = widget.NewRadioGroup([]string{dossier.SexMale.Label(), dossier.SexFemale.Label()}, func(string) { p.idNumber.Validate() })
	p.sex.Horizontal = true

	p.idNumber.SetPlaceHolder(lang.L("party.id.placeholder"))
	p.idNumber.Validator = func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" && p.partyType() != dossier.PartyCitizen {
			return nil
		}
		if dossier.LooksLikeIDCardQR(s) {
			return nil // being scanned
		}
		birth, _ := dossier.ParseDate(p.birth.Text)
		_, e := dossier.ValidateIDNumber(s, birth, p.sexValue())
		return errText(e)
	}
	p.idNumber.OnChanged = p.onIDChanged
	// a chip-ID QR scanned while another field of the person has the
	// focus fills the person too, and never stays in that field
	for _, e := range []*widget.Entry{p.name, p.birth, p.taxCode, p.street, p.ward, p.province, p.phone, p.email} {
		e.OnChanged = func(s string) { p.onOtherChanged(e, s) }
	}
	p.idNumber.OnSubmitted = func(s string) {
		if dossier.LooksLikeIDCardQR(s) {
			p.fillFromQR(s)
		}
	}
	p.name.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(lang.X("err.name.required", "Chưa nhập họ tên / tên tổ chức"))
		}
		return nil
	}
	p.birth.SetPlaceHolder("dd/mm/yyyy")
	p.birth.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		d, ok := dossier.ParseDate(s)
		if !ok {
			return errors.New(lang.X("err.birth.invalid", "Ngày sinh không hợp lệ (dd/mm/yyyy)"))
		}
		if d.After(time.Now()) {
			return errors.New(lang.X("err.birth.future", "Ngày sinh không thể ở tương lai"))
		}
		return nil
	}
	p.birth.OnChanged = func(string) { p.idNumber.Validate() }
	p.taxCode.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" && p.partyType() != dossier.PartyBusiness {
			return nil
		}
		return errText(dossier.ValidateTaxCode(s))
	}
	p.phone.SetPlaceHolder("0912345678")
	p.phone.Validator = optional(dossier.ValidatePhone)
	p.email.Validator = optional(dossier.ValidateEmail)
	p.ward.SetPlaceHolder(lang.L("party.ward.placeholder"))
	p.province.SetPlaceHolder(lang.L("party.province.placeholder"))
	idItem := widget.NewFormItem(lang.L("party.id"), p.idNumber)
	idItem.HintText = lang.L("party.id.hint")
	p.form = widget.NewForm(
		widget.NewFormItem(lang.L("party.type"), p.kind),
		idItem,
		widget.NewFormItem(lang.L("party.name"), p.name),
		widget.NewFormItem(lang.L("party.birth"), p.birth),
		widget.NewFormItem(lang.L("party.sex"), p.sex),
		widget.NewFormItem(lang.L("party.tax_code"), p.taxCode),
		widget.NewFormItem(lang.L("party.street"), p.street),
		widget.NewFormItem(lang.L("party.ward"), p.ward),
		widget.NewFormItem(lang.L("party.province"), p.province),
		widget.NewFormItem(lang.L("party.phone"), p.phone),
		widget.NewFormItem(lang.L("party.email"), p.email),
	)
	p.content = container.NewStack(p.form)
	p.showFieldsFor(dossier.PartyCitizen)
	return p
}

func (p *partyForm) changed() {
	p.showFieldsFor(p.partyType())
	if p.onChange != nil {
		p.onChange()
	}
}

func (p *partyForm) partyType() dossier.PartyType {
	for _, t := range partyTypes {
		if p.kind.Selected == partyTypeLabel(t) {
			return t
		}
	}
	return 0
}

func (p *partyForm) sexValue() dossier.Sex {
	switch p.sex.Selected {
	case dossier.SexMale.Label():
		return dossier.SexMale
	case dossier.SexFemale.Label():
		return dossier.SexFemale
	}
	return dossier.SexUnknown
}

// onIDChanged fills the form once a scanner has typed a whole QR payload
// (the last field, the issue date, has 8 digits).
func (p *partyForm) onIDChanged(s string) {
	if qrComplete(s) {
		p.fillFromQR(s)
		return
	}
	id := dossier.NormalizeID(s)
	info, err := dossier.ParseCitizenID(id)
	if err != nil {
		return
	}
	if p.sex.Selected == "" { // the ID's sex digit: filled, still editable
		p.sex.SetSelected(info.Sex.Label())
	}
	if p.onIDComplete != nil {
		p.onIDComplete(id)
	}
}

// qrComplete says whether a chip-ID QR payload has arrived whole: seven
// fields, the last a date of eight digits.
func qrComplete(s string) bool {
	if strings.Count(s, "|") < 6 {
		return false
	}
	last := strings.TrimSpace(s[strings.LastIndex(s, "|")+1:])
	if len(last) != 8 {
		return false
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// onOtherChanged takes a QR payload typed into a field other than the ID.
func (p *partyForm) onOtherChanged(e *widget.Entry, s string) {
	if !qrComplete(s) {
		return // not a QR, or the scanner is still typing
	}
	e.SetText("") // the field goes back to what it was for
	p.fillFromQR(s)
}

func (p *partyForm) fillFromQR(s string) {
	q, err := dossier.ParseIDCardQR(s)
	if err != nil {
		p.idNumber.SetValidationError(errText(err))
		return
	}
	p.kind.SetSelected(partyTypeLabel(dossier.PartyCitizen))
	p.name.SetText(q.Name)
	p.birth.SetText(q.Birth.Format("02/01/2006"))
	p.sex.SetSelected(q.Sex.Label())
	street, ward, province := splitAddress(q.Address)
	p.street.SetText(street)
	p.ward.SetText(ward)
	p.province.SetText(province)
	p.idNumber.SetText(q.ID)
	p.idNumber.Validate()
	p.changed()
}

// splitAddress splits "12 Lê Lợi, Phường Thuận Hóa, Thành phố Huế" into
// street, ward and province. Older cards carry a district as well: it
// stays in the street part, for the clerk to correct.
func splitAddress(a string) (street, ward, province string) {
	parts := strings.Split(a, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if len(parts) == 1 {
		return parts[0], "", ""
	}
	province = parts[len(parts)-1]
	rest := parts[:len(parts)-1]
	for i := len(rest) - 1; i >= 0; i-- {
		f := dossier.Fold(rest[i])
		if strings.HasPrefix(f, "phuong") || strings.HasPrefix(f, "xa ") || strings.HasPrefix(f, "thi tran") || strings.HasPrefix(f, "dac khu") {
			ward = rest[i]
			rest = append(rest[:i:i], rest[i+1:]...)
			break
		}
	}
	return strings.Join(rest, ", "), ward, province
}

// party reads the form.
func (p *partyForm) party() dossier.Party {
	return dossier.Party{Type: p.partyType(), Name: p.name.Text, IDNumber: strings.TrimSpace(p.idNumber.Text),
		TaxCode: strings.TrimSpace(p.taxCode.Text), Birth: strings.TrimSpace(p.birth.Text), Sex: p.sexValue(),
		Address: dossier.Address{Street: strings.TrimSpace(p.street.Text), Ward: strings.TrimSpace(p.ward.Text), Province: strings.TrimSpace(p.province.Text)},
		Phone:   strings.TrimSpace(p.phone.Text), Email: strings.TrimSpace(p.email.Text)}
}

func (p *partyForm) reset() {
	for _, e := range []*widget.Entry{p.idNumber, p.name, p.birth, p.taxCode, p.street, p.ward, p.province, p.phone, p.email} {
		e.SetText("")
		e.SetValidationError(nil)
	}
	p.kind.SetSelected(partyTypeLabel(dossier.PartyCitizen))
	p.sex.SetSelected("")
	if p.defaults != nil {
		ward, province := p.defaults()
		p.ward.SetText(ward) // values, not grey hints: they are saved and printed
		p.province.SetText(province)
	}
	// a new citizen's empty form shows no errors (clearing the sex above
	// validated the ID field again)
	for _, e := range []*widget.Entry{p.idNumber, p.name, p.birth, p.taxCode, p.street, p.ward, p.province, p.phone, p.email} {
		e.SetValidationError(nil)
	}
}

// fill puts a known person in the form (a returning citizen).
func (p *partyForm) fill(q dossier.Party) {
	p.kind.SetSelected(partyTypeLabel(q.Type))
	p.name.SetText(q.Name)
	if b, ok := dossier.ParseDate(q.Birth); ok {
		p.birth.SetText(b.Format("02/01/2006"))
	}
	p.sex.SetSelected(q.Sex.Label())
	p.street.SetText(q.Address.Street)
	p.ward.SetText(q.Address.Ward)
	p.province.SetText(q.Address.Province)
	p.phone.SetText(q.Phone)
	p.email.SetText(q.Email)
	p.taxCode.SetText(q.TaxCode)
}

// showFieldsFor hides what does not apply: a citizen has no tax code here
// (the personal ID serves), an organisation no birth date or sex. Fewer
// fields, fewer tab stops.
func (p *partyForm) showFieldsFor(t dossier.PartyType) {
	if p.form == nil {
		return // still being built
	}
	citizen := t == dossier.PartyCitizen || t == 0
	if p.allItems == nil {
		p.allItems = p.form.Items
	}
	var items []*widget.FormItem
	for _, it := range p.allItems {
		off := (citizen && it.Widget == p.taxCode) || (!citizen && (it.Widget == p.birth || it.Widget == p.sex))
		if off {
			it.Widget.Hide()
			continue
		}
		it.Widget.Show()
		items = append(items, it)
	}
	// a new form with the rows that apply: a hidden row of the old one
	// would keep its label
	p.form = widget.NewForm(items...)
	p.content.Objects = []fyne.CanvasObject{p.form}
	p.content.Refresh()
}
