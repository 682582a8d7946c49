package csvmap

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseTemplate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		cols    []string
		out     string
		comp    bool
		wantErr string
	}{
		{in: "machineID", cols: []string{"machineID"}, out: "{machineID}"},
		{in: "WO Number", cols: []string{"WO Number"}, out: "{WO Number}"},
		{in: "{machineID}-{datetime}-{failure}", cols: []string{"machineID", "datetime", "failure"}, out: "{machineID}-{datetime}-{failure}", comp: true},
		{in: "machine-{machineID}", cols: []string{"machineID"}, out: "machine-{machineID}", comp: true},
		{in: "{{literal}} {a}", cols: []string{"a"}, out: "{{literal}} {a}", comp: true},
		{in: "{a", wantErr: "never closed"},
		{in: "a}", wantErr: "has no {"},
		{in: "{ }", wantErr: "empty {}"},
		{in: "  ", wantErr: "empty template"},
	}
	for _, tc := range tests {
		tpl, err := ParseTemplate(tc.in)
		if tc.wantErr != "" {
			require.ErrorContains(t, err, tc.wantErr, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.cols, tpl.Columns(), tc.in)
		require.Equal(t, tc.out, tpl.String(), tc.in)
		require.Equal(t, tc.comp, tpl.Composite(), tc.in)
	}
}

func TestParseFlag(t *testing.T) {
	t.Parallel()
	m, err := ParseFlag("id=machineID+datetime+failure,body=Problem+Action,title={a}: {b}", map[string]bool{"body": true})
	require.NoError(t, err)
	require.Equal(t, "{machineID}-{datetime}-{failure}", m["id"].Template.String(), "several columns make an id joined by -, not the first column")
	require.Equal(t, []string{"Problem", "Action"}, m["body"].Sections)
	require.Equal(t, "{a}: {b}", m["title"].Template.String())
	_, err = ParseFlag("id", nil)
	require.ErrorContains(t, err, "want field=column")
	_, err = ParseFlag("id=a++b", nil)
	require.ErrorContains(t, err, "empty column")
}

func TestBindAndValues(t *testing.T) {
	t.Parallel()
	f, err := ParseFile([]byte(`
event:
  id: "{machineID}-{datetime}-{failure}"
  asset: "machine-{machineID}"
  kind: {template: "{type}", map: {PM: preventive, cm: work_order}, default: work_order}
  downtime_minutes: 0
  code: failure
document:
  id: machineID
  body: [Problem, Action]
time_zone: UTC
if_exists: skip
source: pdm
`), map[string]bool{"body": true})
	require.NoError(t, err)
	require.Equal(t, "skip", f.IfExists)
	require.Equal(t, "pdm", f.Source)
	rd, err := NewReader(strings.NewReader("\ufeffdatetime,machineID,failure,type,Problem,Action\n2015-01-05 06:00:00,1,comp4,pm,x,\n\"2015-01-06\",,comp1,,y,z\n"))
	require.NoError(t, err)
	b, err := f.Event.Bind(rd.Header)
	require.NoError(t, err)
	r1, err := rd.Next()
	require.NoError(t, err)
	require.Equal(t, 2, r1.Line)
	require.Equal(t, "1-2015-01-05 06:00:00-comp4", b.Value("id", r1.Record))
	require.Equal(t, "1-2015-01-05-06:00:00-comp4", Slug(b.Value("id", r1.Record)))
	require.Equal(t, "machine-1", b.Value("asset", r1.Record))
	require.Equal(t, "preventive", b.Value("kind", r1.Record), "value maps match case-insensitively")
	require.Equal(t, "0", b.Value("downtime_minutes", r1.Record))
	require.Equal(t, "failure", b.Value("code", r1.Record), "in a sectioned file, text without braces is a constant, not the column failure")
	r2, err := rd.Next()
	require.NoError(t, err)
	require.Equal(t, 3, r2.Line)
	require.Empty(t, b.Value("asset", r2.Record), "a template whose columns are all empty is empty")
	require.Equal(t, "work_order", b.Value("kind", r2.Record), "the default")
	db, err := f.Document.Bind(rd.Header)
	require.NoError(t, err)
	require.Equal(t, [][2]string{{"Problem", "y"}, {"Action", "z"}}, db.Sections("body", r2.Record))
	_, err = rd.Next()
	require.True(t, errors.Is(err, io.EOF))

	_, err = Mapping{"asset": {Template: mustT(t, "machine-{machine}")}}.Bind(rd.Header)
	var ce *ErrColumn
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "machine", ce.Column)
	require.ErrorContains(t, err, "datetime, machineID, failure")
}

func TestParseFileErrors(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                               "empty mapping",
		"event: [a]":                     "want a map",
		"event: {id: '{a'}":              "never closed",
		"event: {id: a}\ncolour: red":    "unknown key",
		"event: {id: a}\nif_exists: new": "want replace or skip",
		"event: {kind: {mapp: {}}}":      "unknown key",
		"id: [1, 2]":                     "list of column names",
	} {
		_, err := ParseFile([]byte(in), nil)
		require.ErrorContains(t, err, want, in)
	}
	f, err := ParseFile([]byte("id: WO\nbody: [A, B]\n"), map[string]bool{"body": true})
	require.NoError(t, err, "a flat file is a document mapping")
	require.Equal(t, []string{"A", "B"}, f.Document["body"].Sections)
}

func TestProblemsAndDuplicates(t *testing.T) {
	t.Parallel()
	var p Problems
	require.NoError(t, p.Err())
	for i := 0; i < 12; i++ {
		p.Add(i+2, "bad %d", i)
	}
	err := p.Err()
	var re *RowErrors
	require.ErrorAs(t, err, &re)
	require.Equal(t, 12, re.Count)
	require.ErrorContains(t, err, "line 2: bad 0")
	require.ErrorContains(t, err, "and 2 more")
	var d Duplicates
	require.Zero(t, d.See("a", 2))
	require.Equal(t, 2, d.See("a", 5))
}

func mustT(t *testing.T, s string) Template {
	t.Helper()
	tpl, err := ParseTemplate(s)
	require.NoError(t, err)
	return tpl
}
