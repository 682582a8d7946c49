package console_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/console"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/tools"
)

// now is the fixed clock of the console tests; the plant data ends here.
var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// plainAgent is a small deterministic agent: it answers in the language of
// the question with steps, detail, citations and a tool trace, and keeps
// answers and feedback in memory like the real agent's store does in
// Postgres. It stands in until the real agent is wired (see cli/console.go).
type plainAgent struct {
	mu       sync.Mutex
	next     int64
	answers  map[int64]*agent.Answer
	requests []agent.Request
	feedback map[int64]string
}

func newPlainAgent() *plainAgent {
	return &plainAgent{answers: map[int64]*agent.Answer{}, feedback: map[int64]string{}}
}

func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

func (p *plainAgent) Ask(_ context.Context, r agent.Request) (*agent.Answer, error) {
	if strings.Contains(r.Question, "explode") {
		return nil, errors.New("agent: scripted failure")
	}
	a := &agent.Answer{Lang: "en", Mode: agent.ModeOffline, Confidence: "medium", LatencyMS: 412,
		Situation: "press-3 vibration rose from 2.1 to 4.8 mm/s over the last 6 hours (peak 5.2 mm/s at 09:40).",
		Cause:     "Bearing wear on the drive end, as in INC-0007: vibration led temperature by about 2 hours.",
		Escalate:  "Escalate to maintenance if vibration passes 7.1 mm/s.",
		Steps: []agent.Step{
			{Text: "Check the drive-end bearing temperature with the handheld IR gun", Reason: "temperature is up 6 °C with vibration", Citations: []string{"INC-0007"}},
			{Text: "Re-grease the drive-end bearing per RB-012", Reason: "the same pattern cleared after greasing in INC-0007", Citations: []string{"RB-012"}, TouchesEquipment: true, SOP: "RB-012"},
			{Text: "Watch vibration for 30 minutes after greasing", Reason: "INC-0007 showed a drop within 20 minutes"},
		},
		Detail: []Step{
			{Text: "If vibration stays above 4.5 mm/s, plan a bearing change at the next stop", Reason: "INC-0011: waiting a shift caused 3 hours of downtime", Citations: []string{"INC-0011"}},
		},
		Citations: []tools.Citation{
			{ID: "INC-0007", Title: "Press-3 drive-end bearing wear", Kind: "incident", Score: 0.0312},
			{ID: "RB-012", Title: "Bearing lubrication runbook", Kind: "runbook", Score: 0.0251},
		},
		Trace: []agent.ToolTrace{
			{Tool: "detect_anomalies", Args: map[string]any{"asset": "press-3", "since": "6h"}, DurationMS: 38, Summary: "1 event on press-3: drift, score 0.97, vibration 72%", ResultSize: 812},
			{Tool: "search_incidents", Args: map[string]any{"query": "press-3 vibration bearing"}, DurationMS: 12, Summary: "5 documents, best INC-0007", ResultSize: 1430},
		},
	}
	if hasHangul(r.Question) {
		a.Lang = "ko"
		a.Situation = "지난 6시간 동안 press-3 진동이 2.1에서 4.8 mm/s로 올랐습니다."
		a.Cause = "INC-0007과 같은 구동측 베어링 마모로 보입니다."
		a.Steps = []agent.Step{
			{Text: "구동측 베어링 온도를 적외선 온도계로 확인하세요", Reason: "진동과 함께 온도가 6 °C 올랐습니다", Citations: []string{"INC-0007"}},
			{Text: "RB-012 절차에 따라 베어링에 그리스를 주입하세요", Citations: []string{"RB-012"}, TouchesEquipment: true, SOP: "RB-012"},
		}
	}
	if strings.Contains(strings.ToLower(r.Question), "forecast") {
		a.Charts = []chart.Chart{forecastChart("line-1.output", 24)}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	a.ID = p.next
	a.Text = a.Situation
	p.answers[a.ID] = a
	p.requests = append(p.requests, r)
	cp := *a
	return &cp, nil
}

// Step aliases agent.Step to keep the fixture readable.
type Step = agent.Step

func (p *plainAgent) Answer(_ context.Context, id int64) (*agent.Answer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.answers[id]
	if !ok {
		return nil, fmt.Errorf("answer %d not found", id)
	}
	cp := *a
	cp.Charts = nil // stored answers have no charts (json:"-")
	return &cp, nil
}

func (p *plainAgent) RecordFeedback(_ context.Context, id int64, _, rating string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.answers[id]; !ok {
		return fmt.Errorf("answer %d not found", id)
	}
	p.feedback[id] = rating
	return nil
}

func (p *plainAgent) rating(id int64) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.feedback[id]
}

func (p *plainAgent) lastRequest() agent.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[len(p.requests)-1]
}

// forecastChart is a history + forecast chart with bands and a cutoff.
func forecastChart(name string, h int) chart.Chart {
	c := chart.Chart{Title: "Forecast " + name, Unit: "parts/h"}
	var ht, ft []int64
	var hv, fv, lo, hi []float64
	start := now.Add(-72 * time.Hour)
	for i := range 72 {
		ht = append(ht, start.Add(time.Duration(i)*time.Hour).Unix())
		hv = append(hv, 120+20*math.Sin(float64(i)*2*math.Pi/24))
	}
	for i := range h {
		ft = append(ft, now.Add(time.Duration(i)*time.Hour).Unix())
		v := 120 + 20*math.Sin(float64(72+i)*2*math.Pi/24)
		fv, lo, hi = append(fv, v), append(lo, v-8-float64(i)/4), append(hi, v+8+float64(i)/4)
	}
	c.Lines = []chart.Line{{Name: "history", Times: ht, Values: hv, Style: "history"}, {Name: "forecast", Times: ft, Values: fv, Style: "forecast"}}
	c.Bands = []chart.Band{{Name: "80%", Times: ft, Lo: lo, Hi: hi}}
	c.Cutoff = &chart.Instant{Label: "data cutoff", Time: now.Unix()}
	return c
}

// forecastTool is forecast_series over the fixture's clock: a summary and
// a chart, as the real tool gives.
func forecastTool() tools.Tool {
	type args struct {
		Series  string `json:"series"`
		Horizon int    `json:"horizon,omitempty"`
		Season  int    `json:"season,omitempty"`
	}
	return tools.New(tools.ForecastSeries, "Forecast a series.", map[string]any{"type": "object"}, func(_ context.Context, a args) (tools.Result, error) {
		if a.Series != "line-1.output" {
			return tools.Result{UserError: fmt.Sprintf("unknown series %q; try line-1.output", a.Series)}, nil
		}
		h := a.Horizon
		if h == 0 {
			h = 24
		}
		return tools.Result{Summary: fmt.Sprintf("*Forecast of `%s`* for the next %d hours: 2,870 parts (80%%: 2,700–3,040). Model: Holt-Winters, MASE 0.71.", a.Series, h),
			Charts: []chart.Chart{forecastChart(a.Series, h)}}, nil
	})
}

// digestTools are the checks a digest runs, with fixed findings.
func digestTools() []tools.Tool {
	type args struct {
		Asset     string  `json:"asset,omitempty"`
		Line      string  `json:"line,omitempty"`
		Since     string  `json:"since,omitempty"`
		PastHours float64 `json:"past_hours,omitempty"`
	}
	return []tools.Tool{
		tools.New(tools.DetectAnomalies, "Anomaly events.", map[string]any{"type": "object"}, func(context.Context, args) (tools.Result, error) {
			// The shape of the real tool's data: events as records, and
			// what was checked.
			start := now.Add(-3 * time.Hour).UTC().Format("2006-01-02T15:04Z")
			return tools.Result{Summary: "2 anomaly events: press-3 vibration drift (open), pump-2 pressure spike (ended)", Data: map[string]any{
				"checked": []string{"press-3", "pump-2", "filler-1"},
				"events": []map[string]any{
					{"asset": "press-3", "sensor": "vibration", "start": start, "end": now.UTC().Format("2006-01-02T15:04Z"), "ongoing": true, "kind": "drift",
						"value": 5.6, "current": 5.6, "usual": 2.1, "sigma": 11.7, "unit": "mm/s"},
					{"asset": "pump-2", "sensor": "pressure", "start": start, "end": now.Add(-2 * time.Hour).UTC().Format("2006-01-02T15:04Z"), "kind": "spike",
						"value": 7.9, "current": 6.1, "usual": 6.0, "sigma": 6.2, "unit": "bar"},
				}}}, nil
		}),
		tools.New(tools.CompareToPlan, "Output against plan.", map[string]any{"type": "object"}, func(context.Context, args) (tools.Result, error) {
			return tools.Result{Summary: "line-1: next 24 h forecast 2,870 vs plan 2,900 (99%)",
				Data: map[string]any{"ahead": map[string]any{"attainment_pct": 99}}}, nil
		}),
	}
}

// resolver is the incident store the fixture's core stores resolved
// threads in.
type resolver struct {
	mu       sync.Mutex
	got      []conversation.Incident
	outcomes map[string]string
}

func (r *resolver) SaveIncident(_ context.Context, inc conversation.Incident) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, inc)
	return inc.ID, nil
}

func (r *resolver) SetOutcome(_ context.Context, docID, outcome, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outcomes == nil {
		r.outcomes = map[string]string{}
	}
	r.outcomes[docID] = outcome
	return nil
}

// memDocs is a tiny incident store.
type memDocs struct{ docs []console.Doc }

func (m memDocs) Search(_ context.Context, q string, k int) ([]console.DocHit, error) {
	var out []console.DocHit
	for _, d := range m.docs {
		if q == "" || strings.Contains(strings.ToLower(d.Title+" "+d.Body), strings.ToLower(q)) {
			out = append(out, console.DocHit{ID: d.ID, Title: d.Title, Kind: d.Kind, Asset: d.Asset, Outcome: d.Outcome, Score: 0.03, Snippet: d.Body[:min(len(d.Body), 80)]})
		}
	}
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

func (m memDocs) Get(_ context.Context, id string) (*console.Doc, error) {
	for _, d := range m.docs {
		if d.ID == id {
			return &d, nil
		}
	}
	return nil, fmt.Errorf("no document %s", id)
}

var demoDocs = memDocs{docs: []console.Doc{
	{ID: "INC-0007", Title: "Press-3 drive-end bearing wear", Kind: "incident", Asset: "press-3", Outcome: "worked",
		Body: "## Symptoms\nVibration rose to 5 mm/s over a shift.\n\n## Actions\n1. Re-greased the bearing\n2. Checked alignment\n\n**Outcome**: fixed."},
	{ID: "RB-012", Title: "Bearing lubrication runbook", Kind: "runbook", Body: "# Bearing lubrication\n- Lock out the press\n- Grease 2 shots of EP2"},
	{ID: "INC-0031", Title: "2라인 필터 막힘으로 압력 상승", Kind: "incident", Asset: "pump-2", Outcome: "worked", Body: "필터 차압이 0.8 bar까지 상승. 필터 교체 후 정상."},
}}

// seedPlant writes a small plant: press-3 with two sensors every 10
// minutes over 4 days (a vibration drift in the last 8 hours) and line-1's
// hourly output.
func seedPlant(t *testing.T, st *series.Store) {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,vibration,temperature\n")
	start := now.Add(-96 * time.Hour)
	for i := range 96 * 6 {
		ts := start.Add(time.Duration(i) * 10 * time.Minute)
		day := 2 * math.Pi * float64(i) / 144
		vib := 2.0 + 0.2*math.Sin(day) + 0.05*math.Sin(float64(i)*1.7)
		temp := 55 + 2*math.Sin(day) + 0.3*math.Cos(float64(i)*1.3)
		if i > 96*6-48 {
			vib += 0.08 * float64(i-(96*6-48))
			temp += 0.1 * float64(i-(96*6-48))
		}
		fmt.Fprintf(&b, "%s,%.3f,%.2f\n", ts.Format(time.RFC3339), vib, temp)
	}
	ctx := context.Background()
	_, err := st.Import(ctx, strings.NewReader(b.String()), series.ImportOptions{Asset: "press-3", Line: "line-1", Site: "plant-a", Units: map[string]string{"vibration": "mm/s", "temperature": "°C"}})
	require.NoError(t, err)
	b.Reset()
	b.WriteString("series,timestamp,value\n")
	for i := range 96 {
		ts := start.Add(time.Duration(i) * time.Hour)
		fmt.Fprintf(&b, "line-1.output,%s,%.1f\n", ts.Format(time.RFC3339), 120+20*math.Sin(2*math.Pi*float64(i)/24))
	}
	_, err = st.Import(ctx, strings.NewReader(b.String()), series.ImportOptions{Line: "line-1", Site: "plant-a", Unit: "parts/h"})
	require.NoError(t, err)
	_, err = st.Upsert(ctx, series.Series{Name: "line-1.output", Kind: series.KindProduction})
	require.NoError(t, err)
}

// fixture is a console on the conversation core (on a database of its
// own), with the small agent, test tools, stores and a plant.
type fixture struct {
	agent    *plainAgent
	resolver *resolver
	core     *conversation.Core
	console  *console.Console
	srv      *httptest.Server
}

// fixtureOptions are what a test may change: the console's options, and
// the core's (Asker, Tools …); a nil core means no chat at all.
type fixtureOptions struct {
	console console.Options
	core    *conversation.Options
}

func newFixture(t *testing.T, st *series.Store, mod func(*fixtureOptions)) *fixture {
	t.Helper()
	f := &fixture{agent: newPlainAgent(), resolver: &resolver{}}
	o := fixtureOptions{
		console: console.Options{Answers: f.agent, Docs: demoDocs, Addr: "127.0.0.1:0", Now: func() time.Time { return now }, About: console.About{Version: "test"}},
		core: &conversation.Options{DB: dbtest.Pool(t), Asker: f.agent, Feedback: f.agent, Incidents: f.resolver,
			Tools: tools.NewRegistry(append(digestTools(), forecastTool())...), Now: func() time.Time { return now },
			PlannedLines: func(context.Context) ([]string, error) { return []string{"line-1"}, nil }},
	}
	if st != nil {
		o.console.Plant = console.NewSeriesPlant(st)
	}
	if mod != nil {
		mod(&o)
	}
	if o.core != nil {
		core, err := conversation.New(*o.core)
		require.NoError(t, err)
		f.core, o.console.Core = core, core
	}
	c, err := console.New(o.console)
	require.NoError(t, err)
	if f.core != nil {
		require.NoError(t, f.core.SetSchedule(context.Background(), console.Source, "shop-floor", "0 6,14,22 * * *", "Asia/Seoul", "console"))
	}
	f.console = c
	f.srv = httptest.NewServer(c)
	t.Cleanup(func() {
		f.srv.Close()
		c.Close()
	})
	return f
}
