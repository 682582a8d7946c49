package predict

import (
	"errors"
	"fmt"
	"time"
)

// Series is one regularly spaced time series. Values holds NaN for a missing
// point. Times is either nil (the series is indexed by position only) or has
// the same length as Values. Points read from a store that omits missing
// rows must be put on a regular grid with [Regularize] first.
type Series struct {
	// Times are the timestamps of Values; nil for a series known only by index.
	Times []time.Time
	// Values are the observations; NaN marks a missing one.
	Values []float64
}

// Multi is a set of aligned series from one asset: Values[j][t] is sensor
// Names[j] at time t. NaN marks a missing reading.
type Multi struct {
	// Names label the sensors, one per row of Values.
	Names []string
	// Times are the shared timestamps; nil for a position-indexed set.
	Times []time.Time
	// Values holds one row per sensor, all of the same length.
	Values [][]float64
}

// Event kinds, as reported in Event.Kind.
const (
	// KindSpike is a short excursion from the expected value.
	KindSpike = "spike"
	// KindLevelShift is an abrupt, sustained change of level.
	KindLevelShift = "level_shift"
	// KindDrift is a gradual, sustained departure from the baseline.
	KindDrift = "drift"
)

// DetectOptions tune [Detect] and [DetectMulti]. The zero value is a sensible
// default: automatic period, batch mode, threshold 0.9.
type DetectOptions struct {
	// Period is the seasonal period in points: 0 detects it, 1 disables
	// seasonality, larger values are used as given.
	Period int
	// Online scores each point only from the points before it and itself.
	Online bool
	// Threshold is the Score at or above which a point is anomalous.
	// Online, scores are calibrated probabilities (see the package
	// documentation; default 0.32); in batch mode they are robust-z scores,
	// 1 − exp(−z²/8) (default 0.9, |z| ≈ 4.29).
	Threshold float64
	// AssetThreshold is the online threshold of [DetectMulti] (an asset's
	// sensors together); 0 uses Threshold.
	AssetThreshold float64
	// MinEventGap is the largest run of normal points that still joins two
	// anomalous runs into one event (default 3).
	MinEventGap int
	// Window is the length in points of the trailing baseline used by the
	// shift detector and, in online mode, by every statistic (default
	// max(7·period, 168), at most 2,016).
	Window int
	// ShiftThreshold is the CUSUM decision interval h in units of the
	// residual scale (default 12); lower catches smaller shifts sooner at
	// the price of more false events. The CUSUM statistic S is scored as
	// the z = zThreshold·S/h, so a point is flagged exactly when S reaches
	// h, whatever Threshold is. Negative disables shift detection.
	ShiftThreshold float64
	// ShiftMemory is the effective memory, in points, of the multivariate
	// shift detector (an EWMA with weight λ = 2/(ShiftMemory+1)); longer
	// memory finds smaller sustained shifts, later. Default 19 (λ = 0.1).
	ShiftMemory int
	// SpatialTolerance, when positive, adds the spatial rule of Numenta's
	// NAB detector to the online detector: a scored point outside the range
	// of the values before it, widened by this fraction of the range on
	// each side (Numenta uses 0.05), scores [SpatialScore] (an event
	// onset unless an event holds). 0 disables it.
	SpatialTolerance float64
	// SpatialWindow is how many of the latest points the spatial rule's
	// range covers; 0 covers every point seen.
	SpatialWindow int
	// SpatialGuard, when positive, makes the spatial rule also require the
	// value to lie beyond the range by more than this many units of the
	// series' own noise scale (the robust residual scale the detector has
	// learnt from the points before it, [StreamPoint.Scale]): on a noisy
	// series a new record by 5% of the range is often just noise. 0 keeps
	// Numenta's rule as it is.
	SpatialGuard float64
}

// PointScore is the verdict on one point.
type PointScore struct {
	// Score is in [0,1]: 1 − exp(−z²/8) of the larger of the spike z and the
	// shift statistic expressed as an equivalent z. 0 for missing points.
	Score float64
	// IsAnomaly reports Score >= the threshold.
	IsAnomaly bool
	// Z is the signed robust z of the residual. For multivariate detection
	// it is the non-negative equivalent z of the larger of the two
	// statistics (Mahalanobis distance, shift). 0 for a missing point.
	Z float64
	// Missing reports a point without data (or, online, still in the
	// warm-up before there is a past to judge it by); it is never an
	// anomaly. Results hold no NaN, so they encode as JSON as they are.
	Missing bool
}

// Contribution is one sensor's share of an anomaly score.
type Contribution struct {
	// Sensor is the sensor name from Multi.Names.
	Sensor string
	// Share is in [0,1]; the shares of one event sum to 1.
	Share float64
}

// Event is a run of anomalous points (allowing gaps of MinEventGap).
type Event struct {
	// Start and End are the times of StartIdx and EndIdx (zero when the
	// input has no Times).
	Start, End time.Time
	// PeakTime is the time of PeakIdx.
	PeakTime time.Time
	// Onset is the time of OnsetIdx.
	Onset time.Time
	// OnsetIdx is the first point the detector flagged: where an alarm
	// fires. StartIdx may be earlier (the estimated change point).
	OnsetIdx int
	// StartIdx and EndIdx are inclusive point indices. For level shifts and
	// drifts StartIdx is the estimated change point, which may precede the
	// first flagged point: CUSUM raises its alarm some points after the
	// change began.
	StartIdx, EndIdx int
	// PeakIdx is the index of the highest-scoring point.
	PeakIdx int
	// PeakValue is the observed value at PeakIdx (univariate) or 0
	// (multivariate; see Contributions).
	PeakValue float64
	// Score is the peak score of the event.
	Score float64
	// Kind is KindSpike, KindLevelShift or KindDrift.
	Kind string
	// Contributions rank the sensors by their share of the event's score,
	// largest first; nil for univariate detection.
	Contributions []Contribution
}

// Detection is the result of [Detect] or [DetectMulti].
type Detection struct {
	// Period is the seasonal period used (1 when none).
	Period int
	// Points has one entry per input point, in order.
	Points []PointScore
	// Events are the runs of anomalous points, in time order.
	Events []Event
	// Contributions holds, for multivariate detection, each point's
	// per-sensor shares ([t][sensor], in Multi.Names order); nil otherwise.
	Contributions [][]float64
	// WarmUp is, online, the number of leading points the detector could
	// not yet judge (they are Missing); 0 in batch mode.
	WarmUp int
}

// ForecastOptions tune [ForecastSeries].
type ForecastOptions struct {
	// Horizon is the number of steps to forecast (required, > 0).
	Horizon int
	// Season is the seasonal period in points: 0 detects it, 1 disables
	// seasonality.
	Season int
	// Model forces one model by name (see the Model* constants); "" picks
	// the model with the best backtest MASE.
	Model string
	// Backtest is the number of rolling origins used to choose and score
	// the model (default 3).
	Backtest int
	// Step is the sampling interval when the series has no Times; it lets
	// the forecaster try the calendar's periods (a day, a week).
	Step time.Duration
}

// Model names reported in Forecast.Model and accepted by ForecastOptions.Model.
const (
	// ModelNaive repeats the last value.
	ModelNaive = "naive"
	// ModelSeasonalNaive repeats the last season.
	ModelSeasonalNaive = "seasonal_naive"
	// ModelSeasonalMean forecasts each step as the mean of the same phase
	// over the last few whole seasons: seasonal naive with the noise of a
	// single season averaged out (series whose pattern simply repeats).
	ModelSeasonalMean = "seasonal_mean"
	// ModelSES is simple exponential smoothing, ETS(A,N,N).
	ModelSES = "ses"
	// ModelHoltDamped is Holt's damped trend, ETS(A,Ad,N).
	ModelHoltDamped = "holt_damped"
	// ModelHWAdditive is Holt-Winters with additive season, ETS(A,A,A).
	ModelHWAdditive = "hw_additive"
	// ModelHWAdditiveDamped is Holt-Winters, additive season, damped trend, ETS(A,Ad,A).
	ModelHWAdditiveDamped = "hw_additive_damped"
	// ModelHWMultiplicative is Holt-Winters with multiplicative season, ETS(A,A,M).
	ModelHWMultiplicative = "hw_multiplicative"
	// ModelHWMultiplicativeDamped is Holt-Winters, multiplicative season, damped trend, ETS(A,Ad,M).
	ModelHWMultiplicativeDamped = "hw_multiplicative_damped"
)

// Backtest is one candidate model's rolling-origin score.
type Backtest struct {
	// Model is the candidate's name.
	Model string
	// MASE is the mean absolute scaled error over the backtest origins,
	// scaled by the in-sample seasonal-naive (or naive) MAE.
	MASE float64
	// SMAPE is the symmetric mean absolute percentage error, in percent (0–200).
	SMAPE float64
}

// Forecast is the result of [ForecastSeries].
type Forecast struct {
	// Model is the model that produced Mean (ModelCombination for the
	// mean of several, named in Members).
	Model string
	// Members are the models averaged when Model is ModelCombination.
	Members []string
	// Season is the main seasonal period used (1 when none).
	Season int
	// Seasons lists every seasonal period used when there are several
	// (a day and a week), shortest first.
	Seasons []int
	// Cutoff is the time of the last observation used (zero without Times).
	Cutoff time.Time
	// Step is the inferred sampling interval (zero without Times).
	Step time.Duration
	// Times are the forecast timestamps (nil without input Times).
	Times []time.Time
	// Mean is the point forecast, Horizon values.
	Mean []float64
	// Lo80, Hi80, Lo95 and Hi95 bound the 80% and 95% prediction intervals.
	Lo80, Hi80, Lo95, Hi95 []float64
	// MASE and SMAPE are the chosen model's backtest errors; both 0 when
	// Backtested is false.
	MASE, SMAPE float64
	// Backtested reports whether the history was long enough for at least
	// one rolling origin; without it the model is a default, not a choice.
	Backtested bool
	// Candidates are all models' backtest scores, best first.
	Candidates []Backtest
	// Params are the fitted smoothing parameters (alpha, beta, gamma, phi)
	// for ETS models, nil for the baselines.
	Params map[string]float64
}

// Decomposition splits a series into trend + season + residual (additive).
type Decomposition struct {
	// Period is the seasonal period used (1 when none).
	Period int
	// Trend, Seasonal and Residual have one entry per input point. Where
	// the input is missing the trend is interpolated, the season is the
	// phase's value and the residual is 0 (see Missing), so the components
	// chart without holes and encode as JSON.
	Trend, Seasonal, Residual []float64
	// Missing marks the input points without data.
	Missing []bool
}

// SensorDelta compares one sensor between a window and the same window one
// period earlier.
type SensorDelta struct {
	// Sensor is the sensor name.
	Sensor string
	// Current and Previous are the windows' means (missing points
	// skipped; 0 for a window without data, see N and PrevN).
	Current, Previous float64
	// Delta is Current − Previous.
	Delta float64
	// RelDelta is Delta / |Previous| (0 when Previous is 0).
	RelDelta float64
	// Effect is Delta in units of the previous window's robust scale, so
	// sensors with different units can be ranked (0 when that scale is 0).
	Effect float64
	// N and PrevN count the non-missing points in each window.
	N, PrevN int
}

// Sentinel errors callers can branch on with errors.Is.
var (
	// ErrTooShort means the series has too few (non-missing) points.
	ErrTooShort = errors.New("series too short")
	// ErrHorizonTooLong means the horizon is too long for the history; the
	// concrete error is a *HorizonError carrying the allowed maximum.
	ErrHorizonTooLong = errors.New("horizon too long for the history")
	// ErrBadInput means the arguments are inconsistent (length mismatch,
	// unknown model, non-positive horizon).
	ErrBadInput = errors.New("bad input")
)

// HorizonError reports a horizon longer than the history supports, with the
// largest one that would be accepted so a tool can tell the user.
type HorizonError struct {
	// Horizon is the requested horizon.
	Horizon int
	// Max is the largest accepted horizon for this history.
	Max int
}

// Error describes the rejected horizon.
func (e *HorizonError) Error() string {
	return fmt.Sprintf("horizon %d exceeds the maximum %d for this history", e.Horizon, e.Max)
}

// Is makes errors.Is(err, ErrHorizonTooLong) true.
func (e *HorizonError) Is(target error) bool { return target == ErrHorizonTooLong }
