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
	// Name is the CUPS queue (Linux, macOS); empty opens the PDF in the
	// system viewer, from which the clerk prints.
	Name string
	// Run executes a command; nil runs it for real.
	Run func(name string, args ...string) error
}

// Command is what Print runs for a file on this system.
func (p Printer) Command(path string) (string, []string) {
	return command(runtime.GOOS, p.Name, path)
}

func command(goos, printer, path string) (string, []string) {
	switch {
	case goos == "windows":
		// the default handler for PDF files
		return "rundll32", []string{"url.dll,FileProtocolHandler", path}
	case printer != "":
		return "lp", []string{"-d", printer, "-o", "media=A4", path}
	case goos == "darwin":
		return "open", []string{path}
	}
	return "xdg-open", []string{path}
}

// Print sends the file. It says which program failed, in Vietnamese.
func (p Printer) Print(path string) error {
	name, args := p.Command(path)
	run := p.Run
	if run == nil {
		run = func(name string, args ...string) error {
			out, err := exec.Command(name, args...).CombinedOutput()
			if err != nil {
				return fmt.Errorf("%w: %s", err, lastLine(out))
			}
			return nil
		}
	}
	if err := run(name, args...); err != nil {
		return &PrintError{Printer: p.Name, Program: name, Missing: errors.Is(err, exec.ErrNotFound) || noHandler(name, err), Err: err}
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

// Printers lists the CUPS queues (`lpstat -e`); none where CUPS is absent.
func Printers() []string {
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
