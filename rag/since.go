package rag

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseSince reads an absolute date (2024-06-01) or a span back from now
// (90d, 12w, 6m, 1y), as search filters take them.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if t, err := asTime(s); err == nil && t != nil {
		return *t, nil
	}
	if len(s) >= 2 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err == nil && n > 0 {
			switch s[len(s)-1] {
			case 'd':
				return now.AddDate(0, 0, -n), nil
			case 'w':
				return now.AddDate(0, 0, -7*n), nil
			case 'm':
				return now.AddDate(0, -n, 0), nil
			case 'y':
				return now.AddDate(-n, 0, 0), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("since %q is neither a date (2024-06-01) nor a span (90d, 12w, 6m, 1y)", s)
}
