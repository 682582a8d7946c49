package planner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/plant"
	"github.com/gemba-ai/gemba/tools"
)

// TestTaskStems: the task of a how-to question is its words less the
// question and procedure words, machine names and numbers, and the
// circumstances after "after", "when" and the like.
func TestTaskStems(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		q, phrase string
		n         int
	}{
		{"what's the start-up procedure for press 2?", "start-up", 1},
		{"how do I replace the motor on conveyor 1?", "replace the motor", 2},
		{"how should we warm up cnc 2 after the weekend?", "warm", 1},
		{"how do I check the belt tension on the conveyor?", "check the belt tension", 3},
		{"how to handle a motor overheating alarm on cnc 4?", "motor overheating alarm", 3},
		{"프레스 2 시운전 절차 알려줘", "시운전", 1},
		{"what's the procedure for press 2?", "", 0},
	} {
		words, phrase := taskStems(c.q, nil)
		require.Equal(t, c.phrase, phrase, c.q)
		require.Len(t, words, c.n, c.q)
	}
}

// TestCovers: a runbook covers a task when most of its words are in the
// title (directly or through synonyms) or one word a search synonym points
// at is; a Korean task against an English title without a synonym cannot
// be judged.
func TestCovers(t *testing.T) {
	t.Parallel()
	loto := &doc{ID: "RB-LOTO", Title: "Lockout/tagout (LOTO) before touching any machine"}
	belt := &doc{ID: "RB-belt-tension", Title: "Drive belt inspection and tensioning (conveyors and press V-belts)"}
	motor := &doc{ID: "RB-005", Title: "Motor overheating response"}
	esc := &doc{ID: "RB-007", Title: "Escalation matrix for line stops and safety events"}
	bearingKO := &doc{ID: "RB-011", Title: "베어링 점검 및 교체 절차"}
	for _, c := range []struct {
		q         string
		d         *doc
		covered   bool
		judgeable bool
	}{
		{"what's the start-up procedure for press 2?", loto, false, true},
		{"how do I safely isolate the compressor?", loto, true, true},
		{"how do I replace the motor on conveyor 1?", belt, false, true},
		{"how do I replace the motor on conveyor 1?", motor, false, true},
		{"how do I check the belt tension on the conveyor?", belt, true, true},
		{"how to handle a motor overheating alarm on cnc 4?", motor, true, true},
		{"who do I call about a hydraulic leak on press 2?", esc, true, true},
		{"프레스 2 시운전 절차 알려줘", bearingKO, false, true},
		{"프레스 2 시운전 절차 알려줘", loto, false, false},
		{"what's the procedure for press 2?", loto, true, true},
	} {
		words, _ := taskStems(c.q, nil)
		covered, ok := covers(c.d, words)
		require.Equal(t, c.covered, covered, "%s / %s", c.q, c.d.ID)
		require.Equal(t, c.judgeable, ok, "%s / %s judgeable", c.q, c.d.ID)
	}
}

// TestTitlesAgree: an English runbook and a Korean one are twins only
// when their titles name the same parts.
func TestTitlesAgree(t *testing.T) {
	t.Parallel()
	require.True(t, titlesAgree("Bearing inspection and replacement for presses, pumps and spindles", "베어링 점검 및 교체 절차"))
	require.True(t, titlesAgree("Lockout/tagout (LOTO) before touching any machine", "잠금·표지(LOTO) 절차"))
	require.False(t, titlesAgree("Pump suction strainer cleaning (pump-1, pump-2)", "필터 교체 절차 (충전기, 절삭유, 유압)"))
}

// TestRecordIntents: alarm logs and incidents of a time are records, a
// reported alarm is a symptom, how-tos in other words are procedures.
func TestRecordIntents(t *testing.T) {
	t.Parallel()
	pl, err := plant.New([]plant.Series{
		{Name: "press-3.vibration", Asset: "press-3", Line: "line-1", Sensor: "vibration"},
		{Name: "conveyor-1.speed", Asset: "conveyor-1", Line: "line-3", Sensor: "speed"},
		{Name: "pump-2.pressure", Asset: "pump-2", Line: "line-2", Sensor: "pressure"},
	}, plant.DemoDefaults())
	require.NoError(t, err)
	now := time.Date(2026, 3, 4, 1, 20, 0, 0, time.UTC)
	for text, want := range map[string]Intent{
		"how many alarms did press 3 raise this week?":     IntentMaintenance,
		"show me the alarm log for pump 2":                 IntentMaintenance,
		"when was the last alarm on press 3?":              IntentMaintenance,
		"what are the alarm limits on press 3?":            IntentLimits,
		"how many incidents did we have last month?":       IntentHistory,
		"list the incidents on pump 2 since september":     IntentHistory,
		"what is the right way to re-tension a V-belt?":    IntentProcedure,
		"how do I escalate a safety event?":                IntentProcedure,
		"how do I check the belt tension on the conveyor?": IntentProcedure,
		"how do I tension the drive belt?":                 IntentProcedure,
		"what's overdue in maintenance?":                   IntentMaintenance,
		"what is scheduled for maintenance tomorrow?":      IntentMaintenance,
		"what should I tell the next shift?":               IntentHandover,
		"how often is the conveyor belt replaced?":         IntentMaintenance,
		"how do I re-tension the drive belt?":              IntentProcedure,
	} {
		q := Understand(text, now, pl, nil, tools.Scope{})
		require.Equal(t, want, q.Intent, text)
	}
	require.Equal(t, "next", maintAskOf("when is press 1 due for service?").key)
	require.Equal(t, "due", maintAskOf("what maintenance is due this week?").key)
	require.Equal(t, "count", maintAskOf("which machine has the most open work orders?").key)
	require.Equal(t, "due", maintAskOf("what's the oldest open work order?").key)
	// Open work asked for is listed by due date; visits only when asked
	// to bundle ("one visit", "together").
	require.Equal(t, "due", maintAskOf("any open work orders on line 1?").key)
	require.Equal(t, "bundle", maintAskOf("group the open work orders on line 1 into one visit").key)
	require.Equal(t, "due", maintAskOf("show me all open work orders due this week").key)
	require.Equal(t, "bundle", maintAskOf("bundle the open work orders due this week").key)
	require.Equal(t, "next", maintAskOf("which machines need pm this week?").key)
	// Time a machine cost is downtime; money is cost.
	require.Equal(t, "downtime", maintAskOf("which machine cost us the most downtime last 90 days?").key)
	require.Equal(t, "cost", maintAskOf("how much did breakdowns cost us last year?").key)
	require.Equal(t, "cost", maintAskOf("what did the downtime cost us in money?").key)
	// A count asked with the downtime beside it is the downtime figure,
	// which counts the failures too.
	require.Equal(t, "downtime", maintAskOf("how many breakdowns on line 3 this quarter and how much downtime").key)
	require.Equal(t, "count", maintAskOf("how many breakdowns on line 3 this quarter").key)
	require.Equal(t, "replaced", maintAskOf("마지막으로 필터 간게 언제야?").key)
	require.Equal(t, 3, topN("top 3 machines by downtime"))
	require.Equal(t, 3, topN("다운타임 젤 많은 설비 top3"))
	require.Equal(t, 0, topN("which machine had the most downtime?"))
	// "라인별로 합치면?" after a downtime ranking: the same figures by line.
	for _, text := range []string{"라인별로 합치면?", "and by line?", "설비별로는?"} {
		q := Understand(text, now, pl, []string{"최근 3개월 고장 다운타임 젤 많은 설비 top3 뽑아줘"}, tools.Scope{})
		require.Equal(t, IntentMaintenance, q.Intent, text)
	}
	// The plan itself, or whether it will be met.
	for text, want := range map[string]bool{
		"what's the plan for line 1 tomorrow?":             true,
		"how many parts are planned for line 3 this week?": true,
		"내일 1라인 계획 생산량은?":                                  true,
		"will line 1 make its plan tomorrow?":              false,
		"what's the plan for line 1, will we hit it?":      false,
	} {
		require.Equal(t, want, planAskRe.MatchString(text) && !planMetRe.MatchString(text), text)
	}
	// A reported alarm is about the machine, not the alarm log.
	q := Understand("conveyor speed alarm went off twice this shift", now, pl, nil, tools.Scope{})
	require.Contains(t, []Intent{IntentDiagnose, IntentStatus}, q.Intent)
	// "since september" runs to now.
	q = Understand("list the incidents on pump 2 since september", now, pl, nil, tools.Scope{})
	require.True(t, q.Window.To.Equal(now))
	require.True(t, q.Window.From.Equal(time.Date(2025, 8, 31, 15, 0, 0, 0, time.UTC)), q.Window.From)
}

// TestMaintUnreadable: a tool error that is not "no history" is said as
// such, never as an empty history.
func TestMaintUnreadable(t *testing.T) {
	t.Parallel()
	r := &run{lang: "en"}
	require.Equal(t, []string{message("en", "maint.none")}, r.maintUnreadable())
	r.failures = []string{"no maintenance history is recorded for this plant: import …"}
	require.Equal(t, []string{message("en", "maint.none")}, r.maintUnreadable())
	r.failures = []string{"limit must be from 1 to 50, not 200"}
	out := r.maintUnreadable()
	require.Equal(t, message("en", "maint.unreadable"), out[0])
	require.Contains(t, out, "limit must be from 1 to 50, not 200")
}

// TestRunningAsk: whether a machine runs now, not how it runs.
func TestRunningAsk(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"is the compressor running?":              true,
		"is cnc 2 running right now?":             true,
		"which machines are running?":             true,
		"is line 1 down?":                         true,
		"컨베이어 가동 중이야?":                            true,
		"is press 3 running hotter than press 1?": false,
		"is the conveyor running slow?":           false,
		"how is press 3 running today?":           false,
	} {
		require.Equal(t, want, runningAskRe.MatchString(text), text)
	}
}

// TestExtremeAsk: which machine reads highest or lowest, and the end asked.
func TestExtremeAsk(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"which pump has the highest pressure?": "highest",
		"hottest machine right now?":           "hottest",
		"which press vibrates the most?":       "most",
		"which conveyor is slowest today?":     "slowest",
		"is press 3 ok?":                       "",
	} {
		m := extremeAskRe.FindStringSubmatch(text)
		got := ""
		if m != nil {
			got = m[1] + m[2] + m[3]
		}
		require.Equal(t, want, got, text)
	}
}
