-- The write-optimised tail of the series store, for live data (connectors).
--
-- Appending a reading to a compressed block means reading, merging and
-- rewriting the whole block and its rollups: fine for imports (each block
-- written once), ruinous for a stream, where every batch touches the open
-- block of every series (measured: 5,700 points/s at 50,000 offered, every
-- batch rewriting 2,000 growing blocks and their minute and hour rows).
-- Live points therefore land here first, with one binary COPY and no read
-- or lock; series.Store.Compact folds them into the blocks and rollups
-- minutes later, each block rewritten once per fold instead of once per
-- batch. Every read (windows, rollups, bounds, latest, the points view)
-- merges the tail in, so a point is queryable as soon as its batch commits.
--
-- A row holds one write's points of the series of one bucket (series_id
-- modulo 64), at most 320: a write costs at most a few rows per bucket
-- however many series it touches (a row per series per write cost 8-12 µs
-- of index upkeep each, measured: 53,000 points/s at one point per series),
-- and a read of one series decodes its bucket's rows only.
--
-- Of two writes of one (series, timestamp) the later arrival wins: at is
-- when the newest message of the write reached Gemba (set by the writer,
-- so two writers committing out of order still keep arrival order), seq
-- breaks ties.
-- +goose Up
CREATE TABLE series_tail (
    bucket    integer NOT NULL,               -- series_id % 64: a row holds one write's points of the bucket's series
    seq       bigint GENERATED ALWAYS AS IDENTITY,
    at        timestamptz NOT NULL,           -- arrival of the write: orders writes, and ages the fold
    tfirst    timestamptz NOT NULL,           -- earliest and latest point of the row
    tlast     timestamptz NOT NULL,
    sids      bigint[] NOT NULL,              -- per point: its series, ascending (a series' points together)
    ts        bigint[] NOT NULL,              -- per point: µs since the Unix epoch, in time order within a series
    vals      double precision[] NOT NULL     -- per point: the value
) WITH (toast_tuple_target = 8160);           -- rows (at most 320 points) stay inline, never compressed
CREATE INDEX series_tail_bucket ON series_tail (bucket, tlast);

-- A deleted series takes its points out of the tail too (the other series'
-- points of the same rows stay). A statement trigger sees every series the
-- DELETE removes at once: a rule would join each tail row to one of them
-- only, and leave the others' points in a row they share.
-- +goose StatementBegin
CREATE FUNCTION series_tail_forget() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone bigint[];
BEGIN
    SELECT array_agg(id) INTO gone FROM gone_series;
    IF gone IS NULL THEN
        RETURN NULL;
    END IF;
    DELETE FROM series_tail t WHERE t.sids <@ gone;
    UPDATE series_tail t SET (sids, ts, vals) = (
        SELECT array_agg(u.s ORDER BY u.k), array_agg(u.x ORDER BY u.k), array_agg(u.v ORDER BY u.k)
        FROM unnest(t.sids, t.ts, t.vals) WITH ORDINALITY AS u(s, x, v, k) WHERE u.s <> ALL(gone))
    WHERE t.sids && gone;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER series_tail_forget AFTER DELETE ON series
    REFERENCING OLD TABLE AS gone_series FOR EACH STATEMENT EXECUTE FUNCTION series_tail_forget();

-- One row per point, blocks and tail together; a point in the tail replaces
-- a stored one at the same time, the later arrival an earlier one.
CREATE OR REPLACE VIEW points AS
SELECT DISTINCT ON (series_id, ts) series_id, ts, value
FROM (
    SELECT r.series_id,
           CASE WHEN r.step_us > 0 THEN r.tfirst + (u.k - 1) * r.step_us * interval '1 microsecond'
                ELSE r.tfirst + r.offs[u.k] * interval '1 microsecond' END AS ts,
           u.value, NULL::timestamptz AS at, NULL::bigint AS seq
    FROM series_raw r CROSS JOIN LATERAL unnest(r.vals) WITH ORDINALITY AS u(value, k)
    WHERE u.value IS NOT NULL
    UNION ALL
    SELECT u.sid, timestamptz 'epoch' + u.us * interval '1 microsecond', u.value, t.at, t.seq
    FROM series_tail t CROSS JOIN LATERAL unnest(t.sids, t.ts, t.vals) AS u(sid, us, value)
) p
ORDER BY series_id, ts, at DESC NULLS LAST, seq DESC;

-- +goose Down
-- Points still in the tail are folded into the blocks and rollups first, as
-- series.Store.Compact would: nothing is lost going down.
CREATE TEMP TABLE tail_points ON COMMIT DROP AS
SELECT DISTINCT ON (u.sid, ts) u.sid AS series_id, timestamptz 'epoch' + u.us * interval '1 microsecond' AS ts, u.value
FROM series_tail t CROSS JOIN LATERAL unnest(t.sids, t.ts, t.vals) AS u(sid, us, value)
WHERE EXISTS (SELECT 1 FROM series s WHERE s.id = u.sid)
ORDER BY u.sid, ts, t.at DESC, t.seq DESC;

-- A series written for the first time gets its block width from its
-- interval, else from the median spacing of its points (as the Go writer).
UPDATE series s SET block = CASE
        WHEN g.iv IS NULL OR g.iv <= interval '0' THEN interval '1 day'
        WHEN g.iv <= interval '10 seconds' THEN interval '1 hour'
        WHEN g.iv < interval '5 minutes' THEN interval '1 day'
        ELSE interval '7 days' END
FROM (SELECT s2.id, COALESCE(NULLIF(s2.interval, interval '0'), m.gap) AS iv
      FROM series s2 LEFT JOIN (
          SELECT series_id, percentile_disc(0.5) WITHIN GROUP (ORDER BY gap) AS gap
          FROM (SELECT series_id, ts - lag(ts) OVER (PARTITION BY series_id ORDER BY ts) AS gap FROM tail_points) d
          WHERE gap > interval '0' GROUP BY series_id) m ON m.series_id = s2.id
      WHERE s2.id IN (SELECT series_id FROM tail_points)) g
WHERE s.id = g.id AND s.block IS NULL;

CREATE TEMP TABLE tail_blocks ON COMMIT DROP AS
SELECT DISTINCT p.series_id,
       CASE s.block WHEN interval '1 hour' THEN date_trunc('hour', p.ts, 'UTC')
                    WHEN interval '1 day' THEN date_trunc('day', p.ts, 'UTC')
                    ELSE date_trunc('week', p.ts, 'UTC') END AS t0,
       s.block AS width
FROM tail_points p JOIN series s ON s.id = p.series_id;

-- Every point of the blocks the tail touches; the tail's replace the stored.
CREATE TEMP TABLE merged ON COMMIT DROP AS
SELECT DISTINCT ON (series_id, ts) series_id, t0, ts, value FROM (
    SELECT p.series_id, b.t0, p.ts, p.value, 1 AS pri
    FROM tail_points p JOIN tail_blocks b ON b.series_id = p.series_id AND p.ts >= b.t0 AND p.ts < b.t0 + b.width
    UNION ALL
    SELECT r.series_id, r.t0,
           CASE WHEN r.step_us > 0 THEN r.tfirst + (u.k - 1) * r.step_us * interval '1 microsecond'
                ELSE r.tfirst + r.offs[u.k] * interval '1 microsecond' END,
           u.value, 0
    FROM series_raw r JOIN tail_blocks b ON b.series_id = r.series_id AND b.t0 = r.t0
    CROSS JOIN LATERAL unnest(r.vals) WITH ORDINALITY AS u(value, k)
    WHERE u.value IS NOT NULL) x
ORDER BY series_id, ts, pri DESC;

DELETE FROM series_raw r USING tail_blocks b WHERE r.series_id = b.series_id AND r.t0 = b.t0;

CREATE TEMP TABLE blocks ON COMMIT DROP AS
SELECT m.series_id, m.t0, min(m.ts) AS tfirst, max(m.ts) AS tlast, count(*)::integer AS n,
       max((extract(epoch FROM s.interval) * 1000000)::bigint) AS iv
FROM merged m JOIN series s ON s.id = m.series_id GROUP BY m.series_id, m.t0;
ALTER TABLE blocks ADD COLUMN step_us bigint NOT NULL DEFAULT 0;
UPDATE blocks b SET step_us = b.iv
FROM (SELECT p.series_id, p.t0,
             bool_and((extract(epoch FROM p.ts - q.tfirst) * 1000000)::bigint % q.iv = 0) AS on_grid
      FROM merged p JOIN blocks q ON q.series_id = p.series_id AND q.t0 = p.t0
      WHERE q.iv > 0 GROUP BY p.series_id, p.t0) c
WHERE c.series_id = b.series_id AND c.t0 = b.t0 AND c.on_grid AND b.n > 1
  AND (extract(epoch FROM b.tlast - b.tfirst) * 1000000)::bigint / b.iv + 1 <= 2 * b.n;

CREATE TEMP TABLE slotted ON COMMIT DROP AS
SELECT p.series_id, p.t0, (extract(epoch FROM p.ts - b.tfirst) * 1000000)::bigint / b.step_us AS k, p.value
FROM merged p JOIN blocks b ON b.series_id = p.series_id AND b.t0 = p.t0
WHERE b.step_us > 0;

INSERT INTO series_raw (series_id, t0, tfirst, tlast, n, step_us, offs, vals)
SELECT b.series_id, b.t0, b.tfirst, b.tlast, b.n, b.step_us, NULL, array_agg(p.value ORDER BY g.k)
FROM blocks b
CROSS JOIN LATERAL generate_series(0, (extract(epoch FROM b.tlast - b.tfirst) * 1000000)::bigint / b.step_us) AS g(k)
LEFT JOIN slotted p ON p.series_id = b.series_id AND p.t0 = b.t0 AND p.k = g.k
WHERE b.step_us > 0
GROUP BY b.series_id, b.t0, b.tfirst, b.tlast, b.n, b.step_us;

INSERT INTO series_raw (series_id, t0, tfirst, tlast, n, step_us, offs, vals)
SELECT b.series_id, b.t0, b.tfirst, b.tlast, b.n, 0,
       array_agg((extract(epoch FROM p.ts - b.tfirst) * 1000000)::bigint ORDER BY p.ts),
       array_agg(p.value ORDER BY p.ts)
FROM blocks b JOIN merged p ON p.series_id = b.series_id AND p.t0 = b.t0
WHERE b.step_us = 0
GROUP BY b.series_id, b.t0, b.tfirst, b.tlast, b.n;

-- Minute rollups of the rewritten hour blocks, whole.
CREATE TEMP TABLE by_minute ON COMMIT DROP AS
SELECT m.series_id, m.t0 AS h, extract(minute FROM m.ts AT TIME ZONE 'UTC')::integer AS k,
       min(m.value) AS mn, max(m.value) AS mx, avg(m.value) AS me, count(*)::integer AS c,
       (array_agg(m.value ORDER BY m.ts DESC))[1] AS l
FROM merged m JOIN tail_blocks b ON b.series_id = m.series_id AND b.t0 = m.t0
WHERE b.width = interval '1 hour'
GROUP BY 1, 2, 3;

DELETE FROM series_minute m USING tail_blocks b
WHERE b.width = interval '1 hour' AND m.series_id = b.series_id AND m.t0 = b.t0;

INSERT INTO series_minute (series_id, t0, mins, maxs, means, counts, lasts)
SELECT g.series_id, g.h, array_agg(a.mn ORDER BY k.k), array_agg(a.mx ORDER BY k.k),
       array_agg(a.me ORDER BY k.k), array_agg(a.c ORDER BY k.k), array_agg(a.l ORDER BY k.k)
FROM (SELECT DISTINCT series_id, h FROM by_minute) g
CROSS JOIN generate_series(0, 59) AS k(k)
LEFT JOIN by_minute a ON a.series_id = g.series_id AND a.h = g.h AND a.k = k.k
GROUP BY g.series_id, g.h;

-- Hour rollups: every hour slot inside a rewritten block is recomputed, the
-- other slots of its day row are kept.
CREATE TEMP TABLE hour_slots ON COMMIT DROP AS
SELECT b.series_id, h.h
FROM tail_blocks b CROSS JOIN LATERAL generate_series(b.t0, b.t0 + b.width - interval '1 hour', interval '1 hour') AS h(h);

CREATE TEMP TABLE by_hour ON COMMIT DROP AS
SELECT series_id, date_trunc('hour', ts, 'UTC') AS h,
       min(value) AS mn, max(value) AS mx, avg(value) AS me, count(*)::integer AS c,
       (array_agg(value ORDER BY ts DESC))[1] AS l
FROM merged GROUP BY 1, 2;

CREATE TEMP TABLE days ON COMMIT DROP AS
SELECT DISTINCT series_id, date_trunc('day', h, 'UTC') AS d FROM hour_slots;

CREATE TEMP TABLE new_hours ON COMMIT DROP AS
SELECT dd.series_id, dd.d,
       array_agg(CASE WHEN hs.h IS NOT NULL THEN a.mn ELSE o.mins[k.k + 1] END ORDER BY k.k) AS mins,
       array_agg(CASE WHEN hs.h IS NOT NULL THEN a.mx ELSE o.maxs[k.k + 1] END ORDER BY k.k) AS maxs,
       array_agg(CASE WHEN hs.h IS NOT NULL THEN a.me ELSE o.means[k.k + 1] END ORDER BY k.k) AS means,
       array_agg(CASE WHEN hs.h IS NOT NULL THEN a.c ELSE o.counts[k.k + 1] END ORDER BY k.k) AS counts,
       array_agg(CASE WHEN hs.h IS NOT NULL THEN a.l ELSE o.lasts[k.k + 1] END ORDER BY k.k) AS lasts
FROM days dd
CROSS JOIN generate_series(0, 23) AS k(k)
LEFT JOIN hour_slots hs ON hs.series_id = dd.series_id AND hs.h = dd.d + k.k * interval '1 hour'
LEFT JOIN by_hour a ON a.series_id = dd.series_id AND a.h = dd.d + k.k * interval '1 hour'
LEFT JOIN series_hour o ON o.series_id = dd.series_id AND o.t0 = dd.d
GROUP BY dd.series_id, dd.d;

DELETE FROM series_hour h USING days d WHERE h.series_id = d.series_id AND h.t0 = d.d;

INSERT INTO series_hour (series_id, t0, mins, maxs, means, counts, lasts)
SELECT series_id, d, mins, maxs, means, counts, lasts FROM new_hours
WHERE EXISTS (SELECT 1 FROM unnest(counts) AS c WHERE c > 0);

CREATE OR REPLACE VIEW points AS
SELECT r.series_id,
       CASE WHEN r.step_us > 0 THEN r.tfirst + (u.k - 1) * r.step_us * interval '1 microsecond'
            ELSE r.tfirst + r.offs[u.k] * interval '1 microsecond' END AS ts,
       u.value
FROM series_raw r CROSS JOIN LATERAL unnest(r.vals) WITH ORDINALITY AS u(value, k)
WHERE u.value IS NOT NULL;

DROP TRIGGER series_tail_forget ON series;
DROP FUNCTION series_tail_forget();
DROP TABLE series_tail;
