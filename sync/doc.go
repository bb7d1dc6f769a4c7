// Package sync is the counter's sync engine: it sends the outbox to the
// provincial backend and pulls back what happened there, whenever the
// network allows, without ever making the counter wait (docs/protocol.md).
package sync
