package forms

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	shell32             = windows.NewLazySystemDLL("shell32.dll")
	procShellExecuteExW = shell32.NewProc("ShellExecuteExW")
	winspool            = windows.NewLazySystemDLL("winspool.drv")
	procEnumPrintersW   = winspool.NewProc("EnumPrintersW")
)

// shellExecuteInfo is SHELLEXECUTEINFOW.
type shellExecuteInfo struct {
	size      uint32
	mask      uint32
	hwnd      uintptr
	verb      *uint16
	file      *uint16
	params    *uint16
	dir       *uint16
	show      int32
	instApp   uintptr
	idList    uintptr
	class     *uint16
	hkeyClass uintptr
	hotKey    uint32
	icon      uintptr
	process   uintptr
}

const (
	seeMaskNoAsync       = 0x100
	seeMaskFlagNoUI      = 0x400 // no "how do you want to open this" dialog
	swShowNormal         = 1
	seErrAssocIncomplete = 27
	seErrNoAssoc         = 31
)

// shellExecute runs a verb of the shell ("open", "printto") on the file,
// as Explorer would; no program for it is ErrNoHandler.
func shellExecute(verb, file, params string) error {
	info := shellExecuteInfo{mask: seeMaskNoAsync | seeMaskFlagNoUI, show: swShowNormal}
	info.size = uint32(unsafe.Sizeof(info))
	var err error
	if info.verb, err = windows.UTF16PtrFromString(verb); err != nil {
		return err
	}
	if info.file, err = windows.UTF16PtrFromString(file); err != nil {
		return err
	}
	if params != "" {
		if info.params, err = windows.UTF16PtrFromString(params); err != nil {
			return err
		}
	}
	ok, _, e := procShellExecuteExW.Call(uintptr(unsafe.Pointer(&info)))
	if ok != 0 {
		return nil
	}
	if e == windows.ERROR_NO_ASSOCIATION || info.instApp == seErrNoAssoc || info.instApp == seErrAssocIncomplete {
		return fmt.Errorf("%w (%s)", ErrNoHandler, verb)
	}
	return fmt.Errorf("forms: the shell's %q on the PDF: %w", verb, e)
}

// sumatraPDF is SumatraPDF's program when it is installed (for all users,
// for this user, or beside our own program), else "".
func sumatraPDF() string {
	var dirs []string
	for _, v := range []string{"ProgramFiles", "ProgramFiles(x86)", "LocalAppData"} {
		if d := os.Getenv(v); d != "" {
			dirs = append(dirs, filepath.Join(d, "SumatraPDF"))
		}
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "SumatraPDF.exe")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// printerInfo4 is PRINTER_INFO_4W.
type printerInfo4 struct {
	name, server *uint16
	attributes   uint32
}

// windowsPrinters are the local printers and the network printers this
// user is connected to (EnumPrintersW, level 4).
func windowsPrinters() []string {
	const flags = 0x2 | 0x4 // PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS
	var needed, count uint32
	procEnumPrintersW.Call(flags, 0, 4, 0, 0, uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&count)))
	if needed == 0 {
		return nil
	}
	buf := make([]byte, needed)
	ok, _, _ := procEnumPrintersW.Call(flags, 0, 4, uintptr(unsafe.Pointer(&buf[0])), uintptr(needed),
		uintptr(unsafe.Pointer(&needed)), uintptr(unsafe.Pointer(&count)))
	if ok == 0 || count == 0 {
		return nil
	}
	infos := unsafe.Slice((*printerInfo4)(unsafe.Pointer(&buf[0])), count)
	names := make([]string, 0, count)
	for _, in := range infos {
		names = append(names, windows.UTF16PtrToString(in.name))
	}
	return names
}
