// Package assets holds the data the program ships: the starter procedure
// catalogue, the holiday table and working hours, the translations and the
// icon. All of it is embedded in the binaries; the catalogue and calendar
// are only the first-run defaults, replaced later by administrators.
package assets

import _ "embed" // for go:embed

//go:embed data/catalog.json
var Catalog []byte

//go:embed data/calendar.json
var Calendar []byte

//go:embed icon.png
var Icon []byte

// TranslationVI and TranslationEN are the UI strings (go-i18n JSON) for
// Fyne's lang package.
//
//go:embed translations/vi.json
var TranslationVI []byte

//go:embed translations/en.json
var TranslationEN []byte

// Fonts are Liberation Serif (metric-compatible with Times New Roman, full
// Vietnamese coverage; SIL Open Font License, see fonts/LICENSE-LiberationSerif.txt)
// for the printed forms.
var (
	//go:embed fonts/LiberationSerif-Regular.ttf
	FontRegular []byte
	//go:embed fonts/LiberationSerif-Bold.ttf
	FontBold []byte
	//go:embed fonts/LiberationSerif-Italic.ttf
	FontItalic []byte
	//go:embed fonts/LiberationSerif-BoldItalic.ttf
	FontBoldItalic []byte
)
