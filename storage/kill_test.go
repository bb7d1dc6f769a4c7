package storage

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"motcua/assets"
)

const killHelperEnv = "MOTCUA_KILL_HELPER_DB"

// TestKillHelper is the child process of TestKilledMidIntakeLoop: it saves
// intakes forever and prints each code once its transaction has committed.
func TestKillHelper(t *testing.T) {
	path := os.Getenv(killHelperEnv)
	if path == "" {
		t.Skip("only runs as the child of TestKilledMidIntakeLoop")
	}
	s, err := Open(path, Options{DefaultCatalog: assets.Catalog, DefaultCalendar: assets.Calendar})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	if !s.Settings().Ready() {
		if err := s.SaveSettings(testSettings); err != nil {
			os.Exit(2)
		}
	}
	for i := 0; ; i++ {
		r, err := s.Intake(intake(fmt.Sprintf("Nguyễn Văn An %d", i), "046090001234", "0912345678"))
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
		if i%3 == 0 { // mix updates into the loop
			s.Apply(s.NewEvent(r, "processing"))
		}
		fmt.Println("OK", r.Code)
	}
}

func TestKilledMidIntakeLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "motcua.db")
	committed := map[string]bool{}
	for round := 0; round < 4; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stopAfter := 20 + rand.IntN(60)
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			var tag, code string
			fmt.Sscan(sc.Text(), &tag, &code)
			if tag == "ERR" {
				t.Fatalf("child: %s", sc.Text())
			}
			if tag == "OK" {
				committed[code] = true
				if n++; n == stopAfter {
					cmd.Process.Kill() // SIGKILL, mid-write of the next intake
					break
				}
			}
		}
		cmd.Wait()
	}
	s := openTestStore(t, path)
	defer s.Close()
	probs, err := s.Verify()
	if err != nil || len(probs) > 0 {
		t.Fatalf("verify after kills: %v %v", err, probs)
	}
	for code := range committed {
		if _, err := s.GetByCode(code); err != nil {
			t.Errorf("reported committed but missing: %s", code)
		}
	}
	st, _ := s.Stats()
	if st.Records < len(committed) || st.Pending < st.Records {
		t.Fatalf("records %d, reported %d, pending %d", st.Records, len(committed), st.Pending)
	}
	t.Logf("%d intakes reported committed over 4 kills; %d records on file", len(committed), st.Records)
}
