package rag

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The fuzzers below feed arbitrary bytes to the document parsers. Their
// seed corpora live in testdata/fuzz/<FuzzName>/.

// fieldNames are the names a *FieldError may carry: the canonical fields
// and the synonyms applyFields accepts (an error names the key the user
// wrote).
var fieldNames = map[string]bool{
	"id": true, "title": true, "kind": true, "type": true, "site": true, "line": true, "asset": true, "equipment": true,
	"failure_mode": true, "failure-mode": true, "failuremode": true, "severity": true, "priority": true,
	"occurred_at": true, "occurred": true, "date": true, "started_at": true,
	"resolved_at": true, "resolved": true, "closed_at": true,
	"downtime_minutes": true, "downtime": true, "downtime_min": true, "tags": true, "labels": true,
	"outcome": true, "result": true, "lang": true, "language": true,
	"body": true, "content": true, "text": true, "description": true,
}

// requireFieldError checks that a *FieldError in err names a known field
// and says what is wrong with it.
func requireFieldError(t *testing.T, err error) {
	t.Helper()
	var fe *FieldError
	if errors.As(err, &fe) {
		require.True(t, fieldNames[fe.Field], "FieldError names unknown field %q: %v", fe.Field, err)
		require.NotEmpty(t, fe.Reason)
		require.Contains(t, err.Error(), fe.Field)
	}
}

// checkDoc asserts what a successfully parsed document guarantees the
// store: a valid id and kind, a title, JSON-encodable metadata, and a
// Validate that is idempotent.
func checkDoc(t *testing.T, d Document) {
	t.Helper()
	require.NotEmpty(t, d.ID)
	require.True(t, idRE.MatchString(d.ID), "id %q", d.ID)
	require.Contains(t, []Kind{KindIncident, KindRunbook, KindUseCase, KindNote}, d.Kind)
	require.Contains(t, []Outcome{OutcomeNone, OutcomeWorked, OutcomePartial, OutcomeFailed, OutcomeUnknown}, d.Outcome)
	require.NotEmpty(t, d.Title)
	require.Equal(t, strings.TrimSpace(d.Title), d.Title)
	require.Equal(t, strings.TrimSpace(d.Body), d.Body)
	require.NotEmpty(t, d.Lang)
	if d.DowntimeMinutes != nil {
		require.GreaterOrEqual(t, *d.DowntimeMinutes, 0)
	}
	if d.OccurredAt != nil && d.ResolvedAt != nil {
		require.False(t, d.ResolvedAt.Before(*d.OccurredAt))
	}
	_, err := json.Marshal(d.Metadata)
	require.NoError(t, err, "the store writes metadata as JSON")
	again := d
	require.NoError(t, again.Validate(), "a valid document stays valid")
	require.True(t, reflect.DeepEqual(d, again), "Validate changed a valid document:\n%+v\n%+v", d, again)
	require.Equal(t, d.Hash(), again.Hash())
}

func FuzzParseMarkdown(f *testing.F) {
	f.Add([]byte("---\nid: INC-1\nkind: incident\n---\n# Pump\n\nBody."), "file-id", "")
	f.Add([]byte("# Belt slip\n\ntext"), "belt", "runbook")
	f.Fuzz(func(t *testing.T, data []byte, defaultID, defaultKind string) {
		d, err := ParseMarkdown(data, defaultID, Kind(defaultKind))
		if err != nil {
			requireFieldError(t, err)
			var fe *FieldError
			if !errors.As(err, &fe) && !errors.Is(err, ErrEmpty) {
				require.Contains(t, err.Error(), "front matter", "a non-field error is about the front matter")
			}
			return
		}
		checkDoc(t, d)
		require.NotEmpty(t, d.Body)
		text := strings.ReplaceAll(string(data), "\r\n", "\n")
		if !strings.HasPrefix(text, "---\n") {
			require.Equal(t, strings.TrimSpace(defaultID), d.ID, "without front matter the default id is used")
			require.Equal(t, strings.TrimSpace(text), d.Body)
		}
		// Round trip: the document written back as front matter and body
		// reads back the same.
		fm := map[string]any{"id": d.ID, "kind": string(d.Kind), "title": d.Title, "outcome": string(d.Outcome)}
		if d.Asset != "" {
			fm["asset"] = d.Asset
		}
		if len(d.Tags) > 0 {
			fm["tags"] = d.Tags
		}
		if d.DowntimeMinutes != nil {
			fm["downtime_minutes"] = *d.DowntimeMinutes
		}
		y, err := yaml.Marshal(fm)
		require.NoError(t, err)
		out := "---\n" + string(y) + "---\n" + d.Body + "\n"
		d2, err := ParseMarkdown([]byte(out), "other", "")
		require.NoError(t, err, "re-parse of\n%s", out)
		require.Equal(t, d.ID, d2.ID)
		require.Equal(t, d.Kind, d2.Kind)
		require.Equal(t, d.Title, d2.Title)
		require.Equal(t, d.Body, d2.Body)
		require.Equal(t, d.Asset, d2.Asset)
		require.Equal(t, d.Outcome, d2.Outcome)
		require.Equal(t, d.DowntimeMinutes, d2.DowntimeMinutes)
		require.ElementsMatch(t, d.Tags, d2.Tags)
	})
}

var fuzzExts = []string{".md", ".json", ".jsonl", ".csv", ".txt", ".markdown", ""}

func FuzzParseBytes(f *testing.F) {
	f.Add([]byte("---\nid: INC-1\n---\nBody."), uint8(0))
	f.Add([]byte(`[{"id":"a","body":"x"},{"id":"b","body":""}]`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, ext uint8) {
		path := "docs/wo-17" + fuzzExts[int(ext)%len(fuzzExts)]
		docs, warnings, err := ParseBytes(path, data, ParseOptions{})
		if !utf8.Valid(data) {
			require.Error(t, err, "invalid UTF-8 is refused")
			return
		}
		for _, w := range warnings {
			require.Contains(t, w, path, "a warning names the file")
		}
		if err != nil {
			require.Empty(t, docs)
			requireFieldError(t, err)
			return
		}
		require.NotEmpty(t, docs)
		ids := map[string]bool{}
		for _, d := range docs {
			checkDoc(t, d)
			require.NotEmpty(t, d.Body, "documents without text are skipped")
			require.Equal(t, path, d.Source)
			ids[d.ID] = true
		}
		// The same bytes parse to the same documents (ingest compares
		// hashes, so any nondeterminism would re-embed on every run).
		again, _, err := ParseBytes(path, data, ParseOptions{})
		require.NoError(t, err)
		require.Len(t, again, len(docs))
		for i := range docs {
			require.Equal(t, docs[i].Hash(), again[i].Hash(), "document %d parses the same twice", i)
		}
	})
}

// csvRecords reads the data records of a CSV file as ParseCSV's reader
// does; false when the file is not well-formed CSV.
func csvRecords(data []byte) ([][]string, bool) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	if _, err := cr.Read(); err != nil {
		return nil, false
	}
	var out [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, true
		}
		if err != nil {
			return nil, false
		}
		out = append(out, rec)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("WO Number,Summary,Problem\nWO-1,Pump,clogged\n"), "id=WO Number,title=Summary,body=Problem", "")
	f.Add([]byte("id,description\nA,x\n"), "", "incident")
	f.Fuzz(func(t *testing.T, data []byte, mapping, kind string) {
		m, err := ParseCSVMapping(mapping)
		if err != nil {
			require.Contains(t, err.Error(), "csv mapping")
		}
		if err != nil || len(m) == 0 {
			m = nil // no --csv-map: match headers by name
		}
		docs, err := ParseCSV(bytes.NewReader(data), m, Kind(kind))
		if err != nil {
			require.Nil(t, docs)
			requireFieldError(t, err)
			return
		}
		recs, ok := csvRecords(data)
		require.True(t, ok, "ParseCSV accepted a file encoding/csv rejects")
		require.Len(t, docs, len(recs), "one document per data row")
		for i, d := range docs {
			checkDoc(t, d)
			cells := make([]string, len(recs[i]))
			for j, c := range recs[i] {
				cells[j] = strings.TrimSpace(c)
			}
			if f, ok := m["id"]; !ok || !f.Template.Composite() {
				require.Contains(t, cells, d.ID, "row %d's id comes from the row", i+2)
			}
		}
		again, err := ParseCSV(bytes.NewReader(data), m, Kind(kind))
		require.NoError(t, err)
		for i := range docs {
			require.Equal(t, docs[i].Hash(), again[i].Hash(), "row %d parses the same twice", i+2)
		}
	})
}
