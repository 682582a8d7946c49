package plant

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Mentions are the things of the plant a text names.
type Mentions struct {
	// Assets, Lines and Series are the known ones, in order of mention.
	Assets, Lines, Series []string
	// Sensors are the sensor kinds named (vibration, power…), known to
	// the plant or not (HasSensor tells).
	Sensors []string
	// Types are equipment types named without a number ("the compressor",
	// "pumps", "프레스"), which the plant has.
	Types []string
	// Unknown are the things named that the plant does not have.
	Unknown []Unknown
	// Corrected are names read as a misspelling of one machine ("pmp-1"
	// as pump-1); that machine is in Assets, and the answer says so.
	Corrected []Correction
}

// Correction is a misspelt machine name and the machine it was read as.
type Correction struct {
	Said, Asset string
}

// misspelt returns the one machine numbered n whose name's word is a
// small misspelling of word ("pmp" of pump, "prss" of press): one edit
// for a word of up to four letters, two for a longer one. The number is
// never corrected (pump-7 is no typo of pump-1), a word of two letters
// is too short to read, and a word two machines fit names neither.
func (p *Plant) misspelt(word, n string) (string, bool) {
	if len(word) < 3 {
		return "", false
	}
	limit := 1
	if len(word) > 4 {
		limit = 2
	}
	var hit string
	for _, a := range p.Assets {
		i := strings.LastIndexByte(a.Name, '-')
		if i <= 0 {
			continue
		}
		prefix, num := a.Name[:i], a.Name[i+1:]
		if num != n || prefix == word {
			continue
		}
		if Distance(word, prefix) <= limit {
			if hit != "" && hit != a.Name {
				return "", false
			}
			hit = a.Name
		}
	}
	return hit, hit != ""
}

// Unknown is a name the plant does not have.
type Unknown struct {
	// Said is the name as the answer should repeat it ("robot-7", "line-4").
	Said string
	// Kind is asset, line, series or type.
	Kind string
	// Closest are the nearest known names (same type, the lines, the
	// asset's other series); empty when nothing is near.
	Closest []string
	// Ambiguous is set when the name fits each of Closest ("P2": press-2
	// and pump-2; "3호기": press-3 and cnc-3): which one is asked back.
	Ambiguous bool `json:"ambiguous,omitempty"`
}

// The kinds of an Unknown.
const (
	UnknownAsset  = "asset"
	UnknownLine   = "line"
	UnknownSeries = "series"
	UnknownType   = "type"
	// UnknownArea is a place of the site no machine or line of the plant
	// is known by ("the warehouse").
	UnknownArea = "area"
)

// Resolve finds the assets, lines, series, sensors and equipment types a
// text names, and the names the plant does not have. It reads English and
// Korean, numbers as digits or words ("press three", "프레스 삼호기"),
// separators and none ("press 3", "press-3", "press #3", "press3",
// "프레스 3호기", "3호기 프레스", "3번 펌프"), lists ("press 2 and 3",
// "프레스 2호기랑 3호기"), line names ("line 1", "1라인", "stamping
// line") and misspellings of the vocabulary ("compressr", "conveyer").
func (p *Plant) Resolve(text string) Mentions {
	var m Mentions
	t := expandRanges(Normalize(text))
	taken := make([]bool, len(t)) // bytes already read as part of a name

	take := func(i, j int) {
		for k := i; k < j && k < len(taken); k++ {
			taken[k] = true
		}
	}
	free := func(i, j int) bool {
		for k := i; k < j && k < len(taken); k++ {
			if taken[k] {
				return false
			}
		}
		return true
	}

	// Series by their exact names: press-3.vibration, line-1.output.
	for _, loc := range seriesNameRe.FindAllStringIndex(t, -1) {
		name := t[loc[0]:loc[1]]
		if _, ok := p.SeriesNamed(name); ok {
			m.Series = appendUnique(m.Series, name)
		} else {
			owner := name[:strings.LastIndexByte(name, '.')]
			var close []string
			for _, s := range p.Series {
				if s.Asset == owner || s.Line == owner {
					close = append(close, s.Name)
				}
			}
			m.Unknown = appendUnknown(m.Unknown, Unknown{Said: name, Kind: UnknownSeries, Closest: close})
		}
		take(loc[0], loc[1])
	}

	// Lines: "line 1", "line-1", "1라인", "라인 1", "1번 라인", aliases.
	for _, re := range lineRes {
		for _, sm := range re.FindAllStringSubmatchIndex(t, -1) {
			if !free(sm[2], sm[3]) {
				continue
			}
			n := t[sm[2]:sm[3]]
			name := "line-" + n
			if _, ok := p.Line(name); ok {
				m.Lines = appendUnique(m.Lines, name)
			} else {
				m.Unknown = appendUnknown(m.Unknown, Unknown{Said: name, Kind: UnknownLine, Closest: p.LineNames()})
			}
			take(sm[0], sm[1])
		}
	}
	// "L1", "ln2": a line's short code, when the plant has that line and
	// no machine the code could also name ("L1" for a lathe-1).
	for _, sm := range shortLineRe.FindAllStringSubmatchIndex(t, -1) {
		if !free(sm[2], sm[3]) {
			continue
		}
		n := t[sm[2]:sm[3]]
		if _, ok := p.Line("line-" + n); !ok {
			continue
		}
		clash := false
		for _, a := range p.Assets {
			clash = clash || strings.HasPrefix(a.Type, "l") && strings.HasSuffix(a.Name, "-"+n)
		}
		if !clash {
			m.Lines = appendUnique(m.Lines, "line-"+n)
			take(sm[0], sm[1])
		}
	}
	for _, l := range p.Lines {
		for _, a := range l.Aliases {
			if loc := aliasIndex(t, strings.ToLower(a)); loc != nil && free(loc[0], loc[1]) {
				m.Lines = appendUnique(m.Lines, l.Name)
				take(loc[0], loc[1])
			}
		}
	}

	// Assets by the plant's own names for them ("800t press", "메인
	// 프레스"), longest first so that a longer name wins over a shorter
	// one inside it; before the type-and-number rules, which would read
	// "press" in "800t press" as a type.
	type named struct{ alias, asset string }
	var aliases []named
	for _, a := range p.Assets {
		names := a.Aliases
		if n := Normalize(a.Name); !plainNameRe.MatchString(n) {
			// A name the type-and-number rules cannot read ("p3-a",
			// "line1_press") is found as it is written.
			names = append([]string{a.Name}, names...)
		}
		for _, al := range names {
			if n := Normalize(al); strings.TrimSpace(n) != "" {
				aliases = append(aliases, named{n, a.Name})
			}
		}
	}
	sort.SliceStable(aliases, func(i, j int) bool { return len(aliases[i].alias) > len(aliases[j].alias) })
	for _, al := range aliases {
		if loc := aliasIndex(t, al.alias); loc != nil && free(loc[0], loc[1]) {
			m.Assets = appendUnique(m.Assets, al.asset)
			take(loc[0], loc[1])
		}
	}

	// Assets: a type word and one or more numbers.
	for _, et := range EquipmentTypes {
		for _, re := range assetRes(et) {
			for _, sm := range re.FindAllStringSubmatchIndex(t, -1) {
				if !free(sm[0], sm[1]) {
					continue
				}
				if countAfterRe.MatchString(t[sm[1]:]) {
					continue // "cnc 4대": four machines, not cnc-4
				}
				if measureAfterRe.MatchString(t[sm[1]:]) {
					continue // "압축기 7.2바": a pressure, not compressor-7
				}
				nums := numbersIn(t[sm[2]:sm[3]])
				for _, n := range nums {
					name := et.Type + "-" + strconv.Itoa(n)
					if _, ok := p.Asset(name); ok {
						m.Assets = appendUnique(m.Assets, name)
						continue
					}
					close := p.AssetsOfType(et.Type)
					m.Unknown = appendUnknown(m.Unknown, Unknown{Said: name, Kind: UnknownAsset, Closest: close})
				}
				take(sm[0], sm[1])
			}
		}
	}
	// "is press 2 hotter than 1?", "2번 프레스가 1번보다 뜨거워?": a bare
	// number a machine is compared with is another machine of its type.
	if len(m.Assets) == 1 {
		if a, ok := p.Asset(m.Assets[0]); ok && a.Type != "" {
			for _, sm := range thanNumberRe.FindAllStringSubmatchIndex(t, -1) {
				g := 2
				if sm[2] >= 0 {
					g = 1
				}
				if !free(sm[2*g], sm[2*g+1]) {
					continue
				}
				name := a.Type + "-" + t[sm[2*g]:sm[2*g+1]]
				if _, ok := p.Asset(name); ok { // "than 50" may be a reading: only a machine the plant has
					m.Assets = appendUnique(m.Assets, name)
					take(sm[0], sm[1])
				}
			}
		}
	}
	// Shop-floor codes: a type's initial and a number ("P3", "p-3", "C2")
	// name the one machine whose type starts with that letter and has that
	// number; a code two machines share ("P2": press-2 and pump-2) names
	// none, and a letter no machine's type starts with is no code.
	// pick takes the one machine a short name fits, or names the several
	// it fits to choose from (text [from, to) is read either way).
	pick := func(hits []string, said string, from, to int) {
		switch {
		case len(hits) == 1:
			m.Assets = appendUnique(m.Assets, hits[0])
			take(from, to)
		case len(hits) > 1:
			m.Unknown = appendUnknown(m.Unknown, Unknown{Said: said, Kind: UnknownAsset, Closest: hits, Ambiguous: true})
			take(from, to)
		}
	}
	for _, sm := range shortCodeRe.FindAllStringSubmatchIndex(t, -1) {
		if !free(sm[0], sm[1]) {
			continue
		}
		letter, n := t[sm[2]:sm[3]], t[sm[4]:sm[5]]
		var hits []string
		for _, a := range p.Assets {
			if a.Type != "" && strings.HasPrefix(a.Type, letter) && strings.HasSuffix(a.Name, "-"+n) {
				hits = append(hits, a.Name)
			}
		}
		// "P2" with press-2 and pump-2: not answered as either; the answer
		// names both to choose from.
		pick(hits, strings.ToUpper(letter)+n, sm[0], sm[1])
	}
	// "3호기" with no type: the machine numbered so when only one is;
	// with several ("press-3", "cnc-3"), none is guessed and the answer
	// names them to choose from.
	for _, sm := range bareUnitRe.FindAllStringSubmatchIndex(t, -1) {
		if !free(sm[0], sm[1]) {
			continue
		}
		n := t[sm[2]:sm[3]]
		var hits []string
		for _, a := range p.Assets {
			if strings.HasSuffix(a.Name, "-"+n) {
				hits = append(hits, a.Name)
			}
		}
		pick(hits, n+"호기", sm[0], sm[1])
	}
	// Assets the plant names "<word>-<n>" with a word no equipment type
	// has ("machine-3" of a CMMS export): read as the type rules read
	// "press 3", "press #3", "press3", "press 2 and 3".
	prefixes := p.namePrefixes()
	for _, prefix := range prefixes {
		for _, sm := range prefixRe(prefix).FindAllStringSubmatchIndex(t, -1) {
			if !free(sm[0], sm[1]) {
				continue
			}
			for _, n := range numbersIn(t[sm[2]:sm[3]]) {
				name := prefix + "-" + strconv.Itoa(n)
				if _, ok := p.Asset(name); ok {
					m.Assets = appendUnique(m.Assets, name)
					continue
				}
				m.Unknown = appendUnknown(m.Unknown, Unknown{Said: name, Kind: UnknownAsset, Closest: nearest(name, p.AssetNames(), 3)})
			}
			take(sm[0], sm[1])
		}
	}
	// A generic word and a number ("machine 3", "unit 12") in a plant
	// whose assets are not named so: a machine it does not have, never
	// the plant as a whole. A time or count after the number ("machine
	// 2 hours ago") is no name.
	for _, w := range genericWords {
		if slices.Contains(prefixes, w) {
			continue
		}
		for _, sm := range prefixRe(w).FindAllStringSubmatchIndex(t, -1) {
			if !free(sm[0], sm[1]) || unitAfterRe.MatchString(t[sm[1]:]) {
				continue
			}
			for _, n := range numbersIn(t[sm[2]:sm[3]]) {
				name := w + "-" + strconv.Itoa(n)
				m.Unknown = appendUnknown(m.Unknown, Unknown{Said: name, Kind: UnknownAsset, Closest: nearest(name, p.AssetNames(), 3)})
			}
			take(sm[0], sm[1])
		}
	}
	// Any other name-number token ("xj-7") that is not a document id.
	for _, sm := range genericNameRe.FindAllStringSubmatchIndex(t, -1) {
		if !free(sm[0], sm[1]) {
			continue
		}
		word := t[sm[2]:sm[3]]
		if docPrefixes[word] {
			continue
		}
		name := t[sm[0]:sm[1]]
		if _, ok := p.Asset(name); ok {
			m.Assets = appendUnique(m.Assets, name)
		} else if a, ok := p.misspelt(word, t[sm[4]:sm[5]]); ok {
			// "pmp-1": pump-1, said as read.
			m.Assets = appendUnique(m.Assets, a)
			m.Corrected = append(m.Corrected, Correction{Said: name, Asset: a})
		} else {
			m.Unknown = appendUnknown(m.Unknown, Unknown{Said: name, Kind: UnknownAsset, Closest: nearest(name, p.AssetNames(), 3)})
		}
		take(sm[0], sm[1])
	}

	// Types named without a number.
	for _, et := range EquipmentTypes {
		re := typeOnlyRe(et)
		for _, loc := range re.FindAllStringIndex(t, -1) {
			if !free(loc[0], loc[1]) {
				continue
			}
			if len(p.AssetsOfType(et.Type)) > 0 {
				m.Types = appendUnique(m.Types, et.Type)
			} else {
				m.Unknown = appendUnknown(m.Unknown, Unknown{Said: strings.TrimSpace(t[loc[0]:loc[1]]), Kind: UnknownType})
			}
			take(loc[0], loc[1])
		}
	}

	// Places of the site (vocab.go's Areas) that name no line or asset
	// (those were taken above): the plant's data does not cover them.
	for _, area := range Areas {
		for _, loc := range area.Matcher().FindAllStringIndex(t, -1) {
			if free(loc[0], loc[1]) {
				m.Unknown = appendUnknown(m.Unknown, Unknown{Said: strings.TrimSpace(t[loc[0]:loc[1]]), Kind: UnknownArea, Closest: p.LineNames()})
				take(loc[0], loc[1])
			}
		}
	}

	// The plant's own types that are no equipment type Gemba knows words
	// for ("model3" of a CMMS register): named as they are written.
	known := map[string]bool{}
	for _, et := range EquipmentTypes {
		known[et.Type] = true
	}
	for _, typ := range p.Types() {
		n := Normalize(typ)
		if known[typ] || strings.TrimSpace(n) == "" {
			continue
		}
		for _, form := range []string{n + "s", n} {
			if loc := aliasIndex(t, form); loc != nil && free(loc[0], loc[1]) {
				m.Types = appendUnique(m.Types, typ)
				take(loc[0], loc[1])
				break
			}
		}
	}

	// Sensors.
	vocab := map[string]bool{}
	for _, s := range Sensors {
		vocab[s.Sensor] = true
		if s.Matcher().MatchString(t) {
			m.Sensors = appendUnique(m.Sensors, s.Sensor)
		}
	}
	// The plant's own sensor names ("volt", "rotate" in an imported
	// plant), said as they are written.
	for _, se := range p.Series {
		if se.Sensor == "" || vocab[se.Sensor] || contains(m.Sensors, se.Sensor) {
			continue
		}
		vocab[se.Sensor] = true
		if form := Normalize(strings.ReplaceAll(se.Sensor, "_", " ")); strings.TrimSpace(form) != "" && wordIn(t, form) {
			m.Sensors = appendUnique(m.Sensors, se.Sensor)
		}
	}
	return m
}

// wordIn reports whether form stands in t as whole words, anywhere.
func wordIn(t, form string) bool {
	for i := 0; i <= len(t)-len(form); {
		k := strings.Index(t[i:], form)
		if k < 0 {
			return false
		}
		a, b := i+k, i+k+len(form)
		if (a == 0 || !isWordByte(t[a-1])) && (b == len(t) || !isWordByte(t[b])) {
			return true
		}
		i = a + 1
	}
	return false
}

func appendUnknown(us []Unknown, u Unknown) []Unknown {
	for _, x := range us {
		if x.Said == u.Said {
			return us
		}
	}
	return append(us, u)
}

var (
	seriesNameRe  = regexp.MustCompile(`\b[a-z][a-z0-9]*-\d+\.[a-z_]+\b`)
	genericNameRe = regexp.MustCompile(`\b([a-z]{2,})-(\d+)\b`)
	plainNameRe   = regexp.MustCompile(`^[a-z]{2,}-\d+$`)
	docPrefixes   = map[string]bool{"inc": true, "rb": true, "wo": true, "uc": true, "sop": true, "line": true, "iso": true, "covid": true, "ep": true, "pf": true, "af": true}
	shortLineRe   = regexp.MustCompile(`\b(?:l|ln)-?(\d{1,2})\b`)
	lineRes       = []*regexp.Regexp{
		regexp.MustCompile(`\bline[\s\-#_]*(?:no\.?\s*)?(\d+)\b`),
		regexp.MustCompile(`(\d+)\s*(?:번\s*)?(?:생산\s*)?라인`),
		regexp.MustCompile(`라인\s*(\d+)`),
	}
)

// aliasIndex finds an alias as a whole phrase (English) or a substring (Korean).
func aliasIndex(t, alias string) []int {
	i := strings.Index(t, alias)
	if i < 0 {
		return nil
	}
	j := i + len(alias)
	if !hasHangulString(alias) {
		if i > 0 && isWordByte(t[i-1]) || j < len(t) && isWordByte(t[j]) {
			return nil
		}
	}
	return []int{i, j}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_'
}

func hasHangulString(s string) bool {
	for _, r := range s {
		if r >= 0xAC00 && r <= 0xD7A3 || r >= 0x3130 && r <= 0x318F {
			return true
		}
	}
	return false
}

var assetReCache = map[string][]*regexp.Regexp{}
var typeOnlyCache = map[string]*regexp.Regexp{}

func init() {
	for _, et := range EquipmentTypes {
		var en, ko []string
		for _, w := range et.EN {
			en = append(en, regexp.QuoteMeta(strings.ToLower(w)))
		}
		for _, w := range et.KO {
			ko = append(ko, regexp.QuoteMeta(strings.ToLower(w)))
		}
		sort.Slice(en, func(i, j int) bool { return len(en[i]) > len(en[j]) })
		sort.Slice(ko, func(i, j int) bool { return len(ko[i]) > len(ko[j]) })
		list := numberList
		var res []*regexp.Regexp
		if len(en) > 0 {
			w := `(?:` + strings.Join(en, "|") + `)`
			res = append(res, regexp.MustCompile(`\b`+w+`s?[\s\-_#]*(?:no\.?\s*|number\s*)?(`+list+`)`))
		}
		if len(ko) > 0 {
			w := `(?:` + strings.Join(ko, "|") + `)`
			res = append(res,
				regexp.MustCompile(w+`[\s\-_#]*(`+list+`)`),
				regexp.MustCompile(`(\d+)\s*(?:호기|번)\s*`+w))
		}
		assetReCache[et.Type] = res
		var alts []string
		if len(en) > 0 {
			alts = append(alts, `\b(?:`+strings.Join(en, "|")+`)\b`)
		}
		if len(ko) > 0 {
			alts = append(alts, `(?:`+strings.Join(ko, "|")+`)`)
		}
		typeOnlyCache[et.Type] = regexp.MustCompile(strings.Join(alts, "|"))
	}
}

func assetRes(et EquipmentType) []*regexp.Regexp { return assetReCache[et.Type] }

// rangeRes find a range of machine or line numbers after a type word
// ("cnc 1~4호기", "press 1-3", "cnc-1 to cnc-4", "line 1 to 3"): the word,
// the first number and the last.
var rangeRes = func() []*regexp.Regexp {
	var out []*regexp.Regexp
	add := func(words []string, en bool) {
		var q []string
		for _, w := range words {
			q = append(q, regexp.QuoteMeta(strings.ToLower(w)))
		}
		sort.Slice(q, func(i, j int) bool { return len(q[i]) > len(q[j]) })
		w := `(?:` + strings.Join(q, "|") + `)`
		b := ""
		if en {
			b = `\b`
		}
		out = append(out, regexp.MustCompile(b+`(`+w+`)s?[\s\-_#]*(\d{1,2})\s*(?:호기|번)?\s*(?:~|–|-|\bto\b|\bthrough\b|\bthru\b)\s*(?:`+w+`s?[\s\-_#]*)?(\d{1,2})(?:\s*(?:호기|번))?`))
	}
	for _, et := range EquipmentTypes {
		add(et.EN, true)
		add(et.KO, false)
	}
	add([]string{"line"}, true)
	add([]string{"라인"}, false)
	return out
}()

// expandRanges writes a range of machine or line numbers as the list of
// them ("cnc 1~4호기" → "cnc 1, cnc 2, cnc 3, cnc 4"), which the name rules read as
// every machine of it; a range of readings after a machine ("press 3 6-7
// mm/s") is left alone.
func expandRanges(t string) string {
	for _, re := range rangeRes {
		if !re.MatchString(t) {
			continue
		}
		t = replaceAllSubmatchFunc(re, t, func(m []string, rest string) (string, bool) {
			n1, _ := strconv.Atoi(m[2])
			n2, _ := strconv.Atoi(m[3])
			if n2 <= n1 || n2-n1 > 12 || measureAfterRe.MatchString(rest) || unitAfterRe.MatchString(rest) || countAfterRe.MatchString(rest) {
				return "", false
			}
			nums := make([]string, 0, n2-n1+1)
			for n := n1; n <= n2; n++ {
				nums = append(nums, m[1]+" "+strconv.Itoa(n))
			}
			return strings.Join(nums, ", "), true
		})
	}
	return t
}

// replaceAllSubmatchFunc replaces each match of re in s by what f returns
// for its submatches and the text after it, when f says to.
func replaceAllSubmatchFunc(re *regexp.Regexp, s string, f func(m []string, rest string) (string, bool)) string {
	var b strings.Builder
	last := 0
	for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = s[loc[2*i]:loc[2*i+1]]
			}
		}
		repl, ok := f(m, s[loc[1]:])
		if !ok {
			continue
		}
		b.WriteString(s[last:loc[0]])
		b.WriteString(repl)
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// thanNumberRe is a bare number a machine is compared with ("than 1",
// "than number 2", "1번보다", "1호기보다").
var thanNumberRe = regexp.MustCompile(`\bthan (?:no\.?\s*|number\s*|#\s*)?(\d+)\s*(?:[?.!,]|$)|(\d+)\s*(?:호기|번)\s*보다`)

// numberList is one number or a list of them: "2 and 3", "2, 3", "2/3",
// "2호기랑 3호기".
const numberList = `\d+(?:\s*(?:호기|번))?(?:\s*(?:,|/|&|\band\b|\bor\b|\bvs\b\.?|\bversus\b|랑|이랑|와|과|및|하고)\s*(?:#\s*)?\d+(?:\s*(?:호기|번))?)*`

// genericWords name a machine by number in any plant ("machine 3").
var genericWords = []string{"machine", "unit", "station", "asset"}

// unitAfterRe is a time or count word after a number: "machine 2 hours
// ago" names no machine.
var unitAfterRe = regexp.MustCompile(`^\s*(?:%|x\b|h\b|hrs?\b|hours?\b|min\w*\b|days?\b|weeks?\b|months?\b|years?\b|times?\b|shifts?\b|parts?\b|pcs\b|units?\b|시간|분|일|주|번|회|개)`)

var prefixCache sync.Map // prefix → *regexp.Regexp

// prefixRe finds a plant's own name word and its numbers ("machine 3",
// "machines 2 and 4", "machine #12").
func prefixRe(prefix string) *regexp.Regexp {
	if re, ok := prefixCache.Load(prefix); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(prefix) + `s?[\s\-_#]*(?:no\.?\s*|number\s*)?(` + numberList + `)\b`)
	prefixCache.Store(prefix, re)
	return re
}

// namePrefixes are the words of the plant's "<word>-<n>" asset names that
// no equipment type, line or document id uses ("machine" of machine-3).
func (p *Plant) namePrefixes() []string {
	taken := map[string]bool{"line": true}
	for k := range docPrefixes {
		taken[k] = true
	}
	for _, et := range EquipmentTypes {
		taken[et.Type] = true
		for _, w := range et.EN {
			taken[strings.ToLower(w)] = true
		}
	}
	var out []string
	for _, a := range p.Assets {
		n := Normalize(a.Name)
		if !plainNameRe.MatchString(n) {
			continue
		}
		w := n[:strings.LastIndexByte(n, '-')]
		if !taken[w] {
			taken[w] = true
			out = append(out, w)
		}
	}
	return out
}

func typeOnlyRe(et EquipmentType) *regexp.Regexp { return typeOnlyCache[et.Type] }

var digitsRe = regexp.MustCompile(`\d+`)

func numbersIn(s string) []int {
	var out []int
	for _, d := range digitsRe.FindAllString(s, -1) {
		if n, err := strconv.Atoi(d); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// nearest returns up to k names closest to s by edit distance (at most
// half of s's length away).
func nearest(s string, names []string, k int) []string {
	type c struct {
		name string
		d    int
	}
	var cs []c
	for _, n := range names {
		if d := Distance(s, n); d <= max(2, len(s)/2) {
			cs = append(cs, c{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < k; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// shortCodeRe is a one-letter machine code and its number: "p3", "p-3".
var shortCodeRe = regexp.MustCompile(`(?:^|[^\p{L}\d-])([a-z])-?(\d{1,3})(?:호기|번)?(?:[^\p{L}\d]|$|[은는이가을를도의에])`)

// bareUnitRe is a machine number with no type ("3호기").
var bareUnitRe = regexp.MustCompile(`(\d+)\s*호기`)

// measureAfterRe is a decimal or a unit after a number: "압축기 7.2바",
// "compressor 7 bar" say a reading, not a machine.
var measureAfterRe = regexp.MustCompile(`^(?:[.,]\d|\s*(?:bar\b|바|mm\b|°|rpm\b|psi\b|kpa\b|mpa\b|hz\b|%))`)

// countAfterRe is a Korean counter after a number: "4대" counts machines.
var countAfterRe = regexp.MustCompile(`^\s*대(?:\s|$|[가는를이도의에])`)
