package rag

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// EvalCase is one labelled query: the documents a good search must find.
type EvalCase struct {
	// ID names the case (e.g. "ko-017"); optional.
	ID       string   `json:"id,omitempty"`
	Query    string   `json:"query"`
	Relevant []string `json:"relevant"`
	Lang     string   `json:"lang,omitempty"`
	// Split is "dev" (tuned on) or "frozen" (read only for the final
	// figures); empty for sets without a split.
	Split string `json:"split,omitempty"`
	// Set is the file the case came from, without its extension (filled
	// by LoadEvalSet).
	Set string `json:"-"`
}

// The splits of an eval set.
const (
	SplitDev    = "dev"
	SplitFrozen = "frozen"
)

// LoadEvalSet reads labelled queries, one JSON object per line; lines
// starting with # are comments.
func LoadEvalSet(path string) ([]EvalCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rag: eval set: %w", err)
	}
	defer func() { _ = f.Close() }()
	set := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
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
		if c.Split != "" && c.Split != SplitDev && c.Split != SplitFrozen {
			return nil, fmt.Errorf("rag: eval set %s line %d: split %q (want dev or frozen)", path, n, c.Split)
		}
		c.Set = set
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("rag: eval set: %w", err)
	}
	return out, nil
}

// Eval groups: every query of a set and split, the queries of one
// language, and Korean questions judged on their English documents only.
const (
	GroupAll   = "all"
	GroupCross = "ko→en"
)

// EvalMetrics are the retrieval scores of one mode over one group of an
// eval set.
type EvalMetrics struct {
	Mode Mode `json:"mode"`
	// Set and Split name the cases' file and split ("" when the set has none).
	Set   string `json:"set,omitempty"`
	Split string `json:"split,omitempty"`
	// Group is "all", a language ("en", "ko"), or "ko→en": Korean
	// questions with at least one relevant English document, scored on
	// those English documents alone (cross-lingual retrieval).
	Group string `json:"group"`
	// Lang is the group's language, "" for all and cross-lingual groups.
	Lang    string  `json:"lang,omitempty"`
	Queries int     `json:"queries"`
	Recall5 float64 `json:"recall_at_5"`
	MRR     float64 `json:"mrr"`
	// Misses lists queries with no relevant document in the top 5.
	Misses []string `json:"misses,omitempty"`
}

// Evaluate runs every case in each mode and returns recall@5 (share of
// relevant documents in the top 5, at most 5 counted, averaged over
// queries) and MRR (mean reciprocal rank of the first relevant document in
// the top 10) for each set and split: over all its queries, per language,
// and cross-lingually (Korean questions scored on their English relevant
// documents only; document languages come from the store).
func (s *Store) Evaluate(ctx context.Context, cases []EvalCase, modes ...Mode) ([]EvalMetrics, error) {
	if len(modes) == 0 {
		modes = []Mode{ModeVector, ModeFullText, ModeHybrid}
	}
	docLang, err := s.docLangs(ctx, cases)
	if err != nil {
		return nil, err
	}
	var out []EvalMetrics
	for _, m := range modes {
		type key struct{ set, split, group string }
		var order []key
		acc := map[key]*EvalMetrics{}
		add := func(k key, lang string, recall, rr float64, hit bool, q string) {
			em := acc[k]
			if em == nil {
				em = &EvalMetrics{Mode: m, Set: k.set, Split: k.split, Group: k.group, Lang: lang}
				acc[k] = em
				order = append(order, k)
			}
			em.Queries++
			em.Recall5 += recall
			em.MRR += rr
			if !hit {
				em.Misses = append(em.Misses, q)
			}
		}
		for _, c := range cases {
			res, err := s.Search(ctx, Query{Text: c.Query, K: 10, Mode: m})
			if err != nil {
				return nil, err
			}
			ranked := make([]string, len(res))
			for i, r := range res {
				ranked[i] = r.DocumentID
			}
			recall, rr, hit := scoreCase(ranked, c.Relevant)
			add(key{c.Set, c.Split, GroupAll}, "", recall, rr, hit, c.Query)
			if c.Lang != "" {
				add(key{c.Set, c.Split, c.Lang}, c.Lang, recall, rr, hit, c.Query)
			}
			if c.Lang == "ko" {
				var en []string
				for _, id := range c.Relevant {
					if docLang[id] == "en" {
						en = append(en, id)
					}
				}
				if len(en) > 0 {
					recall, rr, hit := scoreCase(ranked, en)
					add(key{c.Set, c.Split, GroupCross}, "", recall, rr, hit, c.Query)
				}
			}
		}
		for _, k := range sortedKeys(order, func(k key) [3]string { return [3]string{k.set, k.split, k.group} }) {
			em := acc[k]
			em.Recall5 /= float64(em.Queries)
			em.MRR /= float64(em.Queries)
			out = append(out, *em)
		}
	}
	return out, nil
}

// scoreCase returns recall@5, the reciprocal rank of the first relevant
// document in ranked (0 when none), and whether one is in the top 5.
func scoreCase(ranked, relevant []string) (recall, rr float64, hit bool) {
	rel := map[string]bool{}
	for _, id := range relevant {
		rel[id] = true
	}
	hits := 0
	for i, id := range ranked {
		if !rel[id] {
			continue
		}
		if i < 5 {
			hits++
		}
		if rr == 0 {
			rr = 1 / float64(i+1)
		}
	}
	return float64(hits) / float64(min(len(rel), 5)), rr, hits > 0
}

// groupOrder puts the groups of one set and split in reading order.
var groupOrder = map[string]int{GroupAll: 0, "en": 1, "ko": 2, GroupCross: 3}

// sortedKeys orders metrics by set, then split (none, dev, frozen), then group.
func sortedKeys[K any](ks []K, parts func(K) [3]string) []K {
	rank := func(k K) (string, int, int) {
		p := parts(k)
		sp := map[string]int{"": 0, SplitDev: 1, SplitFrozen: 2}[p[1]]
		g, ok := groupOrder[p[2]]
		if !ok {
			g = len(groupOrder)
		}
		return p[0], sp, g
	}
	out := slices.Clone(ks)
	slices.SortStableFunc(out, func(a, b K) int {
		s1, p1, g1 := rank(a)
		s2, p2, g2 := rank(b)
		return cmp.Or(strings.Compare(s1, s2), cmp.Compare(p1, p2), cmp.Compare(g1, g2))
	})
	return out
}

// docLangs returns the stored language of every document the cases name.
func (s *Store) docLangs(ctx context.Context, cases []EvalCase) (map[string]string, error) {
	var ids []string
	for _, c := range cases {
		ids = append(ids, c.Relevant...)
	}
	rows, err := s.db.Query(ctx, `SELECT id, lang FROM documents WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("rag: eval: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, lang string
		if err := rows.Scan(&id, &lang); err != nil {
			return nil, fmt.Errorf("rag: eval: %w", err)
		}
		out[id] = lang
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rag: eval: %w", err)
	}
	return out, nil
}
