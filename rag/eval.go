package rag

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// EvalCase is one labelled query: the documents a good search must find.
type EvalCase struct {
	Query    string   `json:"query"`
	Relevant []string `json:"relevant"`
	Lang     string   `json:"lang,omitempty"`
}

// LoadEvalSet reads labelled queries, one JSON object per line.
func LoadEvalSet(path string) ([]EvalCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rag: eval set: %w", err)
	}
	defer func() { _ = f.Close() }()
	var out []EvalCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var c EvalCase
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("rag: eval set %s line %d: %w", path, n, err)
		}
		if c.Query == "" || len(c.Relevant) == 0 {
			return nil, fmt.Errorf("rag: eval set %s line %d: query and relevant are required", path, n)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("rag: eval set: %w", err)
	}
	return out, nil
}

// EvalMetrics are the retrieval scores of one mode over an eval set.
type EvalMetrics struct {
	Mode Mode `json:"mode"`
	// Lang is "" for all queries, else the subset's language.
	Lang    string  `json:"lang,omitempty"`
	Queries int     `json:"queries"`
	Recall5 float64 `json:"recall_at_5"`
	MRR     float64 `json:"mrr"`
	// Misses lists queries with no relevant document in the top 5.
	Misses []string `json:"misses,omitempty"`
}

// Evaluate runs every case in each mode and returns recall@5 (share of
// relevant documents in the top 5, averaged over queries) and MRR (mean
// reciprocal rank of the first relevant document in the top 10), overall
// and per language.
func (s *Store) Evaluate(ctx context.Context, cases []EvalCase, modes ...Mode) ([]EvalMetrics, error) {
	if len(modes) == 0 {
		modes = []Mode{ModeVector, ModeFullText, ModeHybrid}
	}
	var out []EvalMetrics
	for _, m := range modes {
		all := EvalMetrics{Mode: m}
		byLang := map[string]*EvalMetrics{}
		for _, c := range cases {
			res, err := s.Search(ctx, Query{Text: c.Query, K: 10, Mode: m})
			if err != nil {
				return nil, err
			}
			rel := map[string]bool{}
			for _, id := range c.Relevant {
				rel[id] = true
			}
			hits, rr := 0, 0.0
			for i, r := range res {
				if !rel[r.DocumentID] {
					continue
				}
				if i < 5 {
					hits++
				}
				if rr == 0 {
					rr = 1 / float64(i+1)
				}
			}
			recall := float64(hits) / float64(min(len(rel), 5))
			lm := byLang[c.Lang]
			if lm == nil {
				lm = &EvalMetrics{Mode: m, Lang: c.Lang}
				byLang[c.Lang] = lm
			}
			for _, em := range []*EvalMetrics{&all, lm} {
				em.Queries++
				em.Recall5 += recall
				em.MRR += rr
				if hits == 0 {
					em.Misses = append(em.Misses, c.Query)
				}
			}
		}
		for _, em := range append([]*EvalMetrics{&all}, sortedLangs(byLang)...) {
			if em.Queries > 0 {
				em.Recall5 /= float64(em.Queries)
				em.MRR /= float64(em.Queries)
			}
			out = append(out, *em)
		}
	}
	return out, nil
}

func sortedLangs(m map[string]*EvalMetrics) []*EvalMetrics {
	var out []*EvalMetrics
	for _, l := range []string{"en", "ko"} {
		if x, ok := m[l]; ok && l != "" {
			out = append(out, x)
		}
	}
	return out
}
