package chart

// Chart is a time-series picture a tool result asks the front end to draw
// (forecasts with bands, an anomaly window with its event marked).
type Chart struct {
	Title  string   `json:"title"`
	Unit   string   `json:"unit,omitempty"`
	Lines  []Line   `json:"lines"`
	Bands  []Band   `json:"bands,omitempty"`
	Marks  []Mark   `json:"marks,omitempty"`
	Cutoff *Instant `json:"cutoff,omitempty"`
}

// Line is one drawn series.
type Line struct {
	Name   string    `json:"name"`
	Times  []int64   `json:"t"` // Unix seconds
	Values []float64 `json:"v"`
	Style  string    `json:"style,omitempty"` // "history", "forecast", "plan"
}

// Band is a shaded interval such as an 80% or 95% prediction interval.
type Band struct {
	Name  string    `json:"name"`
	Times []int64   `json:"t"`
	Lo    []float64 `json:"lo"`
	Hi    []float64 `json:"hi"`
}

// Mark highlights a span, e.g. an anomaly event.
type Mark struct {
	Label string `json:"label"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
}

// Instant marks one moment, e.g. the data cutoff of a forecast.
type Instant struct {
	Label string `json:"label"`
	Time  int64  `json:"t"`
}
