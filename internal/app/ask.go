package app

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/agent"
)

// askJSON is the --json output of `gemba ask`: the documented fields
// (answer, mode, steps = the tool calls, citations) plus the structured answer.
type askJSON struct {
	Answer     string          `json:"answer"`
	Mode       string          `json:"mode"`
	Steps      []askStep       `json:"steps"`
	Citations  []askCitation   `json:"citations"`
	ID         int64           `json:"id,omitempty"`
	Thread     string          `json:"thread"`
	Lang       string          `json:"lang"`
	Model      string          `json:"model,omitempty"`
	Situation  string          `json:"situation"`
	Cause      string          `json:"cause,omitempty"`
	NextSteps  []agent.Step    `json:"next_steps"`
	Detail     []agent.Step    `json:"detail,omitempty"`
	Confidence string          `json:"confidence,omitempty"`
	Escalate   string          `json:"escalate,omitempty"`
	Warnings   []string        `json:"warnings,omitempty"`
	Intent     string          `json:"intent,omitempty"`
	Unknown    []string        `json:"unknown,omitempty"`
	Derived    []agent.Derived `json:"derived,omitempty"`
	Grounding  agent.Grounding `json:"grounding"`
	Tokens     [2]int          `json:"tokens"`
	LatencyMS  int64           `json:"latency_ms"`
}

type askStep struct {
	Tool       string         `json:"tool"`
	Args       map[string]any `json:"args"`
	DurationMS int64          `json:"duration_ms"`
	Error      string         `json:"error,omitempty"`
}

type askCitation struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func toAskJSON(a *agent.Answer, thread string) askJSON {
	out := askJSON{Answer: a.Text, Mode: a.Mode, Steps: []askStep{}, Citations: []askCitation{}, ID: a.ID, Thread: thread,
		Lang: a.Lang, Model: a.Model, Situation: a.Situation, Cause: a.Cause, NextSteps: a.Steps, Detail: a.Detail,
		Confidence: a.Confidence, Escalate: a.Escalate, Warnings: a.Warnings, Intent: a.Intent, Unknown: a.Unknown, Derived: a.Derived,
		Grounding: a.Grounding,
		Tokens:    [2]int{a.PromptTokens, a.CompletionTokens}, LatencyMS: a.LatencyMS}
	if out.NextSteps == nil {
		out.NextSteps = []agent.Step{}
	}
	for _, t := range a.Trace {
		args := t.Args
		if args == nil {
			args = map[string]any{}
		}
		out.Steps = append(out.Steps, askStep{Tool: t.Tool, Args: args, DurationMS: t.DurationMS, Error: t.Error})
	}
	for _, c := range a.Citations {
		out.Citations = append(out.Citations, askCitation{ID: c.ID, Title: c.Title})
	}
	return out
}

func newThreadID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newAskCmd(app *App) *cobra.Command {
	var thread string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   `ask "question"`,
		Short: "Ask Gemba a question from the command line (same agent as Slack; offline without an LLM)",
		Long: `Ask Gemba a question. Without GEMBA_LLM_PROVIDER the offline planner answers.
Follow-up questions with the same --thread see the earlier turns.

  gemba ask "press 3 is vibrating, what should I do?"
  gemba ask --thread t1 "what about press 2?"
  gemba ask --json "지난 24시간 동안 1라인 이상 있었나요?"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			question := strings.TrimSpace(strings.Join(args, " "))
			if question == "" {
				return exitCode(2, "ask: the question is empty")
			}
			ctx := cmd.Context()
			r, err := buildRunner(ctx, app)
			if err != nil {
				return err
			}
			if thread == "" {
				thread = newThreadID()
			}
			key := "cli:" + thread
			a, err := r.Ask(ctx, agent.Request{ThreadKey: key, Channel: "cli", UserID: "cli", Question: question})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(toAskJSON(a, thread))
			}
			_, err = fmt.Fprintf(app.Out, "%s\n\n(answer %d · %s · %d tool calls · %d ms · thread %s)\n", a.Text, a.ID, a.Mode, len(a.Trace), a.LatencyMS, thread)
			return err
		},
	}
	cmd.Flags().StringVar(&thread, "thread", "", "conversation id: questions with the same id share memory")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (answer, mode, steps, citations, ...)")
	return cmd
}
