// Command motcua is the counter program of Một Cửa: it opens the local
// store, builds the Fyne window and keeps the counter working offline.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	fynecontainer "fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"motcua/app"
	"motcua/assets"
	"motcua/counter"
)

func main() {
	start := time.Now()
	dataDir := flag.String("data", "", "data directory (default: the user data directory)")
	smoke := flag.Duration("smoke", 0, "start, show the window, print start-up figures, quit after this long (for tests)")
	flag.Parse()

	a := fyneapp.NewWithID("vn.motcua.counter")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	ctr, err := counter.Open(counter.Options{Dir: *dataDir})
	if err != nil {
		slog.Error("cannot open the store", "err", err)
		fatalWindow(a, err, *smoke)
		os.Exit(1)
	}
	// the engine stops, and is waited for, before the file closes
	var closeOnce sync.Once
	closeData := func() { closeOnce.Do(func() { ctr.Close() }) }
	defer closeData()
	ctr.StartSync()
	if *smoke > 0 && os.Getenv("MOTCUA_USER") != "" {
		// a smoke run measures the work screens: it signs in as a script
		// says (never outside -smoke, which quits by itself)
		if _, err := ctr.SignIn(os.Getenv("MOTCUA_USER"), os.Getenv("MOTCUA_PASSWORD")); err != nil {
			fmt.Fprintln(os.Stderr, "smoke: sign-in:", counter.Explain(err))
		}
	}
	ui := app.New(a, ctr)
	if m := ctr.Moved(); m != nil {
		slog.Info("data folder moved to the user data directory")
		ui.Notify(counter.L("data.moved", map[string]any{"From": m.From, "To": m.To}))
	}
	stop := make(chan struct{})
	ui.Start(stop)
	quit := func() { quitWatched(a, closeData, *smoke > 0) }
	ui.Window().SetCloseIntercept(quit)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		fyne.Do(quit)
	}()
	a.Lifecycle().SetOnStarted(func() {
		if *smoke > 0 {
			fmt.Printf("ready_ms=%d rss_mb=%.1f\n", time.Since(start).Milliseconds(), rssMB())
			go func() {
				time.Sleep(*smoke)
				fyne.Do(quit)
			}()
		}
	})
	ui.StartIdleWatch()
	ui.Window().ShowAndRun()
	close(stop)
	slog.Info("closed cleanly")
}

// quitGrace is how long Fyne may take to close the window and return.
const quitGrace = 5 * time.Second

// quitWatched closes the window and ends the program. Should Fyne not
// return from ShowAndRun (under Wine it nearly always hangs there: an
// input event its lifecycle queue took during the quit waits for the main
// loop that has just stopped, and WaitForEvents waits behind it; the
// window is already gone), the program still ends: every action is
// committed already, so the data is closed, which releases the lock a next
// start needs, and the process exits. diagnose writes every goroutine's
// stack first (smoke runs).
func quitWatched(a fyne.App, closeData func(), diagnose bool) {
	go func() {
		time.Sleep(quitGrace)
		slog.Warn("the window closed but Fyne did not return; closing the data and ending the program", "after", quitGrace)
		if diagnose {
			_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		}
		closeData()
		slog.Info("closed cleanly", "fyne", "did not return")
		os.Exit(0)
	}()
	a.Quit()
}

// fatalWindow tells the clerk, in Vietnamese, why the program cannot start.
// In a smoke run it closes by itself after autoClose.
func fatalWindow(a fyne.App, err error, autoClose time.Duration) {
	msg := "Không mở được dữ liệu của chương trình:\n\n" + counter.Explain(err)
	if errors.Is(err, counter.ErrLocked) {
		msg = "Chương trình Một Cửa đang chạy ở một cửa sổ khác trên máy này.\n\n" + counter.Explain(err)
	}
	fmt.Fprintln(os.Stderr, msg)
	w := a.NewWindow("Một Cửa")
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	w.SetContent(fynecontainer.NewVBox(l, widget.NewButton("Đóng", a.Quit)))
	w.Resize(fyne.NewSize(520, 200))
	if autoClose > 0 {
		go func() {
			time.Sleep(autoClose)
			fyne.Do(a.Quit)
			// a window that does not close (seen under Wine) still ends
			time.Sleep(5 * time.Second)
			os.Exit(1)
		}()
	}
	w.ShowAndRun()
}
