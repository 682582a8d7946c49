package blockkit

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// reControl finds Slack's control sequences (<…>) and broadcast words
// that Slack may parse on its own in mrkdwn.
var (
	reControl   = regexp.MustCompile(`<[^<>]*>?`)
	reBroadcast = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}_.+-])@(here|channel|everyone)\b`)
	// reSafeLink is the one control sequence the renderer composes from a
	// model's Markdown: a plain http(s) link shown as its own URL.
	reSafeLink = regexp.MustCompile(`^<https?://[^\s<>|]+>$`)
)

// liveControls returns what in mrkdwn text Slack would turn into a
// mention, a notification or a link whose target is hidden.
func liveControls(text string) []string {
	var bad []string
	for _, m := range reControl.FindAllString(text, -1) {
		if !reSafeLink.MatchString(m) {
			bad = append(bad, m)
		}
	}
	return append(bad, reBroadcast.FindAllString(text, -1)...)
}

// attacks are texts a model, a document or a user could write.
var attacks = []string{
	"see [SOP](https://x.example/a>b<!channel>)",
	"see [<!here> click](https://x.example/ok)",
	"[x](https://x.example/a|<!channel>)",
	"```\n<!channel> in a code block\n```",
	"```<!here>\nfenced\n```",
	"| a | b |\n|---|---|\n| <!channel> | <@U123> |",
	"- item <!subteam^S1|ops>\n# <#C1|general>",
	"plain <!everyone> and <https://evil.example|https://trusted.example>",
	"@channel fire in line 2, @here too",
	"`<@U0ADMIN>` inline code",
	"\x000\x00 placeholder lookalike [a](https://x.example)",
	"&lt;!channel&gt; already escaped",
}

func TestMrkdwnEscapesEverythingFromTheModel(t *testing.T) {
	t.Parallel()
	for _, in := range attacks {
		out := Mrkdwn(in)
		require.Empty(t, liveControls(out), "Mrkdwn(%q) = %q", in, out)
	}
	require.Equal(t, "see [SOP](https://x.example/a&gt;b&lt;!channel&gt;)", Mrkdwn("see [SOP](https://x.example/a>b<!channel>)"),
		"a link whose URL holds < > or | is not a link")
	require.Equal(t, "see the SOP (<https://x.y/z?a=1&amp;b=2>)", Mrkdwn("see [the SOP](https://x.y/z?a=1&b=2)"),
		"a model's link shows its target")
	require.Equal(t, "```\n&lt;!channel&gt; in a code block\n```", Mrkdwn("```\n<!channel> in a code block\n```"))
}

// TestRenderedAnswerHasNoLiveControls fills every text field of an answer
// with each attack: no block and no fallback text carries a live control.
func TestRenderedAnswerHasNoLiveControls(t *testing.T) {
	t.Parallel()
	for _, in := range attacks {
		requireNoLiveControls(t, attackAnswer(in))
	}
}

func attackAnswer(s string) *agent.Answer {
	return &agent.Answer{
		ID: 1, Lang: "en", Mode: agent.ModeLLM, Model: s,
		Situation: s, Cause: s, Text: s, Confidence: s, Escalate: s,
		Steps:     []agent.Step{{Text: s, Reason: s, Citations: []string{s}, TouchesEquipment: true, SOP: s}},
		Detail:    []agent.Step{{Text: s, Reason: s, Citations: []string{s}}},
		Citations: []tools.Citation{{ID: s, Title: s}},
	}
}

func requireNoLiveControls(t *testing.T, a *agent.Answer) {
	t.Helper()
	require.Empty(t, liveControls(PlainText(a)), "fallback text %q", PlainText(a))
	for _, detail := range []bool{false, true} {
		for _, b := range RenderAnswer(a, RenderOptions{Detail: detail}) {
			for _, txt := range mrkdwnTexts(t, b) {
				require.Empty(t, liveControls(txt), "block text %q", txt)
			}
		}
	}
}

// mrkdwnTexts returns the mrkdwn texts of a block, found in its JSON.
func mrkdwnTexts(t *testing.T, b slack.Block) []string {
	t.Helper()
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				s, _ := x["text"].(string)
				out = append(out, s)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	return out
}

// FuzzMrkdwnEscaping holds the renderer to its promise for any text: what
// a model writes never becomes a mention, a notification or a disguised
// link, in the blocks or in the fallback text.
//
//	go test ./internal/blockkit -run '^$' -fuzz FuzzMrkdwnEscaping -fuzztime 60s
func FuzzMrkdwnEscaping(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Add("**bold** [a](https://a.example/b) | x |\n|---|\n| y |")
	f.Fuzz(func(t *testing.T, s string) {
		out := Mrkdwn(s)
		if bad := liveControls(out); len(bad) > 0 {
			t.Fatalf("Mrkdwn(%q) = %q has live controls %q", s, out, bad)
		}
		a := attackAnswer(s)
		if bad := liveControls(PlainText(a)); len(bad) > 0 {
			t.Fatalf("PlainText of %q has live controls %q", s, bad)
		}
		for _, b := range RenderAnswer(a, RenderOptions{}) {
			for _, txt := range mrkdwnTexts(t, b) {
				if bad := liveControls(txt); len(bad) > 0 {
					t.Fatalf("a block of %q has live controls %q in %q", s, bad, txt)
				}
			}
		}
		if strings.Contains(escape(s), "<") || strings.Contains(escape(s), ">") {
			t.Fatalf("Escape(%q) keeps < or >", s)
		}
	})
}
