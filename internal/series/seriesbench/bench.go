// Package seriesbench measures the series store at plant scale (`gemba
// bench series`): it generates a plant of N tags sampled every S for D
// days (and a few tags with a long history for the long views), loads it
// into a scratch database through the store's own write path, and reports
// bytes per point on disk (indexes, TOAST and rollups included), the
// import rate, window latencies, and the time of a plant-wide scan; with
// VictoriaMetrics installed it loads the same tags there and measures the
// Prometheus source too.
package seriesbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gemba-ai/gemba/internal/series"
	"github.com/gemba-ai/gemba/internal/series/prom"
	"github.com/gemba-ai/gemba/internal/series/prom/vmtest"
)

// Options size the generated plant and the measurements.
type Options struct {
	// Tags sampled every Step for Days, ending at End (default: the last
	// whole hour).
	Tags int
	Step time.Duration
	Days float64
	// LongTags are sampled every Step for LongDays, for the long views.
	LongTags int
	LongDays float64
	// Decimals is the precision of the readings (2: 0.01, as instruments
	// report; negative: full float noise, the worst case for compression).
	Decimals int
	// Writers load in parallel (default 2).
	Writers int
	// Samples is the number of timed queries of each kind (default 200).
	Samples int
	// ScanTags is how many tags the plant-wide scan covers (default all).
	ScanTags int
	// VM also loads the plant into a VictoriaMetrics started for the bench
	// (its data in a temporary directory) and times the Prometheus source.
	VM bool
	// VMTags limits the tags loaded into VictoriaMetrics (default all).
	VMTags int
	End    time.Time
	Seed   uint64
	// Reuse measures a plant loaded by an earlier run (kept with --keep)
	// instead of generating and loading one; the import is not measured.
	Reuse bool
}

func (o *Options) defaults() {
	if o.Tags <= 0 {
		o.Tags = 2000
	}
	if o.Step <= 0 {
		o.Step = 10 * time.Second
	}
	if o.Days <= 0 {
		o.Days = 5
	}
	if o.Writers <= 0 {
		o.Writers = 2
	}
	if o.Samples <= 0 {
		o.Samples = 200
	}
	if o.ScanTags <= 0 || o.ScanTags > o.Tags {
		o.ScanTags = o.Tags
	}
	if o.VMTags <= 0 || o.VMTags > o.Tags+o.LongTags {
		o.VMTags = o.Tags + o.LongTags
	}
	if o.End.IsZero() {
		o.End = time.Now().UTC().Truncate(time.Hour)
	}
	if o.Seed == 0 {
		o.Seed = 20260301
	}
}

// Latency summarises timed queries.
type Latency struct {
	N             int
	P50, P95, P99 time.Duration
}

func latency(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(math.Ceil(p*float64(len(ds))))-1)] }
	return Latency{N: len(ds), P50: q(0.5), P95: q(0.95), P99: q(0.99)}
}

// Report is what one run measured.
type Report struct {
	Options Options
	Points  int64
	// Bytes on disk of raw blocks, minute and hour rollups (tables,
	// TOAST and indexes), and their sum per point.
	RawBytes, MinuteBytes, HourBytes int64
	BytesPerPoint                    float64
	Import                           time.Duration
	PointsPerSecond                  float64
	// Raw24h is one sensor's raw 24-hour window; Hourly90d one long
	// tag's 90-day hourly view (hour rollups).
	Raw24h, Hourly90d Latency
	// ScanCold fits every model; ScanWarm reuses them (a scan a minute
	// later). ScanReport is the warm one.
	ScanCold, ScanWarm time.Duration
	ScanReport         series.ScanReport
	// Injected counts the tags given a level shift in the last hour;
	// Caught how many of them the scan found, and Onsets how many of those
	// it dated within 10 minutes; Other counts findings on the other tags.
	Injected, Caught, Onsets, Other int
	// VictoriaMetrics: points loaded, load time, and one tag's 24-hour
	// window through the Prometheus source.
	VMPoints  int64
	VMImport  time.Duration
	VMRaw24h  Latency
	VMScan    time.Duration
	VMSkipped string
	// ScanWarmCPU is the CPU time this process spent in the warm scan
	// (PostgreSQL's share is not counted); LoadAverage is the machine's
	// one-minute load average when the measurements started, since the
	// latencies depend on what else runs there.
	ScanWarmCPU time.Duration
	LoadAverage string
}

// Run generates and loads the plant into the store on pool (a scratch
// database: Run writes into it freely) and measures.
func Run(ctx context.Context, pool *pgxpool.Pool, o Options, log io.Writer) (Report, error) {
	o.defaults()
	rep := Report{Options: o}
	st := series.New(pool)
	say := func(format string, args ...any) { fmt.Fprintf(log, format+"\n", args...) }

	var tags, long []series.Series
	var err error
	if o.Reuse {
		if tags, long, err = reuse(ctx, pool, st, &o); err != nil {
			return rep, err
		}
		rep.Options = o
		if err := pool.QueryRow(ctx, `SELECT COALESCE(sum(n), 0)::bigint FROM series_raw`).Scan(&rep.Points); err != nil {
			return rep, fmt.Errorf("seriesbench: %w", err)
		}
		say("reusing %d points of %d tags and %d long tags, ending %s", rep.Points, len(tags), len(long), o.End.Format(time.RFC3339))
	} else {
		if tags, long, err = catalog(ctx, st, o); err != nil {
			return rep, err
		}
		say("loading %d tags × %s × %g days and %d tags × %g days …", o.Tags, o.Step, o.Days, o.LongTags, o.LongDays)
		began := time.Now()
		if rep.Points, err = load(ctx, st, o, tags, long); err != nil {
			return rep, err
		}
		rep.Import = time.Since(began)
		rep.PointsPerSecond = float64(rep.Points) / rep.Import.Seconds()
		say("loaded %d points in %s (%.0f points/s)", rep.Points, rep.Import.Round(time.Millisecond), rep.PointsPerSecond)
	}
	rep.LoadAverage = loadAverage()
	if _, err := st.Maintain(ctx); err != nil {
		return rep, err
	}
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) series_raw, series_minute, series_hour`); err != nil {
		return rep, fmt.Errorf("seriesbench: vacuum: %w", err)
	}
	for _, t := range []struct {
		table string
		into  *int64
	}{{"series_raw", &rep.RawBytes}, {"series_minute", &rep.MinuteBytes}, {"series_hour", &rep.HourBytes}} {
		if err := pool.QueryRow(ctx, `SELECT COALESCE(sum(pg_total_relation_size(i.inhrelid)), 0)::bigint FROM pg_inherits i WHERE i.inhparent = $1::text::regclass`,
			t.table).Scan(t.into); err != nil {
			return rep, fmt.Errorf("seriesbench: size: %w", err)
		}
	}
	rep.BytesPerPoint = float64(rep.RawBytes+rep.MinuteBytes+rep.HourBytes) / float64(rep.Points)

	r := rand.New(rand.NewPCG(o.Seed, 1)) //nolint:gosec // which tag to query: reproducibility, not secrecy
	if rep.Raw24h, err = timeWindows(ctx, o.Samples, func() error {
		s := tags[r.IntN(len(tags))]
		w, err := st.WindowOf(ctx, s, o.End.Add(-24*time.Hour), o.End)
		if err == nil && len(w.Data.Values) == 0 {
			err = fmt.Errorf("empty window of %s", s.Name)
		}
		return err
	}); err != nil {
		return rep, err
	}
	if len(long) > 0 {
		if rep.Hourly90d, err = timeWindows(ctx, o.Samples, func() error {
			s := long[r.IntN(len(long))]
			_, err := st.WindowStep(ctx, s, o.End.Add(-90*24*time.Hour), o.End, time.Hour)
			return err
		}); err != nil {
			return rep, err
		}
	}
	say("windows: raw 24 h p95 %s, 90-day hourly p95 %s", rep.Raw24h.P95, rep.Hourly90d.P95)

	sc := series.NewScanner(st, series.PredictDetector{}, series.ScanOptions{})
	scanned := tags[:o.ScanTags]
	t0 := time.Now()
	if _, err := sc.Scan(ctx, scanned, o.End.Add(-time.Hour), o.End); err != nil {
		return rep, err
	}
	rep.ScanCold = time.Since(t0)
	t0 = time.Now()
	cpu0 := cpuTime()
	if rep.ScanReport, err = sc.Scan(ctx, scanned, o.End.Add(-time.Hour), o.End); err != nil {
		return rep, err
	}
	rep.ScanWarm = time.Since(t0)
	rep.ScanWarmCPU = cpuTime() - cpu0
	index := map[int64]int{}
	for i, s := range scanned {
		index[s.ID] = i
		if _, ok := injected(i, o.End); ok {
			rep.Injected++
		}
	}
	for _, f := range rep.ScanReport.Findings {
		at, ok := injected(index[f.Series.ID], o.End)
		if !ok {
			rep.Other++
			continue
		}
		rep.Caught++
		if d := f.Onset().Sub(at); d > -10*time.Minute && d < 10*time.Minute {
			rep.Onsets++
		}
	}
	say("plant-wide scan of %d tags over the last hour: %s cold (fitting every model), %s warm; %d findings",
		len(scanned), rep.ScanCold.Round(time.Millisecond), rep.ScanWarm.Round(time.Millisecond), len(rep.ScanReport.Findings))

	if o.VM {
		if err := benchVM(ctx, pool, o, append(slices.Clone(tags), long...), &rep, say); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// reuse finds the plant an earlier run loaded.
func reuse(ctx context.Context, pool *pgxpool.Pool, st *series.Store, o *Options) (tags, long []series.Series, err error) {
	all, err := st.List(ctx, series.Filter{Source: "bench"})
	if err != nil {
		return nil, nil, err
	}
	for _, s := range all {
		switch {
		case strings.HasPrefix(s.Name, "tag-"):
			tags = append(tags, s)
		case strings.HasPrefix(s.Name, "long-"):
			long = append(long, s)
		}
	}
	if len(tags) == 0 {
		return nil, nil, errors.New("seriesbench: no bench plant in this database (run once with --keep)")
	}
	var last time.Time
	if err := pool.QueryRow(ctx, `SELECT max(tlast) FROM series_raw`).Scan(&last); err != nil {
		return nil, nil, fmt.Errorf("seriesbench: %w", err)
	}
	o.Tags, o.LongTags, o.Step = len(tags), len(long), tags[0].Interval
	o.End = last.UTC().Add(o.Step)
	o.ScanTags = min(o.ScanTags, len(tags))
	if o.ScanTags <= 0 {
		o.ScanTags = len(tags)
	}
	o.VMTags = len(tags) + len(long)
	return tags, long, nil
}

// loadAverage is the one-minute load average (Linux), or "".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func timeWindows(ctx context.Context, n int, fn func() error) (Latency, error) {
	ds := make([]time.Duration, 0, n)
	for range n {
		if err := ctx.Err(); err != nil {
			return Latency{}, err
		}
		t0 := time.Now()
		if err := fn(); err != nil {
			return Latency{}, err
		}
		ds = append(ds, time.Since(t0))
	}
	return latency(ds), nil
}

// catalog creates the bench series.
func catalog(ctx context.Context, st *series.Store, o Options) (tags, long []series.Series, err error) {
	mk := func(name, asset string) (series.Series, error) {
		return st.Upsert(ctx, series.Series{Name: name, Asset: asset, Sensor: "v", Line: "bench", Unit: "u", Kind: series.KindSensor, Interval: o.Step, Source: "bench"})
	}
	for i := range o.Tags {
		s, err := mk(fmt.Sprintf("tag-%05d.v", i), fmt.Sprintf("tag-%05d", i))
		if err != nil {
			return nil, nil, err
		}
		tags = append(tags, s)
	}
	for i := range o.LongTags {
		s, err := mk(fmt.Sprintf("long-%03d.v", i), fmt.Sprintf("long-%03d", i))
		if err != nil {
			return nil, nil, err
		}
		long = append(long, s)
	}
	return tags, long, nil
}

// injected reports whether tag i has a level shift before end, and when
// it starts: one tag in a hundred, 10 to 50 minutes before the end.
func injected(i int, end time.Time) (time.Time, bool) {
	if i%100 != 37 {
		return time.Time{}, false
	}
	return end.Add(-time.Duration(10+10*((i/100)%5)) * time.Minute), true
}

// value is the reading of tag i at t: a level of its own, a daily swing,
// noise (σ 1), a shift of +6 for the injected tags, rounded to the
// instrument's precision.
func value(seed uint64, i int, t, end time.Time, decimals int) float64 {
	h := float64(t.Unix()%86400) / 3600
	v := 20 + float64(i%97) + 5*math.Sin(2*math.Pi*h/24+float64(i%13)) + noise(seed, i, end.Sub(t))
	if at, ok := injected(i, end); ok && !t.Before(at) {
		v += 6
	}
	if decimals >= 0 {
		p := math.Pow(10, float64(decimals))
		v = math.Round(v*p) / p
	}
	return v
}

// noise is a standard normal draw fixed by (seed, tag, time before the
// end): the same plant whatever order the writers take the days in (a
// stream per writer made the data, and so the findings, depend on the
// scheduling), and for every run that ends at the same time of day.
func noise(seed uint64, i int, before time.Duration) float64 {
	mix := func(x uint64) uint64 { // splitmix64
		x += 0x9e3779b97f4a7c15
		x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
		x = (x ^ x>>27) * 0x94d049bb133111eb
		return x ^ x>>31
	}
	a := mix(seed ^ mix(uint64(i)) ^ mix(uint64(before))) //nolint:gosec // tag indexes and times before the end are non-negative
	b := mix(a)
	u1 := (float64(a>>11) + 0.5) / (1 << 53)
	u2 := float64(b>>11) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2) // Box–Muller
}

// job is one day of one group of tags.
type job struct {
	tags     []series.Series
	first    int // index of tags[0] in its list (for the values)
	from, to time.Time
}

// load writes the plant a day at a time per group of tags, Writers at once.
func load(ctx context.Context, st *series.Store, o Options, tags, long []series.Series) (int64, error) {
	perBatch := max(1, int(600_000/(24*time.Hour/o.Step)))
	var jobs []job
	add := func(ss []series.Series, days float64, base int) {
		start := o.End.Add(-time.Duration(days * float64(24*time.Hour))).Truncate(o.Step)
		for d := start; d.Before(o.End); {
			next := d.Add(24 * time.Hour).Truncate(24 * time.Hour)
			if next.After(o.End) {
				next = o.End
			}
			for g := 0; g < len(ss); g += perBatch {
				jobs = append(jobs, job{tags: ss[g:min(g+perBatch, len(ss))], first: base + g, from: d, to: next})
			}
			d = next
		}
	}
	add(tags, o.Days, 0)
	add(long, o.LongDays, 1_000_000) // no shifts: i%100 != 37
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
	)
	ch := make(chan job)
	for range o.Writers {
		wg.Go(func() {
			var rows []series.Row
			for j := range ch {
				rows = rows[:0]
				for k, s := range j.tags {
					for t := j.from; t.Before(j.to); t = t.Add(o.Step) {
						rows = append(rows, series.Row{SeriesID: s.ID, TS: t, Value: value(o.Seed, j.first+k, t, o.End, o.Decimals)})
					}
				}
				n, err := st.Append(ctx, rows)
				mu.Lock()
				total += n
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	for _, j := range jobs {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		ch <- j
	}
	close(ch)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return total, first
}

// benchVM loads the tags into a VictoriaMetrics of its own and times the
// Prometheus source through the store's routing.
func benchVM(ctx context.Context, pool *pgxpool.Pool, o Options, all []series.Series, rep *Report, say func(string, ...any)) error {
	if _, err := vmtest.Binary(); err != nil {
		rep.VMSkipped = err.Error()
		say("VictoriaMetrics skipped: %v", err)
		return nil
	}
	dir, err := os.MkdirTemp("", "gemba-bench-vm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) //nolint:errcheck // best effort
	vm, err := vmtest.StartIn(ctx, dir)
	if err != nil {
		return err
	}
	defer vm.Stop()
	all = all[:o.VMTags]
	say("loading %d tags into VictoriaMetrics …", len(all))
	t0 := time.Now()
	st := series.New(pool)
	for lo := 0; lo < len(all); lo += 20 {
		group := all[lo:min(lo+20, len(all))]
		pts, err := st.Points(ctx, group, o.End.Add(-time.Duration(max(o.Days, o.LongDays)*float64(24*time.Hour))-time.Hour), o.End, 0)
		if err != nil {
			return err
		}
		var imp []vmtest.Series
		for _, s := range group {
			vs := vmtest.Series{Labels: map[string]string{"__name__": "bench", "tag": s.Asset}}
			for _, p := range pts[s.ID] {
				vs.Times = append(vs.Times, p.TS)
				vs.Values = append(vs.Values, p.Value)
			}
			imp = append(imp, vs)
		}
		n, err := vm.Import(ctx, imp)
		if err != nil {
			return err
		}
		rep.VMPoints += int64(n)
	}
	rep.VMImport = time.Since(t0)
	m := &prom.Mapping{URL: vm.URL, Discover: []prom.Rule{{Match: "bench", Name: "vm-{{tag}}.v", Asset: "vm-{{tag}}", Sensor: "v", Interval: o.Step}}}
	src, err := prom.New(m, prom.WithClock(func() time.Time { return o.End }))
	if err != nil {
		return err
	}
	rt := series.New(pool, series.WithEngine(prom.EngineName, src))
	if _, err := prom.Sync(ctx, rt, src, nil); err != nil {
		return err
	}
	remote, err := rt.List(ctx, series.Filter{Text: "vm-"})
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(o.Seed, 99)) //nolint:gosec // which tag to query
	if rep.VMRaw24h, err = timeWindows(ctx, o.Samples, func() error {
		s := remote[r.IntN(len(remote))]
		_, err := rt.WindowOf(ctx, s, o.End.Add(-24*time.Hour), o.End)
		return err
	}); err != nil {
		return err
	}
	sc := series.NewScanner(rt, series.PredictDetector{}, series.ScanOptions{Workers: runtime.GOMAXPROCS(0)})
	if _, err := sc.Scan(ctx, remote, o.End.Add(-time.Hour), o.End); err != nil {
		return err
	}
	t0 = time.Now()
	if _, err := sc.Scan(ctx, remote, o.End.Add(-time.Hour), o.End); err != nil {
		return err
	}
	rep.VMScan = time.Since(t0)
	say("VictoriaMetrics: %d points in %s; raw 24 h window p95 %s; warm scan of %d tags %s",
		rep.VMPoints, rep.VMImport.Round(time.Millisecond), rep.VMRaw24h.P95, len(remote), rep.VMScan.Round(time.Millisecond))
	return nil
}

// Print writes the report as a table.
func (r Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	o := r.Options
	fmt.Fprintf(tw, "plant\t%d tags × %s × %g days + %d tags × %g days; readings to %d decimals\n", o.Tags, o.Step, o.Days, o.LongTags, o.LongDays, o.Decimals)
	fmt.Fprintf(tw, "points\t%d\n", r.Points)
	if r.LoadAverage != "" {
		fmt.Fprintf(tw, "machine\t%d cores, load average %s when measuring began\n", runtime.NumCPU(), r.LoadAverage)
	}
	fmt.Fprintf(tw, "bytes per point\t%.2f (raw %.2f, minute rollups %.2f, hour rollups %.2f; tables, TOAST and indexes)\n",
		r.BytesPerPoint, float64(r.RawBytes)/float64(r.Points), float64(r.MinuteBytes)/float64(r.Points), float64(r.HourBytes)/float64(r.Points))
	if o.Reuse {
		fmt.Fprintf(tw, "import\tnot measured (an earlier run's plant)\n")
	} else {
		fmt.Fprintf(tw, "import\t%.0f points/s (%s, %d writers)\n", r.PointsPerSecond, r.Import.Round(time.Millisecond), o.Writers)
	}
	fmt.Fprintf(tw, "raw 24 h window, one sensor\tp50 %s  p95 %s  p99 %s  (n=%d)\n", r.Raw24h.P50, r.Raw24h.P95, r.Raw24h.P99, r.Raw24h.N)
	if r.Hourly90d.N > 0 {
		fmt.Fprintf(tw, "90-day hourly view, one sensor\tp50 %s  p95 %s  p99 %s  (n=%d)\n", r.Hourly90d.P50, r.Hourly90d.P95, r.Hourly90d.P99, r.Hourly90d.N)
	}
	sr := r.ScanReport
	fmt.Fprintf(tw, "plant-wide scan, last hour\t%d tags: warm %s (models reused: %d; waiting for reads %s; %s CPU in Gemba), cold %s (fitting every model); %d skipped; steps %v\n",
		sr.Scanned+sr.Skipped, r.ScanWarm.Round(time.Millisecond), sr.Reused, sr.Read.Round(time.Millisecond), r.ScanWarmCPU.Round(time.Millisecond),
		r.ScanCold.Round(time.Millisecond), sr.Skipped, sr.Steps)
	fmt.Fprintf(tw, "scan findings\t%d of %d injected shifts found (%d dated within 10 min), %d findings on the other %d tags\n",
		r.Caught, r.Injected, r.Onsets, r.Other, sr.Scanned+sr.Skipped-r.Injected)
	switch {
	case r.VMSkipped != "":
		fmt.Fprintf(tw, "VictoriaMetrics\tskipped: %s\n", r.VMSkipped)
	case o.VM:
		fmt.Fprintf(tw, "VictoriaMetrics load\t%d points in %s\n", r.VMPoints, r.VMImport.Round(time.Millisecond))
		fmt.Fprintf(tw, "VictoriaMetrics raw 24 h window\tp50 %s  p95 %s  p99 %s  (n=%d)\n", r.VMRaw24h.P50, r.VMRaw24h.P95, r.VMRaw24h.P99, r.VMRaw24h.N)
		fmt.Fprintf(tw, "VictoriaMetrics warm scan\t%s\n", r.VMScan.Round(time.Millisecond))
	}
	_ = tw.Flush()
}
