package plant

import "time"

// Local returns t in the plant's time zone.
func (p *Plant) Local(t time.Time) time.Time { return t.In(p.loc()) }

func (p *Plant) loc() *time.Location {
	if p == nil || p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// Day returns the plant's midnight of the day holding t, moved by off days
// (Day(t, -1) is yesterday 00:00, Day(t, 1) tomorrow 00:00). Days are
// calendar days, so a day across a daylight-saving change is 23 or 25 hours.
func (p *Plant) Day(t time.Time, off int) time.Time {
	l := p.Local(t)
	return time.Date(l.Year(), l.Month(), l.Day()+off, 0, 0, 0, 0, p.loc())
}

// At returns the given time of day on the plant day holding t, moved by off days.
func (p *Plant) At(t time.Time, off int, clock time.Duration) time.Time {
	d := p.Day(t, off)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, p.loc()).Add(clock)
}

// Week returns Monday 00:00 of the week holding t, moved by off weeks.
func (p *Plant) Week(t time.Time, off int) time.Time {
	d := p.Day(t, 0)
	back := (int(d.Weekday()) + 6) % 7 // Monday = 0
	return p.Day(d, -back+7*off)
}

// Weekday returns 00:00 of the latest given weekday not after t (today
// when t is on it): "since Monday".
func (p *Plant) Weekday(t time.Time, wd time.Weekday) time.Time {
	d := p.Day(t, 0)
	back := (int(d.Weekday()) - int(wd) + 7) % 7
	return p.Day(d, -back)
}

// ShiftSpan is one shift on one day.
type ShiftSpan struct {
	Shift
	From, To time.Time
}

// RunsOn reports whether the shift runs on a weekday (every day when its
// Days are empty).
func (s Shift) RunsOn(wd time.Weekday) bool {
	if len(s.Days) == 0 {
		return true
	}
	for _, d := range s.Days {
		if d == wd {
			return true
		}
	}
	return false
}

// ShiftAt returns the shift holding t, moved by off shifts (ShiftAt(t, -1)
// is the previous shift, ShiftAt(t, 1) the next). A shift lasts until the
// next one starts; shifts that run on some weekdays only (Shift.Days) are
// left out of the other days, so Friday's night shift of a plant idle at
// the weekend lasts until Monday's first shift.
func (p *Plant) ShiftAt(t time.Time, off int) ShiftSpan {
	shifts := p.Shifts
	if len(shifts) == 0 {
		shifts = []Shift{{Name: "day", NameKO: "주간"}}
	}
	// Shift starts from two days before to two days after, in order (a
	// week and a half each way when some shifts skip days).
	span := 2
	for _, s := range shifts {
		if len(s.Days) > 0 {
			span = 10
		}
	}
	var starts []ShiftSpan
	for d := -span; d <= span; d++ {
		wd := p.Day(t, d).Weekday()
		for _, s := range shifts {
			if s.RunsOn(wd) {
				starts = append(starts, ShiftSpan{Shift: s, From: p.At(t, d, s.Start)})
			}
		}
	}
	if len(starts) < 2 {
		// No shift runs on any day: the plant's day is one shift.
		return ShiftSpan{Shift: shifts[0], From: p.Day(t, 0), To: p.Day(t, 1)}
	}
	cur := 0
	for i, s := range starts {
		if !s.From.After(t) {
			cur = i
		}
	}
	i := min(max(cur+off, 0), len(starts)-2)
	out := starts[i]
	out.To = starts[i+1].From
	return out
}

// LastNight returns the latest night shift (the last shift of the day)
// that has started by t on an earlier day; its end is capped at t. In the
// small hours that is the night going on; in the evening, once tonight's
// shift has begun, "last night" is still the one before.
func (p *Plant) LastNight(t time.Time) ShiftSpan {
	return p.night(t, p.Day(t, 0))
}

// LatestNight returns the latest night shift that has started by t, today's
// included ("the night shift", "overnight"); its end is capped at t.
func (p *Plant) LatestNight(t time.Time) ShiftSpan {
	return p.night(t, t.Add(time.Nanosecond))
}

// night is the latest night shift that started by t and before the time
// before, its end capped at t.
func (p *Plant) night(t, before time.Time) ShiftSpan {
	for off := 0; off > -5; off-- {
		s := p.ShiftAt(t, off)
		if s.Start == p.Shifts[len(p.Shifts)-1].Start && s.From.Before(before) {
			if s.To.After(t) {
				s.To = t
			}
			return s
		}
	}
	return p.ShiftAt(t, -1)
}

// FirstShiftStart returns the start of the day's first shift on the day
// holding t ("this morning" starts there).
func (p *Plant) FirstShiftStart(t time.Time) time.Time {
	wd := p.Day(t, 0).Weekday()
	for _, s := range p.Shifts {
		if s.RunsOn(wd) {
			return p.At(t, 0, s.Start)
		}
	}
	return p.Day(t, 0)
}
