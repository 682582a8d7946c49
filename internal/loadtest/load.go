package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gemba-ai/gemba/internal/conversation"
)

// LoadOptions shape one load run.
type LoadOptions struct {
	// Events is how many distinct questions to ask (default 3000).
	Events int
	// Duration spreads the first deliveries evenly over this long (default
	// 2 minutes); 0 sends as fast as Concurrency allows.
	Duration time.Duration
	// Concurrency bounds deliveries in flight (default 50).
	Concurrency int
	// DuplicateFraction of events are also delivered at once to another
	// instance, as when Slack's delivery races two replicas (default 0.2).
	DuplicateFraction float64
	// RetryFraction of events are redelivered later with X-Slack-Retry-Num,
	// as Slack does when it thinks an ack was late (default 0.1).
	RetryFraction float64
	// Channels is how many channels the questions spread over (default 20).
	Channels int
	// AnswerTimeout is how long to wait for the last answers (default 5 min).
	AnswerTimeout time.Duration
	// Seed makes the run repeatable.
	Seed uint64
	// SlackRetries is how Slack redelivers a delivery that got no 2xx in
	// time (default SlackPolicy(1.0/60): Slack's schedule, sixty times
	// faster).
	SlackRetries *RetryPolicy
}

// RetryPolicy is Slack's redelivery of Events API requests: a delivery
// answered with a non-2xx, not answered, or acknowledged later than
// AckTimeout is sent again after Delays[0], then Delays[1], and so on,
// with X-Slack-Retry-Num counting up. Only when every redelivery fails too
// is the event lost for good.
type RetryPolicy struct {
	AckTimeout time.Duration
	Delays     []time.Duration
}

// SlackPolicy is Slack's documented schedule (3 s to acknowledge; retries
// nearly at once, after one minute and after five) with the delays scaled
// by scale, so that a test sees the same sequence in seconds.
func SlackPolicy(scale float64) *RetryPolicy {
	d := func(x time.Duration) time.Duration { return time.Duration(float64(x) * scale) }
	return &RetryPolicy{AckTimeout: 3 * time.Second, Delays: []time.Duration{d(time.Second), d(time.Minute), d(5 * time.Minute)}}
}

func (o *LoadOptions) defaults() {
	if o.Events <= 0 {
		o.Events = 3000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 50
	}
	if o.Channels <= 0 {
		o.Channels = 20
	}
	if o.AnswerTimeout <= 0 {
		o.AnswerTimeout = 5 * time.Minute
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.SlackRetries == nil {
		o.SlackRetries = SlackPolicy(1.0 / 60)
	}
}

// Report is what a load run measured.
type Report struct {
	Instances  int
	Events     int // distinct questions
	Deliveries int // POSTs, duplicates and retries included
	Duplicates int // extra deliveries of the same event to another instance
	Retries    int // scripted redeliveries with X-Slack-Retry-Num (a late ack as Slack saw it)
	Non2xx     int // deliveries not acknowledged with 2xx
	SlowAcks   int // deliveries acknowledged with 2xx, but later than Slack waits
	// Redelivered counts Slack's own redeliveries of deliveries that got
	// no 2xx in time (Non2xx + SlowAcks, as far as the retries reach).
	Redelivered int
	// AnsweredLate counts events answered only thanks to Slack's
	// redelivery: none of their first deliveries was acknowledged in time.
	AnsweredLate int
	Elapsed      time.Duration
	Throughput   float64 // answers per second, first delivery to last answer
	AckP50       time.Duration
	AckP99       time.Duration
	E2EP50       time.Duration
	E2EP95       time.Duration
	E2EP99       time.Duration
	Lost         int // events never answered
	Duplicated   int // events answered more than once
	Stale        int // placeholders never replaced
	// CPU time spent during the run (first delivery to last answer) by the
	// instances, by the PostgreSQL backends of the load database and by
	// the harness itself (local Slack, scripted LLM, load generator); per
	// answer, the instances' and Postgres' share is what Gemba costs.
	InstanceCPU time.Duration
	PostgresCPU time.Duration
	HarnessCPU  time.Duration
	// LoadBefore and LoadAfter are the machine's 1-minute load averages
	// around the run: figures from a shared machine must say so.
	LoadBefore, LoadAfter float64
}

// CPUPerAnswer is the instances' and PostgreSQL's CPU time per answered
// question (0 when nothing was answered).
func (r *Report) CPUPerAnswer() time.Duration {
	n := r.Events - r.Lost
	if n <= 0 {
		return 0
	}
	return (r.InstanceCPU + r.PostgresCPU) / time.Duration(n)
}

// String renders the report for a terminal or a closing note.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "instances %d, events %d, deliveries %d (duplicates %d, retries %d, non-2xx %d, slow acks %d, Slack redeliveries %d)\n",
		r.Instances, r.Events, r.Deliveries, r.Duplicates, r.Retries, r.Non2xx, r.SlowAcks, r.Redelivered)
	fmt.Fprintf(&b, "elapsed %s, throughput %.1f answers/s\n", r.Elapsed.Round(time.Millisecond), r.Throughput)
	fmt.Fprintf(&b, "ack p50 %s, p99 %s\n", r.AckP50.Round(10*time.Microsecond), r.AckP99.Round(10*time.Microsecond))
	fmt.Fprintf(&b, "end-to-end p50 %s, p95 %s, p99 %s\n", r.E2EP50.Round(time.Millisecond), r.E2EP95.Round(time.Millisecond), r.E2EP99.Round(time.Millisecond))
	fmt.Fprintf(&b, "lost %d (after Slack's redeliveries), answered late %d, answered twice %d, stale placeholders %d\n", r.Lost, r.AnsweredLate, r.Duplicated, r.Stale)
	if n := r.Events - r.Lost; n > 0 {
		fmt.Fprintf(&b, "CPU: instances %s, postgres %s, harness %s; per answer %.1f ms (instances %.1f, postgres %.1f)\n",
			r.InstanceCPU.Round(10*time.Millisecond), r.PostgresCPU.Round(10*time.Millisecond), r.HarnessCPU.Round(10*time.Millisecond),
			ms(r.CPUPerAnswer()), ms(r.InstanceCPU/time.Duration(n)), ms(r.PostgresCPU/time.Duration(n)))
	}
	fmt.Fprintf(&b, "load average %.2f before, %.2f after\n", r.LoadBefore, r.LoadAfter)
	return b.String()
}

var questions = []string{
	"press-3 is vibrating, what should I do?",
	"is anything wrong with pump-1 pressure?",
	"conveyor-1 motor current jumped, why?",
	"프레스 3호기 진동이 커요. 어떻게 해야 하나요?",
	"will line 1 make its plan today?",
	"cnc-2 sounds rough since this morning",
}

// Questions returns the questions the load sends, in order (a copy).
func Questions() []string { return append([]string(nil), questions...) }

// MakeEvents returns n distinct app_mention events spread over channels.
func MakeEvents(prefix string, n, channels int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{
			ID:      fmt.Sprintf("Ev%s%06d", prefix, i),
			Channel: fmt.Sprintf("C%sLOAD%02d", prefix, i%channels),
			TS:      fmt.Sprintf("1700000000.%06d", i),
			User:    fmt.Sprintf("U%03d", i%300),
			Text:    questions[i%len(questions)],
		}
	}
	return evs
}

// Load sends the events to the instances (duplicates to other instances and
// retries included), waits for the answers and measures.
func (h *Harness) Load(ctx context.Context, o LoadOptions) (*Report, error) {
	o.defaults()
	rng := rand.New(rand.NewPCG(o.Seed, 42))
	evs := MakeEvents(fmt.Sprintf("%d", o.Seed), o.Events, o.Channels)
	n := len(h.Instances)

	type job struct {
		ev    Event
		in    int
		retry int
		slack bool // a redelivery by Slack's retry policy, not a scripted one
		at    time.Time
	}
	var jobs []job
	start := time.Now().Add(200 * time.Millisecond)
	rep := &Report{Instances: n, Events: len(evs)}
	for i, ev := range evs {
		at := start
		if o.Duration > 0 {
			at = start.Add(time.Duration(float64(o.Duration) * float64(i) / float64(len(evs))))
		}
		jobs = append(jobs, job{ev: ev, in: i % n, at: at})
		if n > 1 && rng.Float64() < o.DuplicateFraction {
			jobs = append(jobs, job{ev: ev, in: (i + 1) % n, at: at})
			rep.Duplicates++
		}
		if rng.Float64() < o.RetryFraction {
			jobs = append(jobs, job{ev: ev, in: rng.IntN(n), retry: 1, at: at.Add(time.Duration(100+rng.IntN(900)) * time.Millisecond)})
			rep.Retries++
		}
	}
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].at.Before(jobs[j].at) })

	rep.LoadBefore = loadAvg()
	cpu0 := h.snapshotCPU(ctx)

	var mu sync.Mutex
	first := map[string]time.Time{}
	inTime := map[string]bool{} // events with a first-round delivery acknowledged in time
	var acks []time.Duration
	sem := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	var send func(j job)
	send = func(j job) {
		sem <- struct{}{}
		sent := time.Now()
		d := h.Send(ctx, h.Instances[j.in], j.ev, j.retry)
		<-sem
		mu.Lock()
		defer mu.Unlock()
		rep.Deliveries++
		key := j.ev.Channel + "/" + j.ev.TS
		if t, ok := first[key]; !ok || sent.Before(t) {
			first[key] = sent
		}
		failed := d.Err != nil || d.Status < 200 || d.Status >= 300
		switch {
		case failed:
			rep.Non2xx++
		case d.Ack > o.SlackRetries.AckTimeout:
			rep.SlowAcks++
			acks = append(acks, d.Ack)
		default:
			acks = append(acks, d.Ack)
			if !j.slack {
				inTime[key] = true
			}
			return
		}
		// Slack redelivers, to whichever replica its load balancer picks,
		// until its retries are used up.
		if j.retry >= len(o.SlackRetries.Delays) || ctx.Err() != nil {
			return
		}
		rep.Redelivered++
		next := job{ev: j.ev, in: rng.IntN(n), retry: j.retry + 1, slack: true}
		delay := o.SlackRetries.Delays[j.retry]
		wg.Go(func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			send(next)
		})
	}
	for _, j := range jobs {
		if d := time.Until(j.at); d > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(d):
			}
		}
		wg.Go(func() { send(j) })
	}
	wg.Wait()
	pending := h.WaitAnswered(ctx, evs, o.AnswerTimeout)
	rep.InstanceCPU, rep.PostgresCPU, rep.HarnessCPU = cpuUsed(cpu0, h.snapshotCPU(ctx))
	rep.LoadAfter = loadAvg()
	// Give late duplicates (if any) a moment to show before counting.
	time.Sleep(500 * time.Millisecond)
	answers, placeholders := h.Tally(channelsOf(evs))
	rep.Lost = len(pending)
	for _, ev := range evs {
		k := ev.Channel + "/" + ev.TS
		if answers[k] > 1 {
			rep.Duplicated++
		}
		if answers[k] > 0 && !inTime[k] {
			rep.AnsweredLate++
		}
		rep.Stale += placeholders[k]
	}
	done := answerTimes(h, channelsOf(evs))
	var e2e []time.Duration
	var last time.Time
	for k, t := range done {
		if f, ok := first[k]; ok {
			e2e = append(e2e, t.Sub(f))
			if t.After(last) {
				last = t
			}
		}
	}
	rep.Elapsed = last.Sub(start)
	if rep.Elapsed > 0 {
		rep.Throughput = float64(len(e2e)) / rep.Elapsed.Seconds()
	}
	rep.AckP50, rep.AckP99 = percentile(acks, 0.50), percentile(acks, 0.99)
	rep.E2EP50, rep.E2EP95, rep.E2EP99 = percentile(e2e, 0.50), percentile(e2e, 0.95), percentile(e2e, 0.99)
	if rep.Lost > 0 {
		return rep, fmt.Errorf("%w: %d of %d", ErrLost, rep.Lost, rep.Events)
	}
	return rep, nil
}

// answerTimes finds when each thread's first answer was written: the
// chat.update that replaced the placeholder, or a chat.postMessage that
// carried the answer directly.
func answerTimes(h *Harness, channels []string) map[string]time.Time {
	thread := map[string]string{} // channel/ts -> channel/thread_ts
	for _, c := range channels {
		for _, m := range h.Slack.Messages(c) {
			if m.ThreadTS != "" {
				thread[c+"/"+m.TS] = c + "/" + m.ThreadTS
			}
		}
	}
	out := map[string]time.Time{}
	for _, call := range h.Slack.Calls("chat.update", "chat.postMessage") {
		if call.Status != http.StatusOK || conversation.IsPlaceholder(call.Params["text"]) {
			continue
		}
		var key string
		switch call.Method {
		case "chat.update":
			key = thread[call.Params["channel"]+"/"+call.Params["ts"]]
		case "chat.postMessage":
			if call.Params["thread_ts"] != "" {
				key = call.Params["channel"] + "/" + call.Params["thread_ts"]
			}
		}
		if key == "" {
			continue
		}
		if t, ok := out[key]; !ok || call.At.Before(t) {
			out[key] = call.At
		}
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func percentile(xs []time.Duration, p float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}
