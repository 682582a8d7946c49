package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/gemba-ai/gemba/internal/plant/model"
)

// PlantAdmin shows the plant model in force and changes channel bindings
// and digest schedules with the checks the CLI uses (`gemba channel`,
// `gemba digest schedule`); *model.Admin satisfies it.
type PlantAdmin interface {
	View(ctx context.Context) (model.View, error)
	Bind(ctx context.Context, channel, target, by string) (model.BindResult, error)
	Unbind(ctx context.Context, channel, by string) (model.BindResult, error)
	Schedule(ctx context.Context, channel, cron, tz, by string) (model.ScheduleResult, error)
	Disable(ctx context.Context, channel string) (model.ScheduleResult, error)
}

// who names the console's user in what it changes.
func (c *Console) who() string {
	if c.o.User == "" || c.o.User == "console" {
		return "console"
	}
	return "console:" + c.o.User
}

// plantModel serves the plant model page: lines, assets, types, sensors
// with units and limits, bindings and schedules, and what is in force.
func (c *Console) plantModel(w http.ResponseWriter, r *http.Request) {
	if c.o.PlantModel == nil {
		writeError(w, http.StatusServiceUnavailable, "the plant model is not connected in this build")
		return
	}
	v, err := c.o.PlantModel.View(r.Context())
	if err != nil {
		c.log.ErrorContext(r.Context(), "console plant model", "err", err)
		writeError(w, http.StatusBadGateway, "console: plant model: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type bindBody struct {
	// Channel is source:channel (slack:C0123456789, console:shop-floor).
	Channel string `json:"channel"`
	// Target is a line or asset (line-1, asset=press-3); empty with Unbind.
	Target string `json:"target,omitempty"`
	Unbind bool   `json:"unbind,omitempty"`
}

// postBinding binds or unbinds a channel.
func (c *Console) postBinding(w http.ResponseWriter, r *http.Request) {
	if c.o.PlantModel == nil {
		writeError(w, http.StatusServiceUnavailable, "channel bindings are not connected in this build")
		return
	}
	var b bindBody
	if !readJSON(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.Channel) == "" {
		writeError(w, http.StatusBadRequest, "channel is required (source:channel, e.g. slack:C0123456789 or console:shop-floor)")
		return
	}
	var res model.BindResult
	var err error
	switch {
	case b.Unbind && b.Target != "":
		writeError(w, http.StatusBadRequest, "give a target to bind, or unbind, not both")
		return
	case b.Unbind:
		res, err = c.o.PlantModel.Unbind(r.Context(), b.Channel, c.who())
	default:
		res, err = c.o.PlantModel.Bind(r.Context(), b.Channel, b.Target, c.who())
	}
	if !c.adminDone(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type scheduleBody struct {
	Channel string `json:"channel"`
	Cron    string `json:"cron,omitempty"`
	// TZ is the schedule's time zone; empty: the plant's.
	TZ      string `json:"tz,omitempty"`
	Disable bool   `json:"disable,omitempty"`
}

// postSchedule schedules a channel's digests or turns them off.
func (c *Console) postSchedule(w http.ResponseWriter, r *http.Request) {
	if c.o.PlantModel == nil {
		writeError(w, http.StatusServiceUnavailable, "digest schedules are not connected in this build")
		return
	}
	var b scheduleBody
	if !readJSON(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.Channel) == "" {
		writeError(w, http.StatusBadRequest, "channel is required (source:channel, e.g. slack:C0123456789 or console:shop-floor)")
		return
	}
	var res model.ScheduleResult
	var err error
	switch {
	case b.Disable && b.Cron != "":
		writeError(w, http.StatusBadRequest, "give a cron expression to schedule, or disable, not both")
		return
	case b.Disable:
		res, err = c.o.PlantModel.Disable(r.Context(), b.Channel)
	case strings.TrimSpace(b.Cron) == "":
		writeError(w, http.StatusBadRequest, `cron is required: five fields (minute hour day month weekday), e.g. "0 6,14,22 * * *"`)
		return
	default:
		res, err = c.o.PlantModel.Schedule(r.Context(), b.Channel, b.Cron, b.TZ, c.who())
	}
	if !c.adminDone(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// adminDone answers a refused request with 400 and its reason, a failure
// with 502; it reports whether err was nil.
func (c *Console) adminDone(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case model.IsInput(err):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		c.log.ErrorContext(r.Context(), "console channel settings", "err", err)
		writeError(w, http.StatusBadGateway, "console: "+err.Error())
	}
	return false
}
