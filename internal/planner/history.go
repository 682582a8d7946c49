package planner

import (
	"fmt"
	"time"
)

// hoursText writes a horizon for an answer: "72 hours", "3 days" (whole
// days from 48 hours on), in the answer's language.
func hoursText(d time.Duration, ko bool) string {
	h := int(d.Round(time.Hour) / time.Hour)
	switch {
	case h >= 48 && h%24 == 0 && ko:
		return fmt.Sprintf("%d일", h/24)
	case h >= 48 && h%24 == 0:
		return fmt.Sprintf("%d days", h/24)
	case ko:
		return fmt.Sprintf("%d시간", h)
	case h == 1:
		return "1 hour"
	}
	return fmt.Sprintf("%d hours", h)
}
