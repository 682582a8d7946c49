package app

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gemba-ai/gemba/internal/agent"
)

func newAuditCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Show the audit trail: questions, model calls, tool calls and answers"}
	var n int
	var asJSON bool
	tail := &cobra.Command{
		Use:   "tail",
		Short: "Show the latest answers with every model and tool call behind them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n <= 0 {
				return exitCode(2, "audit tail: --n must be at least 1")
			}
			pool, err := app.Pool(cmd.Context())
			if err != nil {
				return err
			}
			trs, err := agent.NewStore(pool).Tail(cmd.Context(), n)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if trs == nil {
					trs = []*agent.Trace{}
				}
				return enc.Encode(trs)
			}
			if len(trs) == 0 {
				_, err := fmt.Fprintln(app.Out, "no answers recorded yet")
				return err
			}
			// Oldest first, like a log.
			var b strings.Builder
			for i := len(trs) - 1; i >= 0; i-- {
				writeTrace(&b, trs[i])
			}
			_, err = io.WriteString(app.Out, b.String())
			return err
		},
	}
	tail.Flags().IntVar(&n, "n", 10, "how many answers")
	tail.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(tail)
	return cmd
}

func writeTrace(w *strings.Builder, tr *agent.Trace) {
	model := tr.Model
	if model == "" {
		model = "-"
	}
	fmt.Fprintf(w, "#%d %s  %s  model=%s  thread=%s  user=%s  tokens=%d/%d  %d ms\n",
		tr.AnswerID, tr.At.Format("2006-01-02 15:04:05"), tr.Mode, model, tr.ThreadKey, tr.UserID, tr.Tokens[0], tr.Tokens[1], tr.LatencyMS)
	fmt.Fprintf(w, "  Q: %s\n", oneLine(tr.Question, 200))
	for _, m := range tr.ModelCalls {
		status := "ok"
		if m.Error != "" {
			status = "error: " + oneLine(m.Error, 120)
		}
		fmt.Fprintf(w, "  model  step %d try %d  %s  tokens=%d/%d  tool_calls=%d  %d ms  %s\n",
			m.Step, m.Attempt, m.Model, m.PromptTokens, m.CompletionTokens, m.ToolCalls, m.LatencyMS, status)
	}
	for _, c := range tr.ToolCalls {
		args, _ := json.Marshal(c.Args)
		status := "ok"
		if c.Error != "" {
			status = "error: " + oneLine(c.Error, 120)
		}
		fmt.Fprintf(w, "  tool   %-17s %s  %d ms  %d B  %s\n", c.Tool, oneLine(string(args), 120), c.DurationMS, c.ResultSize, status)
	}
	if tr.Answer != nil {
		fmt.Fprintf(w, "  A: %s\n", oneLine(tr.Answer.Situation, 200))
		for i, s := range tr.Answer.Steps {
			fmt.Fprintf(w, "     %d. %s\n", i+1, oneLine(s.Text, 160))
		}
	}
	if len(tr.Citations) > 0 {
		fmt.Fprintf(w, "  cited: %s\n", strings.Join(tr.Citations, ", "))
	}
	for _, wn := range tr.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", oneLine(wn, 200))
	}
	for _, f := range tr.Feedback {
		fmt.Fprintf(w, "  feedback: %s by %s %s\n", f.Rating, f.UserID, oneLine(f.Comment, 100))
	}
	fmt.Fprintln(w)
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
