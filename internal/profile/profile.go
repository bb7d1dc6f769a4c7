// Package profile writes a processor profile (pprof) of the running
// program, for finding where a load's time goes.
package profile

import (
	"os"
	"runtime/pprof"
)

// CPU starts profiling into the file at path; stop ends it and closes the
// file.
func CPU(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
