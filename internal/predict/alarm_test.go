package predict

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConfirming(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	start, end := h(10), h(20)
	_, ok := Confirming(start, end, nil)
	require.False(t, ok, "no alarm log, nothing confirms")
	_, ok = Confirming(start, end, []Alarm{{Code: "E1", At: h(9)}, {Code: "E2", At: end.Add(AlarmAfter + time.Minute)}})
	require.False(t, ok, "an alarm before the event or more than a day after its end does not confirm it")
	a, ok := Confirming(start, end, []Alarm{{Code: "late", At: end.Add(AlarmAfter)}, {Code: "E7", ID: "AL-1", At: h(15)}, {Code: "E8", At: h(12)}})
	require.True(t, ok)
	require.Equal(t, "E8", a.Code, "the first alarm in the window, whatever the order given")
	require.Equal(t, h(12), ConfirmedAt(h(11), a))
	require.Equal(t, h(13), ConfirmedAt(h(13), a), "an alarm before the flag confirms the event at its onset")
	a, ok = Confirming(start, end, []Alarm{{Code: "late", At: end.Add(AlarmAfter)}})
	require.True(t, ok, "a day after the end still confirms")
	require.Equal(t, "late", a.Code)
}

func TestAnomalyJSONConfirmedBy(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 6, 30, 0, 0, time.UTC)
	a := Anomaly{Sensor: "vibration", Start: at.Add(-time.Hour), End: at, Peak: at, Onset: at.Add(-time.Hour), Step: time.Hour}
	b, err := a.MarshalJSON()
	require.NoError(t, err)
	require.NotContains(t, string(b), "confirmed_by")
	a.Alarm = &Alarm{ID: "AL-7", Code: "error1", At: at}
	b, err = a.MarshalJSON()
	require.NoError(t, err)
	require.Contains(t, string(b), `"confirmed_by":{"id":"AL-7","code":"error1","at":"2026-03-01T06:30Z"}`)
}
