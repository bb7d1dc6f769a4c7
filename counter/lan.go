package counter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"motcua/dossier"
	"motcua/sync/lan"
)

// The office network (docs/lan.md): once the counter holds a certificate
// from the backend (its first sync brings it), it shares the unit's
// events with the other counters it finds, whether or not the province
// can be reached.

// lanRetry is how often the counter tries to join the office network
// while it cannot yet, and reads the unit's roster again once it has.
var lanRetry = 20 * time.Second

// runLAN runs the counter's node until ctx ends.
func (c *Counter) runLAN(ctx context.Context) {
	var node *lan.Node
	defer func() {
		if node != nil {
			node.Close()
			c.setLAN(nil)
		}
	}()
	for {
		set := c.store.Settings()
		switch {
		case set.LANOff:
		case node == nil:
			node = c.startLAN(ctx)
		default:
			node.Reload() // the roster a sync round brought: a device revoked
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(lanRetry):
		}
	}
}

// startLAN starts the node, or says why it cannot yet (no certificate:
// quietly; anything else in the log).
func (c *Counter) startLAN(ctx context.Context) *lan.Node {
	set := c.store.Settings()
	port := set.LANPort
	if port == 0 {
		port = lan.DefaultPort
	}
	node, err := lan.New(c.store, lan.Config{Addr: fmt.Sprintf(":%d", port), Peers: set.LANPeers, Discover: !set.LANNoDiscover,
		OnChange: c.lanChanged})
	if err == nil {
		err = node.Start(ctx)
	}
	if err != nil {
		if !errors.Is(err, lan.ErrNotReady) {
			slog.Warn("office network: not started", "err", err)
		}
		return nil
	}
	c.setLAN(node)
	return node
}

func (c *Counter) setLAN(n *lan.Node) {
	c.mu.Lock()
	c.lan = n
	c.mu.Unlock()
}

// lanChanged follows events from a peer: the engine's listeners (the
// status bar, the lists) hear of it as after a pull.
func (c *Counter) lanChanged() {
	c.mu.Lock()
	f := c.onLAN
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

// OnLANChange sets what runs after events from another counter arrived
// (on the node's goroutine).
func (c *Counter) OnLANChange(f func()) {
	c.mu.Lock()
	c.onLAN = f
	c.mu.Unlock()
}

// LANStatus is the office network as the status bar shows it: on says the
// counter is on it; peers counts the counters reached lately.
func (c *Counter) LANStatus() (peers int, on bool) {
	c.mu.Lock()
	n := c.lan
	c.mu.Unlock()
	if n == nil {
		return 0, false
	}
	return n.Reachable(c.now()), true
}

// LANPeers lists the peers known, for the sync screen.
func (c *Counter) LANPeers() []lan.PeerStatus {
	c.mu.Lock()
	n := c.lan
	c.mu.Unlock()
	if n == nil {
		return nil
	}
	return n.Peers()
}

// LANHave is what the counter holds of each device's events.
func (c *Counter) LANHave() (map[string]uint64, error) { return c.store.LANHave() }

// Reach is where a record has got to: this counter has it; Province says
// whether the province's backend has its last event (ReachUnknown for an
// event another counter made and sends itself); With and Without are the
// other counters (by number) on the office network that have it or not
// yet, as each last said.
type Reach struct {
	Province      ProvinceReach
	With, Without []int
}

// ProvinceReach is whether the province has an event.
type ProvinceReach int

// The province has it, has not, or this counter cannot tell.
const (
	ReachYes ProvinceReach = iota
	ReachNo
	ReachUnknown
)

// RecordReach says where a record has got to (its last event).
func (c *Counter) RecordReach(r *dossier.Record) Reach {
	if len(r.History) == 0 {
		return Reach{}
	}
	er := c.store.Reach(r.LastEventID())
	out := Reach{Province: ReachYes}
	switch {
	case er.Own && er.Pending:
		out.Province = ReachNo
	case er.Known && !er.Own:
		out.Province = ReachUnknown
	}
	if !er.Known {
		return out // it came from the backend: every counter gets it there
	}
	for _, p := range c.LANPeers() {
		switch {
		case p.Counter == 0 || p.Has == nil:
		case p.DeviceID == er.Origin || p.Has(er.Origin, er.Seq):
			out.With = append(out.With, p.Counter)
		default:
			out.Without = append(out.Without, p.Counter)
		}
	}
	return out
}
