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
