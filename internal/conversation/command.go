package conversation

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"

	"github.com/gemba-ai/gemba/tools"
)

// Subcommands of /gemba.
const (
	SubAsk       = "ask"
	SubForecast  = "forecast"
	SubAnomalies = "anomalies"
	SubDigest    = "digest"
	SubBind      = "bind"
	SubSettings  = "settings"
	SubHelp      = "help"
)

// Limits on slash-command arguments.
const (
	MaxHorizon  = 1000
	MaxSeason   = 10000
	MaxQuestion = 4000
)

// Command is a parsed /gemba command.
type Command struct {
	Sub string
	// Question is the text of ask.
	Question string
	// Series, Horizon (steps, 0 = the tool's default) and Season (0 =
	// detect) are forecast's arguments.
	Series  string
	Horizon int
	Season  int
	// Asset and Since are anomalies' arguments; Since is a duration back
	// from now (default 24h) unless SinceTime or From is set. SinceTime
	// with SinceLocal is a wall-clock time of the plant (no zone given).
	// From and To (exclusive) ask for whole plant days, a month or a year
	// (2015-03-18, 2015-03, 2015-03-18..2015-03-20): wall-clock dates,
	// coded at midnight UTC and read in the plant's time zone.
	Asset      string
	Since      time.Duration
	SinceTime  time.Time
	SinceLocal bool
	From, To   time.Time
	// AsOf is forecast's as-of date (a plant day, coded like From): the
	// forecast is made from the data before it.
	AsOf time.Time
	// DigestAction is "now", "schedule" or "off"; Cron and TZ go with schedule.
	DigestAction string
	Cron         string
	TZ           string
	// Scope is bind's argument; Unbind clears the binding.
	Scope  tools.Scope
	Unbind bool
	// Setting and Value are settings' arguments ("show", "mention-only",
	// "every-question", "tools", "quiet").
	Setting string
	Value   string
}

// UsageError is a bad /gemba command: Problem says what was wrong, Usage
// how to write it.
type UsageError struct {
	Sub     string
	Problem string
}

func (e *UsageError) Error() string { return e.Problem }

// Usage returns the usage text of a subcommand (all of them for ""), as
// mrkdwn: the <placeholders> are escaped, or Slack would read them as links.
func Usage(sub string) string {
	u := map[string]string{
		SubAsk:       "`/gemba ask <question>` — ask about the plant, e.g. `/gemba ask why is press-3 vibrating?`",
		SubForecast:  "`/gemba forecast <series> [horizon] [as-of date] [--season N]` — forecast a series, e.g. `/gemba forecast line-2.output 24 --season 24` or, as of a past day, `/gemba forecast machine-12.rotate 48 2015-03-20`",
		SubAnomalies: "`/gemba anomalies [asset] [when]` — anomaly events (the whole plant when no asset is named), e.g. `/gemba anomalies press-3 12h`; when: the last 30m, 12h or 7d, a plant day 2015-03-18, a month 2015-03, days 2015-03-18..2015-03-20, or since 2026-11-26T08:00",
		SubDigest:    "`/gemba digest [now|schedule shifts|schedule <cron> [tz]|off]` — shift digest now, at every shift change, on a schedule (e.g. `/gemba digest schedule \"0 6,14,22 * * *\" Asia/Seoul`; the plant's time zone when none is given) or off",
		SubBind:      "`/gemba bind <scope>` — bind this channel to part of the plant: `line-2`, `asset=press-3`, `site=busan line=line-2`, or `off`",
		SubSettings:  "`/gemba settings [show|mention-only|every-question|tools <a,b>|tools all|quiet <HH:MM-HH:MM> [tz]|quiet off]` — this channel's settings",
		SubHelp:      "`/gemba help` — this help",
	}
	if s, ok := u[sub]; ok {
		return escapePlaceholders(s)
	}
	order := []string{SubAsk, SubForecast, SubAnomalies, SubDigest, SubBind, SubSettings, SubHelp}
	lines := make([]string, len(order))
	for i, k := range order {
		lines[i] = "• " + u[k]
	}
	return escapePlaceholders("*Gemba commands*\n" + strings.Join(lines, "\n"))
}

// escapePlaceholders escapes the < and > of usage lines Gemba writes itself
// (they hold no & and nothing from a user).
func escapePlaceholders(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)
}

func usageErr(sub, format string, args ...any) error {
	return &UsageError{Sub: sub, Problem: fmt.Sprintf(format, args...)}
}

var (
	reSeries   = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_.:/-]{0,127}$`)
	reSince    = regexp.MustCompile(`^(\d{1,4})(m|h|d|w)$`)
	reScopeVal = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,63}$`)
	reClock    = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)
	reTool     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// ParseCommand parses the text after /gemba. It never panics; bad input
// comes back as a *UsageError naming what was wrong.
func ParseCommand(text string) (Command, error) {
	if !utf8.ValidString(text) {
		return Command{}, usageErr("", "the command is not valid UTF-8 text")
	}
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return Command{Sub: SubHelp}, nil
	}
	first, rest, _ := strings.Cut(trimmed, " ")
	if i := strings.IndexAny(first, "\t\n"); i >= 0 {
		first, rest = first[:i], first[i+1:]+" "+rest
	}
	sub := strings.ToLower(first)
	c := Command{Sub: sub}
	if sub == SubAsk {
		// Questions are free text: apostrophes are not quotes here.
		q := strings.TrimSpace(rest)
		if q == "" {
			return c, usageErr(sub, "ask needs a question")
		}
		if utf8.RuneCountInString(q) > MaxQuestion {
			return c, usageErr(sub, "the question is longer than %d characters", MaxQuestion)
		}
		c.Question = q
		return c, nil
	}
	args, err := tokenize(rest)
	if err != nil {
		return c, usageErr(sub, "%v", err)
	}
	switch sub {
	case SubHelp:
		return c, nil
	case SubForecast:
		return parseForecast(c, args)
	case SubAnomalies:
		return parseAnomalies(c, args)
	case SubDigest:
		return parseDigest(c, args)
	case SubBind:
		return parseBind(c, args)
	case SubSettings:
		return parseSettings(c, args)
	default:
		return c, usageErr("", "unknown command %q; try one of ask, forecast, anomalies, digest, bind, settings, help", Truncate(first, 40))
	}
}

func parseForecast(c Command, args []string) (Command, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--season" || a == "-s":
			if i+1 >= len(args) {
				return c, usageErr(SubForecast, "--season needs a number of steps, e.g. --season 24")
			}
			i++
			n, err := strconv.Atoi(args[i])
			if err != nil || n < 2 || n > MaxSeason {
				return c, usageErr(SubForecast, "--season must be a whole number from 2 to %d, not %q", MaxSeason, Truncate(args[i], 20))
			}
			c.Season = n
		case strings.HasPrefix(a, "--season="):
			v := strings.TrimPrefix(a, "--season=")
			n, err := strconv.Atoi(v)
			if err != nil || n < 2 || n > MaxSeason {
				return c, usageErr(SubForecast, "--season must be a whole number from 2 to %d, not %q", MaxSeason, Truncate(v, 20))
			}
			c.Season = n
		case strings.HasPrefix(a, "--"):
			return c, usageErr(SubForecast, "unknown option %q (only --season N)", Truncate(a, 20))
		default:
			if from, _, ok := tools.ParsePeriod(a, time.UTC); ok && len(pos) > 0 {
				c.AsOf = from // as of that day: fitted on the data before it
				continue
			}
			pos = append(pos, a)
		}
	}
	if len(pos) == 0 {
		return c, usageErr(SubForecast, "forecast needs a series name")
	}
	if len(pos) > 2 {
		return c, usageErr(SubForecast, "too many arguments: %q (a series and a horizon at most)", strings.Join(pos[2:], " "))
	}
	if !reSeries.MatchString(pos[0]) {
		return c, usageErr(SubForecast, "%q is not a series name (letters, digits, . _ - : /)", Truncate(pos[0], 40))
	}
	c.Series = pos[0]
	if len(pos) == 2 {
		n, err := strconv.Atoi(pos[1])
		if err != nil || n < 1 || n > MaxHorizon {
			return c, usageErr(SubForecast, "the horizon must be a whole number of steps from 1 to %d, not %q", MaxHorizon, Truncate(pos[1], 20))
		}
		c.Horizon = n
	}
	return c, nil
}

func parseAnomalies(c Command, args []string) (Command, error) {
	c.Since = 24 * time.Hour
	if len(args) > 2 {
		return c, usageErr(SubAnomalies, "too many arguments: %q (an asset and a time at most)", strings.Join(args[2:], " "))
	}
	for _, a := range args {
		if from, to, ok := tools.ParsePeriod(a, time.UTC); ok {
			c.From, c.To = from, to
			continue
		}
		if strings.Contains(a, "..") || strings.Contains(a, "~") {
			return c, usageErr(SubAnomalies, "%q is not a range of dates (2015-03-18..2015-03-20, first day before the last)", Truncate(a, 40))
		}
		if d, t, local, ok := parseSince(a); ok {
			c.Since, c.SinceTime, c.SinceLocal = d, t, local
			continue
		}
		if c.Asset != "" {
			return c, usageErr(SubAnomalies, "%q is neither a time like 12h, 7d or 2026-11-26 nor a second asset", Truncate(a, 40))
		}
		if !reSeries.MatchString(a) {
			return c, usageErr(SubAnomalies, "%q is not an asset name", Truncate(a, 40))
		}
		c.Asset = a
	}
	return c, nil
}

// ShiftsCron is the Cron of "digest schedule shifts": the dispatcher makes
// it the plant's shift starts.
const ShiftsCron = "shifts"

// looksLikeZone tells a time-zone argument from a cron field: zones are
// UTC, or Area/City names; cron fields never hold a letter and a slash
// together.
func looksLikeZone(s string) bool {
	if strings.EqualFold(s, "UTC") || strings.EqualFold(s, "local") {
		return true
	}
	i := strings.IndexByte(s, '/')
	return i > 0 && strings.IndexFunc(s[:i], unicode.IsLetter) >= 0
}

// parseSince reads 30m, 12h, 7d, 2w or a time (RFC 3339, or 2026-11-26T08:00
// in plant time: local true).
func parseSince(s string) (time.Duration, time.Time, bool, bool) {
	if m := reSince.FindStringSubmatch(strings.ToLower(s)); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n == 0 {
			return 0, time.Time{}, false, false
		}
		unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		d := time.Duration(n) * unit
		if d > 366*24*time.Hour {
			return 0, time.Time{}, false, false
		}
		return d, time.Time{}, false, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return 0, t, false, true
	}
	if t, err := time.Parse("2006-01-02T15:04", s); err == nil {
		return 0, t, true, true
	}
	return 0, time.Time{}, false, false
}

func parseDigest(c Command, args []string) (Command, error) {
	if len(args) == 0 {
		c.DigestAction = "now"
		return c, nil
	}
	switch strings.ToLower(args[0]) {
	case "now", "off":
		if len(args) > 1 {
			return c, usageErr(SubDigest, "digest %s takes no arguments", strings.ToLower(args[0]))
		}
		c.DigestAction = strings.ToLower(args[0])
		return c, nil
	case "schedule":
		rest := args[1:]
		if len(rest) == 1 && strings.EqualFold(rest[0], "shifts") {
			// At every shift change of the plant's calendar (see dispatch).
			c.DigestAction, c.Cron = "schedule", ShiftsCron
			return c, nil
		}
		if len(rest) == 0 {
			return c, usageErr(SubDigest, "digest schedule needs a cron expression (and a time zone, else the plant's), e.g. \"0 6,14,22 * * *\" Asia/Seoul, or shifts")
		}
		tz := ""
		if last := rest[len(rest)-1]; looksLikeZone(last) {
			if _, err := time.LoadLocation(last); err != nil || strings.EqualFold(last, "local") {
				return c, usageErr(SubDigest, "%q is not a time zone such as Asia/Seoul, Europe/Berlin or UTC", Truncate(last, 40))
			}
			tz, rest = last, rest[:len(rest)-1]
		}
		expr := strings.Join(rest, " ")
		if expr == "" {
			return c, usageErr(SubDigest, "digest schedule needs a cron expression before the time zone, e.g. \"0 6,14,22 * * *\" %s", tz)
		}
		if _, err := cron.ParseStandard(expr); err != nil || strings.Contains(expr, "TZ=") {
			return c, usageErr(SubDigest, "%q is not a cron expression with 5 fields (minute hour day month weekday)", Truncate(expr, 60))
		}
		c.DigestAction, c.Cron, c.TZ = "schedule", expr, tz
		return c, nil
	default:
		return c, usageErr(SubDigest, "unknown digest action %q (now, schedule or off)", Truncate(args[0], 20))
	}
}

func parseBind(c Command, args []string) (Command, error) {
	if len(args) == 0 {
		return c, usageErr(SubBind, "bind needs a scope such as line-2 or asset=press-3")
	}
	if len(args) == 1 && (strings.EqualFold(args[0], "off") || strings.EqualFold(args[0], "none")) {
		c.Unbind = true
		return c, nil
	}
	s, err := ParseScope(strings.Join(args, " "))
	if err != nil {
		return c, usageErr(SubBind, "%v", err)
	}
	c.Scope = s
	return c, nil
}

func parseSettings(c Command, args []string) (Command, error) {
	if len(args) == 0 {
		c.Setting = "show"
		return c, nil
	}
	c.Setting = strings.ToLower(args[0])
	rest := args[1:]
	switch c.Setting {
	case "show", "mention-only", "every-question":
		if len(rest) > 0 {
			return c, usageErr(SubSettings, "settings %s takes no arguments", c.Setting)
		}
	case "tools":
		if len(rest) != 1 {
			return c, usageErr(SubSettings, "settings tools needs a comma-separated list of tool names, or all")
		}
		for _, n := range strings.Split(rest[0], ",") {
			if n != "all" && !reTool.MatchString(n) {
				return c, usageErr(SubSettings, "%q is not a tool name (snake_case, e.g. forecast_series)", Truncate(n, 40))
			}
		}
		c.Value = rest[0]
	case "quiet":
		if len(rest) == 1 && strings.EqualFold(rest[0], "off") {
			c.Value = "off"
			return c, nil
		}
		if len(rest) < 1 || len(rest) > 2 {
			return c, usageErr(SubSettings, "settings quiet needs hours like 22:00-06:00 and optionally a time zone, or off")
		}
		if _, _, err := parseQuiet(rest[0]); err != nil {
			return c, usageErr(SubSettings, "%v", err)
		}
		c.Value = rest[0]
		if len(rest) == 2 {
			if _, err := time.LoadLocation(rest[1]); err != nil || strings.EqualFold(rest[1], "local") {
				return c, usageErr(SubSettings, "%q is not a time zone such as Asia/Seoul or UTC", Truncate(rest[1], 40))
			}
			c.TZ = rest[1]
		}
	default:
		return c, usageErr(SubSettings, "unknown setting %q", Truncate(c.Setting, 30))
	}
	return c, nil
}

// parseQuiet reads "22:00-06:00" into minutes after midnight.
func parseQuiet(s string) (start, end int, err error) {
	a, b, ok := strings.Cut(s, "-")
	ma, mb := reClock.FindStringSubmatch(a), reClock.FindStringSubmatch(b)
	if !ok || ma == nil || mb == nil {
		return 0, 0, fmt.Errorf("%q is not a range of hours like 22:00-06:00", Truncate(s, 30))
	}
	h1, _ := strconv.Atoi(ma[1])
	m1, _ := strconv.Atoi(ma[2])
	h2, _ := strconv.Atoi(mb[1])
	m2, _ := strconv.Atoi(mb[2])
	start, end = h1*60+m1, h2*60+m2
	if start == end {
		return 0, 0, fmt.Errorf("quiet hours %q start and end at the same time", s)
	}
	return start, end, nil
}

// ParseScope reads a channel binding: "line-2" (a bare value is a line when
// it starts with "line", a site when it starts with "site", else an asset)
// or key=value pairs with the keys site, line and asset.
func ParseScope(s string) (tools.Scope, error) {
	var sc tools.Scope
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return sc, errors.New("the scope is empty")
	}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			v = f
			lv := strings.ToLower(v)
			switch {
			case strings.HasPrefix(lv, "line"):
				k = "line"
			case strings.HasPrefix(lv, "site"):
				k = "site"
			default:
				k = "asset"
			}
		}
		if !reScopeVal.MatchString(v) {
			return sc, fmt.Errorf("%q is not a valid %s name", Truncate(v, 40), k)
		}
		var dst *string
		switch strings.ToLower(k) {
		case "site":
			dst = &sc.Site
		case "line":
			dst = &sc.Line
		case "asset":
			dst = &sc.Asset
		default:
			return sc, fmt.Errorf("unknown scope key %q (site, line or asset)", Truncate(k, 20))
		}
		if *dst != "" {
			return sc, fmt.Errorf("%s is given twice", strings.ToLower(k))
		}
		*dst = v
	}
	return sc, nil
}

// FormatScope writes a scope in the form ParseScope reads.
func FormatScope(s tools.Scope) string {
	var parts []string
	if s.Site != "" {
		parts = append(parts, "site="+s.Site)
	}
	if s.Line != "" {
		parts = append(parts, "line="+s.Line)
	}
	if s.Asset != "" {
		parts = append(parts, "asset="+s.Asset)
	}
	return strings.Join(parts, " ")
}

// tokenize splits on spaces, honouring "double" and 'single' quotes (and
// Slack's curly quotes, which its clients insert).
func tokenize(s string) ([]string, error) {
	s = strings.NewReplacer("“", `"`, "”", `"`, "‘", "'", "’", "'").Replace(s)
	var toks []string
	var cur strings.Builder
	var quote rune
	inTok := false
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
				continue
			}
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inTok = r, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inTok {
				toks = append(toks, cur.String())
				cur.Reset()
				inTok = false
			}
		default:
			cur.WriteRune(r)
			inTok = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("a quote (%c) is not closed", quote)
	}
	if inTok {
		toks = append(toks, cur.String())
	}
	return toks, nil
}
