// Package model reads, checks, stores and applies the plant model file,
// plant.yaml: the plant's sites, time zone and shift calendar, its lines
// and assets with the names people call them, its sensors with units,
// expected ranges and documented limits, runbook links per asset type,
// channel bindings and digest schedules, and its live data connectors.
//
// The flow: Parse reads a file into a Model and names every problem with
// its line and field; Plan compares the model with what the database holds
// (the applied model, the series catalog, the channel bindings and digest
// schedules) and Apply carries the plan out in one transaction, printing
// it as a diff. Load and Watcher give the running processes the model in
// force as plant.Defaults (the calendar, the registry's aliases and types,
// the limits), falling back to the built-in defaults when no model was
// applied. Admin binds channels and schedules digests for the CLI and the
// console, with the same checks.
//
// It sits beside the series store (models and stores): it reads and writes
// series metadata through internal/series and reaches channel settings and
// digest schedules through the Channels interface, which the conversation
// core implements (conversation.Core.PlantChannels), so it never imports
// the layers above it.
package model
