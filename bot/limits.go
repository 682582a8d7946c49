package bot

import (
	"context"
	"fmt"
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

// groupCache resolves user group members (usergroups.users.list), cached.
type groupCache struct {
	b   *Bot
	ttl time.Duration

	mu      sync.Mutex
	members map[string]groupEntry
}

type groupEntry struct {
	users map[string]bool
	at    time.Time
}

func newGroupCache(b *Bot, ttl time.Duration) *groupCache {
	return &groupCache{b: b, ttl: ttl, members: map[string]groupEntry{}}
}

func (g *groupCache) has(ctx context.Context, group, user string) (bool, error) {
	g.mu.Lock()
	e, ok := g.members[group]
	g.mu.Unlock()
	if ok && g.b.now().Sub(e.at) < g.ttl {
		return e.users[user], nil
	}
	var ids []string
	err := g.b.retry(ctx, "usergroups.users.list", func(ctx context.Context) error {
		var err error
		ids, err = g.b.api.GetUserGroupMembersContext(ctx, group)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("bot: members of user group %s: %w", group, err)
	}
	e = groupEntry{users: map[string]bool{}, at: g.b.now()}
	for _, id := range ids {
		e.users[id] = true
	}
	g.mu.Lock()
	g.members[group] = e
	g.mu.Unlock()
	return e.users[user], nil
}

// permitted checks a user in a channel against allowed channels and users
// (user ids or user group ids). It returns a polite reason when not.
func (b *Bot) permitted(ctx context.Context, what, user, channel string, channels, users []string) (bool, string) {
	if len(channels) > 0 && !contains(channels, channel) {
		list := make([]string, len(channels))
		for i, c := range channels {
			list[i] = "<#" + c + ">"
		}
		return false, fmt.Sprintf("Sorry, %s are only available in %s in this workspace. Please ask there.", what, strings.Join(list, ", "))
	}
	if len(users) == 0 || contains(users, user) {
		return true, ""
	}
	for _, u := range users {
		if strings.HasPrefix(u, "S") {
			ok, err := b.groups.has(ctx, u, user)
			if err != nil {
				b.log.WarnContext(ctx, "could not check user group", "group", u, "err", err)
				continue
			}
			if ok {
				return true, ""
			}
		}
	}
	var who []string
	for _, u := range users {
		if strings.HasPrefix(u, "S") {
			who = append(who, "<!subteam^"+u+">")
		} else {
			who = append(who, "<@"+u+">")
		}
	}
	return false, fmt.Sprintf("Sorry, %s are limited to %s here, so I can't run this for you. One of them can, or an admin can change it.", what, strings.Join(who, ", "))
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
