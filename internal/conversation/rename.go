package conversation

import (
	"context"
	"fmt"

	"github.com/gemba-ai/gemba/internal/db"
)

// RenameAsset carries a renamed asset into the conversation state, inside
// the caller's transaction (`gemba series rename --asset` runs it with the
// series store's rename): channels bound to the asset stay bound to it
// under its new name, and its alerts keep their history, cooldown and
// escalation. It returns how many channel bindings and alerts changed.
// Threads and posted answers keep the old name in their text: they are a
// record of what was said then.
func RenameAsset(ctx context.Context, q db.DBTX, old, new string) (bindings, alerts int64, err error) {
	rows, err := q.Query(ctx, `SELECT source, channel_id, scope FROM channel_settings WHERE scope <> ''`)
	if err != nil {
		return 0, 0, fmt.Errorf("conversation: rename asset: %w", err)
	}
	type binding struct{ source, channel, scope string }
	var change []binding
	for rows.Next() {
		var b binding
		if err := rows.Scan(&b.source, &b.channel, &b.scope); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("conversation: rename asset: %w", err)
		}
		sc, perr := ParseScope(b.scope)
		if perr != nil || sc.Asset != old {
			continue
		}
		sc.Asset = new
		b.scope = FormatScope(sc)
		change = append(change, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("conversation: rename asset: %w", err)
	}
	for _, b := range change {
		if _, err := q.Exec(ctx, `UPDATE channel_settings SET scope = $3, updated_at = now() WHERE source = $1 AND channel_id = $2`,
			b.source, b.channel, b.scope); err != nil {
			return 0, 0, fmt.Errorf("conversation: rename asset: binding of %s: %w", b.channel, err)
		}
	}
	tag, err := q.Exec(ctx, `UPDATE alerts SET asset = $2 WHERE asset = $1`, old, new)
	if err != nil {
		return 0, 0, fmt.Errorf("conversation: rename asset: alerts: %w", err)
	}
	return int64(len(change)), tag.RowsAffected(), nil
}

// AssetBindings lists the channels bound to asset (source:channel), so a
// command that deletes an asset's series can say which bindings now point
// at nothing.
func AssetBindings(ctx context.Context, q db.DBTX, asset string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT source, channel_id, scope FROM channel_settings WHERE scope <> '' ORDER BY source, channel_id`)
	if err != nil {
		return nil, fmt.Errorf("conversation: bindings: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var source, channel, scope string
		if err := rows.Scan(&source, &channel, &scope); err != nil {
			return nil, fmt.Errorf("conversation: bindings: %w", err)
		}
		if sc, err := ParseScope(scope); err == nil && sc.Asset == asset {
			out = append(out, source+":"+channel)
		}
	}
	return out, rows.Err()
}
