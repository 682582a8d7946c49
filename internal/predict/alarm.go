package predict

import "time"

// AlarmAfter is how long after an asset's anomaly event ends an alarm the
// machine logged still confirms it: the machine's own alarm or error log
// (a controller fault, an error code) is a second witness beside the
// sensors. A drift the sensors show and the machine's controller also
// complains about, while it runs or within a day after, is worth a
// technician; a drift alone, on a machine whose alarms Gemba reads, is
// watched (listed, in digests and on the console) but pages nobody. See
// the README's model section for how this was measured (Azure PdM).
const AlarmAfter = 24 * time.Hour

// Alarm is an alarm or error the machine itself logged.
type Alarm struct {
	// ID is the record's id ("" when it has none).
	ID string `json:"id,omitempty"`
	// Code is the alarm or error code (error1, E-204, OVERTEMP).
	Code string `json:"code,omitempty"`
	// At is when it was logged.
	At time.Time `json:"-"`
}

// Confirming returns the first alarm logged while an event ran (from
// start to end) or within [AlarmAfter] after it ended, and whether there
// is one. alarms may be in any order.
func Confirming(start, end time.Time, alarms []Alarm) (Alarm, bool) {
	var best Alarm
	found := false
	last := end.Add(AlarmAfter)
	for _, a := range alarms {
		if a.At.Before(start) || a.At.After(last) {
			continue
		}
		if !found || a.At.Before(best.At) {
			best, found = a, true
		}
	}
	return best, found
}

// ConfirmedAt is when an event counts as confirmed by its alarm: the
// alarm's time, or the event's onset when the alarm came first (an alarm
// logged at the start of the event, before the detector flagged it).
func ConfirmedAt(onset time.Time, a Alarm) time.Time {
	if a.At.Before(onset) {
		return onset
	}
	return a.At
}
