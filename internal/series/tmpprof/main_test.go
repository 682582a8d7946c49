package tmpprof

import (
	"context"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/gemba-ai/gemba/internal/db"
	"github.com/gemba-ai/gemba/internal/series"
)

const dbURL = "postgres:///gemba_scratch_1796547909300399369"

func TestProf(t *testing.T) {
	ctx := context.Background()
	pool, err := db.Open(ctx, dbURL, db.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	st := series.New(pool)
	ss, _ := st.List(ctx, series.Filter{Text: "tag-"})
	var end time.Time
	pool.QueryRow(ctx, "select max(t0) + interval '1 hour' from series_minute").Scan(&end)
	sc := series.NewScanner(st, series.PredictDetector{}, series.ScanOptions{})
	rep, _ := sc.Scan(ctx, ss, end.Add(-time.Hour), end)
	t.Logf("cold %s read %s", rep.Elapsed, rep.Read)
	f, _ := os.Create("/tmp/w16det/cpu.prof")
	pprof.StartCPUProfile(f)
	rep, err = sc.Scan(ctx, ss, end.Add(-time.Hour), end)
	pprof.StopCPUProfile()
	t.Logf("warm %s read %s findings %d err %v", rep.Elapsed, rep.Read, len(rep.Findings), err)
	for k := 0; k < 2; k++ {
		t0 := time.Now()
		for i := 0; i < len(ss); i += 250 {
			_, err := st.Points(ctx, ss[i:min(i+250, len(ss))], end.Add(-4*time.Hour), end, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("Points alone %s", time.Since(t0))
		t0 = time.Now()
		for i := 0; i < len(ss); i += 250 {
			ids := []int64{}
			for _, s := range ss[i:min(i+250, len(ss))] {
				ids = append(ids, s.ID)
			}
			rows, _ := pool.Query(ctx, `SELECT series_id, t0, means, counts FROM series_minute WHERE series_id = ANY($1) AND t0 >= $2 AND t0 < $3 ORDER BY series_id, t0`, ids, end.Add(-4*time.Hour), end)
			n := 0
			for rows.Next() {
				n += len(rows.RawValues()[2])
			}
			rows.Close()
		}
		t.Logf("SQL alone %s", time.Since(t0))
	}
}
