// Package connect brings a plant's live data into Gemba: MQTT brokers and
// OPC UA servers, each message or node mapped to a plant series and written
// to the series store.
//
// It sits between the sources and internal/series in the flow
// (connectors → series store → online detector → alerts). Every connector
// feeds one pipeline:
//
//	source (MQTT handler, OPC UA notifications)
//	  → map to points (topic templates, JSON paths; table-tested in mapping.go)
//	  → bounded queue, counted in points (Connector.QueuePoints)
//	  → writer: resolve series names (created on first sight), drop repeats of
//	    (series, timestamp) in the batch, one UpsertPoints per batch
//	  → acknowledge (MQTT QoS 1 PUBACK, in arrival order, only after the commit)
//	  → Feed: the written points, for the online detector and proactive alerts
//
// Delivery is at least once: a message is acknowledged only after its points
// are committed, so a crash or a restart makes the broker send it again, and
// the store absorbs the repeat (the points table's key is (series, ts)).
// When the database is slow or down the writer retries the same batch with
// backoff and never drops it; the queue fills, the source stops being read,
// and unacknowledged messages wait at the broker (bounded by the broker's own
// max_queued_messages). Memory stays bounded by QueuePoints.
//
// Each connector keeps a Status (connected, last message, lag, errors) for
// the console and `GET /status/connectors`, and counts messages, points, lag,
// errors and reconnects in internal/ops.
package connect
