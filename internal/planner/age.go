package planner

import (
	"regexp"
	"strings"

	"github.com/gemba-ai/gemba/internal/agent"
)

// ageAskRe asks how old a machine is or when it was installed ("how old is
// machine 8?", "when was press 3 installed?", "프레스 3 몇 년 됐어?").
var ageAskRe = regexp.MustCompile(`(?i)\bhow old\b|\b(?:the |its |their )?age of\b|\bwhat(?:'s| is) (?:the |its )?age\b|\bwhen was\b.{0,40}\binstall\w*|\binstall(?:ation|ed)? (?:date|year)\b|\bcommission(?:ed|ing) (?:date|year)\b|몇 ?년 ?(?:됐|된|째)|연식|설치(?:일|된 지|한 지|날짜|연도)|언제 설치`)

// age answers how old the machines asked about are, from the equipment
// register's install dates; a machine without one is said plainly, with
// where the date would be.
func (r *run) age(targets []string) bool {
	if !ageAskRe.MatchString(r.q.Text) || len(targets) == 0 || len(targets) > 10 || len(r.q.Lines) > 0 {
		return false
	}
	res := r.call(agent.RegisterCall)
	if len(res) == 0 || !res[0].OK {
		return false
	}
	d, ok := decode[struct {
		Assets []struct {
			Asset     string  `json:"asset"`
			Model     string  `json:"model"`
			Installed string  `json:"installed"`
			AgeYears  float64 `json:"age_years"`
		} `json:"assets"`
	}](res[0].Result.Data)
	if !ok {
		return false
	}
	var out, unknown []string
	for _, t := range targets {
		found := false
		for _, a := range d.Assets {
			if a.Asset != t || a.Installed == "" {
				continue
			}
			found = true
			model := ""
			if a.Model != "" {
				model = r.msg("age.model", a.Model)
			}
			out = append(out, r.msg("age.one", t, val(a.AgeYears), a.Installed, model))
		}
		if !found {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		out = append(out, r.msg("age.unknown", strings.Join(unknown, ", ")))
	}
	r.a.Situation = joinLines(out)
	r.a.Confidence = "high"
	if len(unknown) == len(targets) {
		r.a.Confidence = "low"
	}
	r.a.Escalate = r.msg("maint.escalate")
	return true
}
