package plant

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// --- Korean particles ---------------------------------------------------------
//
// A message's Korean text writes a particle that depends on the word before
// it in both forms ("%s은(는)", "%s이(가)"), since the word is filled in
// later. Josa picks the form that word takes: "press-3은" (삼), "cnc-2는"
// (이), "진동이", "압력이".

// josaPairs are the particle placeholders and their forms after a final
// consonant and after a vowel.
var josaPairs = []struct{ both, cons, vowel string }{
	{"은(는)", "은", "는"},
	{"이(가)", "이", "가"},
	{"을(를)", "을", "를"},
	{"과(와)", "과", "와"},
	{"(으)로", "으로", "로"},
}

// Josa replaces every particle placeholder in s by the form that the word
// before it takes; a placeholder with nothing readable before it stays.
func Josa(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	for _, p := range josaPairs {
		parts := strings.Split(s, p.both)
		var b strings.Builder
		b.WriteString(parts[0])
		for _, part := range parts[1:] {
			before := b.String()
			form := p.both
			if cons, ok := endsInConsonant(before); ok {
				switch {
				case p.both == "(으)로" && cons && endsInRieul(before):
					form = "로" // "…일로": ㄹ takes 로
				case cons:
					form = p.cons
				default:
					form = p.vowel
				}
			}
			b.WriteString(form)
			b.WriteString(part)
		}
		s = b.String()
	}
	return s
}

// endsInConsonant says whether the word at the end of s is read with a
// final consonant (받침): a Hangul syllable by its code, a digit by its
// Korean name, a Latin word by how it is said (…m, …n, …l, …ng; a
// capital's name: L 엘, M 엠, N 엔, R 알). ok is false when s ends in
// nothing readable.
func endsInConsonant(s string) (cons, ok bool) {
	s = strings.TrimRight(s, " ")
	r, _ := utf8.DecodeLastRuneInString(s)
	switch {
	case r >= 0xAC00 && r <= 0xD7A3:
		return (r-0xAC00)%28 != 0, true
	case r >= '0' && r <= '9':
		return strings.ContainsRune("013678", r), true // 영 일 삼 육 칠 팔
	case r == '%':
		return false, true // 퍼센트
	case unicode.IsUpper(r) && !unicode.IsLower(prevRune(s)):
		return strings.ContainsRune("LMNR", r), true
	case unicode.IsLetter(r) && r < utf8.RuneSelf:
		l := strings.ToLower(s)
		return strings.HasSuffix(l, "ng") || strings.HasSuffix(l, "m") || strings.HasSuffix(l, "n") || strings.HasSuffix(l, "l"), true
	case r == ')' && hangulBeforeParen(s):
		// "잠금(LOTO)": a gloss after a Korean word; the particle follows
		// the word, as Korean writing has it.
		return endsInConsonant(s[:strings.LastIndex(s, "(")])
	case r == ')' || r == '"' || r == '\'' || r == ']' || r == '」':
		// "RB-005(모터)", "\"필터\"": the word inside.
		return endsInConsonant(strings.TrimRight(s[:len(s)-utf8.RuneLen(r)], ")\"']」"))
	}
	return false, false
}

// endsInRieul says whether the word at the end of s ends in ㄹ (일, 칠,
// 팔, …l): it takes 로, not 으로.
func endsInRieul(s string) bool {
	s = strings.TrimRight(s, " ")
	r, _ := utf8.DecodeLastRuneInString(s)
	switch {
	case r >= 0xAC00 && r <= 0xD7A3:
		return (r-0xAC00)%28 == 8
	case r >= '0' && r <= '9':
		return strings.ContainsRune("178", r)
	}
	return strings.HasSuffix(strings.ToLower(s), "l") || r == 'L' || r == 'R'
}

// hangulBeforeParen says whether the last "(" of s follows a Hangul
// syllable ("잠금(LOTO)").
func hangulBeforeParen(s string) bool {
	i := strings.LastIndex(s, "(")
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r >= 0xAC00 && r <= 0xD7A3
}

// prevRune is the rune before s's last one (0 when there is none).
func prevRune(s string) rune {
	_, n := utf8.DecodeLastRuneInString(s)
	r, _ := utf8.DecodeLastRuneInString(s[:len(s)-n])
	if r == utf8.RuneError {
		return 0
	}
	return r
}
