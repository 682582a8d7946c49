package ops

import (
	"context"
	"io"
	"log/slog"
)

type logAttrsKey struct{}

// WithLogAttrs returns a context whose log lines carry attrs (key/value
// pairs, as for slog): the bot sets the delivery and thread ids once per
// question, and every line logged with that context — by the bot, the
// agent or a tool — names them, so one answer can be followed in the logs.
func WithLogAttrs(ctx context.Context, args ...any) context.Context {
	prev, _ := ctx.Value(logAttrsKey{}).([]slog.Attr)
	r := slog.Record{}
	r.Add(args...)
	attrs := append([]slog.Attr(nil), prev...)
	r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a); return true })
	return context.WithValue(ctx, logAttrsKey{}, attrs)
}

// contextHandler adds the attributes of WithLogAttrs to each record.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if attrs, ok := ctx.Value(logAttrsKey{}).([]slog.Attr); ok {
		r.AddAttrs(attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}

// NewLogger returns Gemba's logger: JSON (or text) on w at level, adding
// the request and thread ids carried by the context to every line.
// Secrets never reach it: configuration is logged only in its redacted form.
func NewLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(contextHandler{h})
}
