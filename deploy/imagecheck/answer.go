package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// askOutput is the part of `gemba ask --json` the check reads.
type askOutput struct {
	Answer string `json:"answer"`
	Mode   string `json:"mode"`
	Steps  []struct {
		Tool  string `json:"tool"`
		Error string `json:"error"`
	} `json:"steps"`
	Citations []struct {
		ID string `json:"id"`
	} `json:"citations"`
}

func runAnswer(stdin io.Reader, stdout io.Writer) error {
	line, err := checkAnswer(stdin)
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	fmt.Fprintln(stdout, "imagecheck: ok:", line)
	return nil
}

// checkAnswer requires an answer that used at least one tool successfully:
// the agent reached the database through its tools, not just a canned text.
func checkAnswer(r io.Reader) (string, error) {
	var a askOutput
	if err := json.NewDecoder(r).Decode(&a); err != nil {
		return "", fmt.Errorf("not the JSON of gemba ask --json: %w", err)
	}
	if strings.TrimSpace(a.Answer) == "" {
		return "", fmt.Errorf("empty answer (mode %q)", a.Mode)
	}
	var ok []string
	for _, s := range a.Steps {
		if s.Error == "" && !slices.Contains(ok, s.Tool) {
			ok = append(ok, s.Tool)
		}
	}
	if len(ok) == 0 {
		return "", fmt.Errorf("the answer used no tool successfully (%d steps): %s", len(a.Steps), oneLine([]byte(a.Answer), 200))
	}
	return fmt.Sprintf("gemba ask: %s answer with %d tool calls (%s) and %d citations: %s",
		a.Mode, len(a.Steps), strings.Join(ok, ", "), len(a.Citations), oneLine([]byte(a.Answer), 120)), nil
}
