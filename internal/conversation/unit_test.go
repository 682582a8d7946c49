package conversation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

func TestClassifyOutcome(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		outcome string
		step    int
	}{
		{"yes, that fixed it", OutcomeWorked, 0},
		{"step 2 fixed it", OutcomeWorked, 2},
		{"it worked, thanks", OutcomeWorked, 0},
		{"replaced the bearing as in #1, solved", OutcomeWorked, 1},
		{"2번 조치로 해결됐어요", OutcomeWorked, 2},
		{"didn't help, still vibrating", OutcomeFailed, 0},
		{"step 3 did not work", OutcomeFailed, 3},
		{"해결 안 됐어요", OutcomeFailed, 0},
		{"partly, vibration is a bit better", OutcomePartial, 0},
		{"부분적으로 나아졌어요", OutcomePartial, 0},
		{"did step 2 fix it?", "", 0},
		{"yes", OutcomeWorked, 0},
		{"no", OutcomeFailed, 0},
		{"nope, still vibrating", OutcomeFailed, 0},
		{"네, 해결됐어요", OutcomeWorked, 0},
		{"네", OutcomeWorked, 0},
		{"아니요 그대로예요", OutcomeFailed, 0},
		{"not sure yet", "", 0},
		{"why is press-3 still hot after the bearing change and the new grease and the belt tension check we did?", "", 0},
		{"what about press-4", "", 0},
		{"", "", 0},
	}
	for _, tc := range cases {
		got, step := ClassifyOutcome(tc.in)
		require.Equal(t, tc.outcome, got, tc.in)
		require.Equal(t, tc.step, step, tc.in)
	}
}

func TestLooksLikeQuestion(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"why is press-3 vibrating":   true,
		"press-3 is loud?":           true,
		"프레스 3호기 진동이 왜 높아":           true,
		"라인 2 생산량 어떻게 돼요":            true,
		"lunch is at noon":           false,
		"ok":                         false,
		"Shipping the order at 3pm.": false,
	} {
		require.Equal(t, want, LooksLikeQuestion(s), s)
	}
}

func TestQuietHours(t *testing.T) {
	t.Parallel()
	s := ChannelSettings{QuietStart: 22 * 60, QuietEnd: 6 * 60, TZ: "Asia/Seoul"}
	at := func(h int) time.Time { return time.Date(2026, 11, 27, h, 30, 0, 0, time.FixedZone("KST", 9*3600)) }
	require.True(t, s.Quiet(at(23)))
	require.True(t, s.Quiet(at(3)))
	require.False(t, s.Quiet(at(6)))
	require.False(t, s.Quiet(at(14)))
	day := ChannelSettings{QuietStart: 12 * 60, QuietEnd: 13 * 60, TZ: "UTC"}
	require.True(t, day.Quiet(time.Date(2026, 1, 1, 12, 59, 0, 0, time.UTC)))
	require.False(t, day.Quiet(time.Date(2026, 1, 1, 13, 0, 0, 0, time.UTC)))
	require.False(t, ChannelSettings{}.Quiet(time.Now()))
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1764200000, 0)
	l := newLimiter(2, func() time.Time { return now })
	ok, _ := l.allow("U1")
	require.True(t, ok)
	ok, _ = l.allow("U1")
	require.True(t, ok)
	ok, wait := l.allow("U1")
	require.False(t, ok)
	require.Equal(t, 30*time.Second, wait)
	ok, _ = l.allow("U2")
	require.True(t, ok, "per user")
	now = now.Add(30 * time.Second)
	ok, _ = l.allow("U1")
	require.True(t, ok, "refilled")
	free := newLimiter(0, time.Now)
	for range 100 {
		ok, _ := free.allow("U1")
		require.True(t, ok)
	}
}

func TestLastSlot(t *testing.T) {
	t.Parallel()
	s, err := parseSchedule("0 6,14,22 * * *", "Asia/Seoul")
	require.NoError(t, err)
	kst := time.FixedZone("KST", 9*3600)
	created := time.Date(2026, 11, 1, 0, 0, 0, 0, kst)
	// Two minutes after the 14:00 shift start: that slot is due.
	now := time.Date(2026, 11, 27, 14, 2, 0, 0, kst)
	require.True(t, lastSlot(s, now, created, 15*time.Minute).Equal(time.Date(2026, 11, 27, 14, 0, 0, 0, kst)))
	// Half an hour late: past the grace, nothing is posted for it.
	require.True(t, lastSlot(s, now.Add(30*time.Minute), created, 15*time.Minute).IsZero())
	// A schedule created after the slot does not post it.
	require.True(t, lastSlot(s, now, now.Add(-time.Minute), 15*time.Minute).IsZero())
	_, err = parseSchedule("0 6 * * *", "Mars/Olympus")
	require.Error(t, err)
}

// retryable is an error that says itself whether retrying may help, as
// slack-go's StatusCodeError and RateLimitedError do.
type retryable struct{ ok bool }

func (r retryable) Error() string   { return "platform error" }
func (r retryable) Retryable() bool { return r.ok }

func TestTransient(t *testing.T) {
	t.Parallel()
	require.True(t, transient(retryable{true}))
	require.True(t, transient(fmt.Errorf("post: %w", retryable{true})))
	require.True(t, transient(fmt.Errorf("post: %w", &net.OpError{Op: "dial", Err: errors.New("refused")})))
	require.True(t, transient(&pgconn.PgError{Code: "08006"}), "connection lost")
	require.True(t, transient(&pgconn.PgError{Code: "40P01"}), "deadlock victim")
	require.False(t, transient(&pgconn.PgError{Code: "23505"}))
	require.False(t, transient(retryable{false}))
	require.False(t, transient(errors.New("channel_not_found")))
	require.False(t, transient(context.DeadlineExceeded), "a timed-out answer is not retried")
	require.False(t, transient(&toldUser{retryable{true}}), "the user already got an apology")
	require.False(t, transient(nil))
}

// TestWillRetry: a recorded delivery hit by a transient error with
// attempts left is tried again (so the question's handler keeps its
// apology back); the last attempt, a permanent error, a lost lease and the
// console's unrecorded deliveries are not.
func TestWillRetry(t *testing.T) {
	t.Parallel()
	c := &Core{o: Options{MaxAttempts: 3}}
	down := fmt.Errorf("ask: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")})
	require.True(t, c.willRetry(job{id: "Ev1", attempt: 1}, down))
	require.False(t, c.willRetry(job{id: "Ev1", attempt: 3}, down), "the last attempt apologizes")
	require.False(t, c.willRetry(job{id: "", attempt: 0}, down), "the console is not retried")
	require.False(t, c.willRetry(job{id: "Ev1", attempt: 1}, errors.New("bad question")))
	require.False(t, c.willRetry(job{id: "Ev1", attempt: 1}, fmt.Errorf("%w: %w", errLostLease, down)))
	require.False(t, c.willRetry(job{id: "Ev1", attempt: 1}, nil))
}
