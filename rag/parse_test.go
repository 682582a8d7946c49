package rag

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		wantID    string
		wantTitle string
		wantField string // a *FieldError naming this field
		wantErr   string // or an error containing this
		empty     bool
	}{
		{name: "full front matter", in: "---\nid: INC-1\ntitle: Pump clogged\nkind: incident\nasset: pump-1\noccurred_at: 2024-03-05\ndowntime_minutes: 30\ntags: [a, b]\noutcome: fixed\nshift: night\n---\n# Pump\n\nBody.", wantID: "INC-1", wantTitle: "Pump clogged"},
		{name: "no front matter takes id from file and title from heading", in: "# Belt slip on conveyor\n\ntext", wantID: "file-id", wantTitle: "Belt slip on conveyor"},
		{name: "bad date names the field", in: "---\nid: X\noccurred_at: yesterday\n---\nbody", wantField: "occurred_at"},
		{name: "bad kind names the field", in: "---\nid: X\nkind: memo\n---\nbody", wantField: "kind"},
		{name: "bad downtime names the field", in: "---\nid: X\ndowntime_minutes: lots\n---\nbody", wantField: "downtime_minutes"},
		{name: "bad outcome names the field", in: "---\nid: X\noutcome: maybe\n---\nbody", wantField: "outcome"},
		{name: "bad id names the field", in: "---\nid: has spaces in it\n---\nbody", wantField: "id"},
		{name: "resolved before occurred", in: "---\nid: X\noccurred_at: 2024-03-05\nresolved_at: 2024-03-01\n---\nbody", wantField: "resolved_at"},
		{name: "unterminated front matter", in: "---\nid: X\nbody", wantErr: "never ends"},
		{name: "invalid YAML", in: "---\nid: [X\n---\nbody", wantErr: "not valid YAML"},
		{name: "empty body", in: "---\nid: X\n---\n\n", empty: true},
		{name: "rule without action names the field", in: "---\nid: X\nrules:\n  - {sensor: vibration, condition: above, limit: 4.5}\n---\nbody", wantField: "rules"},
		{name: "rule with a bad condition names the field", in: "---\nid: X\nrules:\n  - {sensor: vibration, condition: over, limit: 4.5, action: stop}\n---\nbody", wantField: "rules"},
		{name: "rule with a bad duration names the field", in: "---\nid: X\nrules:\n  - {sensor: vibration, condition: above_rising, limit: 4.5, for: a day, action: plan}\n---\nbody", wantField: "rules"},
		{name: "rule with an unknown key names the field", in: "---\nid: X\nrules:\n  - {sensor: vibration, condition: above, limit: 4.5, action: plan, color: red}\n---\nbody", wantField: "rules"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := ParseMarkdown([]byte(tc.in), "file-id", "")
			switch {
			case tc.wantField != "":
				var fe *FieldError
				require.ErrorAs(t, err, &fe)
				require.Equal(t, tc.wantField, fe.Field)
			case tc.wantErr != "":
				require.ErrorContains(t, err, tc.wantErr)
			case tc.empty:
				require.ErrorIs(t, err, ErrEmpty)
			default:
				require.NoError(t, err)
				require.Equal(t, tc.wantID, d.ID)
				require.Equal(t, tc.wantTitle, d.Title)
			}
		})
	}
	d, err := ParseMarkdown([]byte(tests[0].in), "f", "")
	require.NoError(t, err)
	require.Equal(t, KindIncident, d.Kind)
	require.Equal(t, OutcomeWorked, d.Outcome)
	require.Equal(t, 30, *d.DowntimeMinutes)
	require.Equal(t, []string{"a", "b"}, d.Tags)
	require.Equal(t, "2024-03-05", d.OccurredAt.Format("2006-01-02"))
	require.Equal(t, "night", d.Metadata["shift"])
	require.Equal(t, "en", d.Lang)

	// Rules in front matter are kept, checked, as metadata (get_document returns them).
	d, err = ParseMarkdown([]byte("---\nid: RB-1\nrules:\n  - {sensor: vibration, asset_type: press, condition: above_rising, limit: 4.5, unit: mm/s, for: 24h, action: plan the bearing change, action_ko: 베어링 교체 계획}\n---\nbody"), "f", "")
	require.NoError(t, err)
	require.Equal(t, []any{map[string]any{"sensor": "vibration", "asset_type": "press", "condition": "above_rising", "limit": 4.5, "unit": "mm/s",
		"for": "24h", "action": "plan the bearing change", "action_ko": "베어링 교체 계획"}}, d.Metadata["rules"])
}

func TestParseCSV(t *testing.T) {
	t.Parallel()
	in := "WO Number,Equipment,Reported,Summary,Problem,Action Taken,Result\n" +
		"WO-1,pump-1,2024-01-02 10:00,Low pressure,Strainer full,Cleaned,worked\n" +
		"WO-2,pump-2,2024-01-03,,,,\n" + // no text: skipped
		"WO-3,press-1,2024-01-04,Squeal,Belt loose,Tensioned,failed\n"
	docs, err := ParseCSV(strings.NewReader(in), nil, KindIncident)
	require.NoError(t, err)
	require.Len(t, docs, 3)
	require.Equal(t, "WO-1", docs[0].ID)
	require.Equal(t, "pump-1", docs[0].Asset)
	require.Equal(t, "Low pressure", docs[0].Title)
	require.Contains(t, docs[0].Body, "## Problem")
	require.Contains(t, docs[0].Body, "Cleaned")
	require.Equal(t, OutcomeFailed, docs[2].Outcome)
	require.Empty(t, docs[1].Body)

	m, err := ParseCSVMapping("id=WO Number,title=Summary,body=Problem+Action Taken,asset=Equipment")
	require.NoError(t, err)
	docs, err = ParseCSV(strings.NewReader(in), m, KindIncident)
	require.NoError(t, err)
	require.Equal(t, "press-1", docs[2].Asset)
	require.Equal(t, "2024-01-04", docs[2].Metadata["reported"])

	_, err = ParseCSVMapping("id=WO,colour=Red")
	require.ErrorContains(t, err, `unknown field "colour"`)
	m, _ = ParseCSVMapping("id=Order")
	_, err = ParseCSV(strings.NewReader(in), m, "")
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "id", fe.Field)

	_, err = ParseCSV(strings.NewReader("WO Number,Reported\nW1,not a date\n"), nil, "")
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "occurred_at", fe.Field)
	require.ErrorContains(t, err, "row 2")
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	docs, err := ParseJSONL([]byte(`{"id":"A","title":"t","body":"x","asset":"cnc-1"}`+"\n\n"+`{"id":"B","content":"y","kind":"runbook"}`), "")
	require.NoError(t, err)
	require.Len(t, docs, 2)
	require.Equal(t, KindRunbook, docs[1].Kind)
	_, err = ParseJSONL([]byte(`{"id":"A","body":"x"}`+"\n"+`{"id":`), "")
	require.ErrorContains(t, err, "line 2")
	_, err = ParseJSONL([]byte(`{"id":"A","body":"x","downtime_minutes":1.5}`), "")
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "downtime_minutes", fe.Field)
	docs, err = ParseJSON([]byte(`[{"id":"A","body":"x"},{"id":"B","body":"y"}]`), KindNote)
	require.NoError(t, err)
	require.Len(t, docs, 2)
	_, err = ParseJSON([]byte(`"just a string"`), "")
	require.Error(t, err)
}

func TestChunkMarkdown(t *testing.T) {
	t.Parallel()
	var rows []string
	for i := 0; i < 40; i++ {
		rows = append(rows, "| press-"+strings.Repeat("x", 3)+" | row "+string(rune('A'+i%26))+" | 4.5 mm/s alert level for this row |")
	}
	var items []string
	for i := 0; i < 30; i++ {
		items = append(items, "1. **[LOTO]** step number with enough words to make it long\n   continued on the next line")
	}
	body := "Intro text.\n\n# Title\n\n## Symptoms\n\nShort.\n\n## Table\n\n| a | b | c |\n|---|---|---|\n" + strings.Join(rows, "\n") +
		"\n\n## Steps\n\n" + strings.Join(items, "\n") + "\n\n### Sub\n\nText under sub."
	cs := ChunkMarkdown(body, ChunkOptions{Max: 500})
	require.Equal(t, "", cs[0].Heading)
	require.Equal(t, "Intro text.", cs[0].Content)
	require.Equal(t, "Title > Symptoms", cs[1].Heading)
	var tableChunks, stepChunks int
	for i, c := range cs {
		require.Equal(t, i, c.Ord)
		switch c.Heading {
		case "Title > Table":
			tableChunks++
			lines := strings.Split(c.Content, "\n")
			require.Equal(t, "| a | b | c |", lines[0], "every table piece repeats the header")
			for _, l := range lines {
				require.True(t, strings.HasPrefix(l, "|") && strings.HasSuffix(l, "|"), "row cut: %q", l)
			}
		case "Title > Steps":
			stepChunks++
			require.True(t, strings.HasPrefix(c.Content, "1. "), "list piece starts mid-item: %q", c.Content[:20])
			require.True(t, strings.HasSuffix(c.Content, "continued on the next line"))
		}
	}
	require.Greater(t, tableChunks, 1)
	require.Greater(t, stepChunks, 1)
	require.Equal(t, "Title > Steps > Sub", cs[len(cs)-1].Heading)
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	terms := func(s string) []string {
		var out []string
		for _, t := range analyze(s) {
			out = append(out, t.text)
		}
		return out
	}
	require.Equal(t, terms("bearings rising"), terms("bearing rise"))
	require.Contains(t, terms("press 3 vibrating"), "press3")
	require.Contains(t, terms("press-3"), "press3")
	require.Contains(t, terms("vibration"), terms("vibrating")[0])
	// Korean: particles and endings do not matter, and vocabulary terms of
	// either language share their concept's term.
	require.Equal(t, []string{"bear"}, terms("베어링의"))
	require.Equal(t, []string{"bear"}, terms("베어링을"))
	require.Equal(t, []string{"bear", "replac"}, terms("베어링을 교체했어요"))
	require.Equal(t, terms("떨어져요"), terms("떨어졌는데요"))
	require.Contains(t, terms("막혀서"), "clog")
	require.Contains(t, terms("strainer clogged"), "clog")
	require.Contains(t, terms("strainer blocked"), "clog", "an English synonym adds its concept")
	require.Contains(t, terms("strainer blocked"), "block", "and keeps its own word")
	// Asset numbering and mixed Hangul/Latin tokens.
	for _, in := range []string{"프레스 3호기", "3호기 프레스", "프레스-3", "press #3", "3번 프레스"} {
		require.Contains(t, terms(in), "press3", in)
	}
	require.Contains(t, terms("1라인 컨베이어"), "line1")
	require.Contains(t, terms("CNC4호기 스핀들"), "cnc4")
	require.Contains(t, terms("V벨트 장력"), "belt")
	// Stems outside the vocabulary keep their syllable bigrams.
	require.Equal(t, []string{"label", "bottl"}, terms("라벨과 병"))
	require.Equal(t, []string{"tank", "screen"}, terms("회수탱크스크린이"))
	require.Equal(t, []string{"클램프", "클램", "램프", "hos"}, terms("클램프를 호스에"))
	require.Empty(t, terms("어떻게 해야 하나요?"))
	require.Equal(t, "", tsQuery("!!! ..."))
	require.Equal(t, "'brien' | 'pump'", tsQuery("O'Brien's pump"))
	require.False(t, errors.Is(nil, ErrEmpty))
}

func TestSelectiveTerms(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	emb, err := NewLocalEmbedder(0)
	require.NoError(t, err)
	s := New(nil, emb, Options{Now: func() time.Time { return now }})
	set := func(rows float64, freq map[string]float64) {
		s.stats = &termStats{at: now, rows: rows, freq: freq, minFreq: 0.001}
	}
	// A small store: every term, OR-ed.
	set(200, map[string]float64{"pump": 0.3, "strainer": 0.1})
	require.Equal(t, "'pump' | 'strainer'", s.selectiveTerms(context.Background(), "pump strainer"))
	// A large store: the rare terms select, the common ones only rank.
	set(100_000, map[string]float64{"pump": 0.3, "pressur": 0.4, "strainer": 0.002})
	require.Equal(t, "'impeller' | 'strainer'", s.selectiveTerms(context.Background(), "pump pressure strainer impeller"))
	// Every term common: pairs must occur together.
	set(100_000, map[string]float64{"pump": 0.05, "pressur": 0.06, "strainer": 0.04})
	require.Equal(t, "('strainer' & 'pump')", s.selectiveTerms(context.Background(), "pump pressure strainer"))
}

func TestCSVMappingFile(t *testing.T) {
	t.Parallel()
	m, err := LoadCSVMapping("testdata/workorders-map.yaml")
	require.NoError(t, err)
	require.Equal(t, []string{"Problem", "Action Taken"}, m["body"].Sections)
	docs, warns, err := ParseFile("../internal/demo/docs/workorders.csv", ParseOptions{CSV: m})
	require.NoError(t, err)
	require.Empty(t, warns)
	require.Len(t, docs, 6)
	d := docs[1]
	require.Equal(t, "WO-24-1203", d.ID)
	require.Equal(t, KindIncident, d.Kind)
	require.Equal(t, "pump-2", d.Asset)
	require.Equal(t, "filter_clogging", d.FailureMode)
	require.Equal(t, OutcomePartial, d.Outcome)
	require.Equal(t, 90, *d.DowntimeMinutes)
	require.Equal(t, "2024-04-02 15:40", d.ResolvedAt.Format("2006-01-02 15:04"))
	require.Contains(t, d.Body, "## Action Taken")
	require.Equal(t, "../internal/demo/docs/workorders.csv", d.Source)
	_, err = LoadCSVMapping("testdata/missing.yaml")
	require.Error(t, err)
}

func TestIDFSQLKeepsQuotesOut(t *testing.T) {
	t.Parallel()
	require.Equal(t, "CASE WHEN m.tsv @@ '''pump'''::tsquery THEN 1.500 ELSE 0 END + CASE WHEN m.tsv @@ '''압력'''::tsquery THEN 2.250 ELSE 0 END",
		idfSQL([]termIDF{{"pump", 1.5}, {"o'brien", 9}, {"a b", 9}, {`x\`, 9}, {"", 1}, {"압력", 2.25}}))
	require.Empty(t, idfSQL(nil))
}

// TestParseCSVPdMFailures reproduces issue 15's report on Azure PdM's
// failures table (a few of its rows): without a mapping no column names
// the id, and the error says how to build one; "id=machineID+datetime+failure"
// builds the id from all three columns (it used the first only, and the
// repeated ids ended in a database error with no row number); a mapping
// whose id repeats says which rows.
func TestParseCSVPdMFailures(t *testing.T) {
	t.Parallel()
	in := "\"datetime\",\"machineID\",\"failure\"\n" +
		"2015-01-05 06:00:00,1,\"comp4\"\n" +
		"2015-03-06 06:00:00,1,\"comp1\"\n" +
		"2015-04-20 06:00:00,1,\"comp2\"\n"
	_, err := ParseCSV(strings.NewReader(in), nil, KindIncident)
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "id", fe.Field)
	require.ErrorContains(t, err, "id={datetime}")

	m, err := ParseCSVMapping("id=machineID+datetime+failure,title=failure,asset=machineID,occurred_at=datetime,body=failure")
	require.NoError(t, err)
	docs, err := ParseCSV(strings.NewReader(in), m, KindIncident)
	require.NoError(t, err)
	require.Len(t, docs, 3)
	require.Equal(t, "1-2015-01-05-06:00:00-comp4", docs[0].ID)
	require.Equal(t, "1-2015-03-06-06:00:00-comp1", docs[1].ID)

	m, err = ParseCSVMapping("id=machineID,title=failure,body=failure")
	require.NoError(t, err)
	_, err = ParseCSV(strings.NewReader(in), m, KindIncident)
	require.ErrorAs(t, err, &fe)
	require.ErrorContains(t, err, "rows 2 and 3 both give the id \"1\"")

	m, err = ParseCSVMapping("id={machineID}-{datetime},title=machine {machineID}: {failure},body=Component {failure} failed.")
	require.NoError(t, err)
	docs, err = ParseCSV(strings.NewReader(in), m, KindIncident)
	require.NoError(t, err)
	require.Equal(t, "machine 1: comp2", docs[2].Title)
	require.Equal(t, "Component comp2 failed.", docs[2].Body)
}

// TestIngestDuplicateIDsInOneFile: two records of one file with one id are
// the file's error, naming them, never a database error.
func TestIngestDuplicateIDsInOneFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := dir + "/two.jsonl"
	require.NoError(t, os.WriteFile(p, []byte(`{"id":"A","title":"a","body":"x"}`+"\n"+`{"id":"A","title":"b","body":"y"}`+"\n"), 0o600))
	s := localStore(t, nil)
	rep, err := s.Ingest(context.Background(), []string{p}, IngestOptions{})
	require.NoError(t, err)
	require.Len(t, rep.Failed, 1)
	require.Contains(t, rep.Failed[0].Reason, `records 1 and 2 both have the document id "A"`)
}
