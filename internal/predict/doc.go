// Package predict holds Gemba's "traditional AI": anomaly detection,
// forecasting and the decompositions that explain them.
//
// It sits below tools/ in the flow (transports → conversation → agent →
// tools → predict) and is pure Go: it knows nothing of Slack, the LLM, SQL
// or HTTP. Callers hand it plain series and get back numbers that become the
// evidence in an answer, so every result carries enough context to be cited
// (the period used, the model chosen, its backtest error, the data cutoff).
//
// # Input
//
// A [Series] is a slice of values with optional timestamps; NaN marks a
// missing point. Data from outside goes through the one input-cleaning
// policy of package predict/clean first (see [Regularize]): only unreadable
// lines are errors; duplicates, disorder, irregular sampling, gaps and
// missing values are repaired and counted. Results never contain NaN
// (missing points are flagged instead), so they encode as JSON as they are.
//
// # One configuration
//
// [DetectorSettings] is the one detector configuration every caller reads:
// the CSV commands, the tools (and so the chat, digests, plant pages and
// slash commands), the model registry's re-evaluation and the PdM
// evaluation. Its period comes from the calendar ([CalendarPeriod]) and its
// thresholds are the operating points measured on the development data:
// [SeriesThreshold] for one series online, [AssetThreshold] for an asset's
// sensors together, [BatchThreshold] in hindsight.
//
// # Online detection
//
// Online ([DetectOptions].Online), each point is judged only from the
// points before it, in constant time per point ([Stream]). Two predictors
// give the expected value: the median of the last nine points (the level)
// and the level plus the median deviation at the same phase of the last
// four seasons (the season); a point is as surprising as the predictor that
// explains it best, except that a predictor usually far off at this phase
// (the level on the steep side of a daily wave) has no say. Six tests look
// at the standardised residual: its size, with an envelope of the values
// seen near this time of day in past seasons (spikes; a daily job a few
// minutes late is not news), its mean over 6 and over 36 points (shifts and
// drifts), the mean of the last 12 points against the same stretch in past
// seasons and against a 200-point baseline, whichever is nearer (level
// changes the short-term level has absorbed; a season's regular step or a
// lost season is not news), its spread over 12 points (variance changes)
// and runs of identical values against the lengths of past runs (stuck
// sensors). Each statistic is calibrated on its own recent history (2,000
// values): empirically below its top percent and by an exponential fitted
// to the top percent beyond, the peaks-over-threshold idea, so a series
// whose history holds spikes judges a new spike against them. The
// exponential's scale comes from the median excess, so one gross glitch in
// the history does not hide every later anomaly; the statistics that are
// means (shift, drift, level) are never called rarer than the normal tail
// of their robust scale. This is the calibration Numenta's anomaly
// likelihood and the conformal detectors (KNN CAD) do on their own raw
// scores. The smallest p-value, corrected for the six tests, becomes the
// score S/(S+5) with S = −log10 p: 0.5 means "a one-in-100,000 point here",
// 0.67 one in 10¹⁰. The first 150 points are a reported warm-up
// ([Detection].WarmUp). Beside the tests, Numenta's spatial rule
// ([SpatialTolerance], [SpatialGuard]): after the warm-up, a value beyond
// the range of every value before it by 5% of that range and by one unit
// of the series' robust residual scale scores [SpatialScore].
//
// Events fire once, at onset: a point whose score reaches the threshold
// opens an event, which lasts while scores stay above half the threshold and
// at least twelve hours, during which nothing new fires (the rest period
// NAB's detectors use), unless, once the event has had six points to
// develop, a point comes at least twice as surprising (in −log10 p) as
// anything since the onset: a new, far stronger anomaly is news. The
// reported scores inside an event are capped below half the threshold, so
// a threshold picked on the scores finds the same onsets. [DetectMulti] online runs one stream per sensor plus a
// joint test of sustained shifts (each sensor's CUSUM against its slow
// baseline, a multivariate EWMA and a robust Mahalanobis distance, see
// below), takes the smallest corrected p-value and splits each point among
// the sensors by their share of its surprise.
//
// # Batch detection
//
// In batch mode (hindsight, for "explain what happened") [Detect] removes
// trend and season with an STL-like robust decomposition and scores the
// residual with a robust z (median/MAD), plus a two-sided CUSUM on the
// deseasonalised series against a slower baseline for level shifts and
// drifts; scores are 1 − exp(−z²/8). [DetectMulti] scores all sensors of
// an asset with a robust Mahalanobis distance and a multivariate EWMA, and
// splits each score into per-sensor shares.
//
// # One event, one record
//
// [FindAnomalies] turns detections into [Anomaly] records: the asset, the
// leading sensor and every sensor's share, start, onset, peak and end, the
// leading sensor's current value, its usual value at those times of the week
// and the distance in robust standard deviations. Every consumer reads the
// same record; its JSON is the compact form the model sees.
//
// # Forecasting
//
// [ForecastSeries] tries exponential smoothing (simple, damped trend,
// Holt-Winters with additive or multiplicative season, fitted by
// Nelder-Mead), a multi-seasonal decomposition (a day and a week of hourly
// data, robust per-phase medians) with simple exponential smoothing on the
// adjusted series, on the data or its logarithm, the Theta method on the
// adjusted series, seasonal naive (a day and a week) and seasonal means;
// it backtests each at rolling origins, picks the lowest mean MASE or the
// mean of the best three when that backtests better, and widens the 80% and
// 95% intervals to the backtest's own standardised error quantiles (never
// narrower than the model's variance), so their coverage is measured, not
// assumed. Horizons longer than [MaxHorizon] (half the history) are
// rejected with a *[HorizonError], which matches [ErrHorizonTooLong].
//
// # Explanations
//
// [Decompose] splits a window into trend, season and residual and
// [SummarizeDecomposition] reads it; [Compare] and [CompareLag] set a window
// beside the same window one period earlier, per sensor; [Similar] and
// [RankSimilar] rank past events of an asset by their likeness to a new one.
//
// # Evaluation
//
// Package predict/eval measures all this on data nobody here generated:
// the Numenta Anomaly Benchmark's scorer on the NAB development files, M4
// Hourly's sMAPE, MASE, OWA and interval coverage, and failures caught on
// Microsoft's Azure PdM telemetry, each on a tuning and a frozen split.
package predict
