package eval

import "hash/fnv"

// Split names, as accepted by the evaluations' Split options.
const (
	SplitAll    = "all"
	SplitTune   = "tune"
	SplitFrozen = "frozen"
)

// Frozen reports whether a development file or series belongs to the frozen
// split: a third of the development data, chosen by a hash of its name
// before any tuning, that is only scored (never looked at while tuning) so
// the figures on it say how the models do on data they were not fitted to.
// The hash (FNV-1a, 32 bits) is fixed: changing it would unfreeze the split.
func Frozen(name string) bool {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return h.Sum32()%3 == 0
}

// inSplit reports whether name belongs to split ("" or SplitAll: every name).
func inSplit(name, split string) bool {
	switch split {
	case SplitTune:
		return !Frozen(name)
	case SplitFrozen:
		return Frozen(name)
	}
	return true
}
