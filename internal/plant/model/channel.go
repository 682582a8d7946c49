package model

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Channel is a channel of a front door: its source (slack, console) and
// its id there.
type Channel struct {
	Source string `json:"source"`
	ID     string `json:"channel"`
}

func (c Channel) String() string { return c.Source + ":" + c.ID }

// The front doors whose channels a plant model may name.
const (
	SourceSlack   = "slack"
	SourceConsole = "console"
)

var (
	slackIDRe      = regexp.MustCompile(`^[A-Z0-9]{2,40}$`)
	consoleNameRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	channelFormats = map[string]struct {
		re      *regexp.Regexp
		example string
	}{
		SourceSlack:   {slackIDRe, "a channel id such as C0123456789 (Slack: channel details → bottom of the About tab), not #name"},
		SourceConsole: {consoleNameRe, "a console channel name of lower-case letters, digits and dashes, such as shop-floor"},
	}
)

// ParseChannel reads "source:channel" ("slack:C0123456789",
// "console:shop-floor"); a bare id is a Slack channel.
func ParseChannel(s string) (Channel, error) {
	s = strings.TrimSpace(s)
	src, id, ok := strings.Cut(s, ":")
	if !ok {
		src, id = SourceSlack, s
	}
	src = strings.ToLower(src)
	f, known := channelFormats[src]
	if !known {
		return Channel{}, fmt.Errorf("%q: unknown source %q (slack or console, e.g. slack:C0123456789 or console:shop-floor)", s, src)
	}
	if id == "" {
		return Channel{}, fmt.Errorf("%q names no channel (e.g. %s:%s)", s, src, map[string]string{SourceSlack: "C0123456789", SourceConsole: "shop-floor"}[src])
	}
	if !f.re.MatchString(id) {
		return Channel{}, fmt.Errorf("%q: %s channels are named by %s", s, src, f.example)
	}
	return Channel{Source: src, ID: id}, nil
}

// CheckSchedule checks a digest schedule as /gemba digest schedule does: a
// five-field cron expression (minute hour day month weekday) and an IANA
// time zone.
func CheckSchedule(expr, tz string) error {
	if err := checkZone(tz); err != nil {
		return err
	}
	return checkCron(expr)
}

func checkZone(tz string) error {
	if strings.TrimSpace(tz) == "" || strings.EqualFold(tz, "local") {
		return fmt.Errorf("%q is not a time zone such as Asia/Seoul, Europe/Berlin or UTC", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("unknown time zone %q: use an IANA name such as Asia/Seoul, Europe/Berlin or UTC", tz)
	}
	return nil
}

func checkCron(expr string) error {
	if strings.Contains(expr, "TZ=") {
		return fmt.Errorf("cron %q: give the time zone apart (tz), not in the expression", expr)
	}
	if _, err := cron.ParseStandard(expr); err != nil {
		return fmt.Errorf("%q is not a cron expression with 5 fields (minute hour day month weekday), e.g. \"0 6,14,22 * * *\": %w", expr, err)
	}
	return nil
}
