package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gemba-ai/gemba/internal/blockkit"
	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/internal/conversation"
	"github.com/slack-go/slack"
)

// assetGroup is one machine (or a line, for line-level series) with its series.
type assetGroup struct {
	Name   string       `json:"name"`
	Line   string       `json:"line,omitempty"`
	Site   string       `json:"site,omitempty"`
	Series []SeriesInfo `json:"series"`
}

func (c *Console) plantSeries(w http.ResponseWriter, r *http.Request) {
	if c.o.Plant == nil {
		writeError(w, http.StatusServiceUnavailable, "the series store is not connected in this build")
		return
	}
	ss, err := c.o.Plant.Series(r.Context())
	if err != nil {
		c.log.ErrorContext(r.Context(), "console plant series", "err", err)
		writeError(w, http.StatusBadGateway, "console: plant: "+err.Error())
		return
	}
	groups := map[string]*assetGroup{}
	var names []string
	for _, s := range ss {
		key := s.Asset
		if key == "" {
			key = s.Line
		}
		if key == "" {
			key = "other"
		}
		g, ok := groups[key]
		if !ok {
			g = &assetGroup{Name: key, Line: s.Line, Site: s.Site}
			groups[key] = g
			names = append(names, key)
		}
		g.Series = append(g.Series, s)
	}
	sort.Strings(names)
	out := make([]*assetGroup, 0, len(names))
	for _, n := range names {
		out = append(out, groups[n])
	}
	writeJSON(w, http.StatusOK, map[string]any{"assets": out})
}

// hours reads the lookback in hours (default def, at most 90 days).
func hours(r *http.Request, def int) (time.Duration, error) {
	h := def
	if s := r.URL.Query().Get("hours"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 24*90 {
			return 0, errors.New("hours must be a whole number from 1 to 2160")
		}
		h = n
	}
	return time.Duration(h) * time.Hour, nil
}

// plantWindow checks that the series store is connected and reads the
// required query parameter param (example shows a valid one) and the
// window of hours ending now; it writes the error and returns false when
// any of them is missing or wrong.
func (c *Console) plantWindow(w http.ResponseWriter, r *http.Request, param, example string) (string, time.Time, time.Time, bool) {
	if c.o.Plant == nil {
		writeError(w, http.StatusServiceUnavailable, "the series store is not connected in this build")
		return "", time.Time{}, time.Time{}, false
	}
	v := strings.TrimSpace(r.URL.Query().Get(param))
	if v == "" {
		writeError(w, http.StatusBadRequest, param+" is required, e.g. ?"+param+"="+example)
		return "", time.Time{}, time.Time{}, false
	}
	span, err := hours(r, 72)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return "", time.Time{}, time.Time{}, false
	}
	now := c.now()
	return v, now.Add(-span), now, true
}

func (c *Console) plantEvents(w http.ResponseWriter, r *http.Request) {
	asset, from, to, ok := c.plantWindow(w, r, "asset", "press-3")
	if !ok {
		return
	}
	evs, err := c.o.Plant.Events(r.Context(), asset, from, to)
	if err != nil {
		c.log.ErrorContext(r.Context(), "console plant events", "asset", asset, "err", err)
		writeError(w, http.StatusBadGateway, "console: events: "+err.Error())
		return
	}
	if evs == nil {
		evs = []Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"asset": asset, "events": evs})
}

func (c *Console) plantChart(w http.ResponseWriter, r *http.Request) {
	name, from, to, ok := c.plantWindow(w, r, "series", "press-3.vibration")
	if !ok {
		return
	}
	ch, err := c.o.Plant.Chart(r.Context(), name, from, to)
	if err != nil {
		writeError(w, http.StatusNotFound, "console: chart: "+err.Error())
		return
	}
	png, err := chart.PNG(ch, chart.Options{Location: c.zone()})
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "console: chart: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=60")
	_, _ = w.Write(png) //nolint:gosec // a PNG we drew, served as image/png with nosniff, not HTML
}

func (c *Console) searchDocs(w http.ResponseWriter, r *http.Request) {
	if c.o.Docs == nil {
		writeError(w, http.StatusServiceUnavailable, "the incident store is not connected in this build")
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 500 {
		writeError(w, http.StatusBadRequest, "the search text is too long (500 bytes at most)")
		return
	}
	k := 20
	if s := r.URL.Query().Get("k"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "k must be a whole number from 1 to 100")
			return
		}
		k = n
	}
	hits, err := c.o.Docs.Search(r.Context(), q, k)
	if err != nil {
		c.log.ErrorContext(r.Context(), "console docs search", "err", err)
		writeError(w, http.StatusBadGateway, "console: search: "+err.Error())
		return
	}
	if hits == nil {
		hits = []DocHit{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"query": q, "hits": hits})
}

func (c *Console) getDoc(w http.ResponseWriter, r *http.Request) {
	if c.o.Docs == nil {
		writeError(w, http.StatusServiceUnavailable, "the incident store is not connected in this build")
		return
	}
	id := r.PathValue("id")
	d, err := c.o.Docs.Get(r.Context(), id)
	if err != nil || d == nil {
		msg := "no document " + strconv.Quote(id)
		if err != nil {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusNotFound, msg)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (c *Console) listDigests(w http.ResponseWriter, r *http.Request) {
	if c.o.Core == nil {
		writeError(w, http.StatusServiceUnavailable, "digests are not connected in this build")
		return
	}
	ss, err := c.o.Core.Schedules(r.Context())
	if err != nil {
		c.log.ErrorContext(r.Context(), "console digests", "err", err)
		writeError(w, http.StatusBadGateway, "console: digests: "+err.Error())
		return
	}
	if ss == nil {
		ss = []conversation.Schedule{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"schedules": ss, "channels": c.o.Channels})
}

type previewBody struct {
	Channel string `json:"channel"`
}

// previewDigest renders a console channel's digest now, without posting
// it: the header and, after a divider, the details, then its charts.
func (c *Console) previewDigest(w http.ResponseWriter, r *http.Request) {
	if c.o.Core == nil {
		writeError(w, http.StatusServiceUnavailable, "digests are not connected in this build")
		return
	}
	var b previewBody
	if !readJSON(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.Channel) == "" {
		writeError(w, http.StatusBadRequest, "channel is required")
		return
	}
	if !slices.Contains(c.o.Channels, b.Channel) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no channel %s in the console (channels: %s)", b.Channel, strings.Join(c.o.Channels, ", ")))
		return
	}
	d, err := c.o.Core.BuildDigest(r.Context(), c, b.Channel)
	if err != nil {
		c.log.ErrorContext(r.Context(), "console digest preview", "channel", b.Channel, "err", err)
		writeError(w, http.StatusBadGateway, "console: digest preview: "+err.Error())
		return
	}
	header, details := blockkit.RenderDigest(d)
	var refs []chartRef
	for _, ch := range d.Charts {
		if png, err := c.charts.PNGIn(ch, c.zone()); err == nil {
			refs = append(refs, chartRef{URL: c.files.put(File{Title: ch.Title, MIME: "image/png", Data: png}), Title: ch.Title})
		}
	}
	title := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Shift digest · #"+b.Channel, false, false))
	blocks := append(append(append([]slack.Block{title}, header...), slack.NewDividerBlock()), details...)
	writeJSON(w, http.StatusOK, map[string]any{"channel": b.Channel, "text": blockkit.DigestText(d), "blocks": blocksJSON(blocks, refs)})
}

// live serves the alerts of the last week and the connectors' state.
func (c *Console) live(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{"alerts": []conversation.Alert{}, "connectors": []any{}}
	if c.o.Core != nil {
		as, err := c.o.Core.Alerts(r.Context(), c.now().Add(-7*24*time.Hour), 200)
		if err != nil {
			c.log.ErrorContext(r.Context(), "console alerts", "err", err)
			writeError(w, http.StatusBadGateway, "console: alerts: "+err.Error())
			return
		}
		if as != nil {
			out["alerts"] = as
		}
	}
	if c.o.Connectors != nil {
		out["connectors"] = c.o.Connectors()
	}
	writeJSON(w, http.StatusOK, out)
}
