package forms

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

func TestPrintCommands(t *testing.T) {
	for _, c := range []struct{ goos, printer, want string }{
		{"linux", "", "xdg-open [/tmp/a.pdf]"},
		{"linux", "HP_LaserJet", "lp [-d HP_LaserJet -o media=A4 /tmp/a.pdf]"},
		{"darwin", "", "open [/tmp/a.pdf]"},
		{"darwin", "Brother", "lp [-d Brother -o media=A4 /tmp/a.pdf]"},
		{"windows", "", "rundll32 [url.dll,FileProtocolHandler /tmp/a.pdf]"},
	} {
		name, args := command(c.goos, c.printer, "/tmp/a.pdf")
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
	if !errors.As(err, &pe) || pe.Printer != "Canon" || pe.Program != "lp" || pe.Missing || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("%v", err)
	}
	p.Name, p.Run = "", func(string, ...string) error { return fmt.Errorf("start: %w", exec.ErrNotFound) }
	if err := p.Print("/tmp/x.pdf"); !errors.As(err, &pe) || !pe.Missing || pe.Printer != "" {
		t.Fatalf("no viewer: %v", err)
	}
}
