package forms

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

func TestPrintCommands(t *testing.T) {
	const sumatra = `C:\Program Files\SumatraPDF\SumatraPDF.exe`
	for _, c := range []struct{ goos, printer, sumatra, want string }{
		{"linux", "", "", "xdg-open [/tmp/a.pdf]"},
		{"linux", "HP_LaserJet", "", "lp [-d HP_LaserJet -o media=A4 /tmp/a.pdf]"},
		{"darwin", "", "", "open [/tmp/a.pdf]"},
		{"darwin", "Brother", "", "lp [-d Brother -o media=A4 /tmp/a.pdf]"},
		// Windows: the default viewer; a named printer through SumatraPDF
		// when it is there, else the shell's printto verb
		{"windows", "", "", "shell:open [/tmp/a.pdf]"},
		{"windows", "", sumatra, "shell:open [/tmp/a.pdf]"},
		{"windows", "Canon LBP2900 (Quầy 1)", sumatra, sumatra + " [-print-to Canon LBP2900 (Quầy 1) -print-settings noscale -silent -exit-when-done /tmp/a.pdf]"},
		{"windows", "Canon LBP2900 (Quầy 1)", "", "shell:printto [/tmp/a.pdf Canon LBP2900 (Quầy 1)]"},
	} {
		name, args := command(c.goos, c.printer, "/tmp/a.pdf", c.sumatra)
		if got := fmt.Sprint(name, " ", args); got != c.want {
			t.Errorf("%s/%q: %s", c.goos, c.printer, got)
		}
	}
}

func TestPrintRunsAndExplainsFailure(t *testing.T) {
	var ran string
	p := Printer{Name: "Canon", Run: func(name string, args ...string) error { ran = name + " " + strings.Join(args, " "); return nil }}
	if err := p.Print("/tmp/x.pdf"); err != nil || !strings.HasPrefix(ran, "lp -d Canon") {
		t.Fatalf("%v %q", err, ran)
	}
	p.Run = func(string, ...string) error { return errors.New("lp: The printer or class does not exist.") }
	err := p.Print("/tmp/x.pdf")
	var pe *PrintError
	if !errors.As(err, &pe) || pe.Printer != "Canon" || pe.Program != "lp" || pe.Path != "/tmp/x.pdf" || pe.Missing || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("%v", err)
	}
	p.Name, p.Run = "", func(string, ...string) error { return fmt.Errorf("start: %w", exec.ErrNotFound) }
	if err := p.Print("/tmp/x.pdf"); !errors.As(err, &pe) || !pe.Missing || pe.Printer != "" {
		t.Fatalf("no viewer: %v", err)
	}
	// the Windows shell with no program for the verb is a missing one too
	p.Run = func(string, ...string) error { return fmt.Errorf("%w (open)", ErrNoHandler) }
	if err := p.Print("/tmp/x.pdf"); !errors.As(err, &pe) || !pe.Missing {
		t.Fatalf("no handler: %v", err)
	}
}

// TestNoPDFHandlerIsAMissingViewer: xdg-open's exit status 3 (no program
// for PDF files) is a missing viewer, and only the last line of its output
// is kept.
func TestNoPDFHandlerIsAMissingViewer(t *testing.T) {
	err := exec.Command("sh", "-c", "echo 'x-www-browser: not found'; echo 'no method available for opening'; exit 3").Run()
	if !noHandler("xdg-open", err) || noHandler("lp", err) {
		t.Fatalf("exit 3 of xdg-open: %v", err)
	}
	if err := exec.Command("sh", "-c", "exit 4").Run(); noHandler("xdg-open", err) {
		t.Fatal("a failed action is not a missing viewer")
	}
	if got := lastLine([]byte("WARNING: a\nb: not found\nno method available\n")); got != "no method available" {
		t.Fatalf("last line %q", got)
	}
}
