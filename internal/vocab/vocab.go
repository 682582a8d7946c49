// Package vocab is Gemba's bilingual (English–Korean) maintenance
// vocabulary: equipment types and the plant's asset numbering (프레스 3호기
// → press-3), parts, symptoms, actions and procedures, each a concept with
// its English and Korean forms, plus the Korean particles, endings and
// stopwords that text analysis strips.
//
// It is data with tests beside it (data/*.yaml): a new word is an entry,
// not a branch. Retrieval (rag) maps words of either language to their
// concept so a Korean question finds an English document and the other way
// round; the offline planner can use the same concepts to name things in
// the asker's language (Concept.Name, Vocabulary.AssetName).
//
// The package imports nothing of Gemba's; it sits beside rag and agent.
package vocab

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Kind is the sort of thing a concept names.
type Kind string

// The kinds of concept, one data file each.
const (
	KindEquipment Kind = "equipment"
	KindPart      Kind = "part"
	KindSymptom   Kind = "symptom"
	KindAction    Kind = "action"
	KindProcedure Kind = "procedure"
)

// Languages a concept has forms in.
const (
	English = "en"
	Korean  = "ko"
)

// Concept is one meaning with its forms in both languages.
type Concept struct {
	// ID is a lower-case English word, unique in the vocabulary; retrieval
	// uses it (stemmed) as the language-neutral search term.
	ID   string `yaml:"id"`
	Kind Kind   `yaml:"-"`
	// EN and KO are the forms that name the concept, the preferred first.
	// English forms are lower-case words or phrases; Korean forms are
	// single Hangul words (compounds written without spaces).
	EN []string `yaml:"en"`
	KO []string `yaml:"ko"`
	// Broader lists concepts this one implies (차압, differential
	// pressure, is a pressure).
	Broader []string `yaml:"broader,omitempty"`
	// Asset is, for an equipment type, the prefix of the plant's asset ids
	// of that type (press → press-1, press-2).
	Asset string `yaml:"asset,omitempty"`
	// NumberBefore lets a number stand right before the Korean form with
	// no counter (1라인 is line-1).
	NumberBefore bool `yaml:"number_before,omitempty"`
	// Names overrides the display name per language.
	Names map[string]string `yaml:"name,omitempty"`
}

// Name is the concept's display name in lang ("en" or "ko"): the name
// override if any, else the preferred form.
func (c *Concept) Name(lang string) string {
	if n := c.Names[lang]; n != "" {
		return n
	}
	if lang == Korean && len(c.KO) > 0 {
		return c.KO[0]
	}
	if len(c.EN) > 0 {
		return c.EN[0]
	}
	return c.ID
}

// Vocabulary is a loaded, immutable vocabulary; safe for concurrent use.
type Vocabulary struct {
	concepts []*Concept
	byID     map[string]*Concept
	// en maps a lower-case English phrase (words joined by one space) to
	// its concept; enMax is the longest phrase in words.
	en    map[string]*Concept
	enMax int
	// enLen is, for a word that starts an English form, the most words a
	// form starting with it has.
	enLen map[string]int
	// ko maps a Korean form to its concept; koMax is the longest in runes.
	ko    map[string]*Concept
	koMax int

	particles, endings []string // longest first
	grammar            map[rune]bool
	stop               map[string]bool

	assets      assetRules
	fingerprint string
}

// file is one data file.
type file struct {
	Kind     Kind       `yaml:"kind"`
	Concepts []*Concept `yaml:"concepts"`
}

// grammarFile is data/korean.yaml.
type grammarFile struct {
	Particles        []string `yaml:"particles"`
	Endings          []string `yaml:"endings"`
	GrammarSyllables string   `yaml:"grammar_syllables"`
	Stopwords        []string `yaml:"stopwords"`
}

//go:embed data/*.yaml
var dataFS embed.FS

var defaultVocab = sync.OnceValues(func() (*Vocabulary, error) { return Load(dataFS, "data") })

// Default returns the built-in vocabulary (data/*.yaml, compiled in). The
// data is checked by the package's tests, so it cannot fail at run time;
// it panics if it somehow does.
func Default() *Vocabulary {
	v, err := defaultVocab()
	if err != nil {
		panic(err)
	}
	return v
}

var (
	idRE      = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	enFormRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9 ./\-]*$`)
	assetIDRE = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
)

// Load reads a vocabulary from the YAML files in dir of fsys: korean.yaml
// (grammar) and one file per kind of concept. Every problem is reported
// with its file and concept: an id used twice, a form claimed by two
// concepts, a concept without forms in both languages, a Korean form that
// is not one Hangul word, an unknown broader concept.
func Load(fsys fs.FS, dir string) (*Vocabulary, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("vocab: %w", err)
	}
	sort.Strings(names)
	v := &Vocabulary{byID: map[string]*Concept{}, en: map[string]*Concept{}, enLen: map[string]int{}, ko: map[string]*Concept{}, grammar: map[rune]bool{}, stop: map[string]bool{}}
	h := sha256.New()
	var problems []string
	bad := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	haveGrammar := false
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("vocab: %w", err)
		}
		_, _ = h.Write([]byte(path.Base(name)))
		_, _ = h.Write(b)
		if path.Base(name) == "korean.yaml" {
			var g grammarFile
			if err := yaml.Unmarshal(b, &g); err != nil {
				return nil, fmt.Errorf("vocab: %s: %w", name, err)
			}
			v.loadGrammar(g)
			haveGrammar = true
			continue
		}
		var f file
		if err := yaml.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("vocab: %s: %w", name, err)
		}
		switch f.Kind {
		case KindEquipment, KindPart, KindSymptom, KindAction, KindProcedure:
		default:
			bad("%s: kind %q (want equipment, part, symptom, action or procedure)", name, f.Kind)
			continue
		}
		for _, c := range f.Concepts {
			c.Kind = f.Kind
			v.addConcept(name, c, bad)
		}
	}
	if !haveGrammar {
		bad("%s: korean.yaml is missing", dir)
	}
	for _, c := range v.concepts {
		for _, b := range c.Broader {
			if _, ok := v.byID[b]; !ok || b == c.ID {
				bad("concept %s: broader concept %q is unknown", c.ID, b)
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("vocab: %s", strings.Join(problems, "; "))
	}
	v.assets = buildAssetRules(v)
	v.fingerprint = hex.EncodeToString(h.Sum(nil))[:12]
	return v, nil
}

func (v *Vocabulary) addConcept(file string, c *Concept, bad func(string, ...any)) {
	if !idRE.MatchString(c.ID) {
		bad("%s: id %q must be a lower-case word", file, c.ID)
		return
	}
	if _, dup := v.byID[c.ID]; dup {
		bad("%s: id %s is used twice", file, c.ID)
		return
	}
	if len(c.EN) == 0 || len(c.KO) == 0 {
		bad("%s: concept %s needs English and Korean forms", file, c.ID)
	}
	if c.Asset != "" && (c.Kind != KindEquipment || !assetIDRE.MatchString(c.Asset)) {
		bad("%s: concept %s: asset prefix %q needs an equipment concept and a lower-case word", file, c.ID, c.Asset)
	}
	v.byID[c.ID] = c
	v.concepts = append(v.concepts, c)
	for _, f := range c.EN {
		if f != strings.ToLower(f) || !enFormRE.MatchString(f) {
			bad("%s: concept %s: English form %q must be lower-case words", file, c.ID, f)
			continue
		}
		words := englishWords(f)
		key := strings.Join(words, " ")
		if other, dup := v.en[key]; dup {
			if other == c {
				continue // the same words spelt with a hyphen (warm-up, warm up)
			}
			bad("%s: English form %q is claimed by %s and %s", file, f, other.ID, c.ID)
			continue
		}
		v.en[key] = c
		v.enMax = max(v.enMax, len(words))
		v.enLen[words[0]] = max(v.enLen[words[0]], len(words))
	}
	for _, f := range c.KO {
		if !isHangulWord(f) {
			bad("%s: concept %s: Korean form %q must be one Hangul word", file, c.ID, f)
			continue
		}
		if other, dup := v.ko[f]; dup {
			bad("%s: Korean form %q is claimed by %s and %s", file, f, other.ID, c.ID)
			continue
		}
		v.ko[f] = c
		v.koMax = max(v.koMax, utf8.RuneCountInString(f))
	}
}

func (v *Vocabulary) loadGrammar(g grammarFile) {
	byLen := func(xs []string) []string {
		out := append([]string(nil), xs...)
		sort.SliceStable(out, func(i, j int) bool {
			return utf8.RuneCountInString(out[i]) > utf8.RuneCountInString(out[j])
		})
		return out
	}
	v.particles = byLen(g.Particles)
	v.endings = byLen(g.Endings)
	for _, r := range g.GrammarSyllables {
		v.grammar[r] = true
	}
	for _, w := range g.Stopwords {
		v.stop[w] = true
	}
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:12]
}

// Fingerprint identifies the vocabulary's content (a hash of its data
// files). Stored search terms computed with another vocabulary are stale:
// rag records it beside every chunk so `gemba rag reembed` can redo them.
func (v *Vocabulary) Fingerprint() string { return v.fingerprint }

// Concept returns the concept with the given id.
func (v *Vocabulary) Concept(id string) (*Concept, bool) {
	c, ok := v.byID[id]
	return c, ok
}

// Concepts returns every concept, in data-file order.
func (v *Vocabulary) Concepts() []*Concept { return append([]*Concept(nil), v.concepts...) }

// LookupEnglish returns the concept named by the longest phrase at the
// start of words (lower-case words, as englishWords splits them) and how
// many words it spans; nil and 0 when none.
func (v *Vocabulary) LookupEnglish(words []string) (*Concept, int) {
	if len(words) == 0 {
		return nil, 0
	}
	for n := min(v.enLen[words[0]], len(words)); n >= 1; n-- {
		key := words[0]
		if n > 1 {
			key = strings.Join(words[:n], " ")
		}
		if c, ok := v.en[key]; ok {
			return c, n
		}
	}
	return nil, 0
}

// englishWords splits an English form or text into lower-case words of
// letters and digits ("on-call" → on, call).
func englishWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// isHangul reports whether r is a precomposed Hangul syllable.
func isHangul(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }

func isHangulWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isHangul(r) {
			return false
		}
	}
	return true
}
