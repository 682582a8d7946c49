package rag

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/gemba-ai/gemba/db"
)

func TestTmpLegTiming(t *testing.T) {
	u := os.Getenv("TMPDB")
	if u == "" {
		return
	}
	ctx := context.Background()
	pool, err := db.Open(ctx, u, db.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := NewLocalEmbedder(0)
	qs := []string{"press-2 vibration rising bearing", "pump-1 discharge pressure fell strainer", "conveyor-1 motor current dropped belt slip", "cnc-4 spindle motor overheating fan filter",
		"filler-1 supply pressure climbed", "compressor-1 grinding noise", "press-3 knocking noise", "coolant pressure low", "프레스 진동 상승", "펌프 압력 저하", "벨트 장력", "모터 과열 알람"}
	for _, ef := range []int{100, 300} {
		s := New(pool, emb, Options{EFSearch: ef})
		for _, m := range []Mode{ModeVector, ModeFullText, ModeHybrid} {
			var lat []float64
			for r := 0; r < 5; r++ {
				for _, q := range qs {
					t0 := time.Now()
					if _, err := s.Search(ctx, Query{Text: q, K: 10, Mode: m}); err != nil {
						t.Fatal(err)
					}
					lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
				}
			}
			sort.Float64s(lat)
			t.Logf("ef=%d %-8s p50 %.1f p95 %.1f max %.1f", ef, m, lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)-1])
		}
	}
}
