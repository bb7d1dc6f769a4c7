//go:build !windows

package forms

import "fmt"

func shellExecute(verb, file, params string) error {
	return fmt.Errorf("forms: the shell's %q verb is Windows only", verb)
}

func sumatraPDF() string { return "" }

func windowsPrinters() []string { return nil }
