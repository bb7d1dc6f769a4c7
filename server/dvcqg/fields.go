// Package dvcqg reports records and their processing steps to the
// National Public Service Portal (Cổng Dịch vụ công quốc gia, DVCQG), as
// public integrations show its interface: no official specification is
// public (shared/research/dvcqg-integration.md). Every field name, format
// and code lives in this file, so that a province can set them to the
// official document; docs/dvcqg.md lists each with its source and says
// which are unconfirmed.
package dvcqg

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"motcua/dossier"
)

// The services the backend calls (OCPS DVCQGIntegrationActionImpl).
const (
	ServiceSyncRecord = "DongBoHoSoMC"        // a record, created or updated
	ServiceProgress   = "CapNhatTienDoHoSoMC" // processing steps
	ServiceLookup     = "TraCuuHoSo"          // does DVCQG have this record?
)

// DateLayout is every date's format, in Viet Nam's time (UTC+7, no
// daylight saving): yyyyMMddHHmmss.
const DateLayout = "20060102150405"

// Zone is Viet Nam's time.
var Zone = time.FixedZone("ICT", 7*60*60)

// Date writes t as DVCQG reads dates; the zero time is "".
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone).Format(DateLayout)
}

// ParseDate reads a DVCQG date.
func ParseDate(s string) (time.Time, error) { return time.ParseInLocation(DateLayout, s, Zone) }

// Length limits integrators cut to (TD), taken as DVCQG's column sizes
// (unconfirmed).
const (
	maxSummary = 1000 // TrichYeuHoSo
	maxActor   = 50   // NguoiXuLy
)

// Record is one record as DongBoHoSoMC takes it: every value a string.
// The lists DVCQG has for documents, results, fees, other files and
// supplements are sent empty but present (paper files have no download
// link; results, fees and supplements are in the steps).
type Record struct {
	MaHoSo          string     `json:"MaHoSo"`
	MaTTHC          string     `json:"MaTTHC"`
	TenTTHC         string     `json:"TenTTHC"`
	MaLinhVuc       string     `json:"MaLinhVuc"`
	TenLinhVuc      string     `json:"TenLinhVuc"`
	KenhThucHien    string     `json:"KenhThucHien"`
	ChuHoSo         string     `json:"ChuHoSo"`
	SoGiayToChuHoSo string     `json:"SoGiayToChuHoSo"`
	LoaiDoiTuong    string     `json:"LoaiDoiTuong"`
	MaDoiTuong      string     `json:"MaDoiTuong"`
	ThongTinKhac    string     `json:"ThongTinKhac"`
	Email           string     `json:"Email"`
	Fax             string     `json:"Fax"`
	SoDienThoai     string     `json:"SoDienThoai"`
	TrichYeuHoSo    string     `json:"TrichYeuHoSo"`
	NgayTiepNhan    string     `json:"NgayTiepNhan"`
	NgayHenTra      string     `json:"NgayHenTra"`
	TrangThaiHoSo   string     `json:"TrangThaiHoSo"`
	NgayTra         string     `json:"NgayTra"`
	ThongTinTra     string     `json:"ThongTinTra"`
	HinhThuc        string     `json:"HinhThuc"`
	NgayKetThucXuLy string     `json:"NgayKetThucXuLy"`
	DonViXuLy       string     `json:"DonViXuLy"`
	GhiChu          string     `json:"GhiChu"`
	TaiLieuNop      []Document `json:"TaiLieuNop"`
	// sent empty: []
	DanhSachGiayToKetQua   []struct{} `json:"DanhSachGiayToKetQua"`
	DanhSachLePhi          []struct{} `json:"DanhSachLePhi"`
	DanhSachTepDinhKemKhac []struct{} `json:"DanhSachTepDinhKemKhac"`
	DanhSachHoSoBoSung     []struct{} `json:"DanhSachHoSoBoSung"`
}

// Document is an attached file DVCQG fetches by its link.
type Document struct {
	TenTepDinhKem     string `json:"TenTepDinhKem"`
	MaThanhPhanHoSo   string `json:"MaThanhPhanHoSo"`
	TepDinhKemId      string `json:"TepDinhKemId"`
	DuongDanTaiTepTin string `json:"DuongDanTaiTepTin"`
	IsDeleted         string `json:"IsDeleted"`
}

// Step is one processing step as CapNhatTienDoHoSoMC takes it: the nine
// fields both OCPS and TD send.
type Step struct {
	MaHoSo                 string `json:"MaHoSo"`
	NguoiXuLy              string `json:"NguoiXuLy"`
	ChucDanh               string `json:"ChucDanh"`
	ThoiDiemXuLy           string `json:"ThoiDiemXuLy"`
	PhongBanXuLy           string `json:"PhongBanXuLy"`
	NoiDungXuLy            string `json:"NoiDungXuLy"`
	TrangThai              string `json:"TrangThai"`
	NgayBatDau             string `json:"NgayBatDau"`
	NgayKetThucTheoQuyDinh string `json:"NgayKetThucTheoQuyDinh"`
}

// Status is DVCQG's status code for ours: the lists are the same, 1–10.
func Status(s dossier.Status) string { return strconv.Itoa(int(s)) }

// FromRecord is r as DVCQG takes it; unit is the processing unit's name.
func FromRecord(r *dossier.Record, field, unit string) Record {
	owner := r.Owner
	id := owner.IDNumber
	if id == "" {
		id = owner.TaxCode
	}
	summary := r.Summary
	if summary == "" {
		summary = r.ProcedureName
	}
	delivery := "0" // at the counter
	if r.Delivery == dossier.DeliveryPost {
		delivery = "1"
	}
	return Record{
		MaHoSo:          r.Code,
		MaTTHC:          r.ProcedureCode,
		TenTTHC:         r.ProcedureName,
		TenLinhVuc:      field,
		KenhThucHien:    strconv.Itoa(int(r.Channel)),
		ChuHoSo:         owner.Name,
		SoGiayToChuHoSo: id,
		LoaiDoiTuong:    strconv.Itoa(int(owner.Type)),
		Email:           owner.Email,
		SoDienThoai:     owner.Phone,
		TrichYeuHoSo:    cut(summary, maxSummary),
		NgayTiepNhan:    Date(receivedOrFiled(r)),
		NgayHenTra:      Date(r.DueAt),
		TrangThaiHoSo:   Status(r.Status),
		NgayTra:         Date(r.ReturnedAt),
		HinhThuc:        delivery,
		NgayKetThucXuLy: Date(r.FinishedAt),
		DonViXuLy:       unit,
		TaiLieuNop:      []Document{},

		DanhSachGiayToKetQua:   []struct{}{},
		DanhSachLePhi:          []struct{}{},
		DanhSachTepDinhKemKhac: []struct{}{},
		DanhSachHoSoBoSung:     []struct{}{},
	}
}

// Reported says whether an event is a processing step DVCQG hears of:
// notes, corrections (the record is sent again instead), guidance and
// accounts are not.
func Reported(t dossier.EventType) bool {
	switch t {
	case dossier.EvNoteAdded, dossier.EvCorrected, dossier.EvGuided, dossier.EvAccount:
		return false
	}
	return true
}

// StepOf is the step event e makes of a record: after is the record as the
// event left it (the backend's copy when it accepts the event), so the
// step carries the status and the legal deadline in force from then.
func StepOf(e dossier.Event, after *dossier.Record) Step {
	actor := e.ActorName
	if actor == "" {
		actor = e.Actor
	}
	what := e.Type.Label()
	if e.Reason != "" {
		what += ": " + e.Reason
	}
	return Step{
		MaHoSo:                 after.Code,
		NguoiXuLy:              cut(actor, maxActor),
		ThoiDiemXuLy:           Date(e.At),
		NoiDungXuLy:            what,
		TrangThai:              Status(after.Status),
		NgayBatDau:             Date(receivedOrFiled(after)),
		NgayKetThucTheoQuyDinh: Date(after.LegalDue()),
	}
}

// receivedOrFiled is when a record was received; a file filed online and
// not received yet is dated by its filing, when the portal took it
// (NgayTiepNhan is required; unconfirmed what DVCQG expects there before
// receipt: docs/dvcqg.md).
func receivedOrFiled(r *dossier.Record) time.Time {
	if r.ReceivedAt.IsZero() {
		return r.FiledAt
	}
	return r.ReceivedAt
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n]))
}
