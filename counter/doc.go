// Package counter is what a person can do at a one-stop counter, in one
// place for both front ends: the Fyne window (package app) and motcuactl
// call its methods and nothing below it, so a rule added here holds in both.
//
//	app, cmd/motcuactl  ─┐
//	                     ▼
//	                  counter  (this package: use cases, wording of errors)
//	                     │
//	      ┌──────────────┼─────────────┬──────────┐
//	      ▼              ▼             ▼          ▼
//	   storage         forms          sync     assets
//	      └──────────► dossier ◄───────┘
//
// A Counter is one counter's data: the local store opened with the shipped
// reference data, and, when asked, its sync engine. It opens the store
// (Open, OpenReading, OpenPrinting), takes files in (Intake), applies each
// action of a record's life (NewEvent, Apply), prints or reprints a form
// with its audit line in one call (PrintForm, PrintLedger), searches
// (Page, Count), sums up its state the same way for the status bar and
// motcuactl status (Status), and keeps its settings, reference data,
// backups, verification, export and sync.
//
// Errors keep their types (storage, dossier and sync errors, and the
// sentinels here); Explain turns any of them into a sentence in the
// language in force (SetLanguage), from the same translation files the
// window uses.
package counter
