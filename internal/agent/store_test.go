package agent

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/agent/agenttest"
	"github.com/gemba-ai/gemba/internal/llmtest"
)

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := llmtest.New(t,
		llmtest.Fail(503),
		llmtest.CallTools(llmtest.Call("detect_anomalies", `{"asset":"press-3"}`), llmtest.Call("search_incidents", `{"query":"press vibration"}`)),
		llmtest.Final(goodFinalGrounded),
	)
	store := NewStore(dbtestTx(t))
	r := newTestRunner(t, newTestModel(t, srv), store)
	a, err := r.Ask(ctx, Request{ThreadKey: "console:abc", Channel: "console", UserID: "U7", Question: "press 3 vibration?"})
	require.NoError(t, err)
	require.Positive(t, a.ID)

	tr, err := r.Trace(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, "press 3 vibration?", tr.Question)
	require.Equal(t, "console:abc", tr.ThreadKey)
	require.Equal(t, "U7", tr.UserID)
	require.Equal(t, ModeLLM, tr.Mode)
	require.Len(t, tr.ModelCalls, 3)
	require.Contains(t, tr.ModelCalls[0].Error, "503")
	require.Equal(t, 2, tr.ModelCalls[1].ToolCalls)
	require.Positive(t, tr.ModelCalls[1].PromptTokens)
	require.Len(t, tr.ToolCalls, 2)
	require.Equal(t, "detect_anomalies", tr.ToolCalls[0].Tool)
	require.Equal(t, "press-3", tr.ToolCalls[0].Args["asset"])
	require.Positive(t, tr.ToolCalls[0].ResultSize)
	require.Equal(t, []string{"INC-2025-031", "RB-007"}, tr.Citations)
	require.Equal(t, a.Situation, tr.Answer.Situation)

	// "More detail" reloads the stored answer.
	again, err := r.Answer(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, a.ID, again.ID)
	require.Equal(t, a.Steps, again.Steps)
	require.Len(t, again.Trace, 2)

	// Feedback: stored, replaced on a second vote, validated.
	require.NoError(t, r.RecordFeedback(ctx, a.ID, "U7", RatingHelpful))
	require.NoError(t, store.RecordFeedback(ctx, a.ID, "U7", RatingNotHelpful, "wrong press"))
	err = r.RecordFeedback(ctx, a.ID, "U7", "meh")
	require.ErrorContains(t, err, "rating must be")
	require.ErrorIs(t, r.RecordFeedback(ctx, a.ID+1000, "U7", RatingHelpful), ErrNotFound)
	tr, err = store.Trace(ctx, a.ID)
	require.NoError(t, err)
	require.Len(t, tr.Feedback, 1)
	require.Equal(t, RatingNotHelpful, tr.Feedback[0].Rating)
	require.Equal(t, "wrong press", tr.Feedback[0].Comment)

	_, err = store.Answer(ctx, a.ID+1000)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = store.Trace(ctx, a.ID+1000)
	require.ErrorIs(t, err, ErrNotFound)

	tail, err := store.Tail(ctx, 5)
	require.NoError(t, err)
	require.Len(t, tail, 1)
	require.Len(t, tail[0].ToolCalls, 2)
}

// goodFinalGrounded uses only numbers the fixture tools return.
var goodFinalGrounded = strings.ReplaceAll(strings.ReplaceAll(agenttest.GoodFinal, "Call the maintenance lead above 7.1 mm/s.", "Call the maintenance lead if it keeps rising."), "Reduce press-3 stroke rate to 80%", "Reduce the press-3 stroke rate")

func TestHistoryBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := NewStore(dbtestTx(t))
	r := newTestRunner(t, nil, store)
	for _, q := range []string{"Is press 3 ok?", "프레스 2호기는요?", "and press 1?"} {
		_, err := r.Ask(ctx, Request{ThreadKey: "cli:mem", Question: q})
		require.NoError(t, err)
	}
	all, err := store.History(ctx, "cli:mem", 100000)
	require.NoError(t, err)
	require.Len(t, all, 6)
	require.Equal(t, RoleUser, all[0].Role)
	require.Equal(t, "Is press 3 ok?", all[0].Content)

	// A small budget keeps only the latest turns and starts on a question.
	last := all[len(all)-1].Tokens + all[len(all)-2].Tokens
	some, err := store.History(ctx, "cli:mem", last)
	require.NoError(t, err)
	require.Len(t, some, 2)
	require.Equal(t, "and press 1?", some[0].Content)

	// With room for the earlier questions but not their answers, the
	// questions stay (a third follow-up still knows the first one's
	// machine) and the answers that do not fit are left out.
	qs := all[0].Tokens + all[2].Tokens
	asked, err := store.History(ctx, "cli:mem", last+qs)
	require.NoError(t, err)
	require.Len(t, asked, 4)
	require.Equal(t, []string{"Is press 3 ok?", "프레스 2호기는요?", "and press 1?"}, []string{asked[0].Content, asked[1].Content, asked[2].Content})
	require.Equal(t, RoleAssistant, asked[3].Role)

	none, err := store.History(ctx, "cli:other", 1000)
	require.NoError(t, err)
	require.Empty(t, none)
}

func TestEstimateTokens(t *testing.T) {
	t.Parallel()
	require.Equal(t, 3, EstimateTokens("press three"))
	require.Equal(t, 4, EstimateTokens("프레스 3")) // 3 Hangul + 2 others
	require.Equal(t, 0, EstimateTokens(""))
}
