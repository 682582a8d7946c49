package rag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file turns text into the terms both retrieval legs use: the full-text
// lexemes stored in chunks.lex and the features the local embedder hashes.
// Doing it in Go (not in a text-search configuration) keeps Korean usable:
// PostgreSQL's 'simple' parser keeps "베어링의" and "베어링을" apart and
// knows no Korean at all. The bilingual vocabulary (internal/vocab) does the
// language work: asset names are normalised (프레스 3호기 → press-3), Korean
// words are split into vocabulary terms and stems with particles and endings
// dropped, and every vocabulary term of either language becomes its concept's
// language-neutral term, so 베어링 and bearing, 막혀서 and clogged meet.

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
	"happen": true, "happened": true, "happens": true, "happening": true,
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
