// Package dossier is the domain of the one-stop counter, with no storage,
// network or UI in it: the record of a citizen's file and the events of its
// life (received, transferred, supplement requested, returned …), the
// national portal's status codes and the transitions allowed between them,
// the catalogue of administrative procedures, the working-day calendar and
// the appointment-date arithmetic, record codes, and the validation of what
// a clerk types (citizen ID numbers, phones, tax codes, the ID card's QR).
//
// Everything here is a pure function of its inputs; time zone is
// Asia/Ho_Chi_Minh (Loc) throughout.
package dossier
