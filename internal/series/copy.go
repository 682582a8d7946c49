package series

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The writers COPY in PostgreSQL's binary format, encoded here: pgx's
// generic encoding walks each array element through a reflected plan,
// which cost more than the statements themselves (a fold of 2,000 blocks
// spent most of its Go time there). The read side decodes arrays by hand
// for the same reason (array.go).

// pgEpochMicros is PostgreSQL's timestamp epoch (2000-01-01) in µs since
// the Unix epoch.
const pgEpochMicros = 946_684_800_000_000

// OIDs of the element types of the stored arrays.
const (
	oidInt4   = 23
	oidInt8   = 20
	oidFloat8 = 701
)

// copyBuf builds one binary COPY stream.
type copyBuf struct{ b []byte }

func newCopyBuf(size int) *copyBuf {
	c := &copyBuf{b: make([]byte, 0, size+21)}
	c.b = append(c.b, "PGCOPY\n\xff\r\n\x00"...)
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // flags
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // header extension
	return c
}

func (c *copyBuf) row(fields int) { c.b = binary.BigEndian.AppendUint16(c.b, uint16(fields)) } //nolint:gosec // a handful of columns

func (c *copyBuf) null() { c.b = binary.BigEndian.AppendUint32(c.b, 0xffffffff) }

func (c *copyBuf) int4(v int32) {
	c.b = binary.BigEndian.AppendUint32(c.b, 4)
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(v)) //nolint:gosec // two's complement on the wire
}

func (c *copyBuf) int8(v int64) {
	c.b = binary.BigEndian.AppendUint32(c.b, 8)
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(v)) //nolint:gosec // two's complement on the wire
}

// timestamptz writes a time given in µs since the Unix epoch.
func (c *copyBuf) timestamptz(us int64) { c.int8(us - pgEpochMicros) }

func (c *copyBuf) time(t time.Time) { c.timestamptz(micros(t)) }

// array writes a one-dimensional array of n elements of 4 or 8 bytes;
// elem returns element i and whether it is NULL.
func (c *copyBuf) array(oid uint32, width, n int, elem func(i int) (uint64, bool)) {
	lenAt := len(c.b)
	c.b = append(c.b, 0, 0, 0, 0) // the field's length, set below
	c.b = binary.BigEndian.AppendUint32(c.b, 1)
	nullsAt := len(c.b)
	c.b = binary.BigEndian.AppendUint32(c.b, 0)
	c.b = binary.BigEndian.AppendUint32(c.b, oid)
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(n)) //nolint:gosec // an array of a block
	c.b = binary.BigEndian.AppendUint32(c.b, 1)         // lower bound
	nulls := false
	for i := range n {
		v, null := elem(i)
		if null {
			nulls = true
			c.b = binary.BigEndian.AppendUint32(c.b, 0xffffffff)
			continue
		}
		c.b = binary.BigEndian.AppendUint32(c.b, uint32(width)) //nolint:gosec // 4 or 8
		if width == 4 {
			c.b = binary.BigEndian.AppendUint32(c.b, uint32(v)) //nolint:gosec // the low half holds the int4
		} else {
			c.b = binary.BigEndian.AppendUint64(c.b, v)
		}
	}
	if nulls {
		binary.BigEndian.PutUint32(c.b[nullsAt:], 1)
	}
	binary.BigEndian.PutUint32(c.b[lenAt:], uint32(len(c.b)-lenAt-4)) //nolint:gosec // a field is far below 4 GiB
}

func (c *copyBuf) int8s(v []int64) {
	c.array(oidInt8, 8, len(v), func(i int) (uint64, bool) { return uint64(v[i]), false }) //nolint:gosec // two's complement
}

func (c *copyBuf) float8s(v []float64) {
	c.array(oidFloat8, 8, len(v), func(i int) (uint64, bool) { return math.Float64bits(v[i]), false })
}

func (c *copyBuf) nullFloat8s(v []pgtype.Float8) {
	c.array(oidFloat8, 8, len(v), func(i int) (uint64, bool) { return math.Float64bits(v[i].Float64), !v[i].Valid })
}

func (c *copyBuf) nullInt4s(v []pgtype.Int4) {
	c.array(oidInt4, 4, len(v), func(i int) (uint64, bool) { return uint64(uint32(v[i].Int32)), !v[i].Valid }) //nolint:gosec // two's complement
}

// bytes ends the stream and returns it.
func (c *copyBuf) bytes() []byte { return binary.BigEndian.AppendUint16(c.b, 0xffff) }

// copyIn sends a binary COPY stream into table's columns through q (a
// pool, a transaction or a connection).
func copyIn(ctx context.Context, q any, table string, columns []string, stream []byte) (int64, error) {
	sql := `COPY ` + pgx.Identifier{table}.Sanitize() + ` (` + strings.Join(columns, ", ") + `) FROM STDIN WITH (FORMAT binary)`
	var n int64
	err := withPgConn(ctx, q, func(c *pgconn.PgConn) error {
		tag, err := c.CopyFrom(ctx, bytes.NewReader(stream), sql)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// withPgConn runs f on the low-level connection of q: a connection taken
// from the pool, or the one a transaction or connection runs on.
func withPgConn(ctx context.Context, q any, f func(*pgconn.PgConn) error) error {
	switch c := q.(type) {
	case *pgxpool.Pool:
		return c.AcquireFunc(ctx, func(pc *pgxpool.Conn) error { return f(pc.Conn().PgConn()) })
	case interface{ Conn() *pgx.Conn }: // pgx.Tx
		return f(c.Conn().PgConn())
	case interface{ PgConn() *pgconn.PgConn }: // *pgx.Conn
		return f(c.PgConn())
	}
	return fmt.Errorf("cannot COPY through a %T", q)
}
