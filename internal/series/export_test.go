package series

// RawQuery exposes the window query so tests can EXPLAIN it.
const RawQuery = rawQuery
