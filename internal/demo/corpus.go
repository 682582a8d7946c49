package demo

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"testing/fstest"
	"time"

	"github.com/gemba-ai/gemba/internal/demo/docs"
)

// CorpusDay is the seed day the demo corpus's dates were written against:
// seeded on this day, the incidents' occurred_at and resolved_at fall on the
// days the generator puts their failures.
var CorpusDay = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// dateLine matches a front-matter date of the corpus (occurred_at or resolved_at).
var dateLine = regexp.MustCompile(`(?m)^(occurred_at|resolved_at):[ \t]*"?([0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9:]{5,8}(?:Z|[+-][0-9]{2}:[0-9]{2})?)?)"?[ \t]*$`)

// Docs returns the demo corpus with its incident dates moved by whole days
// so that they line up with the failures Seed generates for a window ending
// at now (the generator's schedule is relative to the seed time). Seeded
// on CorpusDay, the files are unchanged. Whole days keep the times of day
// that the incident texts mention.
func Docs(now time.Time) (fs.FS, error) {
	shift := now.UTC().Truncate(24 * time.Hour).Sub(CorpusDay)
	days := int(shift.Hours() / 24)
	out := fstest.MapFS{}
	err := fs.WalkDir(docs.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(docs.FS, p)
		if err != nil {
			return err
		}
		if days != 0 && path.Ext(p) == ".md" {
			b = shiftDates(b, days)
		}
		out[p] = &fstest.MapFile{Data: b, Mode: 0o444}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("demo: corpus: %w", err)
	}
	return out, nil
}

// shiftDates moves each front-matter date by days, keeping its layout.
func shiftDates(b []byte, days int) []byte {
	return dateLine.ReplaceAllFunc(b, func(line []byte) []byte {
		m := dateLine.FindSubmatch(line)
		val := string(m[2])
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02"} {
			t, err := time.Parse(layout, val)
			if err != nil {
				continue
			}
			moved := t.AddDate(0, 0, days).Format(layout)
			return bytes.Replace(line, m[2], []byte(moved), 1)
		}
		return line
	})
}
