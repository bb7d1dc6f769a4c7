package app

import (
	"fmt"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"motcua/assets"
	"motcua/counter"
	"motcua/dossier"
	mcsync "motcua/sync"
)

var current = "vi"

// SetLanguage makes every lang.L lookup answer in code ("vi", the default,
// or "en"), whatever the system's locale: the chosen file is registered
// under its own locale and under the system's, which Fyne's matcher picks.
func SetLanguage(code string) {
	data := assets.TranslationVI
	if code == "en" {
		data = assets.TranslationEN
	} else {
		code = "vi"
	}
	current = code
	counter.SetLanguage(code)
	// Fyne reads the locale from the environment on Linux and macOS.
	_ = os.Setenv("LANGUAGE", code)
	for _, loc := range []fyne.Locale{fyne.Locale(code), "en", "vi", lang.SystemLocale()} {
		if err := lang.AddTranslationsForLocale(data, loc); err != nil {
			fyne.LogError("translations", err)
		}
	}
}

// Language is the code in force.
func Language() string { return current }

// domainText is a label the domain already has in Vietnamese: used as is
// in Vietnamese, translated by key in English.
func domainText(key, vi string) string {
	if current == "vi" {
		return vi
	}
	return lang.X(key, vi)
}

func statusLabel(s dossier.Status) string { return counter.StatusLabel(s) }

func eventLabel(e dossier.EventType) string { return counter.EventLabel(e) }

func partyTypeLabel(p dossier.PartyType) string {
	return domainText(fmt.Sprintf("party.%d", p), p.Label())
}

func channelLabel(c dossier.Channel) string {
	return domainText(fmt.Sprintf("channel.%d", c), c.Label())
}

func deliveryLabel(d dossier.Delivery) string {
	return domainText(fmt.Sprintf("delivery.%d", d), d.Label())
}

func timeLabel(p dossier.ProcessingTime) string {
	switch p.Unit {
	case dossier.UnitSameDay:
		return lang.L("time.same_day")
	case dossier.UnitHours:
		return lang.L("time.hours", map[string]any{"N": p.Amount})
	case dossier.UnitCalendarDays:
		return lang.L("time.calendar_days", map[string]any{"N": p.Amount})
	}
	return lang.L("time.days", map[string]any{"N": p.Amount})
}

var weekdaysVI = [7]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// fmtDue writes an appointment as clerks say it: "16:05, Thứ Hai 23/02/2026".
func fmtDue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(dossier.Loc)
	wd := weekdaysVI[t.Weekday()]
	if current == "en" {
		wd = t.Weekday().String()
	}
	return fmt.Sprintf("%s, %s %s", t.Format("15:04"), wd, t.Format("02/01/2006"))
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(dossier.Loc).Format("02/01/2006 15:04")
}

// fmtShort fits a list column: 26/11/26 15:59.
func fmtShort(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(dossier.Loc).Format("02/01/06 15:04")
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(dossier.Loc).Format("02/01/2006")
}

// fmtMoney writes đồng with dots: 200.000 đ.
func fmtMoney(v int64) string { return dossier.Thousands(v) + " đ" }

// logText is the sync log as lines a person reads, newest last.
func logText(notes []mcsync.Note) string {
	lines := make([]string, len(notes))
	for i, n := range notes {
		lines[i] = counter.Wording(n)
	}
	return strings.Join(lines, "\n")
}
