package console

import "golang.org/x/sys/windows"

const utf8CodePage = 65001

func init() {
	// no console (output to a file or a pipe): these fail, harmlessly
	_ = windows.SetConsoleOutputCP(utf8CodePage)
	_ = windows.SetConsoleCP(utf8CodePage)
}
