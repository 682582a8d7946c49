package vocab

import (
	"strings"
	"unicode/utf8"
)

// Match is one mention of a concept in a text.
type Match struct {
	Concept *Concept
	// Form is the text as written (a Korean form, or the English words).
	Form string
	// Lang is the language of the form: "en" or "ko".
	Lang string
	// Start and End are byte offsets in the text.
	Start, End int
}

// Match finds the concepts a text names, in either language, in order:
// English words and phrases (longest first: "differential pressure" before
// "pressure") and Korean terms inside words (냉각팬이 → 냉각, 팬). Asset
// names are not concepts: see Assets.
func (v *Vocabulary) Match(text string) []Match {
	var out []Match
	type word struct {
		w          string
		start, end int
	}
	var latin []word
	flushLatin := func() {
		for i := 0; i < len(latin); {
			ws := make([]string, 0, v.enMax)
			for k := i; k < len(latin) && k < i+v.enMax; k++ {
				ws = append(ws, latin[k].w)
			}
			c, n := v.LookupEnglish(ws)
			if c == nil {
				i++
				continue
			}
			s, e := latin[i].start, latin[i+n-1].end
			out = append(out, Match{Concept: c, Form: text[s:e], Lang: English, Start: s, End: e})
			i += n
		}
		latin = latin[:0]
	}
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isHangul(r):
			flushLatin()
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isHangul(r2) {
					break
				}
				j += s2
			}
			for _, p := range v.SegmentKorean(text[i:j]) {
				if p.Concept != nil {
					out = append(out, Match{Concept: p.Concept, Form: p.Text, Lang: Korean, Start: i + p.Start, End: i + p.End})
				}
			}
			i = j
		case isLatinOrDigit(r):
			j := i
			for j < len(text) && isLatinOrDigit(rune(text[j])) {
				j++
			}
			latin = append(latin, word{strings.ToLower(text[i:j]), i, j})
			i = j
		case r == ' ' || r == '-' || r == '/' || r == '\t':
			// Phrase separators: "lock out", "on-call", "lockout/tagout".
			i += size
		default:
			flushLatin()
			i += size
		}
	}
	flushLatin()
	return out
}

func isLatinOrDigit(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// Expand returns the words that say what text says in the other language:
// for each concept named in Korean its English name, for each named in
// English its Korean name, and each asset in the other language's form
// (프레스 3호기 ↔ press-3), without repeats. A search adds them to a
// question before embedding it with a provider's model, so that the
// question meets documents written in either language.
func (v *Vocabulary) Expand(text string) string {
	var parts []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	norm := v.NormalizeAssets(text)
	for _, a := range v.Assets(text) {
		if strings.Contains(text, a) {
			add(v.AssetName(a, Korean))
		} else {
			add(a)
		}
	}
	for _, m := range v.Match(norm) {
		if m.Concept.Kind == KindEquipment && m.Concept.Asset != "" && m.Lang == English && strings.Contains(norm[m.Start:], "-") {
			// The type word of an asset id (press in press-3) was named above.
			if e := m.End; e < len(norm) && norm[e] == '-' {
				continue
			}
		}
		if m.Lang == Korean {
			add(m.Concept.Name(English))
		} else {
			add(m.Concept.Name(Korean))
		}
	}
	return strings.Join(parts, " ")
}
