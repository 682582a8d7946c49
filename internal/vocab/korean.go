package vocab

import (
	"strings"
	"unicode/utf8"
)

// Piece is one part of a Korean word after segmentation: a vocabulary term
// (Concept set) or a content stem the vocabulary does not know.
type Piece struct {
	// Text is the piece as written: the vocabulary form, or the stem with
	// its particle or ending removed.
	Text string
	// Concept is the vocabulary concept, nil for a stem outside it.
	Concept *Concept
	// Start and End are byte offsets of the piece within the word.
	Start, End int
}

// SegmentKorean splits one Hangul word (어절, no spaces) into vocabulary
// terms and content stems, dropping particles, endings and stopwords:
// "베어링이" → [베어링], "크랭크축베어링" → [크랭크축, 베어링], "막혀서" →
// [막혀], "자동급유는" → [자동, 급유], "어떻게" → [].
//
// Terms are matched longest first from the left. A one-syllable form (팬,
// 축, 녹) counts only at the start of the word or right after another term,
// and only when what follows is a particle, an ending or another term, so
// 팬 is found in 냉각팬 but 상 is not found in 이상. After a term, a
// remainder made only of grammatical syllables (졌어요, 돼요, 해야) is
// inflection and dropped; other remainders keep their stem when it has at
// least two syllables.
func (v *Vocabulary) SegmentKorean(word string) []Piece {
	if v.stop[word] {
		return nil
	}
	rs := []rune(word)
	off := make([]int, len(rs)+1) // byte offset of each rune
	for i, r := range rs {
		off[i+1] = off[i] + utf8.RuneLen(r)
	}
	var out []Piece
	// afterTerm: the remainder being collected starts right after a term.
	afterTerm := false
	resStart := 0
	flush := func(end int, final bool) {
		if resStart >= end {
			return
		}
		res := rs[resStart:end]
		if afterTerm && v.allGrammar(res) {
			return
		}
		s := string(res)
		if final {
			s = v.Stem(s)
		}
		if utf8.RuneCountInString(s) < 2 || v.stop[s] {
			return
		}
		out = append(out, Piece{Text: s, Start: off[resStart], End: off[resStart] + len(s)})
	}
	i := 0
	for i < len(rs) {
		matched := 0
		var c *Concept
		for n := min(v.koMax, len(rs)-i); n >= 1; n-- {
			cc, ok := v.ko[string(rs[i:i+n])]
			if !ok {
				continue
			}
			if n == 1 && !v.singleOK(rs, i, resStart == i && (i == 0 || afterTerm)) {
				continue
			}
			c, matched = cc, n
			break
		}
		if matched == 0 {
			i++
			continue
		}
		flush(i, false)
		out = append(out, Piece{Text: string(rs[i : i+matched]), Concept: c, Start: off[i], End: off[i+matched]})
		i += matched
		resStart = i
		afterTerm = true
	}
	flush(len(rs), true)
	return out
}

// singleOK says whether a one-syllable form at rs[i] counts: it must start
// the word or follow a term (starts), and be followed by nothing, pure
// inflection, or another term.
func (v *Vocabulary) singleOK(rs []rune, i int, starts bool) bool {
	if !starts {
		return false
	}
	rest := rs[i+1:]
	if len(rest) == 0 || v.allGrammar(rest) {
		return true
	}
	for n := min(v.koMax, len(rest)); n >= 2; n-- {
		if _, ok := v.ko[string(rest[:n])]; ok {
			return true
		}
	}
	return false
}

func (v *Vocabulary) allGrammar(rs []rune) bool {
	for _, r := range rs {
		if !v.grammar[r] {
			return false
		}
	}
	return len(rs) > 0
}

// Stem removes one trailing particle or ending from a Korean word, the
// longest that leaves at least two syllables (압력이 → 압력, 올라가요 →
// 올라가, 교체했는데 → 교체); a word with neither is returned as it is.
func (v *Vocabulary) Stem(word string) string {
	n := utf8.RuneCountInString(word)
	best := ""
	for _, list := range [][]string{v.particles, v.endings} {
		for _, s := range list {
			if len(s) > len(best) && strings.HasSuffix(word, s) && n-utf8.RuneCountInString(s) >= 2 {
				best = s
				break // lists are longest first
			}
		}
	}
	return strings.TrimSuffix(word, best)
}

// IsStopword reports whether a Korean word or stem carries no search
// signal (어떻게, 있나요, 좀).
func (v *Vocabulary) IsStopword(word string) bool { return v.stop[word] }
