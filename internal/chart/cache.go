package chart

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"sync"
	"time"
)

// cacheSize bounds the drawn charts kept (about 50 KB each).
const cacheSize = 32

// Cache keeps the PNGs of recently drawn charts by their content, for the
// front doors that draw them (Slack uploads, the console). PNG is a pure function of the chart and the time zone of its axis, so a
// hit gives the bytes a fresh drawing would. Under load, drawing and
// encoding the two charts of an answer was about 70% of an instance's CPU
// once the tools' results were cached, and the charts about one asset or
// line stay the same within a sampling interval, so most are drawn once.
// The zero value is ready to use.
type Cache struct {
	mu     sync.Mutex
	byKey  map[[sha256.Size]byte][]byte
	order  [][sha256.Size]byte // insertion order, oldest first
	hits   int
	misses int
}

// PNG returns the chart drawn as PNG with its time axis in UTC, from the
// cache when the same chart was drawn before. The bytes are shared:
// callers must not modify them.
func (cc *Cache) PNG(c Chart) ([]byte, error) { return cc.PNGIn(c, nil) }

// PNGIn is PNG with the time axis in loc (the plant's time zone; nil is
// UTC).
func (cc *Cache) PNGIn(c Chart, loc *time.Location) ([]byte, error) {
	if loc == nil {
		loc = time.UTC
	}
	key := chartKey(c, loc.String())
	cc.mu.Lock()
	if b, ok := cc.byKey[key]; ok {
		cc.hits++
		cc.mu.Unlock()
		return b, nil
	}
	cc.misses++
	cc.mu.Unlock()
	b, err := PNG(c, Options{Location: loc})
	if err != nil {
		return nil, err
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.byKey == nil {
		cc.byKey = map[[sha256.Size]byte][]byte{}
	}
	if _, ok := cc.byKey[key]; !ok {
		if len(cc.order) >= cacheSize {
			delete(cc.byKey, cc.order[0])
			cc.order = cc.order[1:]
		}
		cc.byKey[key] = b
		cc.order = append(cc.order, key)
	}
	return b, nil
}

// chartKey hashes every field of c (NaN and infinities included, which JSON
// cannot encode).
func chartKey(c Chart, zone string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(zone))
	var buf [8]byte
	num := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	str := func(s string) {
		num(uint64(len(s)))
		h.Write([]byte(s))
	}
	ints := func(xs []int64) {
		num(uint64(len(xs)))
		for _, x := range xs {
			num(uint64(x))
		}
	}
	floats := func(xs []float64) {
		num(uint64(len(xs)))
		for _, x := range xs {
			num(math.Float64bits(x))
		}
	}
	str(c.Title)
	str(c.Unit)
	num(uint64(len(c.Lines)))
	for _, l := range c.Lines {
		str(l.Name)
		str(l.Style)
		ints(l.Times)
		floats(l.Values)
	}
	num(uint64(len(c.Bands)))
	for _, b := range c.Bands {
		str(b.Name)
		ints(b.Times)
		floats(b.Lo)
		floats(b.Hi)
	}
	num(uint64(len(c.Marks)))
	for _, m := range c.Marks {
		str(m.Label)
		num(uint64(m.Start))
		num(uint64(m.End))
	}
	if c.Cutoff != nil {
		num(1)
		str(c.Cutoff.Label)
		num(uint64(c.Cutoff.Time))
	} else {
		num(0)
	}
	return sum(h)
}

func sum(h hash.Hash) [sha256.Size]byte {
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}
