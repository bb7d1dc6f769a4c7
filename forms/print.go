package forms

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

// Printer sends a PDF to paper, or to the screen when no printer is chosen.
type Printer struct {
	// Name is the printer: a CUPS queue (Linux, macOS) or a Windows
	// printer's name; empty opens the PDF in the system viewer, from which
	// the clerk prints.
	Name string
	// Run executes a command; nil runs it for real. On Windows a command
	// named "shell:VERB" is that verb of the shell on the file (args[0]),
	// with the printer's name (args[1]) for "printto".
	Run func(name string, args ...string) error
}

// Command is what Print runs for a file on this system.
func (p Printer) Command(path string) (string, []string) {
	return command(runtime.GOOS, p.Name, path, sumatraPDF())
}

// command is how a PDF reaches the printer or the screen. On Windows,
// with a printer named: SumatraPDF's silent print when it is installed,
// else the "printto" verb of whatever program opens PDF files; without a
// printer: the default PDF viewer ("open").
func command(goos, printer, path, sumatra string) (string, []string) {
	switch {
	case goos == "windows" && printer != "" && sumatra != "":
		return sumatra, []string{"-print-to", printer, "-print-settings", "noscale", "-silent", "-exit-when-done", path}
	case goos == "windows" && printer != "":
		return "shell:printto", []string{path, printer}
	case goos == "windows":
		return "shell:open", []string{path}
	case printer != "":
		return "lp", []string{"-d", printer, "-o", "media=A4", path}
	case goos == "darwin":
		return "open", []string{path}
	}
	return "xdg-open", []string{path}
}

// Print sends the file. It says which program failed, in Vietnamese; the
// file stays where it is either way.
func (p Printer) Print(path string) error {
	name, args := p.Command(path)
	run := p.Run
	if run == nil {
		run = runCommand
	}
	if err := run(name, args...); err != nil {
		missing := errors.Is(err, exec.ErrNotFound) || errors.Is(err, ErrNoHandler) || noHandler(name, err)
		return &PrintError{Printer: p.Name, Program: name, Path: path, Missing: missing, Err: err}
	}
	return nil
}

// ErrNoHandler is the Windows shell having no program for the verb on a
// PDF file: no viewer for "open", none that prints for "printto".
var ErrNoHandler = errors.New("forms: no program handles PDF files for this")

func runCommand(name string, args ...string) error {
	if verb, ok := strings.CutPrefix(name, "shell:"); ok {
		file, params := args[0], ""
		if len(args) > 1 {
			params = `"` + args[1] + `"`
		}
		return shellExecute(verb, file, params)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, lastLine(out))
	}
	return nil
}

// noHandler says whether xdg-open failed for want of any program that
// opens PDF files (its exit status 3: "a required tool could not be
// found"), which the clerk hears as a missing viewer.
func noHandler(name string, err error) bool {
	var ee *exec.ExitError
	return name == "xdg-open" && errors.As(err, &ee) && ee.ExitCode() == 3
}

// lastLine is a program's last line of output: the error, without the
// list of everything it tried first.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// PrintError is a print that did not reach the printer or the PDF viewer:
// which printer (empty: the viewer), which program, and whether that
// program is not installed at all.
type PrintError struct {
	Printer, Program string
	Path             string // the PDF, kept for the clerk to open or print
	Missing          bool
	Err              error
}

func (e *PrintError) Error() string {
	if e.Printer != "" {
		return fmt.Sprintf("forms: printing to %q with %s: %v", e.Printer, e.Program, e.Err)
	}
	return fmt.Sprintf("forms: opening the PDF with %s: %v", e.Program, e.Err)
}

func (e *PrintError) Unwrap() error { return e.Err }

// Printers lists the printers the clerk may choose: Windows's printers
// there, elsewhere the CUPS queues (`lpstat -e`); none where CUPS is absent.
func Printers() []string {
	if runtime.GOOS == "windows" {
		return windowsPrinters()
	}
	out, err := exec.Command("lpstat", "-e").Output()
	if err != nil {
		return nil
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if n := strings.TrimSpace(sc.Text()); n != "" {
			names = append(names, n)
		}
	}
	return names
}
