// Package predict holds Gemba's "traditional AI": anomaly detection,
// forecasting and the decompositions that explain them.
//
// It sits below tools/ in the flow (bot → agent → tools → predict) and is
// pure Go: it knows nothing of Slack, the LLM, SQL or HTTP. Callers hand it
// plain series and get back numbers that become the evidence in an answer,
// so every result carries enough context to be cited (the period used, the
// model chosen, its backtest error, the data cutoff).
//
// # Series and missing data
//
// A [Series] is a slice of values with optional timestamps. NaN marks a
// missing point (a sensor dropout or a gap in the timestamps); detectors
// skip such points and forecasters interpolate across them, so a gap never
// shifts the points after it. Results never contain NaN (missing points are
// flagged instead), so they encode as JSON as they are.
//
// # Anomaly detection
//
// [Detect] scores one series. It detects the seasonal period when the caller
// gives none ([DetectPeriod]: autocorrelation of the detrended series),
// removes trend and season with an STL-like robust decomposition (rolling
// median trend, per-phase seasonal medians) and scores the residual with a
// robust z (median/MAD). A two-sided CUSUM on the deseasonalised series
// against a slower trailing baseline catches level shifts and drifts that a
// local residual would absorb. [DetectMulti] scores all sensors of one asset
// together with a robust Mahalanobis distance (pointwise, for spikes) and a
// multivariate EWMA (for sustained shifts), and splits each score into
// per-sensor shares.
//
// Every point gets a Score in [0,1]: Score = 1 − exp(−z²/8), where z is the
// (equivalent) robust z of the point. The map is monotone in |z|; the
// default threshold 0.9 corresponds to |z| ≈ 4.29. Runs of anomalous points
// become [Event]s.
//
// With DetectOptions.Online set, each point is scored only from the points
// before it and itself (a trailing window whose robust statistics are
// refreshed every few points), which is how the detector would have behaved
// on live data. Batch mode (the default) may look at the whole window, which
// suits "explain what happened". Online, the first points have no past to be
// judged by (three seasons for the first profile and one more for an honest
// residual scale, at least 48 points) and are reported as Missing.
//
// # Forecasting
//
// [ForecastSeries] fits exponential-smoothing models (Holt-Winters with
// additive or multiplicative season, optionally damped trend, simple
// exponential smoothing) by Nelder-Mead on the one-step squared error, plus
// naive and seasonal-naive baselines, and picks the model with the lowest
// rolling-origin backtest MASE. Prediction intervals (80% and 95%) come from
// the residual variance and the ETS horizon-variance formulas. Models are
// fitted on the most recent ten seasons (240 to 2,000 points), which keeps a
// 10,000-point forecast, backtest included, within a few tens of
// milliseconds.
//
// Horizons longer than [MaxHorizon] (half the history) are rejected with a
// *[HorizonError], which matches [ErrHorizonTooLong].
//
// # Explanations
//
// [Decompose] splits a window into trend, season and residual; [Compare] and
// [CompareLag] set a window beside the same window one period earlier, per
// sensor; [Similar] ranks past events of an asset by their likeness to a new
// one (same sensors, same kind, similar duration).
//
// # Tuning
//
// The defaults suit most series. For hourly machine telemetry whose
// precursors build over a day or two, a higher threshold and a longer CUSUM
// interval (Threshold 0.99, ShiftThreshold 18, as tuned on Microsoft's Azure
// PdM data in predict/eval: 34 of 37 failures flagged within 48 hours, 1.25
// false events per machine-month, online) trade a few spikes for fewer
// false events. A series that trends throughout the window is reported as a
// drift: the detector cannot know a trend is intended.
package predict
