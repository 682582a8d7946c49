package demo

import (
	"encoding/json"
	"time"
)

// Failure modes of the demo plant.
const (
	// ModeBearingWear raises vibration (and a little temperature) for days
	// before the bearing fails.
	ModeBearingWear = "bearing_wear"
	// ModeFilterClogging drifts pressure as a filter fills.
	ModeFilterClogging = "filter_clogging"
	// ModeBeltSlip shifts motor current down and makes speed erratic.
	ModeBeltSlip = "belt_slip"
	// ModeMotorOverheating raises a motor's temperature and current.
	ModeMotorOverheating = "motor_overheating"
)

// Failure is one recorded (or developing) failure of the demo plant. Times
// are offsets before the seed time, because the data window ends at the
// moment of seeding; Schedule turns them into instants.
type Failure struct {
	// ID ties the failure to its incident report in the demo documents.
	ID string `json:"id"`
	// Asset is the machine that failed.
	Asset string `json:"asset"`
	// Mode is one of the Mode* constants.
	Mode string `json:"mode"`
	// Sensors are the sensors whose readings show the precursor, the
	// leading one first.
	Sensors []string `json:"sensors"`
	// BeforeSeed is how long before the seed time the failure happened (0
	// for a failure still developing).
	BeforeSeed time.Duration `json:"-"`
	// Precursor is how long the readings drifted before the failure.
	Precursor time.Duration `json:"-"`
	// Repair is how long the asset stood still after the failure.
	Repair time.Duration `json:"-"`
	// InProgress marks a precursor still developing at the seed time: no
	// failure has happened (yet).
	InProgress bool `json:"in_progress"`
	// Summary says what happened, in a technician's words.
	Summary string `json:"summary"`
}

// MarshalJSON writes the durations in hours.
func (f Failure) MarshalJSON() ([]byte, error) {
	type plain Failure
	return json.Marshal(struct {
		plain
		BeforeSeedHours float64 `json:"before_seed_hours"`
		PrecursorHours  float64 `json:"precursor_hours"`
		RepairHours     float64 `json:"repair_hours"`
	}{plain(f), f.BeforeSeed.Hours(), f.Precursor.Hours(), f.Repair.Hours()})
}

// Failures is the demo plant's failure schedule: recorded failures with
// their precursors, and one precursor in progress at the seed time (press-3
// vibration rising over the last 36 hours).
var Failures = []Failure{
	{
		ID: "INC-1001", Asset: "cnc-4", Mode: ModeMotorOverheating, Sensors: []string{"temperature", "motor_current"},
		BeforeSeed: 1683 * time.Hour, Precursor: 48 * time.Hour, Repair: 12 * time.Hour,
		Summary: "Spindle motor of cnc-4 tripped on over-temperature; clogged cooling fan filter and worn fan bearing replaced.",
	},
	{
		ID: "INC-1002", Asset: "pump-1", Mode: ModeFilterClogging, Sensors: []string{"pressure", "motor_current"},
		BeforeSeed: 1466 * time.Hour, Precursor: 144 * time.Hour, Repair: 4 * time.Hour,
		Summary: "Suction strainer of pump-1 clogged; discharge pressure fell until low-pressure alarm stopped the line. Strainer cleaned.",
	},
	{
		ID: "INC-1003", Asset: "press-3", Mode: ModeBearingWear, Sensors: []string{"vibration", "temperature"},
		BeforeSeed: 1250 * time.Hour, Precursor: 120 * time.Hour, Repair: 10 * time.Hour,
		Summary: "Main crankshaft bearing of press-3 failed after days of rising vibration; bearing replaced and lubrication schedule tightened.",
	},
	{
		ID: "INC-1004", Asset: "conveyor-1", Mode: ModeBeltSlip, Sensors: []string{"motor_current", "speed"},
		BeforeSeed: 914 * time.Hour, Precursor: 48 * time.Hour, Repair: 5 * time.Hour,
		Summary: "Drive belt of conveyor-1 slipped and glazed; motor current dropped and speed wavered until cartons jammed. Belt replaced and re-tensioned.",
	},
	{
		ID: "INC-1005", Asset: "cnc-2", Mode: ModeBearingWear, Sensors: []string{"vibration", "temperature"},
		BeforeSeed: 650 * time.Hour, Precursor: 96 * time.Hour, Repair: 8 * time.Hour,
		Summary: "Spindle bearing of cnc-2 worn; surface finish degraded and vibration rose until the spindle seized. Spindle cartridge exchanged.",
	},
	{
		ID: "INC-1006", Asset: "filler-1", Mode: ModeFilterClogging, Sensors: []string{"pressure"},
		BeforeSeed: 362 * time.Hour, Precursor: 72 * time.Hour, Repair: 3 * time.Hour,
		Summary: "Product filter of filler-1 clogged; supply pressure climbed and fill volumes went out of tolerance. Filter element replaced.",
	},
	{
		ID: "LIVE-press-3", Asset: "press-3", Mode: ModeBearingWear, Sensors: []string{"vibration", "temperature"},
		BeforeSeed: 0, Precursor: 36 * time.Hour, InProgress: true,
		Summary: "press-3 vibration has been rising for the last 36 hours (bearing wear pattern, like INC-1003); no failure yet.",
	},
}

// Scheduled is a Failure placed in time for one seeding.
type Scheduled struct {
	Failure
	// PrecursorStart is when the readings began to drift.
	PrecursorStart time.Time `json:"precursor_start"`
	// At is when the failure happened (the seed time for one in progress).
	At time.Time `json:"at"`
	// RepairedAt is when the asset ran normally again (zero when in progress).
	RepairedAt time.Time `json:"repaired_at,omitzero"`
}

// MarshalJSON keeps the failure's fields and adds the instants.
func (s Scheduled) MarshalJSON() ([]byte, error) {
	f, err := s.Failure.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(f, &m); err != nil {
		return nil, err
	}
	m["precursor_start"] = s.PrecursorStart.UTC().Format(time.RFC3339)
	m["at"] = s.At.UTC().Format(time.RFC3339)
	if !s.RepairedAt.IsZero() {
		m["repaired_at"] = s.RepairedAt.UTC().Format(time.RFC3339)
	}
	return json.Marshal(m)
}

// End returns the end of the data window for a seeding at now: now
// truncated to the sampling step.
func End(now time.Time) time.Time {
	return now.UTC().Truncate(Step)
}

// Schedule places the failure schedule in time for a seeding at now.
func Schedule(now time.Time) []Scheduled {
	end := End(now)
	out := make([]Scheduled, len(Failures))
	for i, f := range Failures {
		at := end.Add(-f.BeforeSeed)
		s := Scheduled{Failure: f, At: at, PrecursorStart: at.Add(-f.Precursor)}
		if !f.InProgress {
			s.RepairedAt = at.Add(f.Repair)
		}
		out[i] = s
	}
	return out
}

// FailuresJSON is the content of demo/failures.json: the schedule with
// offsets in hours before the seed time.
func FailuresJSON() ([]byte, error) {
	b, err := json.MarshalIndent(Failures, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
