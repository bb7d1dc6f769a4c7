package dossier

import (
	"os"
	"testing"
)

// The shipped catalogue: every entry says where its code, title, time and
// fee were checked; the codes an audit found pointing at other procedures
// are gone; the fee exemptions of Luật Hộ tịch Article 11 and the 15:00
// rule of marriage are in.
func TestShippedCatalog(t *testing.T) {
	data, err := os.ReadFile("../assets/data/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := ParseCatalog(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cat.Procedures {
		if len(p.Source) < 20 {
			t.Errorf("%s %s: no source", p.Code, p.Name)
		}
	}
	// codes that belong to other procedures, or that no source knows
	for _, code := range []string{"1.004772", "1.004888", "1.001758", "2.000927", "2.001016", "2.000644", "2.000629", "1.000489"} {
		if p, ok := cat.Lookup(code); ok {
			t.Errorf("%s (%s) is still in the catalogue", code, p.Name)
		}
	}
	want := map[string]string{
		"1.004746": "Đăng ký lại kết hôn",
		"1.000689": "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con",
		"1.005461": "Đăng ký lại khai tử",
		"1.001731": "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
		"2.000913": "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
		"1.001612": "Đăng ký thành lập hộ kinh doanh",
		"2.000720": "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
		"2.000908": "Cấp bản sao từ sổ gốc",
	}
	for code, name := range want {
		if p, ok := cat.Lookup(code); !ok || p.Name != name {
			t.Errorf("%s: %q, want %q", code, p.Name, name)
		}
	}
	for _, code := range []string{"1.001193", "1.000894", "1.000656", "1.004837"} {
		if p, _ := cat.Lookup(code); p.Fee.Kind != FeeFree {
			t.Errorf("%s %s: fee %s, free under Luật Hộ tịch Art. 11", code, p.Name, p.Fee.Kind)
		}
	}
	if p, _ := cat.Lookup("1.000894"); !p.Cutoff15 {
		t.Error("marriage: the 15:00 rule applies")
	}
}

// The procedure box picks the best match: a name that starts with the
// query or contains it outranks a match through the field (the audit's
// "đăng ký hộ kinh doanh" chose the change procedure before).
func TestCatalogRanking(t *testing.T) {
	data, _ := os.ReadFile("../assets/data/catalog.json")
	cat, err := ParseCatalog(data)
	if err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]string{
		"thanh lap ho kinh doanh": "1.001612",
		"dang ky ho kinh doanh":   "1.001612",
		"khai sinh":               "1.001193",
		"ket hon":                 "1.000894",
		"lai ket hon":             "1.004746",
		"chung thuc ban sao":      "2.000815",
		"2.000884":                "2.000884",
		"1.0048":                  "1.004837",
		"giam ho":                 "1.004837",
		"mai tang":                "1.001731",
	} {
		got := cat.Search(query)
		if len(got) == 0 || got[0].Code != want {
			first := ""
			if len(got) > 0 {
				first = got[0].Code + " " + got[0].Name
			}
			t.Errorf("%q: first %s, want %s", query, first, want)
		}
	}
	// "hộ kinh doanh" alone matches establishment and closure alike (one
	// qualifier each): the counter's use decides, and the change of
	// registration (more words) never comes first
	if got := cat.Rank("ho kinh doanh", map[string]int{"1.001612": 9, "1.001266": 2}); got[0].Code != "1.001612" || got[len(got)-1].Code == "1.001612" {
		t.Errorf("ho kinh doanh: %s first", got[0].Code)
	}
	if got := cat.Rank("ho kinh doanh", nil); got[0].Code == "2.000720" {
		t.Error("ho kinh doanh: the change of registration first")
	}
	// an empty box lists the counter's most used first
	usage := map[string]int{"2.000884": 40, "1.001193": 25}
	all := cat.Rank("", usage)
	if len(all) != len(cat.Procedures) || all[0].Code != "2.000884" || all[1].Code != "1.001193" {
		t.Fatalf("most used first: %s, %s", all[0].Code, all[1].Code)
	}
}
