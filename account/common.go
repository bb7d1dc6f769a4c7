package account

// common are passwords people choose most, refused whatever their length
// (compared in lower case). The international ones are from the lists of
// leaked passwords most often published (NordPass, SplashData); the
// Vietnamese ones are words and patterns any guesser tries first.
var common = map[string]bool{}

func init() {
	for _, p := range []string{
		"12345678", "123456789", "1234567890", "12345678910", "87654321", "11111111", "00000000", "88888888",
		"66666666", "99999999", "22222222", "12341234", "11223344", "1q2w3e4r", "1qaz2wsx", "qwertyui",
		"qwerty123", "qwertyuiop", "password", "password1", "password123", "passw0rd", "p@ssw0rd", "p@ssword",
		"abc12345", "abcd1234", "a1234567", "iloveyou", "sunshine", "princess", "football", "baseball",
		"welcome1", "admin123", "administrator", "admin@123", "letmein1", "trustno1", "zaq12wsx", "asdfghjk",
		"asdf1234", "zxcvbnm1", "zxcvbnm123", "123123123", "123qweasd", "q1w2e3r4", "1234qwer", "qwer1234",
		"matkhau", "matkhau1", "matkhau123", "matkhau@123", "anhyeuem", "emyeuanh", "vietnam1", "vietnam123",
		"motcua123", "motcua@123", "tiepnhan", "tiepnhan1", "hanoi123", "saigon123", "hue12345", "cantho123",
		"12345679", "147258369", "123654789", "159753456", "147852369", "123456aa", "123456ab", "aa123456",
		"thanhpho", "phuongxa", "ubndphuong", "ubnd1234", "ubnd@123", "vanthu123", "xinchao1", "xinchao123",
	} {
		common[p] = true
	}
}
