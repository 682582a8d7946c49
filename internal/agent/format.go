package agent

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// DetectLang returns "ko" when the text is mostly Korean (any Hangul among
// its letters counts for a lot, since questions mix in asset names) or ends
// in a Korean word, else "en".
func DetectLang(s string) string {
	var hangul, latin int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			latin++
		}
	}
	if hangul > 0 && hangul*3 >= latin {
		return "ko"
	}
	if hangul >= 4 {
		return "ko"
	}
	// A Korean sentence ends in its Korean predicate, whatever names it
	// carries ("filler-1 current 정상?"); an English one naming a Korean
	// word ("how is 프레스 3 doing?") does not.
	fields := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i := len(fields) - 1; i >= 0; i-- {
		if strings.IndexFunc(fields[i], unicode.IsLetter) < 0 {
			continue // a number
		}
		if strings.IndexFunc(fields[i], func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) >= 0 {
			return "ko"
		}
		break
	}
	return "en"
}

// wireAnswer is the JSON object the model is asked for; fields are loose
// (steps may be strings, confidence any case).
type wireAnswer struct {
	Situation  string          `json:"situation"`
	Cause      string          `json:"cause"`
	Steps      json.RawMessage `json:"steps"`
	Confidence string          `json:"confidence"`
	Escalate   string          `json:"escalate"`
	Citations  []string        `json:"citations"`
}

type wireStep struct {
	Text             string   `json:"text"`
	Reason           string   `json:"reason"`
	Citations        []string `json:"citations"`
	TouchesEquipment bool     `json:"touches_equipment"`
	SOP              string   `json:"sop"`
	Basis            string   `json:"basis"`
	Evidence         string   `json:"evidence"`
}

// ParseAnswer reads the model's final text: the JSON object asked for
// (possibly inside a code fence or surrounded by prose), else Markdown
// sections (Situation / Likely cause / Next steps / Confidence / Escalate,
// or their Korean names), else the whole text as the situation.
func ParseAnswer(text string) *Answer {
	text = strings.TrimSpace(text)
	if a := parseJSONAnswer(text); a != nil {
		return a
	}
	return parseMarkdownAnswer(text)
}

func parseJSONAnswer(text string) *Answer {
	i, j := strings.IndexByte(text, '{'), strings.LastIndexByte(text, '}')
	if i < 0 || j <= i {
		return nil
	}
	var w wireAnswer
	if err := json.Unmarshal([]byte(text[i:j+1]), &w); err != nil {
		return nil
	}
	if w.Situation == "" && w.Cause == "" && len(w.Steps) == 0 {
		return nil
	}
	a := &Answer{Situation: strings.TrimSpace(w.Situation), Cause: strings.TrimSpace(w.Cause),
		Confidence: normConfidence(w.Confidence), Escalate: strings.TrimSpace(w.Escalate)}
	var objs []wireStep
	if json.Unmarshal(w.Steps, &objs) == nil {
		for _, s := range objs {
			if strings.TrimSpace(s.Text) == "" {
				continue
			}
			a.Steps = append(a.Steps, Step{Text: strings.TrimSpace(s.Text), Reason: strings.TrimSpace(s.Reason),
				Citations: s.Citations, TouchesEquipment: s.TouchesEquipment, SOP: strings.TrimSpace(s.SOP),
				Basis: normBasis(s.Basis), Evidence: strings.TrimSpace(s.Evidence)})
		}
	} else {
		var strs []string
		if json.Unmarshal(w.Steps, &strs) == nil {
			for _, s := range strs {
				if s = strings.TrimSpace(s); s != "" {
					a.Steps = append(a.Steps, Step{Text: s, Citations: bracketIDs(s)})
				}
			}
		}
	}
	a.modelCitations = w.Citations
	return a
}

// normBasis reads a step's basis as the model wrote it; anything else is none.
func normBasis(s string) string {
	switch b := strings.ToLower(strings.TrimSpace(s)); b {
	case BasisSensor, BasisRule, BasisReport, BasisRequest:
		return b
	}
	return ""
}

func normConfidence(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(s, "high"), strings.HasPrefix(s, "높"):
		return "high"
	case strings.HasPrefix(s, "med"), strings.HasPrefix(s, "중"), strings.HasPrefix(s, "보통"):
		return "medium"
	case strings.HasPrefix(s, "low"), strings.HasPrefix(s, "낮"):
		return "low"
	}
	return s
}

var (
	numberedRe = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*•])\s+(.*)$`)
	bracketRe  = regexp.MustCompile(`\[([A-Za-z][A-Za-z0-9_.:-]*-[A-Za-z0-9_.:-]+)\]`)
)

var sectionNames = map[string]string{
	"situation": "situation", "상황": "situation", "현황": "situation",
	"likely cause": "cause", "cause": "cause", "root cause": "cause", "원인": "cause", "추정 원인": "cause",
	"next steps": "steps", "steps": "steps", "recommended actions": "steps", "actions": "steps",
	"다음 단계": "steps", "조치": "steps", "권장 조치": "steps",
	"confidence": "confidence", "신뢰도": "confidence",
	"escalate": "escalate", "escalation": "escalate", "when to escalate": "escalate", "에스컬레이션": "escalate", "보고": "escalate",
}

// headingOf recognises a section heading ("## Situation", "**Likely
// cause:** text", "상황: text") and returns its section and the text after it.
func headingOf(line string) (section, rest string, ok bool) {
	s := strings.TrimLeft(line, "#*_ \t")
	ls := strings.ToLower(s)
	best := ""
	for name := range sectionNames {
		if len(name) > len(best) && strings.HasPrefix(ls, name) {
			after := s[len(name):]
			if after == "" || strings.ContainsAny(after[:1], "*_:：") {
				best = name
			}
		}
	}
	if best == "" {
		return "", "", false
	}
	return sectionNames[best], strings.TrimSpace(strings.TrimLeft(s[len(best):], "*_:： \t")), true
}

func parseMarkdownAnswer(text string) *Answer {
	a := &Answer{}
	section := ""
	found := false
	var situation, cause, escalate []string
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if name, rest, ok := headingOf(trimmed); ok {
			section, found = name, true
			trimmed = rest
			if trimmed == "" {
				continue
			}
		}
		switch section {
		case "situation", "":
			situation = append(situation, trimmed)
		case "cause":
			cause = append(cause, trimmed)
		case "steps":
			if m := numberedRe.FindStringSubmatch(trimmed); m != nil {
				a.Steps = append(a.Steps, Step{Text: strings.TrimSpace(m[1]), Citations: bracketIDs(m[1])})
			} else if n := len(a.Steps); n > 0 {
				a.Steps[n-1].Reason = strings.TrimSpace(a.Steps[n-1].Reason + " " + trimmed)
			} else {
				a.Steps = append(a.Steps, Step{Text: trimmed, Citations: bracketIDs(trimmed)})
			}
		case "confidence":
			a.Confidence = normConfidence(trimmed)
		case "escalate":
			escalate = append(escalate, trimmed)
		}
	}
	a.Situation = strings.Join(situation, " ")
	a.Cause = strings.Join(cause, " ")
	a.Escalate = strings.Join(escalate, " ")
	if !found {
		a.Situation = text
	}
	a.modelCitations = bracketIDs(text)
	return a
}

func bracketIDs(s string) []string {
	var out []string
	for _, m := range bracketRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

var labels = map[string]map[string]string{
	"en": {"situation": "Situation", "cause": "Likely cause", "steps": "Next steps", "detail": "More detail",
		"confidence": "Confidence", "escalate": "Escalate", "sources": "Sources", "offline": "Made without an LLM (offline mode): composed from tool results and recorded incident actions.",
		"equipment": "touches equipment", "sop": "follow SOP", "warnings": "Checks", "high": "high", "medium": "medium", "low": "low"},
	"ko": {"situation": "상황", "cause": "추정 원인", "steps": "다음 단계", "detail": "추가 내용",
		"confidence": "신뢰도", "escalate": "에스컬레이션", "sources": "근거 문서", "offline": "LLM 없이 만든 답입니다(오프라인 모드): 도구 결과와 과거 사례의 조치 기록으로 구성했습니다.",
		"equipment": "설비 작업", "sop": "SOP 준수", "warnings": "확인 사항", "high": "높음", "medium": "보통", "low": "낮음"},
}

// Render writes the answer as plain Markdown text (CLI, memory, fallbacks).
func Render(a *Answer) string {
	l := labels["en"]
	if a.Lang == "ko" {
		l = labels["ko"]
	}
	var b strings.Builder
	if a.Situation != "" {
		fmt.Fprintf(&b, "*%s:* %s\n", l["situation"], a.Situation)
	}
	if a.Cause != "" {
		fmt.Fprintf(&b, "*%s:* %s\n", l["cause"], a.Cause)
	}
	writeSteps := func(title string, steps []Step, first int) {
		if len(steps) == 0 {
			return
		}
		fmt.Fprintf(&b, "*%s:*\n", title)
		for i, s := range steps {
			fmt.Fprintf(&b, "%d. %s", first+i, s.Text)
			if s.Reason != "" {
				fmt.Fprintf(&b, " — %s", s.Reason)
			}
			if len(s.Citations) > 0 {
				fmt.Fprintf(&b, " [%s]", strings.Join(s.Citations, ", "))
			}
			if s.TouchesEquipment {
				fmt.Fprintf(&b, " (⚠ %s", l["equipment"])
				if s.SOP != "" {
					fmt.Fprintf(&b, ": %s %s", l["sop"], s.SOP)
				}
				b.WriteString(")")
			}
			b.WriteString("\n")
		}
	}
	writeSteps(l["steps"], a.Steps, 1)
	writeSteps(l["detail"], a.Detail, len(a.Steps)+1)
	if a.Confidence != "" {
		c := a.Confidence
		if x, ok := l[c]; ok {
			c = x
		}
		fmt.Fprintf(&b, "*%s:* %s\n", l["confidence"], c)
	}
	if a.Escalate != "" {
		fmt.Fprintf(&b, "*%s:* %s\n", l["escalate"], a.Escalate)
	}
	if len(a.Citations) > 0 {
		var cs []string
		for _, c := range a.Citations {
			if c.Title != "" {
				cs = append(cs, c.ID+" "+c.Title)
			} else {
				cs = append(cs, c.ID)
			}
		}
		fmt.Fprintf(&b, "*%s:* %s\n", l["sources"], strings.Join(cs, "; "))
	}
	if a.Mode == ModeOffline {
		fmt.Fprintf(&b, "_%s_\n", l["offline"])
	}
	if len(a.Warnings) > 0 {
		fmt.Fprintf(&b, "_%s: %s_\n", l["warnings"], strings.Join(a.Warnings, "; "))
	}
	return strings.TrimSpace(b.String())
}
