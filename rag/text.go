package rag

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file turns text into the terms both retrieval legs use: the full-text
// lexemes stored in chunks.lex and the features the local embedder hashes.
// Doing it in Go (not in a text-search configuration) keeps Korean usable:
// PostgreSQL's 'simple' parser keeps "베어링의" and "베어링을" apart, while
// syllable bigrams match across particles.

// stopwords are English function words and plant-generic filler that carry
// no retrieval signal.
var stopwords = map[string]bool{
	"a": true, "an": true, "the": true, "and": true, "or": true, "of": true, "to": true, "in": true,
	"on": true, "at": true, "for": true, "with": true, "by": true, "from": true, "is": true, "are": true,
	"was": true, "were": true, "be": true, "been": true, "it": true, "its": true, "this": true, "that": true,
	"as": true, "we": true, "our": true, "after": true, "before": true, "into": true, "than": true,
	"then": true, "there": true, "what": true, "which": true, "when": true, "why": true, "how": true,
	"do": true, "does": true, "did": true, "has": true, "have": true, "had": true,
	"any": true, "all": true, "can": true, "could": true, "should": true, "would": true, "will": true,
	"about": true, "over": true, "under": true, "up": true, "out": true, "so": true, "if": true,
	"i": true, "you": true, "they": true, "he": true, "she": true, "them": true, "these": true, "those": true,
	"per": true, "via": true, "also": true, "but": true, "again": true, "some": true, "more": true,
	"past": true, "similar": true, "any.": true, "me": true, "my": true, "show": true, "find": true,
}

// hangulParticles are trailing Korean particles and endings stripped to get
// a word's stem (longest first).
var hangulParticles = []string{
	"에서는", "으로는", "에서", "으로", "에는", "까지", "부터", "처럼", "하고",
	"을", "를", "이", "가", "은", "는", "의", "에", "로", "와", "과", "도", "만",
}

// glossary maps Korean plant terms to the English concept term they share,
// so that a Korean question finds an English incident and vice versa. Keys
// match anywhere inside a Hangul word; values are English words, stemmed at
// use.
var glossary = map[string]string{
	"베어링": "bearing", "진동": "vibration", "필터": "filter", "막힘": "clog", "막혀": "clog", "막혔": "clog",
	"압력": "pressure", "벨트": "belt", "미끄러": "slip", "슬립": "slip", "장력": "tension",
	"과열": "overheat", "온도": "temperature", "모터": "motor", "전류": "current", "프레스": "press",
	"펌프": "pump", "컨베이어": "conveyor", "압축기": "compressor", "컴프레서": "compressor", "충전기": "filler",
	"필러": "filler", "마모": "wear", "윤활": "lubrication", "그리스": "grease", "교체": "replace",
	"점검": "inspection", "냉각": "cooling", "팬": "fan", "소음": "noise", "잠금": "lockout",
	"회전": "speed", "스핀들": "spindle", "정지": "stop", "가동중지": "downtime", "차압": "pressure",
	"누설": "leak", "누유": "leak", "씰": "seal", "정렬": "alignment", "풀리": "pulley", "권선": "winding",
	"절연": "insulation", "유량": "flow", "흡입": "suction", "임펠러": "impeller", "캐비테이션": "cavitation",
}

// stem is a deliberately small English suffix stripper: it folds plural and
// -ing/-ed forms together (rising/rise, clogged/clog, bearings/bearing),
// which is most of what maintenance text needs.
func stem(w string) string {
	if len(w) <= 3 || !isASCIIWord(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	if strings.HasSuffix(w, "ment") && len(w) > 8 {
		w = w[:len(w)-4] // replacement -> replace
	}
	if strings.HasSuffix(w, "ation") && len(w) > 7 {
		return w[:len(w)-3] // vibration, vibrate, vibrating -> vibrat
	}
	for _, suf := range []string{"ing", "ed"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			w = w[:len(w)-len(suf)]
			if n := len(w); n >= 2 && w[n-1] == w[n-2] && w[n-1] != 'l' && w[n-1] != 's' && !isVowel(w[n-1]) {
				w = w[:n-1]
			}
			break
		}
	}
	if strings.HasSuffix(w, "e") && len(w) > 3 {
		w = w[:len(w)-1]
	}
	return w
}

func isVowel(b byte) bool { return strings.IndexByte("aeiou", b) >= 0 }

func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isHangul(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }

func isWordRune(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') ||
		r >= utf8.RuneSelf && !isHangul(r) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// term is one analysed unit: a normalised word or a Hangul fragment.
type term struct {
	text    string
	hangul  bool // a Hangul bigram, stem or syllable
	concept bool // an English concept term from the glossary
	word    string
}

// glossaryKeys are the glossary's keys in a fixed order, so that analysis
// (and therefore every embedding) is deterministic.
var glossaryKeys = func() []string {
	ks := make([]string, 0, len(glossary))
	for k := range glossary {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}()

// analyze splits text into search terms. Latin words are lower-cased,
// stop-word filtered and stemmed; hyphenated identifiers such as press-1 or
// INC-2024-031 also yield their joined form (press1); Hangul words yield
// syllable bigrams, their particle-stripped stem and glossary concepts.
func analyze(text string) []term {
	var out []term
	lastAlpha := "" // the previous Latin word when purely alphabetic
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isHangul(r):
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isHangul(r2) {
					break
				}
				j += s2
			}
			out = appendHangul(out, text[i:j])
			lastAlpha = ""
			i = j
		case isWordRune(r):
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if isWordRune(r2) || (r2 == '-' || r2 == '_') && j+s2 < len(text) && nextIsWord(text[j+s2:]) {
					j += s2
					continue
				}
				break
			}
			w := text[i:j]
			// "press 3" means press-3: join a short number to the word before it.
			if lastAlpha != "" && isDigits(w) && len(w) <= 3 {
				out = append(out, term{text: lastAlpha + w, word: lastAlpha + w})
			}
			out = appendLatin(out, w)
			lastAlpha = ""
			if lw := strings.ToLower(w); isASCIIWord(lw) && !stopwords[lw] {
				lastAlpha = lw
			}
			i = j
		default:
			i += size
		}
	}
	return out
}

func nextIsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

func appendLatin(out []term, w string) []term {
	w = strings.ToLower(w)
	if strings.ContainsAny(w, "-_") {
		parts := strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '_' })
		joined := strings.Join(parts, "")
		out = append(out, term{text: joined, word: joined})
		for _, p := range parts {
			if len(p) >= 2 && !isDigits(p) && !stopwords[p] {
				s := stem(p)
				out = append(out, term{text: s, word: p})
			}
		}
		return out
	}
	if stopwords[w] || len(w) == 1 {
		return out
	}
	return append(out, term{text: stem(w), word: w})
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func appendHangul(out []term, w string) []term {
	rs := []rune(w)
	stemmed := w
	for _, p := range hangulParticles {
		if strings.HasSuffix(w, p) && utf8.RuneCountInString(w)-utf8.RuneCountInString(p) >= 2 {
			stemmed = strings.TrimSuffix(w, p)
			break
		}
	}
	if len(rs) == 1 {
		out = append(out, term{text: w, hangul: true, word: w})
	}
	for k := 0; k+1 < len(rs); k++ {
		out = append(out, term{text: string(rs[k : k+2]), hangul: true, word: w})
	}
	if n := utf8.RuneCountInString(stemmed); n >= 3 {
		out = append(out, term{text: stemmed, hangul: true, word: w})
	}
	for _, k := range glossaryKeys {
		if strings.Contains(w, k) {
			out = append(out, term{text: stem(glossary[k]), word: w, concept: true})
		}
	}
	return out
}

// lexemes returns the space-separated full-text terms of text, the value
// stored in chunks.lex and parsed by to_tsvector('simple', …).
func lexemes(text string) string {
	ts := analyze(text)
	var b strings.Builder
	b.Grow(len(text))
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// tsQuery builds an OR query over the distinct terms of q for
// to_tsquery('simple', …), or "" when q has no searchable term. Terms are
// quoted so that no character of the question is read as an operator.
func tsQuery(q string) string {
	seen := map[string]bool{}
	var parts []string
	for _, t := range analyze(q) {
		if seen[t.text] {
			continue
		}
		seen[t.text] = true
		parts = append(parts, "'"+strings.ReplaceAll(t.text, "'", "''")+"'")
	}
	return strings.Join(parts, " | ")
}
