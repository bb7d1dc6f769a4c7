package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"motcua/counter"
	"motcua/dossier"
	"motcua/storage"
	mcsync "motcua/sync"
)

// syncScreen is "Đồng bộ": the link to the provincial backend, what waits
// to be sent, what the backend refused, and the log.
type syncScreen struct {
	u         *UI
	state     *widget.Label
	detail    *widget.Label
	skew      *widget.Label
	sendNow   *widget.Button
	outbox    *widget.Label
	attention *fyne.Container
	lan       *widget.Label // the office network: each counter reached, or why not
	log       *widget.Label
	content   fyne.CanvasObject
}

func newSyncScreen(u *UI) *syncScreen {
	s := &syncScreen{u: u, state: heading(""), detail: widget.NewLabel(""), skew: widget.NewLabel(""),
		outbox: widget.NewLabel(""), attention: container.NewVBox(), log: widget.NewLabel(""), lan: widget.NewLabel("")}
	s.lan.Wrapping = fyne.TextWrapWord
	s.detail.Truncation = fyne.TextTruncateEllipsis // explicit lines: keeps its height right
	s.skew.Importance = widget.DangerImportance
	s.skew.Wrapping = fyne.TextWrapWord
	s.outbox.Wrapping = fyne.TextWrapWord
	s.log.Wrapping = fyne.TextWrapWord
	s.log.TextStyle.Monospace = true
	s.sendNow = widget.NewButtonWithIcon(lang.L("sync.send_now"), theme.UploadIcon(), func() {
		u.ctr.Kick()
	})
	s.sendNow.Importance = widget.HighImportance
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		container.NewBorder(nil, nil, nil, s.sendNow, s.state), s.detail, s.skew,
		widget.NewSeparator(), heading(lang.L("sync.attention")), s.attention,
		widget.NewSeparator(), heading(lang.L("sync.outbox")), s.outbox,
		widget.NewSeparator(), heading(lang.L("sync.lan")), s.lan,
		widget.NewSeparator(), heading(lang.L("sync.log")), s.log,
	)))
	s.refresh()
	return s
}

func syncStateText(st mcsync.Status) (string, widget.Importance) {
	switch st.State {
	case mcsync.StateOnline:
		return lang.L("sync.state.online"), widget.SuccessImportance
	case mcsync.StateSyncing:
		return lang.L("sync.state.syncing"), widget.HighImportance
	case mcsync.StateOffline:
		return lang.L("sync.state.offline"), widget.WarningImportance
	case mcsync.StateNeedsEnroll:
		return lang.L("sync.state.needs_enroll"), widget.DangerImportance
	case mcsync.StateRefused:
		return lang.L("sync.state.refused"), widget.DangerImportance
	}
	return lang.L("sync.state.not_enrolled"), widget.MediumImportance
}

// refresh reads the engine's status and the store's queues.
func (s *syncScreen) refresh() {
	st := s.u.engine.Status()
	if st.State == mcsync.StateNotEnrolled {
		s.sendNow.Disable() // nothing to send to yet: Settings → Kết nối máy chủ
	} else {
		s.sendNow.Enable()
	}
	text, imp := syncStateText(st)
	s.state.SetText(text)
	s.state.Importance = imp
	s.state.Refresh()
	lines := []string{lang.L("sync.pending", map[string]any{"N": s.u.count(st.Pending)})}
	if st.Indexing > 0 {
		lines = append(lines, lang.L("sync.indexing", map[string]any{"N": s.u.count(st.Indexing)}))
	}
	if !st.LastSuccess.IsZero() {
		lines = append(lines, lang.L("sync.last_success", map[string]any{"At": fmtTime(st.LastSuccess)}))
	}
	switch {
	case st.State == mcsync.StateRefused && st.Err != nil:
		lines = append(lines, lang.L("sync.refused", map[string]any{"Error": counter.Explain(st.Err)}))
	case st.Err != nil:
		lines = append(lines, lang.L("sync.last_error", map[string]any{"Error": counter.Explain(st.Err)}))
	case st.LastError != "":
		lines = append(lines, lang.L("sync.last_error", map[string]any{"Error": st.LastError}))
	}
	if !st.NextTry.IsZero() && st.State == mcsync.StateOffline {
		lines = append(lines, lang.L("sync.next_try", map[string]any{"At": st.NextTry.In(dossier.Loc).Format("15:04:05")}))
	}
	s.detail.SetText(strings.Join(lines, "\n"))
	if st.SkewWarning() {
		s.skew.SetText(lang.L("sync.clock_skew", map[string]any{"Minutes": int(st.ClockSkew.Abs().Minutes())}))
		s.skew.Show()
	} else {
		s.skew.Hide()
	}
	s.refreshQueues()
	s.lan.SetText(s.lanText())
	s.log.SetText(logText(s.u.engine.Log()))
}

// lanText says, counter by counter, how the office network goes.
func (s *syncScreen) lanText() string {
	_, on := s.u.ctr.LANStatus()
	switch {
	case s.u.ctr.Settings().LANOff:
		return lang.L("sync.lan.off")
	case !on:
		return lang.L("sync.lan.not_ready")
	}
	peers := s.u.ctr.LANPeers()
	if len(peers) == 0 {
		return lang.L("sync.lan.none")
	}
	var lines []string
	for _, p := range peers {
		who := p.Addr
		if p.Counter > 0 {
			who = lang.L("sync.lan.counter", map[string]any{"N": p.Counter, "Addr": p.Addr})
		}
		switch {
		case p.LastErr == "" && !p.LastOK.IsZero():
			lines = append(lines, lang.L("sync.lan.ok", map[string]any{"Who": who, "At": p.LastOK.In(dossier.Loc).Format("15:04:05")}))
		case p.LastErr != "":
			lines = append(lines, lang.L("sync.lan.failing", map[string]any{"Who": who, "Error": lanWhy(p.LastErr)}))
		default:
			lines = append(lines, lang.L("sync.lan.trying", map[string]any{"Who": who}))
		}
	}
	return strings.Join(lines, "\n")
}

// lanWhy says in plain words why the exchange with a peer fails, for
// the usual causes; anything else as the error said it.
func lanWhy(err string) string {
	for _, c := range []struct{ key, why string }{
		{"connection refused", "sync.lan.why.refused"},
		{"no route to host", "sync.lan.why.unreachable"},
		{"network is unreachable", "sync.lan.why.unreachable"},
		{"i/o timeout", "sync.lan.why.unreachable"},
		{"deadline exceeded", "sync.lan.why.unreachable"},
		{"certificate", "sync.lan.why.certificate"},
		{"tls:", "sync.lan.why.certificate"},
		{"malformed", "sync.lan.why.answer"},
		{"peer answered", "sync.lan.why.answer"},
	} {
		if strings.Contains(err, c.key) {
			return lang.L(c.why)
		}
	}
	return err
}

func (s *syncScreen) refreshQueues() {
	s.outbox.SetText(s.outboxText())
	s.showAttention()
}

// outboxText says, record by record, what waits to be sent.
func (s *syncScreen) outboxText() string {
	entries, err := s.u.ctr.Outbox(5000)
	if err != nil {
		return counter.Explain(err)
	}
	type group struct{ pending, sending int }
	byRecord := map[string]*group{}
	for _, e := range entries {
		code := s.recordCode(e.Event)
		g := byRecord[code]
		if g == nil {
			g = &group{}
			byRecord[code] = g
		}
		switch e.State {
		case storage.OutboxPending:
			g.pending++
		case storage.OutboxSending:
			g.sending++
		}
	}
	var lines []string
	for code, g := range byRecord {
		if g.pending+g.sending > 0 {
			lines = append(lines, lang.L("sync.outbox_line", map[string]any{"Code": code, "Pending": g.pending, "Sending": g.sending}))
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return lang.L("sync.outbox_empty")
	}
	if len(lines) > 200 {
		lines = append(lines[:200], lang.L("sync.outbox_more", map[string]any{"N": len(lines) - 200}))
	}
	return strings.Join(lines, "\n")
}

// recordCode is the code of an event's record (its id if unknown).
func (s *syncScreen) recordCode(e dossier.Event) string {
	if e.Record != nil {
		return e.Record.Code
	}
	if r, err := s.u.ctr.Get(e.RecordID); err == nil {
		return r.Code
	}
	return e.RecordID
}

// showAttention lists what the backend refused, and the changes made
// elsewhere (or put after another counter's) that could not apply here,
// each with a way to the record and a "seen" button.
func (s *syncScreen) showAttention() {
	att, err := s.u.ctr.Attention()
	s.attention.RemoveAll()
	if err != nil || len(att) == 0 {
		s.attention.Add(widget.NewLabel(lang.L("sync.attention_empty")))
		return
	}
	for _, a := range att {
		line := "sync.attention_line"
		if a.Remote || a.Order {
			line = "sync.attention_line_here"
		}
		label := widget.NewLabel(lang.L(line, map[string]any{"Code": a.Code, "Action": eventLabel(a.Event.Type), "At": fmtTime(a.Event.At), "Reason": a.Reason}))
		label.Wrapping = fyne.TextWrapWord
		open := widget.NewButton(lang.L("sync.open_record"), func() {
			if a.Code != "" {
				s.u.records.openCode(a.Code)
			}
		})
		seen := widget.NewButton(lang.L("sync.dismiss"), func() {
			if err := s.u.ctr.DismissAttention(a.Seq); err != nil {
				s.u.showError(errors.New(counter.Explain(err)))
			}
			s.u.changed()
		})
		s.attention.Add(container.NewBorder(nil, nil, nil, container.NewHBox(open, seen), label))
	}
}

// connectionForm is Settings → "Kết nối máy chủ": the server's address and
// a one-time enrollment code.
func (u *UI) connectionForm() fyne.CanvasObject {
	st, _ := u.ctr.SyncState()
	url := widget.NewEntry()
	url.SetPlaceHolder("https://motcua.hue.gov.vn")
	url.SetText(st.ServerURL)
	code := widget.NewEntry()
	code.SetPlaceHolder("XXXX-XXXX-XXXX-XXXX")
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	if st.DeviceID != "" {
		status.SetText(lang.L("sync.enrolled_as", map[string]any{"Device": st.DeviceID, "Server": st.ServerURL}))
	}
	var enroll *widget.Button
	enroll = widget.NewButtonWithIcon(lang.L("sync.enroll"), theme.LoginIcon(), func() {
		server, c := strings.TrimSpace(url.Text), strings.TrimSpace(code.Text)
		if !strings.HasPrefix(server, "https://") && !strings.HasPrefix(server, "http://") || c == "" {
			u.showError(errors.New(lang.L("sync.enroll_fields")))
			return
		}
		enroll.Disable()
		status.SetText(lang.L("sync.enrolling"))
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := u.ctr.Enroll(ctx, server, c)
			u.do(func() {
				enroll.Enable()
				if err != nil {
					status.SetText("")
					u.showError(fmt.Errorf("%s\n%s", lang.L("sync.enroll_failed"), counter.Explain(err)))
					return
				}
				code.SetText("")
				set := u.ctr.Settings()
				status.SetText(lang.L("sync.enrolled", map[string]any{"Unit": set.UnitCode, "Counter": set.Counter}))
				if u.ctr.User() == nil {
					u.joinedUnit(status)
					return
				}
				u.changed()
			})
		}()
	})
	form := widget.NewForm(widget.NewFormItem(lang.L("sync.server_url"), url), widget.NewFormItem(lang.L("sync.enroll_code"), code))
	return container.NewVBox(heading(lang.L("sync.connection")), form, container.NewHBox(enroll), status)
}
