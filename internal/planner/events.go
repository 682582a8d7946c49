package planner

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/tools"
)

// Event is one anomaly event, identified once: every section of an
// answer states it from this record (one onset, one σ, one current value).
// Until the anomaly event record of issue 12 is merged, it is read from
// detect_anomalies results; explain_anomaly adds its decomposition and
// comparisons, never a second onset or σ.
type Event struct {
	Asset, Sensor string
	Start, End    time.Time
	Peak          time.Time
	Ongoing       bool
	Kind          string
	// Value is the current level (the latest hour when ongoing), Usual the
	// usual value at those hours, Sigma the distance in robust σ.
	Value, Usual, Sigma float64
	Unit                string
	// Shares are the sensors that moved together and their shares (percent).
	Shares []Share
	// AsOf is the end of a window that ended in the past: "ongoing" and
	// Value then mean at that time, not now.
	AsOf time.Time
	// Cut says the window ended before the data does: an event running at
	// its end has moved on since, so nothing is projected from there.
	Cut bool
	// Alarm is the code of the alarm the machine logged that confirms the
	// event, AlarmAt its time ("" and zero when none did).
	Alarm   string
	AlarmAt time.Time
}

// Share is one sensor's share of an event.
type Share struct {
	Sensor string  `json:"sensor"`
	Pct    float64 `json:"share_pct"`
}

// Dir is the event's direction: +1 above usual, -1 below.
func (e Event) Dir() int {
	if e.Sigma < 0 {
		return -1
	}
	return 1
}

// Significant reports whether the event is worth a technician's attention
// as evidence of a failure: still going on, or far from usual.
func (e Event) Significant() bool {
	return e.Ongoing && math.Abs(e.Sigma) >= 3 || math.Abs(e.Sigma) >= 6
}

func parseStamp(s string) time.Time {
	for _, l := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z", "2006-01-02T15:04"} {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// detectData is the part of a detect_anomalies result the planner reads.
type detectData struct {
	Checked []string `json:"checked"`
	// RunsOn says the data runs on after the window.
	RunsOn bool `json:"runs_on"`
	Window struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"window"`
	Events []struct {
		Asset        string  `json:"asset"`
		Sensor       string  `json:"sensor"`
		Start        string  `json:"start"`
		End          string  `json:"end"`
		Peak         string  `json:"peak"`
		Ongoing      bool    `json:"ongoing"`
		Kind         string  `json:"kind"`
		Value        float64 `json:"value"`
		Usual        float64 `json:"usual"`
		Sigma        float64 `json:"sigma"`
		Unit         string  `json:"unit"`
		Contributors []Share `json:"contributors"`
		ConfirmedBy  *struct {
			ID   string `json:"id"`
			Code string `json:"code"`
			At   string `json:"at"`
		} `json:"confirmed_by"`
	} `json:"events"`
	NoData []string `json:"no_data"`
}

func readDetect(data any) (detectData, bool) {
	var d detectData
	b, err := json.Marshal(data)
	if err != nil || json.Unmarshal(b, &d) != nil {
		return d, false
	}
	return d, true
}

// eventsOf reads the events of a detect_anomalies result asked at now.
func eventsOf(r agent.ToolResult, now time.Time) []Event {
	if !r.OK || r.Call.Name != tools.DetectAnomalies {
		return nil
	}
	d, ok := readDetect(r.Result.Data)
	if !ok {
		return nil
	}
	var asOf time.Time
	if to := parseStamp(d.Window.To); !to.IsZero() {
		if until, _ := r.Call.Args["until"].(string); until != "" && parseStamp(until).Before(now.Add(-time.Hour)) {
			asOf = to
		}
	}
	var out []Event
	for _, e := range d.Events {
		asset := e.Asset
		if asset == "" {
			asset, _ = r.Call.Args["asset"].(string)
		}
		if asset == "" {
			if s, _ := r.Call.Args["series"].(string); s != "" {
				asset, _, _ = strings.Cut(s, ".")
			}
		}
		ev := Event{Asset: asset, Sensor: e.Sensor, Start: parseStamp(e.Start), End: parseStamp(e.End), Peak: parseStamp(e.Peak),
			Ongoing: e.Ongoing, Kind: e.Kind, Value: e.Value, Usual: e.Usual, Sigma: e.Sigma, Unit: e.Unit, Shares: e.Contributors, AsOf: asOf, Cut: d.RunsOn && !asOf.IsZero()}
		if c := e.ConfirmedBy; c != nil {
			ev.Alarm, ev.AlarmAt = c.Code, parseStamp(c.At)
			if ev.Alarm == "" {
				ev.Alarm = c.ID
			}
		}
		out = append(out, ev)
	}
	return out
}

// eventBook holds one record per event: a later report of the same event
// (the same asset and sensor, overlapping in time, from another call) is
// the same event and adds nothing.
type eventBook struct {
	events []Event
}

func (b *eventBook) add(es ...Event) {
	for _, e := range es {
		dup := false
		for _, x := range b.events {
			if x.Asset == e.Asset && x.Sensor == e.Sensor && !e.Start.After(x.End) && !x.Start.After(e.End) {
				dup = true
				break
			}
		}
		if !dup {
			b.events = append(b.events, e)
		}
	}
}

// of returns an asset's events, strongest first (ongoing before past).
func (b *eventBook) of(asset string) []Event {
	var out []Event
	for _, e := range b.events {
		if e.Asset == asset {
			out = append(out, e)
		}
	}
	sortEvents(out)
	return out
}

func sortEvents(es []Event) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Ongoing != es[j].Ongoing {
			return es[i].Ongoing
		}
		return math.Abs(es[i].Sigma) > math.Abs(es[j].Sigma)
	})
}

// explanation is what explain_anomaly adds to an event: never its own onset or σ.
type explanation struct {
	Verdict     string  // "a trend change (+2.07 mm/s over the window), not the usual daily/weekly pattern"
	Trend       bool    // the movement is a trend, not the usual pattern
	TrendChange float64 // change of the trend over the window
	Unit        string
	LagPct      float64 // the leading sensor against the same window a period earlier
	Lag         string  // "168h0m0s" or "24h0m0s"
	HasLag      bool
	Similar     string // the start of the most similar past event
}

func readExplain(r agent.ToolResult) (explanation, bool) {
	if !r.OK || r.Call.Name != tools.ExplainAnomaly {
		return explanation{}, false
	}
	var d struct {
		Decomposition *struct {
			TrendChange float64 `json:"trend_change"`
			Unit        string  `json:"unit"`
			Verdict     string  `json:"verdict"`
		} `json:"decomposition"`
		VsPrevious *struct {
			Lag     string `json:"lag"`
			Sensors []struct {
				RelPct float64 `json:"rel_pct"`
			} `json:"sensors"`
		} `json:"vs_previous_period"`
		Similar []struct {
			Start string `json:"start"`
		} `json:"similar_past_events"`
	}
	b, err := json.Marshal(r.Result.Data)
	if err != nil || json.Unmarshal(b, &d) != nil {
		return explanation{}, false
	}
	var x explanation
	if dc := d.Decomposition; dc != nil {
		x.Verdict, x.TrendChange, x.Unit = dc.Verdict, dc.TrendChange, dc.Unit
		x.Trend = strings.HasPrefix(dc.Verdict, "a trend change")
	}
	if v := d.VsPrevious; v != nil && len(v.Sensors) > 0 {
		x.LagPct, x.Lag, x.HasLag = v.Sensors[0].RelPct, v.Lag, true
	}
	if len(d.Similar) > 0 {
		x.Similar = d.Similar[0].Start
	}
	return x, x.Verdict != "" || x.HasLag
}
