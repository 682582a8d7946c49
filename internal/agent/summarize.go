package agent

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gemba-ai/gemba/tools"
)

// summarize is the answer made of the turn's tool results alone, when the
// model stopped without an answer (an empty reply, the step limit) or no
// planner is configured: each tool's summary as the situation, no steps
// (nothing prescribes without the planner's evidence gates), low confidence.
func summarize(t *turn) *Answer {
	ko := t.lang == "ko"
	var parts, errs []string
	for _, o := range t.outcomes {
		if !o.ok {
			if o.trace.Error != "" && o.name != tools.ListSeries {
				errs = append(errs, fmt.Sprintf("%s: %s", o.name, o.trace.Error))
			}
			continue
		}
		sum := strings.TrimSpace(o.res.Summary)
		if sum == "" || o.name == tools.ListSeries {
			continue
		}
		if ko && !hasHangul(sum) {
			sum = koToolLabel(o.name) + " 결과(원문): " + sum // the tool's English, framed
		}
		parts = append(parts, sum)
	}
	a := &Answer{Situation: joinSentences(parts), Confidence: "low"}
	if a.Situation == "" && len(errs) > 0 {
		a.Situation = strings.Join(errs, "; ")
	}
	if a.Situation == "" {
		a.Situation = noEvidence(t)
	}
	return a
}

// koToolLabel names a tool's result in Korean, to frame a summary in English.
func koToolLabel(tool string) string {
	switch tool {
	case tools.DetectAnomalies:
		return "이상 감지"
	case tools.ExplainAnomaly:
		return "이상 원인 분석"
	case tools.ForecastSeries:
		return "예측"
	case tools.CompareToPlan:
		return "계획 대비"
	case tools.SearchIncidents:
		return "문서 검색"
	case tools.GetDocument:
		return "문서"
	}
	return tool
}

// joinSentences joins summaries into one paragraph, ending each that lacks
// it with a full stop so that two results never run together.
func joinSentences(parts []string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if r, _ := utf8.DecodeLastRuneInString(p); !strings.ContainsRune(".!?。", r) {
			p += "."
		}
		out = append(out, p)
	}
	return strings.Join(out, " ")
}

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

// docAssets reads which asset each document the turn's searches and reads
// returned is about (document id → asset).
func docAssets(outs []callOutcome) map[string]string {
	out := map[string]string{}
	type hit struct {
		ID    string `json:"id"`
		Asset string `json:"asset"`
	}
	for _, o := range outs {
		if !o.ok || (o.name != tools.SearchIncidents && o.name != tools.GetDocument) {
			continue
		}
		b, err := json.Marshal(o.res.Data)
		if err != nil {
			continue
		}
		var d struct {
			hit
			Results []hit `json:"results"`
		}
		_ = json.Unmarshal(b, &d)
		for _, h := range append(d.Results, d.hit) {
			if h.ID != "" && h.Asset != "" && out[h.ID] == "" {
				out[h.ID] = h.Asset
			}
		}
	}
	return out
}
