// Package series is Gemba's time-series store: the catalog of the plant's
// series (sensor readings, production counts, plans) and the reading and
// writing of their points, wherever they live.
//
// It sits below tools/ in the flow (tools → series → db): a tool names a
// series or an asset and a window, the Store returns a regularly spaced
// predict.Series (NaN where a reading is missing) or, for an asset, all its
// sensors aligned on one time grid as a predict.Multi. Digests, alerts and
// the console's plant pages read through the same Store.
//
// # Where points live
//
// Each series names its Engine. The default, "", is Gemba's own store in
// PostgreSQL; a series whose points live in the plant's Prometheus-
// compatible database names the engine given with WithEngine (package
// series/prom), and every read is routed per series. A catalog may mix both.
//
// # Gemba's store
//
// Points are kept in per-series blocks of values in arrays (series_raw):
// one row per series per hour, day or week, its width chosen from the
// sampling interval at the first write, a regular grid when the readings
// are (NULL for a dropout) or explicit offsets when not, compressed by
// PostgreSQL (pglz). Measured on 8.6 million 10-second readings: 83.7
// bytes a point as one row each (as before), 83.7 in time-partitioned
// rows, 3.3 in hour blocks (pglz; 4.6 with lz4, 11.5 uncompressed inline,
// 9.3 with explicit offsets, 9.0 for full-precision noise). Every write
// also rewrites the rollups of the hours it touches: per minute (for
// series sampled every 10 s or faster; series_minute, an hour of minute
// slots a row) and per hour (every series; series_hour, a day of hour
// slots a row), each slot holding min, max, mean, count and last. Windows
// at a step of whole hours read the hour rollups and of whole minutes the
// minute rollups (WindowStep, Points with a step), so a 90-day hourly view
// reads 90 rows, and plant-wide scans read minute means.
//
// Blocks are written by merging (read, merge, rewrite) under a lock on
// the series rows taken in name order, so concurrent writers of one
// series take turns and lose nothing. The tables are partitioned by block
// start (raw by week, minute rollups by month, hour rollups by year);
// writes never run DDL: a block whose partition is missing lands in the
// DEFAULT partition, and Maintain (or the next write on a pool) moves it.
// Maintain also applies the retention (WithRetention): raw partitions
// older than the raw retention are dropped, the rollups stay, and writes
// older than the retention are refused with a *TooOldError.
//
// Imports stage CSV rows with COPY into a temporary table, validate them,
// and merge them into blocks a batch at a time inside one transaction, so
// a re-import of overlapping points replaces them and a malformed file
// changes nothing.
//
// Live data (the connectors) goes through Ingest instead, into the tail
// (series_tail): one binary COPY of rows holding a write's points of the
// series of one bucket (series id modulo 64), no read, no lock, so its
// cost does not grow with the blocks (merging every batch into the open
// blocks cost a rewrite of each block and its rollups per batch: 5,700
// points/s at 50,000 offered). Every read merges the tail in, so a point
// is queryable once its write commits; Compact folds the tail into blocks
// and rollups every few minutes (the connectors run it; Maintain folds
// everything), each block then rewritten once per fold rather than per
// batch. Of two writes of one (series, timestamp) the later arrival wins;
// a direct write (UpsertPoints, Append, Import) folds the tail of its
// series first, so it wins over points that arrived before it.
//
// # Plant-wide work
//
// Scanner runs a Detector over thousands of series in bounded time and
// memory: batched reads running concurrently, detectors in parallel up
// to the cores, models fitted on hourly history once and reused, and the
// coarsest resolution (raw, minute or hour means) the window allows.
package series
