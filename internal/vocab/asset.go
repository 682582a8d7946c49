package vocab

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// assetRules find the ways people name an asset: the type word and a
// number in either order, with the Korean counters 호기/번/호 or without.
type assetRules struct {
	// prefix maps a lower-case one-word type form (press, 프레스) to its
	// asset prefix; before holds the forms a bare number may precede (1라인).
	prefix map[string]string
	before map[string]bool
	// aliases are the plant's own names for assets, lower-case, longest first.
	aliases []alias
}

type alias struct{ name, asset string }

// counters are the Korean words that number machines, longest first; units
// are what a number followed by them means instead (3대 is three machines,
// not no. 3).
var counters = []string{"호기", "번기", "번", "호"}

var (
	hangulUnits = "대개시일분초년월주차회째명도단"
	latinUnits  = map[string]bool{"bar": true, "mm": true, "a": true, "hz": true, "rpm": true, "spm": true, "kw": true, "v": true,
		"h": true, "hr": true, "hrs": true, "hours": true, "min": true, "s": true, "c": true, "days": true, "day": true, "µm": true, "um": true,
		"psi": true, "kg": true, "m": true, "l": true, "bpm": true, "percent": true, "times": true, "x": true,
		"week": true, "weeks": true, "month": true, "months": true, "mins": true, "minutes": true, "hour": true, "secs": true}
	joiners = []string{",", "/", "&", "및", "와", "과", "이랑", "랑", "하고", "and", "or"}
)

func buildAssetRules(v *Vocabulary) assetRules {
	r := assetRules{prefix: map[string]string{}, before: map[string]bool{}}
	for _, c := range v.concepts {
		if c.Asset == "" {
			continue
		}
		for _, f := range append(append([]string(nil), c.EN...), c.KO...) {
			if !strings.ContainsRune(f, ' ') {
				r.prefix[strings.ToLower(f)] = c.Asset
			}
		}
		if c.NumberBefore {
			for _, f := range c.KO {
				r.before[f] = true
			}
		}
	}
	return r
}

type span struct {
	start, end int
	repl       string
}

// NormalizeAssets rewrites every way of naming an asset in text to the
// asset's id: "프레스 3호기", "3호기 프레스", "3번 프레스", "프레스-3",
// "press #3" → "press-3"; "1라인", "라인 1", "line 1" → "line-1";
// "프레스 2호기랑 3호기" → "press-2 press-3"; and the plant's own aliases
// (WithAliases). Numbers that are quantities ("프레스 3대", "pump 3 bar",
// "press 3.4") are left alone. It scans for numbers and looks at the words
// around each, so text without digits costs one pass.
func (v *Vocabulary) NormalizeAssets(text string) string {
	r := &v.assets
	var spans []span
	if len(r.aliases) > 0 {
		spans = r.aliasSpans(text)
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < '0' || c > '9' {
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if j-i <= 3 && !digitBefore(text, i) {
			if sp, ok := r.typeFirst(text, i, j); ok {
				spans = append(spans, sp)
			} else if sp, ok := r.numberFirst(text, i, j); ok {
				spans = append(spans, sp)
			}
		}
		i = j
	}
	if len(spans) == 0 {
		return text
	}
	sort.SliceStable(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, sp := range spans {
		if sp.start < last {
			continue // overlaps an earlier, longer match
		}
		b.WriteString(text[last:sp.start])
		b.WriteString(sp.repl)
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String()
}

func (r *assetRules) aliasSpans(text string) []span {
	var spans []span
	lower := strings.ToLower(text)
	if len(lower) != len(text) {
		return nil // case folding changed byte offsets; aliases are matched as written
	}
	for _, a := range r.aliases {
		for from := 0; ; {
			i := strings.Index(lower[from:], a.name)
			if i < 0 {
				break
			}
			s, e := from+i, from+i+len(a.name)
			if boundaryBefore(text, s) && boundaryAfterName(text, e) {
				spans = append(spans, span{s, e, a.asset})
			}
			from = e
		}
	}
	return spans
}

// digitBefore: the digits at i continue a number (2.3, 1,450) or a word (a3).
func digitBefore(text string, i int) bool {
	if i == 0 {
		return false
	}
	p := text[i-1]
	if p == '.' || p == ',' {
		return i >= 2 && text[i-2] >= '0' && text[i-2] <= '9'
	}
	return p >= '0' && p <= '9'
}

// typeFirst matches "<type>[ -#_][no.]<n>[counter]" ending in the digits
// text[ds:de]: press-3, 프레스 3호기, CNC4호기, press no. 3, 라인 1.
func (r *assetRules) typeFirst(text string, ds, de int) (span, bool) {
	skipBack := func(k int, set string) int {
		for k > 0 && strings.IndexByte(set, text[k-1]) >= 0 {
			k--
		}
		return k
	}
	k := skipBack(ds, " \t-#_")
	// "press no. 3", "pump No 2"
	for _, no := range []string{"no.", "no"} {
		if k >= len(no)+1 && strings.EqualFold(text[k-len(no):k], no) && !unicode.IsLetter(rune(text[k-len(no)-1])) {
			k = skipBack(k-len(no), " \t")
			break
		}
	}
	ws := wordStart(text, k)
	if ws == k {
		return span{}, false
	}
	p, ok := r.prefix[strings.ToLower(text[ws:k])]
	if !ok || !boundaryBefore(text, ws) {
		return span{}, false
	}
	e, counted := counterAfter(text, de)
	if !counted && !quantityFree(text, de) {
		return span{}, false
	}
	ids := []string{p + "-" + text[ds:de]}
	if n2s, n2e, end, ok := r.rangeAfter(text, de, p); ok {
		// "cnc 1~4호기", "press 1-3", "cnc-1 to cnc-4": every machine of
		// the range.
		n1, _ := strconv.Atoi(text[ds:de])
		n2, _ := strconv.Atoi(text[n2s:n2e])
		if n2 > n1 && n2-n1 <= 12 {
			for n := n1 + 1; n <= n2; n++ {
				ids = append(ids, p+"-"+strconv.Itoa(n))
			}
			return span{ws, end, strings.Join(ids, " ")}, true
		}
	}
	if counted {
		// "프레스 2호기랑 3호기": the type carries over to later numbers.
		for {
			n1, n2, end, ok := coordAfter(text, e)
			if !ok {
				break
			}
			ids = append(ids, p+"-"+text[n1:n2])
			e = end
		}
	}
	return span{ws, e, strings.Join(ids, " ")}, true
}

// rangeMarkers join the two ends of a range of machine numbers.
var rangeMarkers = []string{"~", "–", "-", "through", "thru", "to"}

// rangeAfter matches "<marker> [<type>[ -#_]]<n2>[counter]" at i, the type
// (if repeated) of prefix p: the end of a range "1~4호기", "1-3", "1 to
// cnc-4". It returns where n2's digits are and where the match ends.
func (r *assetRules) rangeAfter(text string, i int, p string) (n2s, n2e, end int, ok bool) {
	skip := func(k int, set string) int {
		for k < len(text) && strings.IndexByte(set, text[k]) >= 0 {
			k++
		}
		return k
	}
	k := skip(i, " \t")
	m := ""
	for _, mk := range rangeMarkers {
		if len(text)-k >= len(mk) && strings.EqualFold(text[k:k+len(mk)], mk) {
			m = mk
			break
		}
	}
	if m == "" || unicode.IsLetter(rune(m[0])) && (k+len(m) >= len(text) || text[k+len(m)] != ' ') {
		return 0, 0, 0, false
	}
	k = skip(k+len(m), " \t")
	if we := wordEnd(text, k); we > k {
		// the type said again: "cnc-1 to cnc-4"
		if q, found := r.prefix[strings.ToLower(text[k:we])]; !found || q != p {
			return 0, 0, 0, false
		}
		k = skip(we, " \t-#_")
	}
	n2s = k
	for k < len(text) && text[k] >= '0' && text[k] <= '9' {
		k++
	}
	if k == n2s || k-n2s > 3 {
		return 0, 0, 0, false
	}
	end, counted := counterAfter(text, k)
	if !counted && !quantityFree(text, k) {
		return 0, 0, 0, false
	}
	return n2s, k, end, true
}

// numberFirst matches "<n><counter> <type>" (3호기 프레스, 3번 프레스) and,
// for forms that allow it, "<n>[번]<type>" (1라인, 3번 라인, 제3라인).
func (r *assetRules) numberFirst(text string, ds, de int) (span, bool) {
	start := ds
	if ds >= len("제") && text[ds-len("제"):ds] == "제" {
		start = ds - len("제")
	}
	if !boundaryBefore(text, start) {
		return span{}, false
	}
	e, counted := counterAfter(text, de)
	for e < len(text) && (text[e] == ' ' || text[e] == '\t') {
		e++
	}
	we := wordEnd(text, e)
	if we == e {
		return span{}, false
	}
	form, p, ok := r.formPrefixing(text[e:we])
	if !ok || !counted && !r.before[form] || !boundaryAfterName(text, e+len(form)) {
		return span{}, false
	}
	return span{start, e + len(form), p + "-" + text[ds:de]}, true
}

// formPrefixing finds the type form a word is or starts with when the rest
// of it is a short Korean particle (프레스가, 라인에서).
func (r *assetRules) formPrefixing(word string) (form, prefix string, ok bool) {
	if p, ok := r.prefix[strings.ToLower(word)]; ok {
		return word, p, true
	}
	for i := len(word) - 1; i > 0; i-- {
		if !utf8.RuneStart(word[i]) {
			continue
		}
		if p, ok := r.prefix[strings.ToLower(word[:i])]; ok && isHangulWord(word[i:]) && utf8.RuneCountInString(word[i:]) <= 3 {
			return word[:i], p, true
		}
	}
	return "", "", false
}

// counterAfter skips spaces and a Korean counter after a number; it returns
// where the match ends and whether a counter was there.
func counterAfter(text string, i int) (int, bool) {
	k := i
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	for _, c := range counters {
		if strings.HasPrefix(text[k:], c) {
			return k + len(c), true
		}
	}
	return i, false
}

// coordAfter matches "<joiner> <n><counter>" at i (랑 3호기, and 3번).
func coordAfter(text string, i int) (n1, n2, end int, ok bool) {
	k := i
	for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
		k++
	}
	j := -1
	for _, jn := range joiners {
		if len(text)-k >= len(jn) && strings.EqualFold(text[k:k+len(jn)], jn) {
			j = k + len(jn)
			break
		}
	}
	if j < 0 {
		return 0, 0, 0, false
	}
	for j < len(text) && (text[j] == ' ' || text[j] == '\t' || text[j] == '#') {
		j++
	}
	n1 = j
	for j < len(text) && text[j] >= '0' && text[j] <= '9' {
		j++
	}
	if j == n1 || j-n1 > 3 {
		return 0, 0, 0, false
	}
	e, counted := counterAfter(text, j)
	if !counted {
		return 0, 0, 0, false
	}
	return n1, j, e, true
}

// wordStart returns where the run of letters ending at i begins.
func wordStart(text string, i int) int {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if !unicode.IsLetter(r) {
			break
		}
		i -= size
	}
	return i
}

// wordEnd returns where the run of letters starting at i ends.
func wordEnd(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			break
		}
		i += size
	}
	return i
}

// boundaryBefore: an asset name starts a word (no letter or digit of any
// script right before it).
func boundaryBefore(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// boundaryAfterName: a type word or alias ends a Latin word (프레스는 is
// fine, pressure is not press).
func boundaryAfterName(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
}

// quantityFree says the number ending at i is not a quantity: no decimal
// part or digit group follows, nor a Korean count word or a unit.
func quantityFree(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	r, size := utf8.DecodeRuneInString(text[i:])
	switch {
	case r == '.' || r == ',':
		if i+size < len(text) && text[i+size] >= '0' && text[i+size] <= '9' {
			return false
		}
		return true
	case r < utf8.RuneSelf && unicode.IsLetter(r):
		return false // 3rd, 3a
	case strings.ContainsRune(hangulUnits, r):
		return false
	case r == '%' || r == '°' || r == 'µ':
		return false
	}
	rest := strings.TrimLeft(text[i:], " \t")
	w := rest
	if j := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) && r != 'µ' }); j >= 0 {
		w = rest[:j]
	}
	return !latinUnits[strings.ToLower(w)] && !strings.HasPrefix(rest, "°") && !strings.HasPrefix(rest, "%")
}

// Assets returns the asset ids named in text, in order of first mention.
func (v *Vocabulary) Assets(text string) []string {
	norm := v.NormalizeAssets(text)
	var out []string
	seen := map[string]bool{}
	for _, m := range assetIDInText.FindAllStringSubmatch(norm, -1) {
		if !v.knownPrefix(m[1]) || seen[m[0]] {
			continue
		}
		seen[m[0]] = true
		out = append(out, m[0])
	}
	for _, a := range v.assets.aliases {
		if strings.Contains(norm, a.asset) && !seen[a.asset] {
			seen[a.asset] = true
			out = append(out, a.asset)
		}
	}
	return out
}

var assetIDInText = regexp.MustCompile(`(?i)\b([a-z]+)-(\d{1,3})\b`)

func (v *Vocabulary) knownPrefix(p string) bool {
	for _, c := range v.concepts {
		if c.Asset == strings.ToLower(p) {
			return true
		}
	}
	return false
}

// AssetName is how an asset id is said in lang: "press-3" is "프레스 3호기"
// in Korean, "line-1" is "1라인"; English and unknown ids stay as they are.
func (v *Vocabulary) AssetName(id, lang string) string {
	if lang != Korean {
		return id
	}
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return id
	}
	p, num := id[:i], id[i+1:]
	for _, c := range v.concepts {
		if c.Asset != p || len(c.KO) == 0 {
			continue
		}
		if c.NumberBefore {
			return num + c.KO[0]
		}
		return c.KO[0] + " " + num + "호기"
	}
	return id
}

// WithAliases returns a copy of v that also knows the plant's own names for
// its assets (alias → asset id, e.g. "메인 프레스" → "press-3", "2번 충전기"
// → "filler-2"), as a plant registry or model file lists them. Aliases are
// matched case-insensitively as whole words, before the numbering rules.
func (v *Vocabulary) WithAliases(aliases map[string]string) (*Vocabulary, error) {
	cp := *v
	cp.assets.aliases = append([]alias(nil), v.assets.aliases...)
	var keys []string
	for k := range aliases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, asset := strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(aliases[k])
		if name == "" || asset == "" || strings.ContainsAny(asset, " \t\n") {
			return nil, fmt.Errorf("vocab: alias %q → %q: need a name and an asset id without spaces", k, aliases[k])
		}
		cp.assets.aliases = append(cp.assets.aliases, alias{name, asset})
		cp.fingerprint = shortHash(cp.fingerprint + "\x00" + name + "\x00" + asset)
	}
	sort.SliceStable(cp.assets.aliases, func(i, j int) bool { return len(cp.assets.aliases[i].name) > len(cp.assets.aliases[j].name) })
	return &cp, nil
}

// LoadAliases reads a YAML map of asset aliases (alias: asset-id) for
// WithAliases.
func LoadAliases(r io.Reader) (map[string]string, error) {
	var m map[string]string
	if err := yaml.NewDecoder(r).Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("vocab: aliases: %w", err)
	}
	return m, nil
}
