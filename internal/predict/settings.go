package predict

import "time"

// Operating points of the one detector configuration.
const (
	// SeriesThreshold is the online threshold for one series: the score
	// (a calibrated probability, see the package documentation) that
	// maximised the NAB standard score on the tuning split of the
	// development files.
	SeriesThreshold = 0.32
	// AssetThreshold is the online threshold for an asset's sensors judged
	// together: an asset event sends a technician, and the PdM evaluation
	// (hourly machine telemetry) showed the series threshold adds about one
	// false event per machine-month for no failure caught.
	AssetThreshold = 0.5
	// BatchThreshold is the threshold of batch (hindsight) detection on its
	// robust-z score, 1 − exp(−z²/8): |z| ≈ 6.1, the operating point
	// measured on the PdM evaluation.
	BatchThreshold = 0.99
	// ShiftInterval is the batch detector's CUSUM decision interval.
	ShiftInterval = 18
	// SpatialTolerance and SpatialGuard are the online spatial rule
	// (see [DetectOptions].SpatialTolerance): a value beyond the range of
	// every value before it by 5% of that range (Numenta's constant) and
	// by one unit of the series' robust residual scale is an anomaly,
	// however ordinary its residual. Adopted by a rule fixed before the
	// runs: it lifts NAB and, on the PdM telemetry, loses no failure and
	// adds no false confirmed alert (README, model section).
	SpatialTolerance = 0.05
	SpatialGuard     = 1
)

// DetectorSettings is Gemba's one detector configuration: the options every
// caller (the CSV commands, the tools and so the chat, digests and plant
// pages, the registry's re-evaluation, the PdM evaluation) passes to
// [Detect] and [DetectMulti] for a series sampled every step with n points.
// The period is named from the calendar (see [CalendarPeriod]); thresholds
// are the operating points above, measured on the development data.
func DetectorSettings(step time.Duration, n int, online bool) DetectOptions {
	o := DetectOptions{
		Online:         online,
		Threshold:      BatchThreshold,
		ShiftThreshold: ShiftInterval,
		Period:         CalendarPeriod(step, n),
	}
	if online {
		o.Threshold, o.AssetThreshold = SeriesThreshold, AssetThreshold
		o.SpatialTolerance, o.SpatialGuard = SpatialTolerance, SpatialGuard
	}
	return o
}

// DetectorSettingsFor is [DetectorSettings] for a window with these
// timestamps (the step is the spacing of the first two).
func DetectorSettingsFor(times []time.Time, online bool) DetectOptions {
	step := time.Duration(0)
	if len(times) >= 2 {
		step = times[1].Sub(times[0])
	}
	return DetectorSettings(step, len(times), online)
}

// CalendarPeriod picks the seasonal period, in points, for n points spaced
// step apart: a week when at least three weeks are there (plants run shift
// and weekend patterns), else a day when at least three days are, else 0
// (the detector looks for one). Automatic detection on a few weeks of shift
// data is unreliable (it often finds no period and every shift change
// becomes an event), so the calendar names the period.
func CalendarPeriod(step time.Duration, n int) int {
	if step <= 0 {
		return 0
	}
	span := time.Duration(n) * step
	week, day := int(7*24*time.Hour/step), int(24*time.Hour/step)
	switch {
	case span >= 21*24*time.Hour && week >= 2:
		return week
	case span >= 3*24*time.Hour && day >= 2:
		return day
	}
	return 0
}
