package series

// RangeQuery exposes the window query so tests can EXPLAIN it.
const RangeQuery = rangeQuery

// RangeQueryMany exposes the several-series window query so tests can
// EXPLAIN it.
const RangeQueryMany = rangeQueryMany
