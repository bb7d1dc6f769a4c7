package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"motcua/counter"
	"motcua/dossier"
	"motcua/storage"
)

// cmdServe runs a counter without a window (a back-office PC that keeps
// the unit's records, or a script): it syncs with the province and shares
// with the office network like the program does, until its standard
// input ends or it is stopped. Lines on standard input drive it, one
// answer line each (for scripts and tests):
//
//	intake FILE.json          → ok CODE ID
//	intake-many N             → ok N        (synthetic intakes, for load tests)
//	apply CODE EVENT [NAME]   → ok STATUS   (NAME: who collects, on returned)
//	get ID                    → record STATUS VERSION | none
//	have                      → the events held per device, as JSON
//	peers                     → peers N     (other counters reached lately)
func cmdServe(c *counter.Counter, e env) error {
	c.StartSync()
	defer c.StopSync()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	fmt.Fprintln(e.stdout, "ready")
	for {
		select {
		case <-stop:
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			fmt.Fprintln(e.stdout, serveLine(c, strings.Fields(line)))
		}
	}
}

// serveLines are the lines serve takes: each the number of words it
// needs at least, and what it does.
var serveLines = map[string]struct {
	words int
	do    func(c *counter.Counter, f []string) string
}{
	"intake":      {2, serveIntake},
	"intake-many": {2, serveManyLine},
	"apply":       {3, serveApply},
	"get":         {2, serveGet},
	"have":        {1, serveHave},
	"peers": {1, func(c *counter.Counter, _ []string) string {
		n, _ := c.LANStatus()
		return fmt.Sprintf("peers %d", n)
	}},
}

// serveLine does what one line asks and says how it went.
func serveLine(c *counter.Counter, f []string) string {
	if len(f) == 0 {
		return "error empty"
	}
	l, ok := serveLines[f[0]]
	if !ok || len(f) < l.words {
		return "error unknown " + f[0]
	}
	return l.do(c, f)
}

func serveIntake(c *counter.Counter, f []string) string {
	data, err := os.ReadFile(f[1])
	if err != nil {
		return "error " + err.Error()
	}
	r, err := c.IntakeJSON(data)
	if err != nil {
		return "error " + counter.Explain(err)
	}
	return "ok " + r.Code + " " + r.ID
}

func serveManyLine(c *counter.Counter, f []string) string {
	n, err := strconv.Atoi(f[1])
	if err != nil || n < 1 {
		return "error count"
	}
	return serveMany(c, n)
}

func serveApply(c *counter.Counter, f []string) string {
	req := counter.ActionRequest{Code: f[1], Event: dossier.EventType(f[2])}
	if len(f) > 3 {
		req.Collector = &dossier.Collector{Name: strings.Join(f[3:], " ")}
	}
	r, err := c.Act(req)
	if err != nil {
		return "error " + counter.Explain(err)
	}
	return fmt.Sprintf("ok %d", r.Status)
}

func serveGet(c *counter.Counter, f []string) string {
	r, err := c.Get(f[1])
	if err != nil {
		return "none"
	}
	return fmt.Sprintf("record %d %d", r.Status, r.Version)
}

func serveHave(c *counter.Counter, _ []string) string {
	have, err := c.LANHave()
	if err != nil {
		return "error " + err.Error()
	}
	data, _ := json.Marshal(have)
	return string(data)
}

// serveMany receives n synthetic files, in batches (each its own events),
// at most 900 a day going back from today (a counter issues 999 codes a
// day).
func serveMany(c *counter.Counter, n int) string {
	r := rand.New(rand.NewPCG(uint64(n), 11))
	today := time.Now().In(dossier.Loc)
	for done := 0; done < n; {
		size := min(500, n-done)
		ins := make([]dossier.Intake, size)
		for i := range ins {
			at := today.AddDate(0, 0, -(done+i)/900)
			ins[i] = dossier.Intake{ProcedureCode: "1.004873", Owner: storage.SyntheticPerson(r), FilerIsOwner: true, ReceivedAt: at}
		}
		if err := c.IntakeMany(ins); err != nil {
			return "error " + counter.Explain(err)
		}
		done += size
	}
	return fmt.Sprintf("ok %d", n)
}
