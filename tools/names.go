package tools

// The names of Gemba's own tools, as the model and MCP clients see them
// (snake_case verbs). Every caller names a tool through these constants.
const (
	ListSeries         = "list_series"
	DetectAnomalies    = "detect_anomalies"
	ExplainAnomaly     = "explain_anomaly"
	ForecastSeries     = "forecast_series"
	CompareToPlan      = "compare_to_plan"
	SearchIncidents    = "search_incidents"
	GetDocument        = "get_document"
	LatestReadings     = "latest_readings"
	MaintenanceHistory = "maintenance_history"
	FailureRisk        = "failure_risk"
)
