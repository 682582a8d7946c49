package rag

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gemba-ai/gemba/internal/vocab"
)

// analyzerVersion names the analysis rules; with the vocabulary's
// fingerprint it is stored beside every chunk (chunks.analyzer), so that
// chunks analysed by older rules or another vocabulary are found and redone
// by `gemba rag reembed` (and by re-ingesting their files).
const analyzerVersion = "a3"

// analyzer turns text into search terms with one vocabulary.
type analyzer struct {
	v       *vocab.Vocabulary
	version string
	// concepts holds each concept's search terms: its stemmed id and those
	// of its broader concepts.
	concepts map[*vocab.Concept][]string
}

func newAnalyzer(v *vocab.Vocabulary) *analyzer {
	a := &analyzer{v: v, version: analyzerVersion + "." + v.Fingerprint(), concepts: map[*vocab.Concept][]string{}}
	for _, c := range v.Concepts() {
		ts := []string{stem(c.ID)}
		for _, b := range c.Broader {
			ts = append(ts, stem(b))
		}
		a.concepts[c] = ts
	}
	return a
}

var defaultAnalyzer = sync.OnceValue(func() *analyzer { return newAnalyzer(vocab.Default()) })

// term is one analysed unit.
type term struct {
	text string
	// hangul: a Korean stem or bigram outside the vocabulary.
	hangul bool
	// bigram: a syllable bigram of a Korean stem (fuzzy matching of
	// compounds and inflections the stem misses).
	bigram bool
	// concept: a vocabulary concept's term.
	concept bool
	// added: a concept term added beside the words that named it (an
	// English synonym's concept, a broader concept).
	added bool
	// ko: the term comes from Korean text.
	ko   bool
	word string
	// src numbers the word of the text the term comes from: a joined
	// identifier and its parts (press3, press), a word and its concept
	// share it, so they are not taken for two independent words.
	src int
}

// analyze splits text into search terms with the default vocabulary.
func analyze(text string) []term { return defaultAnalyzer().analyze(text) }

// analyze splits text into search terms. Asset names are normalised first
// (프레스 3호기 → press-3). Latin words are lower-cased, stop-word filtered
// and stemmed; hyphenated identifiers such as press-1 or INC-2024-031 also
// yield their joined form (press1). Korean words are split into vocabulary
// terms and stems, particles and endings dropped; stems of three or more
// syllables add their syllable bigrams. Every vocabulary term, English or
// Korean, adds its concept's terms, so the two languages share them.
func (a *analyzer) analyze(text string) []term {
	text = a.v.NormalizeAssets(text)
	out := make([]term, 0, len(text)/4)
	// English words waiting for phrase lookup ("differential pressure"),
	// with the position in out after each word's own terms.
	type pending struct {
		w   string
		at  int
		src int
	}
	var pend []pending
	type insertion struct {
		at int
		t  term
	}
	var ins []insertion
	words := make([]string, 0, 8)
	flush := func() {
		for i := 0; i < len(pend); {
			words = words[:0]
			for k := i; k < len(pend) && len(words) < 6; k++ {
				words = append(words, pend[k].w)
			}
			c, n := a.v.LookupEnglish(words)
			if c == nil {
				i++
				continue
			}
			at := pend[i+n-1].at
			for _, ct := range a.concepts[c] {
				if n == 1 && at > 0 && out[at-1].text == ct {
					// bearing is already bear: the word itself is the concept's
					// term, weighed as such in both languages.
					out[at-1].concept = true
					continue
				}
				ins = append(ins, insertion{at, term{text: ct, concept: true, added: true, word: pend[i].w, src: pend[i].src}})
			}
			i += n
		}
		pend = pend[:0]
	}
	lastAlpha := "" // the previous Latin word when purely alphabetic
	src := 0        // the number of the current word
	mark := func(from int) {
		for k := from; k < len(out); k++ {
			out[k].src = src
		}
		src++
	}
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isHangul(r):
			flush()
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isHangul(r2) {
					break
				}
				j += s2
			}
			out = a.appendHangul(out, text[i:j], &src)
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
				out = append(out, term{text: lastAlpha + w, word: lastAlpha + w, src: src - 1})
			}
			from := len(out)
			out = appendLatin(out, w)
			lw := strings.ToLower(w)
			for _, p := range strings.FieldsFunc(lw, func(r rune) bool { return r == '-' || r == '_' }) {
				pend = append(pend, pending{p, len(out), src})
			}
			mark(from)
			lastAlpha = ""
			if isASCIIWord(lw) && !stopwords[lw] {
				lastAlpha = lw
			}
			i = j
		case r == ' ' || r == '\t' || r == '/' || r == '-':
			// English phrases run across these ("lock out", "lockout/tagout").
			i += size
		default:
			flush()
			i += size
		}
	}
	flush()
	if len(ins) == 0 {
		return out
	}
	merged := make([]term, 0, len(out)+len(ins))
	k := 0
	for pos := 0; pos <= len(out); pos++ {
		for k < len(ins) && ins[k].at == pos {
			merged = append(merged, ins[k].t)
			k++
		}
		if pos < len(out) {
			merged = append(merged, out[pos])
		}
	}
	return merged
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

// appendHangul adds the terms of one Korean word: its vocabulary concepts
// and its other stems (with their bigrams when three syllables or longer).
func (a *analyzer) appendHangul(out []term, w string, src *int) []term {
	for _, p := range a.v.SegmentKorean(w) {
		if p.Concept != nil {
			for k, ct := range a.concepts[p.Concept] {
				out = append(out, term{text: ct, concept: true, added: k > 0, ko: true, word: p.Text, src: *src})
			}
			*src++
			continue
		}
		out = append(out, term{text: p.Text, hangul: true, ko: true, word: p.Text, src: *src})
		rs := []rune(p.Text)
		for k := 0; len(rs) >= 3 && k+1 < len(rs); k++ {
			out = append(out, term{text: string(rs[k : k+2]), hangul: true, bigram: true, ko: true, word: p.Text, src: *src})
		}
		*src++
	}
	return out
}

// lexemes returns the space-separated full-text terms of text, the value
// stored in chunks.lex and parsed by to_tsvector('simple', …).
func (a *analyzer) lexemes(text string) string {
	ts := a.analyze(text)
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

// chunkLex is a chunk's stored full-text terms: its document's title,
// asset, failure mode and tags give a short chunk its context.
func (a *analyzer) chunkLex(title, asset, failureMode string, tags []string, heading, content string) string {
	return a.lexemes(title + " " + asset + " " + failureMode + " " + strings.Join(tags, " ") + " " + heading + " " + content)
}

// tsQuery builds an OR query over the distinct terms of q for
// to_tsquery('simple', …), or "" when q has no searchable term. Terms are
// quoted so that no character of the question is read as an operator.
func (a *analyzer) tsQuery(q string) string {
	seen := map[string]bool{}
	var parts []string
	for _, t := range a.analyze(q) {
		if seen[t.text] {
			continue
		}
		seen[t.text] = true
		parts = append(parts, quoteTerm(t.text))
	}
	return strings.Join(parts, " | ")
}

// tsQuery builds the full-text query of q with the default vocabulary.
func tsQuery(q string) string { return defaultAnalyzer().tsQuery(q) }
