package connect_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/connect"
	"github.com/gemba-ai/gemba/internal/connect/connecttest"
	"github.com/gemba-ai/gemba/internal/db/dbtest"
	"github.com/gemba-ai/gemba/internal/series"
)

// TestMQTTSustainedThroughput publishes JSON messages of ten readings each
// at a fixed rate from four publisher connections through a real Mosquitto
// into PostgreSQL, and measures the committed points per second and each
// point's time from its publication (its timestamp) to its commit (when
// the Feed hands it on, after the transaction). The writer folds the tail
// into blocks far more often than in production (every few seconds, not
// every 5 minutes), so a short run pays for folding too. CI: 20,000
// points/s for 8 s with floors that hold on a busy machine; full size
// (GEMBA_CONNECT_BENCH=full, `make bench`): 50,000 points/s for 60 s, the
// target of issue 15 (p99 ≤ 2 s); GEMBA_CONNECT_BENCH_DURATION=20m runs
// longer, folding at the production cadence. It logs the test process's
// peak RSS and Go heap (the publishers run in it too) and the folds.
func TestMQTTSustainedThroughput(t *testing.T) {
	if raceDetector {
		t.Skip("throughput is not measured under the race detector, which slows the pipeline several-fold")
	}
	t.Parallel()
	rate, dur := 20_000, 8*time.Second
	foldEvery, foldAfter := time.Second, 2*time.Second
	if full() {
		rate, dur = 50_000, 60*time.Second
		foldEvery, foldAfter = 10*time.Second, 20*time.Second
		if d, err := time.ParseDuration(os.Getenv("GEMBA_CONNECT_BENCH_DURATION")); err == nil && d > 0 {
			dur = d
			foldEvery, foldAfter = 0, 0 // the production cadence (connect.DefaultFoldEvery, DefaultFoldAfter)
		}
	}
	const perMsg, publishers = 10, 4
	broker := connecttest.StartMosquitto(t)
	pool := dbtest.Pool(t)
	cfg := parse(t, loadConfig(broker.URL(), "load", "gemba-load", ""))
	feed := connect.NewFeed()
	sub := feed.Subscribe(1<<16, nil)
	conn, err := connect.New(cfg, connect.Options{Store: series.New(pool), Feed: feed, FoldEvery: foldEvery, FoldAfter: foldAfter})
	require.NoError(t, err)
	stop := run(t, conn)
	waitFor(t, 10*time.Second, "connected", func() bool { return conn.Status().Connected })

	// Warm-up: the first message of each topic creates its series (200
	// topics × 10 values: 2,000 series); the sustained run measures the
	// steady state, the warm-up the cold start.
	pubs := make([]*connecttest.Publisher, publishers)
	topics := make([][]string, publishers)
	warmStart := time.Now()
	for p := range publishers {
		pubs[p] = connecttest.NewPublisher(t, broker.URL(), fmt.Sprintf("pub-load-%d", p))
		for i := range 50 {
			topics[p] = append(topics[p], fmt.Sprintf("load/a%d-%d", p, i))
			require.NoError(t, pubs[p].Publish(topics[p][i], stamp(-1, time.Now(), perMsg)))
		}
	}
	warm := publishers * 50 * perMsg
	waitFor(t, 60*time.Second, "warm-up written", func() bool { return conn.Status().Points >= int64(warm) })
	t.Logf("cold start: %d new series created and their first points written in %s", warm, time.Since(warmStart).Round(time.Millisecond))
	for len(sub.C) > 0 {
		<-sub.C
	}

	var lat latencies
	var firstCommit, lastCommit time.Time
	firstBatch := 0
	// MQTT QoS 1 is at least once: on a loaded machine a message whose
	// PUBACK was late is delivered again, and its points reach the feed
	// twice (the store keeps each (series, timestamp) once). Latency counts
	// each point's first delivery; redeliveries are counted apart.
	type key struct{ id, ts int64 }
	seen := make(map[key]struct{}, 1<<18)
	redelivered := 0
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for b := range sub.C {
			now := time.Now()
			if firstCommit.IsZero() {
				firstCommit, firstBatch = now, len(b)
			}
			lastCommit = now
			for _, w := range b {
				k := key{w.SeriesID, w.TS.UnixNano()}
				if _, dup := seen[k]; dup {
					redelivered++
					continue
				}
				seen[k] = struct{}{}
				lat.add(now.Sub(w.TS))
			}
		}
	}()

	// Each publisher keeps to its share of the rate on a 10ms schedule
	// (catching up when it fell behind), stamping each message with its
	// send time; PUBACKs are awaited off the send path, in order.
	perPub := float64(rate) / perMsg / publishers
	var sent, failed atomic.Int64
	var wg sync.WaitGroup
	mem := watchMemory()
	start := time.Now()
	for p := range publishers {
		pub, topics := pubs[p], topics[p]
		wg.Go(func() {
			toks := make(chan paho.Token, 10_000)
			var acks sync.WaitGroup
			acks.Go(func() {
				for tok := range toks {
					if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
						failed.Add(1)
					}
				}
			})
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			seq := 0
			for el := time.Since(start); el < dur; el = time.Since(start) {
				for due := int(el.Seconds() * perPub); seq < due; seq++ {
					toks <- pub.PublishAsync(topics[seq%len(topics)], stamp(seq, time.Now(), perMsg))
					sent.Add(1)
				}
				<-tick.C
			}
			close(toks)
			acks.Wait()
		})
	}
	wg.Wait()
	publishTime := time.Since(start)
	want := int(sent.Load()) * perMsg
	deadline := time.Now().Add(60 * time.Second)
	for conn.Status().Points < int64(want+warm) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := conn.Status().Points - int64(warm); got < int64(want) {
		t.Fatalf("only %d of %d points committed within 60s of the end of publishing: %.0f points/s over %s",
			got, want, float64(got)/time.Since(start).Seconds(), time.Since(start).Round(time.Second))
	}
	peakRSS, peakHeap := mem()
	stop()
	sub.Close()
	<-collected
	require.Zero(t, failed.Load(), "publishes without PUBACK")
	require.Equal(t, want, lat.n, "every published point reaches the feed (%d redelivered points seen twice)", redelivered)
	var waiting int64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT COALESCE(sum(cardinality(vals)), 0)::bigint FROM series_tail`).Scan(&waiting))
	offered := float64(want) / publishTime.Seconds()

	q := lat.quantile
	// The sustained rate is measured between the first and the last commit:
	// the pipeline's latency shifts both ends equally, so a busy machine's
	// slower commits do not read as lost throughput, while a backlog that
	// grows (the rate not sustained) stretches the span and fails the floor.
	achieved := float64(lat.n-firstBatch) / lastCommit.Sub(firstCommit).Seconds()
	st := conn.Status()
	t.Logf("mqtt load: target %d, offered %.0f points/s (%d msgs of %d values) for %s; committed %d points, %.0f points/s (first → last commit); "+
		"message-to-queryable p50 %s p95 %s p99 %s max %s; queue limit %d; %d messages; "+
		"%d folds of the tail moved %d points (last took %.2fs), %d points left in the tail; peak RSS %d MiB, Go heap %d MiB (test process, publishers included); %d points redelivered (QoS 1)",
		rate, offered, sent.Load(), perMsg, publishTime.Round(time.Millisecond), lat.n, achieved,
		q(.5), q(.95), q(.99), lat.max.Round(time.Millisecond), st.QueueLimit, st.Messages,
		st.Folds, st.FoldedPoints, st.FoldSeconds, waiting, peakRSS>>20, peakHeap>>20, redelivered)
	// Every published point is stored once. CI counts the points view (a
	// few hundred thousand points); a full-size run's tens of millions in
	// the view take many minutes to sort, so it folds the rest of the tail
	// and counts the blocks, which hold each (series, timestamp) once.
	if full() {
		began := time.Now()
		rep, err := series.New(pool).Compact(context.Background(), series.CompactOptions{})
		require.NoError(t, err)
		var stored int
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT COALESCE(sum(n), 0) FROM series_raw`).Scan(&stored))
		t.Logf("the rest of the tail (%d points) folded in %s", rep.Points, time.Since(began).Round(time.Millisecond))
		require.Equal(t, want+warm, stored, "every published point is stored, once")
	} else {
		require.Equal(t, want+warm, countPoints(t, pool), "every published point is queryable, once")
	}
	require.Positive(t, st.Folds, "the tail was folded during the run")
	require.LessOrEqual(t, q(.99), 2*time.Second, "p99 message-to-queryable")
	require.GreaterOrEqual(t, offered, 0.9*float64(rate), "the publishers kept to the target rate")
	// CI runs beside the other packages' tests on a shared 2-core machine:
	// its floor leaves 15 % for the scheduler; the full size keeps 10 %.
	floor := 0.85
	if full() {
		floor = 0.9
	}
	require.GreaterOrEqual(t, achieved, floor*offered, "sustained the offered rate")
}

// watchMemory samples the process's resident set (VmRSS) and Go heap every
// 200 ms until the returned function is called, which returns their peaks.
func watchMemory() func() (rss, heap uint64) {
	stop := make(chan struct{})
	done := make(chan struct{})
	var peakRSS, peakHeap uint64
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			peakRSS = max(peakRSS, residentBytes())
			runtime.ReadMemStats(&ms)
			peakHeap = max(peakHeap, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		return peakRSS, peakHeap
	}
}

// residentBytes reads VmRSS from /proc/self/status (0 where there is none).
func residentBytes() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// latencies is a histogram of message-to-queryable times by the
// millisecond (the last bucket holds everything from a minute up): a long
// run's tens of millions of points would otherwise keep as many durations
// in the test process and swell the peak RSS it reports.
type latencies struct {
	counts [60_001]int
	n      int
	max    time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.counts[min(max(d, 0)/time.Millisecond, time.Duration(len(l.counts)-1))]++
	l.n++
	l.max = max(l.max, d)
}

// quantile is the upper edge of the bucket holding the p-quantile.
func (l *latencies) quantile(p float64) time.Duration {
	rank := min(l.n-1, int(p*float64(l.n)))
	seen := 0
	for ms, c := range l.counts {
		if seen += c; seen > rank {
			return time.Duration(ms+1) * time.Millisecond
		}
	}
	return l.max
}
