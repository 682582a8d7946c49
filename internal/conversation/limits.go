package conversation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// limiter is a per-user token bucket: rate questions per minute, bursts up
// to rate. It is per replica; behind a load balancer the effective limit is
// at most rate × replicas, which is enough to stop a runaway script.
type limiter struct {
	rate float64 // tokens per minute
	now  func() time.Time

	mu    sync.Mutex
	users map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute int, now func() time.Time) *limiter {
	return &limiter{rate: float64(perMinute), now: now, users: map[string]*bucket{}}
}

// allow takes one token for user, or says how long until one is free.
func (l *limiter) allow(user string) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.users[user]
	if b == nil {
		b = &bucket{tokens: l.rate, last: now}
		l.users[user] = b
	}
	b.tokens = min(l.rate, b.tokens+now.Sub(b.last).Minutes()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Minute))
	return false, wait.Round(time.Second)
}

// groupCache remembers user group membership answers for a while, so
// that a permission check does not ask the platform every time.
type groupCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	answers map[string]groupEntry // source/group/user -> answer
}

type groupEntry struct {
	member bool
	at     time.Time
}

func newGroupCache(ttl time.Duration, now func() time.Time) *groupCache {
	return &groupCache{ttl: ttl, now: now, answers: map[string]groupEntry{}}
}

func (g *groupCache) has(ctx context.Context, t Transport, group, user string) (bool, error) {
	key := t.Source() + "/" + group + "/" + user
	g.mu.Lock()
	e, ok := g.answers[key]
	g.mu.Unlock()
	if ok && g.now().Sub(e.at) < g.ttl {
		return e.member, nil
	}
	member, err := t.MemberOf(ctx, group, user)
	if err != nil {
		return false, fmt.Errorf("conversation: members of user group %s: %w", group, err)
	}
	g.mu.Lock()
	g.answers[key] = groupEntry{member: member, at: g.now()}
	g.mu.Unlock()
	return member, nil
}

// permitted checks a user in a channel against allowed channels and users
// (user ids or user group ids, which the transport recognises). It
// returns a polite reason when not.
func (c *Core) permitted(ctx context.Context, t Transport, what, user, channel string, channels, users []string) (bool, string) {
	if len(channels) > 0 && !slices.Contains(channels, channel) {
		list := make([]string, len(channels))
		for i, ch := range channels {
			list[i] = t.ChannelRef(ch)
		}
		return false, fmt.Sprintf("Sorry, %s are only available in %s in this workspace. Please ask there.", what, strings.Join(list, ", "))
	}
	if len(users) == 0 || slices.Contains(users, user) {
		return true, ""
	}
	var who []string
	for _, u := range users {
		ok, err := c.groups.has(ctx, t, u, user)
		if err != nil {
			c.log.WarnContext(ctx, "could not check user group", "group", u, "err", err)
		}
		if ok {
			return true, ""
		}
		if g := t.GroupRef(u); g != "" {
			who = append(who, g)
		} else {
			who = append(who, t.Mention(u))
		}
	}
	return false, fmt.Sprintf("Sorry, %s are limited to %s here, so I can't run this for you. One of them can, or an admin can change it.", what, strings.Join(who, ", "))
}
