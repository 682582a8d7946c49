package connect

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gemba-ai/gemba/internal/ops"
	"github.com/gemba-ai/gemba/internal/series"
)

// Store is what a connector needs of the series store; *series.Store is
// one. It is declared here so a reworked store (partitions, rollups) can
// take its place without touching the connectors.
type Store interface {
	// Ingest writes rows of live data in one statement, queryable once it
	// returns; of two writes of one (series, timestamp) the later arrival
	// wins.
	Ingest(ctx context.Context, rows []series.Row, arrived time.Time) (int64, error)
	// Compact folds what Ingest wrote into the store's blocks and rollups.
	Compact(ctx context.Context, opt series.CompactOptions) (series.CompactReport, error)
	// Upsert creates or describes a series.
	Upsert(ctx context.Context, s series.Series) (series.Series, error)
	// List returns the series matching a filter.
	List(ctx context.Context, f series.Filter) ([]series.Series, error)
}

// Point is one mapped reading before it is stored.
type Point struct {
	// Series is the series name, e.g. press-1.temperature.
	Series string
	// TS is the reading's time (the source's timestamp, or the arrival).
	TS time.Time
	// Value is the reading.
	Value float64
}

// SeriesInfo describes a series a connector creates on first sight.
type SeriesInfo struct {
	Unit, Site, Line, Asset, Sensor string
	// Interval is the nominal step (OPC UA's sampling interval), 0 if unknown.
	Interval time.Duration
}

// Written is a point committed to the store, as the Feed hands it on.
type Written struct {
	// Connector is the name of the connector that received it.
	Connector string
	// SeriesID and Series identify the series.
	SeriesID int64
	Series   string
	// TS and Value are the reading.
	TS    time.Time
	Value float64
}

// Options are what every connector shares.
type Options struct {
	// Store receives the points (required).
	Store Store
	// Feed, when set, receives every committed batch.
	Feed *Feed
	// Metrics counts messages, points, lag, errors and reconnects (nil-safe).
	Metrics *ops.Metrics
	// Logger logs connections and failures (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// FoldEvery is how often the writer folds the points written into the
	// store's tail into its blocks and rollups (default 1 min; negative:
	// never); FoldAfter is how long points wait in the tail before they are
	// folded (default 5 min). Every read merges the tail meanwhile.
	FoldEvery, FoldAfter time.Duration
}

// Default fold cadence. A fold rewrites the open block of each series it
// touches, so a block of an hour folded every 5 minutes is written about
// 6.5 times in all (every 2.5 minutes: 12.5 times), most of the fold's
// cost; reads decode the waiting points, which costs them little while
// the wait is a few minutes.
const (
	DefaultFoldEvery = time.Minute
	DefaultFoldAfter = 5 * time.Minute
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FoldEvery == 0 {
		o.FoldEvery = DefaultFoldEvery
	}
	if o.FoldAfter == 0 {
		o.FoldAfter = DefaultFoldAfter
	}
	return o
}

// pipeline is the part shared by every connector: the bounded queue, the
// writer with its series cache, the status and the metrics.
type pipeline struct {
	name   string
	opts   Options
	q      *queue
	batch  int
	linger time.Duration
	create bool
	state  *tracker

	cacheMu sync.Mutex
	ids     map[string]int64     // series name → id
	absent  map[string]time.Time // names refused (create_series: false), until when

	takeMu  sync.Mutex
	taken   uint64 // batches taken from the queue
	ackMu   sync.Mutex
	ackCond *sync.Cond
	acked   uint64 // batches acknowledged (or abandoned), in order
}

func newPipeline(name string, queuePoints, batchPoints int, linger time.Duration, create bool, opts Options, st *tracker) *pipeline {
	p := &pipeline{
		name: name, opts: opts, q: newQueue(queuePoints), batch: batchPoints, linger: linger, create: create,
		state: st, ids: map[string]int64{}, absent: map[string]time.Time{},
	}
	p.ackCond = sync.NewCond(&p.ackMu)
	return p
}

// preload fills the series cache with every stored series, so that first
// sight of a known name costs no query.
func (p *pipeline) preload(ctx context.Context) error {
	all, err := p.opts.Store.List(ctx, series.Filter{})
	if err != nil {
		return err
	}
	for _, s := range all {
		p.ids[s.Name] = s.ID
	}
	p.state.setSeries(len(p.ids))
	return nil
}

// put queues it, waiting while the queue is full or until stop closes.
func (p *pipeline) put(stop <-chan struct{}, it *item) error {
	p.opts.Metrics.SetConnectorQueue(p.name, p.q.size())
	return p.q.put(stop, it)
}

// run writes batches until ctx is done and the queue is closed and empty.
// A batch that fails is retried with backoff until it is written or ctx
// ends: nothing taken from the queue is ever dropped while running.
//
// Two writers overlap one batch's commit with the next batch's statements;
// batches are numbered as they leave the queue and acknowledged strictly in
// that order, so the PUBACKs follow the order the messages arrived in.
func (p *pipeline) run(ctx context.Context) {
	var wg sync.WaitGroup
	folding, stopFolding := context.WithCancel(ctx)
	var folder sync.WaitGroup
	if p.opts.FoldEvery > 0 {
		folder.Go(func() { p.fold(folding) })
	}
	defer func() { stopFolding(); folder.Wait() }()
	for range writers {
		wg.Go(func() {
			for {
				p.takeMu.Lock()
				items := p.q.take(ctx, p.batch, p.linger)
				seq := p.taken
				p.taken++
				p.takeMu.Unlock()
				if items == nil {
					return
				}
				p.writeBatch(ctx, seq, items)
			}
		})
	}
	wg.Wait()
}

// writers is the number of batches written at once.
const writers = 2

// A fold takes a bucket or two of the tail per transaction and rests as
// long as each took: measured beside 50,000 points/s on the 2-core
// machine, one fold of 200,000 points per transaction, back to back,
// raised the writes' p99 from 1.0 s to 5.4 s (it held the CPU for seconds
// at a time); in small transactions with rests the writes keep their pace
// and memory stays flat.
const (
	foldBatch = 20_000
	foldRest  = 1.0
)

// fold folds the tail into blocks every FoldEvery until ctx is done.
// Failures are counted and retried at the next tick: the points stay
// readable in the tail meanwhile.
func (p *pipeline) fold(ctx context.Context) {
	t := time.NewTicker(p.opts.FoldEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		rep, err := p.opts.Store.Compact(ctx, series.CompactOptions{After: p.opts.FoldAfter, BatchPoints: foldBatch, Rest: foldRest,
			Folded: func(_ int, points int64, took time.Duration) { p.state.folded(points, took, p.opts.Now()) }})
		if err != nil {
			if ctx.Err() == nil {
				p.fail("fold", err)
			}
			continue
		}
		if rep.Buckets > 0 {
			p.opts.Logger.DebugContext(ctx, "connector folded the tail", "connector", p.name,
				"buckets", rep.Buckets, "points", rep.Points, "waiting", rep.Waiting, "took", time.Since(start))
		}
	}
}

// inOrder runs f once every batch numbered before seq has run its own.
func (p *pipeline) inOrder(seq uint64, f func()) {
	p.ackMu.Lock()
	defer p.ackMu.Unlock()
	for p.acked != seq {
		p.ackCond.Wait()
	}
	f()
	p.acked++
	p.ackCond.Broadcast()
}

func (p *pipeline) writeBatch(ctx context.Context, seq uint64, items []*item) {
	n := 0
	for _, it := range items {
		n += len(it.points)
	}
	committed := false
	defer func() {
		if !committed {
			p.inOrder(seq, func() {}) // abandoned at shutdown: let later batches go
		}
		p.q.release(n)
		p.opts.Metrics.SetConnectorQueue(p.name, p.q.size())
	}()
	rows, names, err := p.rows(ctx, items)
	// The batch's arrival is its newest message's: of two batches holding
	// one (series, timestamp), the later one wins whichever commits first.
	arrived := items[len(items)-1].arrived
	for attempt := 0; ; attempt++ {
		if err == nil && len(rows) > 0 {
			_, err = p.opts.Store.Ingest(ctx, rows, arrived)
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			// Shutting down: the batch stays unacknowledged, so the broker
			// sends it again to the next run.
			return
		}
		p.fail("write", err)
		if !sleepCtx(ctx, backoff(attempt, 50*time.Millisecond, 5*time.Second)) {
			return
		}
		if names == nil {
			rows, names, err = p.rows(ctx, items)
		}
	}
	committed = true
	var now time.Time
	p.inOrder(seq, func() {
		now = p.opts.Now()
		for _, it := range items {
			if it.ack != nil {
				it.ack()
			}
		}
	})
	for _, it := range items {
		p.opts.Metrics.ObserveConnectorLag(p.name, now.Sub(it.arrived))
	}
	var newest time.Time
	for _, r := range rows {
		if r.TS.After(newest) {
			newest = r.TS
		}
	}
	p.opts.Metrics.CountConnectorPoints(p.name, len(rows))
	p.state.wrote(len(rows), newest, now.Sub(items[0].arrived), now)
	if p.opts.Feed != nil && len(rows) > 0 {
		out := make([]Written, len(rows))
		for i, r := range rows {
			out[i] = Written{Connector: p.name, SeriesID: r.SeriesID, Series: names[r.SeriesID], TS: r.TS, Value: r.Value}
		}
		p.opts.Feed.publish(out)
	}
}

// rows resolves the points' series, drops those refused, and keeps the last
// reading of each (series, timestamp) in the batch (one statement may not
// touch a row twice). It returns the id → name map of the batch for the
// Feed; names is nil when resolving failed (and err is set).
func (p *pipeline) rows(ctx context.Context, items []*item) ([]series.Row, map[int64]string, error) {
	p.cacheMu.Lock() // the writers share the series cache
	defer p.cacheMu.Unlock()
	if err := p.refresh(ctx, items); err != nil {
		return nil, nil, err
	}
	// Sorted by series, time and arrival (the position in the batch): an
	// unstable sort with the position as the last key is much cheaper than
	// a stable one, and keeps the last of repeats last all the same.
	type keyed struct {
		id, us int64
		k      int
		v      float64
		name   string
	}
	n := 0
	for _, it := range items {
		n += len(it.points)
	}
	all := make([]keyed, 0, n)
	for _, it := range items {
		for _, pt := range it.points {
			id := p.resolve(pt.Series)
			if id == 0 {
				continue
			}
			all = append(all, keyed{id: id, us: pt.TS.UnixMicro(), k: len(all), v: pt.Value, name: pt.Series})
		}
	}
	slices.SortFunc(all, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.us, b.us), cmp.Compare(a.k, b.k))
	})
	rows := make([]series.Row, 0, len(all))
	names := map[int64]string{}
	for i, r := range all {
		if i+1 < len(all) && all[i+1].id == r.id && all[i+1].us == r.us {
			continue // a later reading of the same (series, timestamp) wins
		}
		if i == 0 || all[i-1].id != r.id {
			names[r.id] = r.name
		}
		rows = append(rows, series.Row{SeriesID: r.id, TS: time.UnixMicro(r.us).UTC(), Value: r.v})
	}
	return rows, names, nil
}

// refresh makes sure the cache holds the batch's series: when it names
// series the cache does not hold it reloads the cache once (another
// process may have created them since), then creates the missing ones
// concurrently, so a burst of new names (a plant's first minute) costs a
// few round trips, not one commit after another.
func (p *pipeline) refresh(ctx context.Context, items []*item) error {
	now := p.opts.Now()
	missing := map[string]SeriesInfo{}
	for _, it := range items {
		for _, pt := range it.points {
			if _, ok := p.ids[pt.Series]; ok {
				continue
			}
			if until, ok := p.absent[pt.Series]; ok && now.Before(until) {
				continue
			}
			if _, ok := missing[pt.Series]; !ok || it.describe != nil {
				missing[pt.Series] = it.describe[pt.Series]
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := p.preload(ctx); err != nil {
		return fmt.Errorf("connect: load series: %w", err)
	}
	if !p.create {
		return nil // resolve refuses and counts them
	}
	for name := range missing {
		if _, ok := p.ids[name]; ok {
			delete(missing, name)
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(createConcurrency)
	for name, info := range missing {
		g.Go(func() error {
			id, err := p.create1(gctx, name, info)
			if err != nil {
				return err
			}
			mu.Lock()
			p.ids[name] = id
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	p.state.setSeries(len(p.ids))
	return err
}

// createConcurrency bounds the series created at once.
const createConcurrency = 8

// create1 creates the series name, described by info.
func (p *pipeline) create1(ctx context.Context, name string, info SeriesInfo) (int64, error) {
	s := series.Series{
		Name: name, Unit: info.Unit, Site: info.Site, Line: info.Line, Asset: info.Asset, Sensor: info.Sensor,
		Kind: series.KindSensor, Interval: info.Interval, Metadata: map[string]any{"connector": p.name},
	}
	if s.Asset == "" && s.Sensor == "" {
		if a, b, ok := strings.Cut(name, "."); ok && !strings.Contains(b, ".") {
			s.Asset, s.Sensor = a, b
		}
	}
	created, err := p.opts.Store.Upsert(ctx, s)
	if err != nil {
		return 0, fmt.Errorf("connect: create series %s: %w", name, err)
	}
	p.opts.Logger.InfoContext(ctx, "connector created a series", "connector", p.name, "series", name)
	return created.ID, nil
}

// absentFor is how long a refused name is remembered before the store is
// asked again (a series declared meanwhile is picked up).
const absentFor = time.Minute

// resolve returns the id of the series called name (refresh has created
// it when the connector may); 0 when the point is dropped because the
// series is not declared.
func (p *pipeline) resolve(name string) int64 {
	if id, ok := p.ids[name]; ok {
		return id
	}
	if _, ok := p.absent[name]; !ok || p.opts.Now().After(p.absent[name]) {
		p.absent[name] = p.opts.Now().Add(absentFor)
	}
	p.fail("series", fmt.Errorf("no series %q (create_series is false)", name))
	return 0
}

// fail counts an error of kind and keeps it for the status; the log is
// rate-limited by the tracker so a flood of bad messages is one line per
// interval.
func (p *pipeline) fail(kind string, err error) {
	p.opts.Metrics.CountConnectorError(p.name, kind)
	if p.state.failed(kind, err, p.opts.Now()) {
		p.opts.Logger.Warn("connector error", "connector", p.name, "kind", kind, "err", err)
	}
}

// backoff returns the wait before attempt (0-based): base doubling up to
// limit, with ±20% jitter so replicas do not retry in step.
func backoff(attempt int, base, limit time.Duration) time.Duration {
	d := base
	for range attempt {
		d *= 2
		if d >= limit {
			d = limit
			break
		}
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64())) //nolint:gosec // jitter, not security
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Feed hands the points each connector committed to subscribers: the
// online detector and the proactive alerts subscribe here. Delivery never
// blocks ingestion: a subscriber whose buffer is full misses that batch
// (counted in Dropped); the points are in the store, so it can read the gap.
type Feed struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// NewFeed returns a Feed without subscribers.
func NewFeed() *Feed { return &Feed{subs: map[*Subscription]struct{}{}} }

// Subscription receives committed batches on C until Close.
type Subscription struct {
	// C delivers each committed batch (points of one or more series).
	C <-chan []Written
	c chan []Written
	// match selects the series to receive (nil: all).
	match   func(series string) bool
	feed    *Feed
	dropped int64
}

// Subscribe returns a subscription buffering up to buffer batches. match,
// when not nil, selects the series (by name) the subscriber wants.
func (f *Feed) Subscribe(buffer int, match func(series string) bool) *Subscription {
	c := make(chan []Written, max(buffer, 1))
	s := &Subscription{C: c, c: c, match: match, feed: f}
	f.mu.Lock()
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	return s
}

// Close ends the subscription and closes C.
func (s *Subscription) Close() {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	if _, ok := s.feed.subs[s]; ok {
		delete(s.feed.subs, s)
		close(s.c)
	}
}

// Dropped returns how many batches the subscriber missed because its
// buffer was full.
func (s *Subscription) Dropped() int64 {
	s.feed.mu.Lock()
	defer s.feed.mu.Unlock()
	return s.dropped
}

func (f *Feed) publish(batch []Written) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		out := batch
		if s.match != nil {
			out = nil
			for _, w := range batch {
				if s.match(w.Series) {
					out = append(out, w)
				}
			}
			if len(out) == 0 {
				continue
			}
		}
		select {
		case s.c <- out:
		default:
			s.dropped++
		}
	}
}
