package agent

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func fixtureCatalog(t *testing.T) Catalog {
	t.Helper()
	tl, ok := fixtureTools().Get("list_series")
	require.True(t, ok)
	res, err := tl.Call(context.Background(), nil)
	require.NoError(t, err)
	cat := catalogFromData(res.Data)
	require.Len(t, cat.Series, 17)
	return cat
}

func TestParseQuestion(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog(t)
	now := testNow // Friday 14:30 UTC
	cases := []struct {
		q       string
		lang    string
		intents []Intent
		assets  []string
		lines   []string
		series  []string
		sensors []string
		since   time.Time
		horizon time.Duration
	}{
		{q: "Press 3 is vibrating a lot, what should I do?", lang: "en", intents: []Intent{IntentAnomalies}, assets: []string{"press-3"}, sensors: []string{"vibration"}},
		{q: "Any anomalies on press #2 since 6am?", lang: "en", intents: []Intent{IntentAnomalies}, assets: []string{"press-2"}, since: time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)},
		{q: "Why is pump 2 pressure dropping over the last 24 hours?", lang: "en", intents: []Intent{IntentExplain, IntentAnomalies}, assets: []string{"pump-2"}, sensors: []string{"pressure"}, since: now.Add(-24 * time.Hour)},
		{q: "Will line 1 hit its plan by end of shift?", lang: "en", intents: []Intent{IntentForecast, IntentPlan}, lines: []string{"line-1"}, series: []string{"line-1.output"}, horizon: 8 * time.Hour},
		{q: "forecast line-1.output for the next 3 days", lang: "en", intents: []Intent{IntentForecast}, lines: []string{"line-1"}, series: []string{"line-1.output"}, horizon: 72 * time.Hour},
		{q: "Has the compressor-1 pressure problem happened before?", lang: "en", intents: []Intent{IntentIncidents, IntentAnomalies}, assets: []string{"compressor-1"}, sensors: []string{"pressure"}},
		{q: "What happened on press 1 yesterday?", lang: "en", intents: []Intent{IntentAnomalies}, assets: []string{"press-1"}, since: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)},
		{q: "how do I grease a press bearing?", lang: "en", intents: []Intent{IntentIncidents}},
		{q: "프레스 3호기 진동이 심해요. 어떻게 해야 하나요?", lang: "ko", intents: []Intent{IntentAnomalies}, assets: []string{"press-3"}, sensors: []string{"vibration"}},
		{q: "오늘 아침 6시부터 2번 펌프 압력에 이상이 있었나요?", lang: "ko", intents: []Intent{IntentAnomalies}, assets: []string{"pump-2"}, sensors: []string{"pressure"}, since: time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)},
		{q: "지난 24시간 동안 프레스 1 온도 괜찮았나요?", lang: "ko", intents: []Intent{IntentAnomalies}, assets: []string{"press-1"}, sensors: []string{"temperature"}, since: now.Add(-24 * time.Hour)},
		{q: "1라인 생산량이 내일 계획을 달성할까요?", lang: "ko", intents: []Intent{IntentForecast, IntentPlan}, lines: []string{"line-1"}, series: []string{"line-1.output"}, horizon: 34 * time.Hour},
		{q: "압축기 1 압력이 낮은 원인이 뭐예요?", lang: "ko", intents: []Intent{IntentExplain}, assets: []string{"compressor-1"}, sensors: []string{"pressure"}},
		{q: "펌프 2 씰 누설 과거 사례 있나요?", lang: "ko", intents: []Intent{IntentIncidents, IntentAnomalies}, assets: []string{"pump-2"}},
		{q: "압축기-1 과열 과거 사례 있나요?", lang: "ko", intents: []Intent{IntentIncidents, IntentAnomalies}, assets: []string{"compressor-1"}, sensors: []string{"temperature"}},
		{q: "Which machine is vibrating the most right now?", lang: "en", intents: []Intent{IntentAnomalies}, sensors: []string{"vibration"}},
		{q: "press 2 and 3 vibration, seen before?", lang: "en", intents: []Intent{IntentAnomalies, IntentIncidents}, assets: []string{"press-2", "press-3"}, sensors: []string{"vibration"}},
		{q: "프레스 2호기랑 3호기 진동, 전에도 있었나요?", lang: "ko", intents: []Intent{IntentAnomalies, IntentIncidents}, assets: []string{"press-2", "press-3"}, sensors: []string{"vibration"}},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			t.Parallel()
			q := ParseQuestion(c.q, now, cat)
			q.resolve(cat)
			require.Equal(t, c.lang, q.Lang)
			require.ElementsMatch(t, c.intents, q.Intents)
			if c.assets != nil {
				require.Equal(t, c.assets, q.Assets)
			}
			require.Equal(t, c.lines, q.Lines)
			if c.series != nil {
				require.Equal(t, c.series, q.Series)
			}
			for _, s := range c.sensors {
				require.Contains(t, q.Sensors, s)
			}
			if !c.since.IsZero() {
				require.Equal(t, c.since, q.Window.Since, "window %q", q.Window.Phrase)
			}
			if c.horizon != 0 {
				require.Equal(t, c.horizon, q.Horizon)
			}
		})
	}
}

func TestParseWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		q            string
		since, until time.Time
	}{
		{"since 6am", day.Add(6 * time.Hour), now},
		{"since 6 pm", day.Add(-6 * time.Hour), now}, // 18:00 is still ahead today: yesterday's
		{"from 13:15", day.Add(13*time.Hour + 15*time.Minute), now},
		{"in the last 24 hours", now.Add(-24 * time.Hour), now},
		{"past 3 days", now.Add(-72 * time.Hour), now},
		{"last hour", now.Add(-time.Hour), now},
		{"last week", now.Add(-7 * 24 * time.Hour), now},
		{"yesterday", day.Add(-24 * time.Hour), day},
		{"today", day, now},
		{"this shift", day.Add(14 * time.Hour), now},
		{"last night", day.Add(-2 * time.Hour), day.Add(6 * time.Hour)},
		{"지난 24시간", now.Add(-24 * time.Hour), now},
		{"최근 3일", now.Add(-72 * time.Hour), now},
		{"오늘 아침 6시부터", day.Add(6 * time.Hour), now},
		{"오후 2시부터", day.Add(14 * time.Hour), now},
		{"어제", day.Add(-24 * time.Hour), day},
		{"어젯밤", day.Add(-2 * time.Hour), day.Add(6 * time.Hour)},
		{"이번 교대", day.Add(14 * time.Hour), now},
	}
	for _, c := range cases {
		w := ParseWindow(c.q, now)
		require.Equal(t, c.since, w.Since, c.q)
		require.Equal(t, c.until, w.Until, c.q)
	}
	require.True(t, ParseWindow("is press 3 ok?", now).IsZero())
}

func TestParseHorizon(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"next 8 hours":        8 * time.Hour,
		"next 2 days":         48 * time.Hour,
		"next week":           7 * 24 * time.Hour,
		"tomorrow":            34 * time.Hour,
		"by end of shift":     8 * time.Hour,
		"앞으로 12시간":            12 * time.Hour,
		"향후 3일":               72 * time.Hour,
		"내일":                  34 * time.Hour,
		"what's the forecast": 0,
	}
	for q, want := range cases {
		require.Equal(t, want, ParseHorizon(q, now), q)
	}
}

func TestOfflinePlanner(t *testing.T) {
	t.Parallel()
	cases := []struct {
		q         string
		lang      string
		tools     []string
		situation string
		steps     []string
		cites     []string
		conf      string
	}{
		{q: "Press 3 is vibrating a lot, what should I do?", lang: "en",
			tools:     []string{"list_series", "detect_anomalies", "search_incidents", "explain_anomaly", "get_document"},
			situation: "6.9 mm/s", steps: []string{"Reduce press-3 stroke rate to 80%", "Grease the bearing with 20 g of EP2 grease."},
			cites: []string{"INC-2025-031", "RB-007"}, conf: "high"},
		{q: "프레스 3호기 진동이 심해요. 어떻게 해야 하나요?", lang: "ko",
			tools:     []string{"list_series", "detect_anomalies", "search_incidents", "get_document"},
			situation: "6.9 mm/s", steps: []string{"Reduce press-3 stroke rate to 80%"}, cites: []string{"INC-2025-031"}, conf: "high"},
		{q: "Will line 1 hit its plan by end of shift?", lang: "en",
			tools: []string{"list_series", "forecast_series", "compare_to_plan"}, situation: "10450", conf: "medium"},
		{q: "1라인 생산량 내일 예측 알려줘", lang: "ko",
			tools: []string{"list_series", "forecast_series"}, situation: "10450", conf: "medium"},
		{q: "펌프 2 씰 누설 과거 사례 있나요?", lang: "ko",
			tools: []string{"search_incidents", "get_document"}, steps: []string{"펌프 2 씰 교체"}, cites: []string{"INC-2025-044"}},
		{q: "how do I grease a press bearing?", lang: "en",
			tools: []string{"search_incidents", "get_document"}, steps: []string{"Lock out the press (LOTO) before opening the guard."}, cites: []string{"RB-007"}},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			t.Parallel()
			r := newTestRunner(t, nil, nil)
			a := ask(t, r, c.q)
			require.Equal(t, ModeOffline, a.Mode)
			require.Equal(t, c.lang, a.Lang)
			var called []string
			for _, tr := range a.Trace {
				called = appendUnique(called, tr.Tool)
				require.Empty(t, tr.Error, "%s %v", tr.Tool, tr.Args)
			}
			for _, tl := range c.tools {
				require.Contains(t, called, tl)
			}
			require.Contains(t, a.Situation, c.situation)
			var texts []string
			for _, s := range a.Steps {
				texts = append(texts, s.Text)
			}
			for _, s := range c.steps {
				require.Contains(t, strings.Join(texts, "\n"), s)
			}
			var ids []string
			for _, ci := range a.Citations {
				ids = append(ids, ci.ID)
			}
			for _, id := range c.cites {
				require.Contains(t, ids, id)
			}
			if c.conf != "" {
				require.Equal(t, c.conf, a.Confidence)
			}
			if c.lang == "ko" {
				require.Contains(t, a.Text, "LLM 없이")
			} else {
				require.Contains(t, a.Text, "Made without an LLM")
			}
			require.Empty(t, a.Grounding.Ungrounded)
		})
	}
}

func TestOfflineEquipmentStepsNameTheirSOP(t *testing.T) {
	t.Parallel()
	r := newTestRunner(t, nil, nil)
	a := ask(t, r, "Press 3 is vibrating a lot, what should I do?")
	var grease *Step
	for i := range a.Steps {
		if strings.HasPrefix(a.Steps[i].Text, "Grease") {
			grease = &a.Steps[i]
		}
	}
	require.NotNil(t, grease)
	require.True(t, grease.TouchesEquipment)
	require.Equal(t, "RB-007", grease.SOP)
	require.Contains(t, a.Escalate, "7.1 mm/s")
}

func TestOfflineFollowUp(t *testing.T) {
	t.Parallel()
	store := NewStore(dbtestTx(t))
	r := newTestRunner(t, nil, store)
	ctx := context.Background()
	_, err := r.Ask(ctx, Request{ThreadKey: "slack:C9:1.0", Question: "Any anomalies on press 3 in the last 24 hours?"})
	require.NoError(t, err)
	a, err := r.Ask(ctx, Request{ThreadKey: "slack:C9:1.0", Question: "what about press 2?"})
	require.NoError(t, err)
	var detect []map[string]any
	for _, tr := range a.Trace {
		if tr.Tool == "detect_anomalies" {
			detect = append(detect, tr.Args)
		}
	}
	require.Len(t, detect, 1)
	require.Equal(t, "press-2", detect[0]["asset"])
	require.Equal(t, testNow.Add(-24*time.Hour).Format(time.RFC3339), detect[0]["since"])
	require.Contains(t, a.Situation, "press-2: no anomalies")

	// Korean follow-up without any entity inherits the asset.
	a, err = r.Ask(ctx, Request{ThreadKey: "slack:C9:1.0", Question: "과거 사례는요?"})
	require.NoError(t, err)
	require.Equal(t, "ko", a.Lang)
	var searched bool
	for _, tr := range a.Trace {
		if tr.Tool == "search_incidents" && tr.Args["asset"] == "press-2" {
			searched = true
		}
	}
	require.True(t, searched, "the follow-up searches the earlier question's asset")
}

func TestOfflineWithoutEvidenceSaysSo(t *testing.T) {
	t.Parallel()
	r := newTestRunner(t, nil, nil)
	a := ask(t, r, "what is the meaning of life?")
	require.Equal(t, ModeOffline, a.Mode)
	require.Equal(t, "low", a.Confidence)
	require.Empty(t, a.Steps)
}

func TestKoreanLeads(t *testing.T) {
	t.Parallel()
	det := map[string]any{"checked": []any{"press-3"}, "events": []any{
		map[string]any{"asset": "press-3", "sensor": "vibration", "start": "2026-11-25T12:00Z", "ongoing": true, "score": 0.9, "value": 6.33, "usual": 2.49, "unit": "mm/s"},
		map[string]any{"asset": "press-3", "sensor": "temperature", "start": "2026-11-20T12:00Z", "end": "2026-11-20T14:00Z", "score": 0.95, "value": 50, "usual": 40, "unit": "°C"},
	}}
	require.Equal(t, "press-3 vibration 이상 2건 중 가장 중요한 것: 2026-11-25T12:00Z부터 계속 중, 현재 6.33 mm/s (평소 2.49).", koDetect(det))
	require.Equal(t, "pump-2: 기간 중 이상 없음.", koDetect(map[string]any{"checked": []any{"pump-2"}, "events": []any{}}))

	fc := map[string]any{"series": "line-1.output", "model": "hw_additive", "step": "1h0m0s", "horizon": 8, "mase": 0.8, "total": 4200, "total_lo80": 4000, "total_hi80": 4400, "cutoff": "2026-11-27T12:00Z"}
	require.Equal(t, "line-1.output 예측 (앞으로 8시간, 모델 hw_additive, 백테스트 MASE 0.8, 데이터 기준 2026-11-27T12:00Z): 합계 4200 (80% 구간 4000–4400).", koForecast(fc))

	plan := map[string]any{"output": "line-1.output",
		"past":  map[string]any{"hours": 24, "actual": 11700, "plan": 13200, "shortfall": 1500, "attainment_pct": 88.6},
		"ahead": map[string]any{"hours": 8, "forecast": 4200, "forecast_lo80": 4000, "forecast_hi80": 4400, "plan": 4800, "shortfall": 600, "attainment_pct": 87.5, "hours_at_risk": 3}}
	require.Equal(t, "line-1: 지난 24시간 생산 11700 / 계획 13200 (달성률 88.6%, 1500 부족); 앞으로 8시간 예측 4200 / 계획 4800 (달성률 87.5%, 80% 구간 4000–4400), 예상 부족 600, 80% 상한으로도 계획 미달인 시간 3시간.", koPlan(plan))
	require.Empty(t, koPlan(map[string]any{"nothing": true}))
}
