// Package assets holds the data the program ships: the starter procedure
// catalogue, the holiday table and working hours, the translations and the
// icon. All of it is embedded in the binaries; the catalogue and calendar
// are only the first-run defaults, replaced later by administrators.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed data/catalog.json
var Catalog []byte

//go:embed data/calendar.json
var Calendar []byte

//go:embed icon.png
var Icon []byte

//go:embed translations/*.json
var translations embed.FS

// Translations is the folder of vi.json and en.json, for lang.AddTranslationsFS.
func Translations() fs.FS {
	sub, err := fs.Sub(translations, "translations")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return sub
}
