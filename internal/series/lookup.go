package series

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrNotFound marks a lookup of a series or asset that does not exist; the
// concrete error is a *NotFoundError with suggestions.
var ErrNotFound = errors.New("not found")

// NotFoundError reports an unknown series or asset name with the nearest
// known names, so a tool can answer "did you mean press-3.vibration?".
type NotFoundError struct {
	// What is "series" or "asset".
	What string
	// Name is the name asked for.
	Name string
	// Suggestions are the nearest known names, best first (at most 5).
	Suggestions []string
}

// Error names the unknown item and the suggestions.
func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("unknown %s %q", e.What, e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(quoteAll(e.Suggestions), ", ") + "?"
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// normalize folds the ways people write a series name ("Press 3 vibration",
// "press_3.vibration") onto the stored convention ("press-3.vibration").
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	prevSep := false
	for i, r := range s {
		if r == ' ' || r == '_' || r == '-' {
			// "press 3" → "press-3"; matchLoose also reads the last
			// separator as the asset/sensor dot.
			if !prevSep && i > 0 {
				b.WriteByte('-')
			}
			prevSep = true
			continue
		}
		b.WriteRune(r)
		prevSep = false
	}
	return strings.Trim(b.String(), "-")
}

// Lookup returns the series called name (or with the numeric id name). It
// also accepts loose spellings ("Press 3 vibration" for press-3.vibration).
// An unknown name returns a *NotFoundError with the nearest names.
func (st *Store) Lookup(ctx context.Context, name string) (Series, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Series{}, &NotFoundError{What: "series", Name: name}
	}
	row := st.db.QueryRow(ctx, `SELECT `+seriesColumns+` FROM series WHERE name = $1`, name)
	s, err := scanSeries(row)
	if err == nil {
		return s, nil
	}
	if id, perr := strconv.ParseInt(name, 10, 64); perr == nil {
		if s, err := scanSeries(st.db.QueryRow(ctx, `SELECT `+seriesColumns+` FROM series WHERE id = $1`, id)); err == nil {
			return s, nil
		}
	}
	all, err := st.List(ctx, Filter{})
	if err != nil {
		return Series{}, fmt.Errorf("series: lookup %s: %w", name, err)
	}
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.Name
	}
	if i := matchLoose(name, names); i >= 0 {
		return all[i], nil
	}
	return Series{}, &NotFoundError{What: "series", Name: name, Suggestions: Nearest(name, names, 5)}
}

// matchLoose finds the one name that equals want after normalisation, also
// reading the last separator as the asset/sensor dot.
func matchLoose(want string, names []string) int {
	n := normalize(want)
	cands := []string{n}
	if i := strings.LastIndexByte(n, '-'); i > 0 {
		cands = append(cands, n[:i]+"."+n[i+1:])
	}
	for _, c := range cands {
		for i, name := range names {
			if normalize(name) == c {
				return i
			}
		}
	}
	return -1
}

// Assets returns the distinct asset names, sorted.
func (st *Store) Assets(ctx context.Context) ([]string, error) {
	rows, err := st.db.Query(ctx, `SELECT DISTINCT asset FROM series WHERE asset <> '' ORDER BY asset`)
	if err != nil {
		return nil, fmt.Errorf("series: assets: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("series: assets: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Lines returns the distinct line names, sorted.
func (st *Store) Lines(ctx context.Context) ([]string, error) {
	rows, err := st.db.Query(ctx, `SELECT DISTINCT line FROM series WHERE line <> '' ORDER BY line`)
	if err != nil {
		return nil, fmt.Errorf("series: lines: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, fmt.Errorf("series: lines: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ResolveAsset returns the stored asset name matching name loosely
// ("Press 3" → "press-3"), or a *NotFoundError with suggestions.
func (st *Store) ResolveAsset(ctx context.Context, name string) (string, error) {
	assets, err := st.Assets(ctx)
	if err != nil {
		return "", err
	}
	n := normalize(name)
	for _, a := range assets {
		if a == name || normalize(a) == n {
			return a, nil
		}
	}
	return "", &NotFoundError{What: "asset", Name: name, Suggestions: Nearest(name, assets, 5)}
}

// Nearest returns up to k of names closest to want: names containing it
// first, then by edit distance on the normalised spelling. Names too far to
// be a plausible typo are left out.
func Nearest(want string, names []string, k int) []string {
	w := normalize(want)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, n := range names {
		nn := normalize(n)
		d := levenshtein(w, nn)
		if w != "" && (strings.Contains(nn, w) || strings.Contains(w, nn)) {
			d = min(d, 1+abs(len(nn)-len(w))/4)
		}
		// Also compare with the part before or after the dot, so "vibraton"
		// finds press-3.vibration.
		if i := strings.IndexByte(nn, '.'); i >= 0 {
			d = min(d, levenshtein(w, nn[i+1:])+1, levenshtein(w, nn[:i])+1)
		}
		limit := max(2, len(w)/2)
		if d <= limit {
			cs = append(cs, cand{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	out := []string{}
	for i := 0; i < len(cs) && i < k; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// levenshtein is the edit distance between a and b (bytes; names are ASCII).
func levenshtein(a, b string) int {
	if a == b {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
