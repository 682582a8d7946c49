//go:build evalask

package eval

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent"
)

// TestAskAtEvalClock prints the offline planner's answers to the questions
// in GEMBA_EVAL_ASK (separated by "|", one thread) at the evaluation's
// clock on its demo plant: a developer's look at what a case is judged on.
// It asserts that each question is answered. It is built only with the
// evalask tag: go test -tags evalask -run TestAskAtEvalClock -v ./internal/eval/
func TestAskAtEvalClock(t *testing.T) {
	qs := os.Getenv("GEMBA_EVAL_ASK")
	require.NotEmpty(t, qs, "set GEMBA_EVAL_ASK to the questions, separated by |")
	d := openDemo(t)
	r := newRunner(t, d, nil)
	for _, q := range strings.Split(qs, "|") {
		a, err := r.Ask(context.Background(), agent.Request{ThreadKey: "eval-ask", Question: q})
		require.NoError(t, err)
		require.NotEmpty(t, a.Text)
		t.Logf("\nQ: %s\n%s", q, a.Text)
	}
}
