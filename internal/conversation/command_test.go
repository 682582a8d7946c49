package conversation

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/tools"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		want    Command
		problem string // substring of the UsageError; empty means success
	}{
		{in: "", want: Command{Sub: SubHelp}},
		{in: "help", want: Command{Sub: SubHelp}},
		{in: "HELP", want: Command{Sub: SubHelp}},
		{in: "ask why is press-3 vibrating?", want: Command{Sub: SubAsk, Question: "why is press-3 vibrating?"}},
		{in: "ask what's wrong with line-2's output", want: Command{Sub: SubAsk, Question: "what's wrong with line-2's output"}},
		{in: "ask 프레스 3호기 진동이 왜 높아?", want: Command{Sub: SubAsk, Question: "프레스 3호기 진동이 왜 높아?"}},
		{in: "ask", problem: "ask needs a question"},
		{in: "ask    ", problem: "ask needs a question"},
		{in: "forecast line-2.output", want: Command{Sub: SubForecast, Series: "line-2.output"}},
		{in: "forecast line-2.output 24", want: Command{Sub: SubForecast, Series: "line-2.output", Horizon: 24}},
		{in: "forecast line-2.output 24 --season 168", want: Command{Sub: SubForecast, Series: "line-2.output", Horizon: 24, Season: 168}},
		{in: "forecast --season=24 line-2.output", want: Command{Sub: SubForecast, Series: "line-2.output", Season: 24}},
		{in: "forecast", problem: "needs a series name"},
		{in: "forecast line-2.output abc", problem: "horizon must be a whole number"},
		{in: "forecast line-2.output 0", problem: "horizon must be a whole number"},
		{in: "forecast line-2.output 99999", problem: "from 1 to 1000"},
		{in: "forecast line-2.output 24 --season", problem: "--season needs a number"},
		{in: "forecast line-2.output 24 --season 1", problem: "--season must be a whole number"},
		{in: "forecast line-2.output 24 --bogus 3", problem: "unknown option"},
		{in: "forecast a b c", problem: "too many arguments"},
		{in: "forecast $$$", problem: "not a series name"},
		{in: "anomalies", want: Command{Sub: SubAnomalies, Since: 24 * time.Hour}},
		{in: "anomalies press-3", want: Command{Sub: SubAnomalies, Asset: "press-3", Since: 24 * time.Hour}},
		{in: "anomalies press-3 12h", want: Command{Sub: SubAnomalies, Asset: "press-3", Since: 12 * time.Hour}},
		{in: "anomalies 7d", want: Command{Sub: SubAnomalies, Since: 7 * 24 * time.Hour}},
		{in: "anomalies press-3 2026-11-26", want: Command{Sub: SubAnomalies, Asset: "press-3", Since: 24 * time.Hour, From: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}},
		{in: "anomalies machine-12 2015-03", want: Command{Sub: SubAnomalies, Asset: "machine-12", Since: 24 * time.Hour, From: time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2015, 4, 1, 0, 0, 0, 0, time.UTC)}},
		{in: "anomalies machine-12 2015-03-18..2015-03-25", want: Command{Sub: SubAnomalies, Asset: "machine-12", Since: 24 * time.Hour,
			From: time.Date(2015, 3, 18, 0, 0, 0, 0, time.UTC), To: time.Date(2015, 3, 26, 0, 0, 0, 0, time.UTC)}},
		{in: "anomalies 2015-03-25..2015-03-18", problem: "first day before the last"},
		{in: "anomalies press-3 2026-11-26T08:00", want: Command{Sub: SubAnomalies, Asset: "press-3", SinceTime: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), SinceLocal: true}},
		{in: "anomalies press-3 2026-11-26T08:00:00Z", want: Command{Sub: SubAnomalies, Asset: "press-3", SinceTime: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}},
		{in: "forecast machine-12.rotate 48 2015-03-20", want: Command{Sub: SubForecast, Series: "machine-12.rotate", Horizon: 48, AsOf: time.Date(2015, 3, 20, 0, 0, 0, 0, time.UTC)}},
		{in: "anomalies press-3 pump-1", problem: "neither a time"},
		{in: "anomalies a 1h b", problem: "too many arguments"},
		{in: "digest", want: Command{Sub: SubDigest, DigestAction: "now"}},
		{in: "digest now", want: Command{Sub: SubDigest, DigestAction: "now"}},
		{in: "digest off", want: Command{Sub: SubDigest, DigestAction: "off"}},
		{in: `digest schedule "0 6,14,22 * * *" Asia/Seoul`, want: Command{Sub: SubDigest, DigestAction: "schedule", Cron: "0 6,14,22 * * *", TZ: "Asia/Seoul"}},
		{in: `digest schedule 0 6 * * 1-5 UTC`, want: Command{Sub: SubDigest, DigestAction: "schedule", Cron: "0 6 * * 1-5", TZ: "UTC"}},
		{in: `digest schedule “0 6 * * *” Europe/Berlin`, want: Command{Sub: SubDigest, DigestAction: "schedule", Cron: "0 6 * * *", TZ: "Europe/Berlin"}},
		{in: `digest schedule "0 6 * * *" Mars/Olympus`, problem: "not a time zone"},
		{in: `digest schedule "61 6 * * *" UTC`, problem: "not a cron expression"},
		{in: `digest schedule UTC`, problem: "needs a cron expression before the time zone"},
		{in: `digest schedule`, problem: "needs a cron expression"},
		{in: `digest schedule "0 6,14,22 * * *"`, want: Command{Sub: SubDigest, DigestAction: "schedule", Cron: "0 6,14,22 * * *"}},
		{in: `digest schedule */30 * * * *`, want: Command{Sub: SubDigest, DigestAction: "schedule", Cron: "*/30 * * * *"}},
		{in: `digest schedule shifts`, want: Command{Sub: SubDigest, DigestAction: "schedule", Cron: ShiftsCron}},
		{in: `digest schedule "0 6 * * *`, problem: "not closed"},
		{in: `digest later`, problem: "unknown digest action"},
		{in: `digest now please`, problem: "takes no arguments"},
		{in: "bind line-2", want: Command{Sub: SubBind, Scope: tools.Scope{Line: "line-2"}}},
		{in: "bind press-3", want: Command{Sub: SubBind, Scope: tools.Scope{Asset: "press-3"}}},
		{in: "bind site=busan line=line-2", want: Command{Sub: SubBind, Scope: tools.Scope{Site: "busan", Line: "line-2"}}},
		{in: "bind off", want: Command{Sub: SubBind, Unbind: true}},
		{in: "bind", problem: "needs a scope"},
		{in: "bind line=a line=b", problem: "given twice"},
		{in: "bind shift=night", problem: "unknown scope key"},
		{in: "bind line=<b>", problem: "not a valid line name"},
		{in: "settings", want: Command{Sub: SubSettings, Setting: "show"}},
		{in: "settings every-question", want: Command{Sub: SubSettings, Setting: "every-question"}},
		{in: "settings tools forecast_series,detect_anomalies", want: Command{Sub: SubSettings, Setting: "tools", Value: "forecast_series,detect_anomalies"}},
		{in: "settings tools Forecast!", problem: "not a tool name"},
		{in: "settings quiet 22:00-06:00 Asia/Seoul", want: Command{Sub: SubSettings, Setting: "quiet", Value: "22:00-06:00", TZ: "Asia/Seoul"}},
		{in: "settings quiet off", want: Command{Sub: SubSettings, Setting: "quiet", Value: "off"}},
		{in: "settings quiet 25:00-06:00", problem: "not a range of hours"},
		{in: "settings volume 11", problem: "unknown setting"},
		{in: "frobnicate", problem: `unknown command "frobnicate"`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCommand(tc.in)
			if tc.problem != "" {
				var ue *UsageError
				require.True(t, errors.As(err, &ue), "want a UsageError, got %v", err)
				require.Contains(t, ue.Problem, tc.problem)
				require.NotEmpty(t, Usage(ue.Sub))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestScopeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []tools.Scope{{Line: "line-2"}, {Site: "busan", Line: "l1", Asset: "press-3"}, {Asset: "pump_7"}} {
		got, err := ParseScope(FormatScope(s))
		require.NoError(t, err)
		require.Equal(t, s, got)
	}
	_, err := ParseScope("   ")
	require.Error(t, err)
}

func TestUsageNamesEveryCommand(t *testing.T) {
	t.Parallel()
	all := Usage("")
	for _, sub := range []string{SubAsk, SubForecast, SubAnomalies, SubDigest, SubBind, SubSettings, SubHelp} {
		require.Contains(t, all, "/gemba "+sub)
	}
}

// TestQuickReplyEchoesNothingLive: usage errors echo what the user typed
// (only the caller sees them, but Slack still parses them): nothing of it
// may become a mention, a notification or a link, and the usage lines'
// <placeholders> are text too.
func TestQuickReplyEchoesNothingLive(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"<!channel>", "<!here> please", "forecast <!channel>", "forecast x <@U1>", "bind line=<!everyone>",
		"anomalies <#C1|general> 1h", "settings tools <!channel>", `digest schedule "<!here>" UTC`, "help", "@channel", "forecast @here"} {
		text, ok := QuickReply(in)
		require.True(t, ok, in)
		require.NotContains(t, text, "<", "QuickReply(%q) = %q", in, text)
		require.NotContains(t, text, ">", "QuickReply(%q) = %q", in, text)
		require.NotRegexp(t, reBroadcast, text, "QuickReply(%q) = %q", in, text)
	}
}

// FuzzEscape: escaped text has no < or >, no broadcast word, and reads the
// same once Slack decodes it.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"<!channel>", "a & b", "@here", "mail ops@here.example", "&lt;", "\x00<@U1>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if strings.ContainsAny(e, "<>") || reBroadcast.MatchString(e) {
			t.Fatalf("Escape(%q) = %q", s, e)
		}
		back := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", wordJoiner, "").Replace(e)
		if want := strings.NewReplacer("\x00", "", wordJoiner, "").Replace(s); back != want {
			t.Fatalf("Escape(%q) decodes to %q", s, back)
		}
	})
}

// FuzzParseCommand checks that no input panics, every failure is a
// UsageError with a readable problem, and successes are well formed.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"ask why?", "forecast x 24 --season 7", "digest schedule \"0 6 * * *\" UTC", "bind site=a line=b", "anomalies p 2026-01-02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if text, ok := QuickReply(in); ok && (strings.ContainsAny(text, "<>") || reBroadcast.MatchString(text)) {
			t.Fatalf("QuickReply(%q) = %q echoes something live", in, text)
		}
		c, err := ParseCommand(in)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Problem == "" {
				t.Fatalf("ParseCommand(%q) = %v, want a UsageError", in, err)
			}
			if !utf8.ValidString(ue.Problem) && utf8.ValidString(in) {
				t.Fatalf("problem text is not UTF-8: %q", ue.Problem)
			}
			return
		}
		switch c.Sub {
		case SubAsk:
			if strings.TrimSpace(c.Question) == "" {
				t.Fatalf("empty question from %q", in)
			}
		case SubForecast:
			if c.Series == "" || c.Horizon < 0 || c.Horizon > MaxHorizon {
				t.Fatalf("bad forecast %+v from %q", c, in)
			}
		case SubDigest:
			if c.DigestAction == "schedule" && (c.Cron == "" || c.TZ == "") {
				t.Fatalf("bad schedule %+v from %q", c, in)
			}
		case SubHelp, SubAnomalies, SubBind, SubSettings:
		default:
			t.Fatalf("unknown sub %q accepted from %q", c.Sub, in)
		}
	})
}
