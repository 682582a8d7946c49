package agent

import (
	"time"

	"github.com/gemba-ai/gemba/internal/chart"
	"github.com/gemba-ai/gemba/tools"
)

// Mode says how an answer was made.
const (
	ModeLLM     = "llm"
	ModeOffline = "offline"
)

// Request is one question asked in a thread.
type Request struct {
	// ThreadKey identifies the conversation: "slack:C123:1700000000.000100",
	// "console:<id>", "cli:<id>". Follow-ups in the same thread share memory.
	ThreadKey string
	// Channel is the Slack channel (or console channel) the question came from.
	Channel string
	// UserID is who asked.
	UserID string
	// Question is the user's text, mentions removed.
	Question string
	// Scope narrows tools and searches (a channel bound to a line or asset).
	Scope tools.Scope
	// AllowedTools, when not empty, limits the tools offered (channel setting).
	AllowedTools []string
	// Now is the moment the question was asked; zero means time.Now.
	Now time.Time
}

// Step is one numbered next step of a prescriptive answer.
type Step struct {
	// Text says what to do.
	Text string `json:"text"`
	// Reason says why, with the numbers from the tool results.
	Reason string `json:"reason,omitempty"`
	// Citations are ids of store documents (incidents, runbooks) behind the step.
	Citations []string `json:"citations,omitempty"`
	// TouchesEquipment marks steps that act on a machine; SOP names the runbook they come from.
	TouchesEquipment bool   `json:"touches_equipment,omitempty"`
	SOP              string `json:"sop,omitempty"`
	// Basis says what allows a step that touches equipment: BasisSensor (an
	// anomaly on the asset supports the failure mode), BasisRule (a current
	// reading crosses a limit a document states), BasisReport (the user
	// reported the failure) or BasisRequest (the user asked for this
	// procedure). Empty for steps that touch nothing.
	Basis string `json:"basis,omitempty"`
	// Evidence says in words what backs the step: the reading, the rule or
	// the report.
	Evidence string `json:"evidence,omitempty"`
}

// The bases of a step that touches equipment (Step.Basis).
const (
	BasisSensor = "sensor"
	BasisRule   = "rule"
	BasisReport = "report"
	// BasisRequest marks the steps of a procedure the user asked for ("how
	// do I lock out a press?"): an answer, not a prescription.
	BasisRequest = "request"
)

// ToolTrace is the audit record of one tool call within an answer.
type ToolTrace struct {
	Tool       string         `json:"tool"`
	Args       map[string]any `json:"args"`
	DurationMS int64          `json:"duration_ms"`
	Summary    string         `json:"summary,omitempty"`
	Error      string         `json:"error,omitempty"`
	ResultSize int            `json:"result_bytes,omitempty"`
	// Origin is empty for Gemba's own tools and names the system that ran
	// an external tool ("mcp:cmms"), so the trace panel and the audit
	// trail show where a result came from.
	Origin string `json:"origin,omitempty"`
}

// Answer is Gemba's reply to one question: Situation, Likely cause, Next
// steps (3–5 first, the rest as Detail), Confidence and when to escalate.
type Answer struct {
	// ID is the stored answer's id (feedback and "more detail" refer to it).
	ID int64 `json:"id,omitempty"`
	// Lang is the language of the question and the answer ("en", "ko").
	Lang string `json:"lang"`
	// Mode is ModeLLM or ModeOffline.
	Mode string `json:"mode"`
	// Model names the LLM used, empty offline.
	Model string `json:"model,omitempty"`

	Situation  string `json:"situation"`
	Cause      string `json:"cause,omitempty"`
	Steps      []Step `json:"steps"`
	Detail     []Step `json:"detail,omitempty"`
	Confidence string `json:"confidence,omitempty"` // high, medium, low
	Escalate   string `json:"escalate,omitempty"`
	// Intent is how the offline planner read the question (status,
	// diagnose, forecast, compare, rank, history, handover, metric,
	// procedure, out_of_scope); empty for answers the model wrote.
	Intent string `json:"intent,omitempty"`
	// Unknown names what the question asked about that the plant does not
	// have (an asset, line, sensor or metric), each said plainly in the
	// answer with the closest known names; never answered as something else.
	Unknown []string `json:"unknown,omitempty"`
	// Derived are numbers the planner computed from tool results (a plant
	// total, a day's output as the difference of two windows, a time in the
	// plant's time zone), each with how it was computed; grounding accepts
	// them as it accepts tool results.
	Derived []Derived `json:"derived,omitempty"`
	// Text is the whole answer as plain text (Markdown), for the CLI and memory.
	Text string `json:"answer"`

	Citations []tools.Citation `json:"citations"`
	// DocAssets names the asset of each cited document that is about one
	// (document id → asset), so a reader can tell the asked machine's own
	// incidents from similar cases on other machines.
	DocAssets map[string]string `json:"doc_assets,omitempty"`
	Charts    []chart.Chart     `json:"-"`
	// Warnings lists what grounding checks flagged or dropped.
	Warnings []string    `json:"warnings,omitempty"`
	Trace    []ToolTrace `json:"steps_trace"`

	// Grounding counts the numbers in the answer and how many of them were
	// found in tool results (the eval's numeric grounding).
	Grounding Grounding `json:"grounding"`

	PromptTokens     int   `json:"prompt_tokens,omitempty"`
	CompletionTokens int   `json:"completion_tokens,omitempty"`
	LatencyMS        int64 `json:"latency_ms"`

	// modelCitations are the answer-level ids the model listed, checked in grounding.
	modelCitations []string
}

// Derived is one number (or time) computed from tool results.
type Derived struct {
	// What names the number ("plant total of the forecasts").
	What string `json:"what"`
	// Value is the number or time as the answer writes it.
	Value string `json:"value"`
	// From says how it was computed from the tool results.
	From string `json:"from"`
}

// Grounding is the outcome of the numeric grounding check.
type Grounding struct {
	// Numbers is how many numbers the answer's text fields hold.
	Numbers int `json:"numbers"`
	// Grounded is how many of them match a number in a tool result (or the question).
	Grounded int `json:"grounded"`
	// Ungrounded lists the numbers that matched nothing.
	Ungrounded []string `json:"ungrounded,omitempty"`
}
