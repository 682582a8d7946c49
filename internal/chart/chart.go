// Package chart draws the pictures Gemba attaches to answers: a forecast
// with its history, the 80% and 95% prediction bands and the data cutoff,
// or an anomaly window with the event marked. It turns a Chart (what
// a tool asked to show) into PNG bytes with gonum.org/v1/plot, so the Slack
// bot and the local console draw the same picture. It knows nothing of
// Slack, the LLM or SQL.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ErrEmpty is returned when a chart has no point to draw.
var ErrEmpty = errors.New("chart: nothing to draw")

// Options sizes the picture.
type Options struct {
	// Width and Height of the PNG in points (1/72 inch); zero means 8x4 inches.
	Width, Height vg.Length
	// Location is the time zone of the time axis; nil means UTC.
	Location *time.Location
}

var (
	colHistory  = color.RGBA{R: 0x1f, G: 0x4e, B: 0x79, A: 0xff}
	colForecast = color.RGBA{R: 0xd9, G: 0x5f, B: 0x02, A: 0xff}
	colPlan     = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	colBand80   = color.NRGBA{R: 0xf4, G: 0xa5, B: 0x82, A: 0x99}
	colBand95   = color.NRGBA{R: 0xfd, G: 0xdb, B: 0xc7, A: 0x88}
	colMark     = color.NRGBA{R: 0xe3, G: 0x1a, B: 0x1c, A: 0x40}
	colMarkEdge = color.RGBA{R: 0xe3, G: 0x1a, B: 0x1c, A: 0xff}
	colCutoff   = color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff}
)

// PNG renders c as a PNG image. Lines are drawn by style (history solid
// blue, forecast dashed orange, plan dotted grey), bands are shaded (wider
// bands, such as 95%, lighter and behind narrower ones), marks are red
// spans with their label, and the cutoff is a vertical dashed line.
// Non-finite values are skipped, not drawn as zero.
func PNG(c Chart, o Options) ([]byte, error) {
	if o.Width == 0 {
		o.Width = 8 * vg.Inch
	}
	if o.Height == 0 {
		o.Height = 4 * vg.Inch
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	c = focus(c)
	xmin, xmax, ymin, ymax, n := bounds(c)
	if n == 0 {
		return nil, ErrEmpty
	}
	if ymin == ymax {
		ymin, ymax = ymin-1, ymax+1
	}
	if xmin == xmax {
		xmin, xmax = xmin-60, xmax+60
	}
	pad := (ymax - ymin) * 0.05
	// Headroom for the legend in the top-left corner, so it covers no data.
	top := pad + (ymax-ymin)*0.08*float64(len(c.Lines)+len(c.Bands))

	p := plot.New()
	p.Title.Text = c.Title
	if c.Unit != "" {
		p.Y.Label.Text = c.Unit
	}
	p.X.Tick.Marker = plot.TimeTicks{Format: timeFormat(xmax - xmin), Time: plot.UnixTimeIn(o.Location)}
	p.X.Min, p.X.Max = xmin, xmax
	p.Y.Min, p.Y.Max = ymin-pad, ymax+top
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())

	// Bands: widest first so narrower ones stay visible on top.
	bands := append([]Band(nil), c.Bands...)
	sort.SliceStable(bands, func(i, j int) bool { return bandWidth(bands[i]) > bandWidth(bands[j]) })
	for i, b := range bands {
		poly, err := bandPolygon(b)
		if err != nil {
			return nil, err
		}
		if poly == nil {
			continue
		}
		poly.Color = colBand95
		if i == len(bands)-1 && len(bands) > 1 || strings.Contains(b.Name, "80") {
			poly.Color = colBand80
		}
		poly.LineStyle.Width = 0
		p.Add(poly)
		p.Legend.Add(b.Name, poly)
	}

	// Marks: shaded spans across the whole y range, with the label on top.
	for _, m := range c.Marks {
		start, end := float64(m.Start), float64(m.End)
		if end <= start {
			end = start + (xmax-xmin)*0.005
		}
		lo, hi := ymin-pad, ymax+top
		poly, err := plotter.NewPolygon(plotter.XYs{{X: start, Y: lo}, {X: end, Y: lo}, {X: end, Y: hi}, {X: start, Y: hi}})
		if err != nil {
			return nil, fmt.Errorf("chart: mark: %w", err)
		}
		poly.Color = colMark
		poly.LineStyle = draw.LineStyle{Color: colMarkEdge, Width: vg.Points(0.8)}
		p.Add(poly)
		if m.Label != "" {
			lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: start, Y: hi - pad*0.5}}, Labels: []string{m.Label}})
			if err == nil {
				for i := range lbl.TextStyle {
					lbl.TextStyle[i].Color = colMarkEdge
				}
				p.Add(lbl)
			}
		}
	}

	for _, l := range c.Lines {
		xys := lineXYs(l)
		if len(xys) == 0 {
			continue
		}
		ln, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("chart: line %q: %w", l.Name, err)
		}
		ln.LineStyle.Width = vg.Points(1.4)
		switch l.Style {
		case "forecast":
			ln.LineStyle.Color = colForecast
			ln.LineStyle.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		case "plan":
			ln.LineStyle.Color = colPlan
			ln.LineStyle.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		default:
			ln.LineStyle.Color = colHistory
		}
		p.Add(ln)
		p.Legend.Add(l.Name, ln)
		if len(xys) == 1 { // a single point is invisible as a line
			sc, err := plotter.NewScatter(xys)
			if err == nil {
				sc.GlyphStyle.Color = ln.LineStyle.Color
				p.Add(sc)
			}
		}
	}

	if c.Cutoff != nil {
		x := float64(c.Cutoff.Time)
		cut, err := plotter.NewLine(plotter.XYs{{X: x, Y: ymin - pad}, {X: x, Y: ymax + top}})
		if err != nil {
			return nil, fmt.Errorf("chart: cutoff: %w", err)
		}
		cut.LineStyle = draw.LineStyle{Color: colCutoff, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(3)}}
		p.Add(cut)
		label := c.Cutoff.Label
		if label == "" {
			label = "data cutoff"
		}
		p.Legend.Add(label, cut)
	}

	wt, err := p.WriterTo(o.Width, o.Height, "png")
	if err != nil {
		return nil, fmt.Errorf("chart: render: %w", err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// focus trims a long history before a short forecast so the forecast stays
// readable: at most four forecast spans (and at least two days) of history
// are kept before the cutoff.
func focus(c Chart) Chart {
	var fmin, fmax int64
	have := false
	for _, l := range c.Lines {
		if l.Style != "forecast" || len(l.Times) == 0 {
			continue
		}
		lo, hi := l.Times[0], l.Times[len(l.Times)-1]
		if !have || lo < fmin {
			fmin = lo
		}
		if !have || hi > fmax {
			fmax = hi
		}
		have = true
	}
	if !have {
		return c
	}
	start := fmin - max(4*(fmax-fmin), 2*86400)
	if c.Cutoff != nil && c.Cutoff.Time < fmin {
		start = c.Cutoff.Time - max(4*(fmax-c.Cutoff.Time), 2*86400)
	}
	out := c
	out.Lines = make([]Line, len(c.Lines))
	for i, l := range c.Lines {
		j := 0
		for j < len(l.Times) && l.Times[j] < start {
			j++
		}
		l.Times = l.Times[j:]
		if j <= len(l.Values) {
			l.Values = l.Values[j:]
		} else {
			l.Values = nil
		}
		out.Lines[i] = l
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// bounds returns the extent of every finite point of the chart and how many there are.
func bounds(c Chart) (xmin, xmax, ymin, ymax float64, n int) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	add := func(t int64, v float64) {
		if !finite(v) {
			return
		}
		n++
		x := float64(t)
		xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
		ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
	}
	for _, l := range c.Lines {
		for i := 0; i < len(l.Times) && i < len(l.Values); i++ {
			add(l.Times[i], l.Values[i])
		}
	}
	for _, b := range c.Bands {
		for i := 0; i < len(b.Times) && i < len(b.Lo) && i < len(b.Hi); i++ {
			if finite(b.Lo[i]) && finite(b.Hi[i]) {
				add(b.Times[i], b.Lo[i])
				add(b.Times[i], b.Hi[i])
			}
		}
	}
	if n == 0 {
		return 0, 0, 0, 0, 0
	}
	if c.Cutoff != nil {
		x := float64(c.Cutoff.Time)
		xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
	}
	for _, m := range c.Marks {
		xmin = math.Min(xmin, float64(m.Start))
		xmax = math.Max(xmax, float64(max(m.End, m.Start)))
	}
	return xmin, xmax, ymin, ymax, n
}

func lineXYs(l Line) plotter.XYs {
	var xys plotter.XYs
	for i := 0; i < len(l.Times) && i < len(l.Values); i++ {
		if finite(l.Values[i]) {
			xys = append(xys, plotter.XY{X: float64(l.Times[i]), Y: l.Values[i]})
		}
	}
	return xys
}

func bandWidth(b Band) float64 {
	var w float64
	for i := 0; i < len(b.Lo) && i < len(b.Hi); i++ {
		if finite(b.Lo[i]) && finite(b.Hi[i]) {
			w += b.Hi[i] - b.Lo[i]
		}
	}
	return w
}

// bandPolygon builds the closed outline of a band: along hi forwards, then
// along lo backwards.
func bandPolygon(b Band) (*plotter.Polygon, error) {
	var upper, lower plotter.XYs
	for i := 0; i < len(b.Times) && i < len(b.Lo) && i < len(b.Hi); i++ {
		if finite(b.Lo[i]) && finite(b.Hi[i]) {
			x := float64(b.Times[i])
			upper = append(upper, plotter.XY{X: x, Y: b.Hi[i]})
			lower = append(lower, plotter.XY{X: x, Y: b.Lo[i]})
		}
	}
	if len(upper) < 2 {
		return nil, nil
	}
	ring := make(plotter.XYs, 0, 2*len(upper))
	ring = append(ring, upper...)
	for i := len(lower) - 1; i >= 0; i-- {
		ring = append(ring, lower[i])
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, fmt.Errorf("chart: band %q: %w", b.Name, err)
	}
	return poly, nil
}

// timeFormat picks tick labels that fit the span shown.
func timeFormat(spanSeconds float64) string {
	switch {
	case spanSeconds <= 2*86400:
		return "Jan 2\n15:04"
	case spanSeconds <= 60*86400:
		return "Jan 2"
	default:
		return "2006-01"
	}
}

// Table returns the numbers behind a chart as a small fixed-width text
// table: for each forecast line, up to maxRows points (evenly spaced) with
// the band bounds at the same instants; for an anomaly chart, each mark.
// Slack shows it in a code block beside the PNG, so the numbers stay
// readable where images are off.
func Table(c Chart, loc *time.Location, maxRows int) string {
	if loc == nil {
		loc = time.UTC
	}
	if maxRows <= 0 {
		maxRows = 12
	}
	// Narrow bands (80%) before wide ones (95%), whatever the tool's order.
	c.Bands = append([]Band(nil), c.Bands...)
	sort.SliceStable(c.Bands, func(i, j int) bool { return bandWidth(c.Bands[i]) < bandWidth(c.Bands[j]) })
	var sb strings.Builder
	for _, l := range c.Lines {
		if l.Style != "forecast" {
			continue
		}
		idx := spread(len(l.Times), maxRows)
		header := fmt.Sprintf("%-16s %10s", "time", "forecast")
		for _, b := range c.Bands {
			header += fmt.Sprintf(" %21s", b.Name)
		}
		sb.WriteString(strings.TrimRight(header, " ") + "\n")
		for _, i := range idx {
			if i >= len(l.Values) {
				continue
			}
			row := fmt.Sprintf("%-16s %10s", time.Unix(l.Times[i], 0).In(loc).Format("2006-01-02 15:04"), num(l.Values[i]))
			for _, b := range c.Bands {
				j := indexOf(b.Times, l.Times[i])
				if j < 0 || j >= len(b.Lo) || j >= len(b.Hi) {
					row += fmt.Sprintf(" %21s", "")
					continue
				}
				row += " " + padLeft(num(b.Lo[j])+" – "+num(b.Hi[j]), 21)
			}
			sb.WriteString(strings.TrimRight(row, " ") + "\n")
		}
	}
	for _, m := range c.Marks {
		fmt.Fprintf(&sb, "%s: %s → %s\n", m.Label,
			time.Unix(m.Start, 0).In(loc).Format("2006-01-02 15:04"), time.Unix(m.End, 0).In(loc).Format("2006-01-02 15:04"))
	}
	if c.Cutoff != nil {
		label := c.Cutoff.Label
		if label == "" {
			label = "data cutoff"
		}
		fmt.Fprintf(&sb, "%s: %s\n", label, time.Unix(c.Cutoff.Time, 0).In(loc).Format("2006-01-02 15:04"))
	}
	return strings.TrimRight(sb.String(), "\n")
}

// spread returns up to k indexes evenly spread over [0, n), always
// including the first and the last.
func spread(n, k int) []int {
	if n <= k {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, 0, k)
	for i := 0; i < k; i++ {
		out = append(out, int(math.Round(float64(i)*float64(n-1)/float64(k-1))))
	}
	return out
}

// padLeft right-aligns s in n columns, counting runes (fmt counts bytes,
// which misaligns the en dash).
func padLeft(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return strings.Repeat(" ", n-k) + s
	}
	return s
}

func indexOf(ts []int64, t int64) int {
	for i, v := range ts {
		if v == t {
			return i
		}
	}
	return -1
}

func num(v float64) string {
	if !finite(v) {
		return "–"
	}
	a := math.Abs(v)
	switch {
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
