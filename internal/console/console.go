// Package console makes a command-line program's Vietnamese readable in a
// Windows terminal: imported (for its side effect) by motcuactl and
// motcua-server, it switches the console's code pages to UTF-8 at start,
// which is what Go writes. Elsewhere it does nothing.
package console
