package main

import (
	"os"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	fynecontainer "fyne.io/fyne/v2/container"
)

func container(objs ...fyne.CanvasObject) fyne.CanvasObject { return fynecontainer.NewVBox(objs...) }

// rssMB reads the resident set size (Linux; 0 elsewhere).
func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}
