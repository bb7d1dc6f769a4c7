// Command motcuactl is the headless administration tool of Một Cửa: intake
// from a file, appointment-date checks, seeding, backup, verification,
// export and reference-data import. It builds without cgo.
//
//	motcuactl [-data DIR] <command> [flags]
package main

import (
	_ "motcua/internal/console" // UTF-8 in a Windows terminal
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
