// Package version is the version of Một Cửa that a binary was built as.
// FyneApp.toml is the one place it is kept: the Makefile reads it from
// there and sets Version when it links (-X motcua/internal/version.Version).
package version

// Version is "0.1.0" in a build from the Makefile, "dev" in any other.
var Version = "dev"
