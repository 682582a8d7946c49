package series

// RangeQuery exposes the window query so tests can EXPLAIN it.
const RangeQuery = rangeQuery
