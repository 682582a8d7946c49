package blockkit_test

import (
	"fmt"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/internal/agent"
	"github.com/gemba-ai/gemba/internal/blockkit"
)

func ExampleRenderAnswer() {
	a := &agent.Answer{
		ID: 7, Lang: "en", Mode: agent.ModeOffline,
		Situation: "Vibration on press-3 is 9.3 mm/s (usual 4.1).",
		Steps:     []agent.Step{{Text: "Replace the drive-end bearing.", Citations: []string{"INC-2024-031"}, TouchesEquipment: true, SOP: "RB-PRESS-07"}},
	}
	for _, b := range blockkit.RenderAnswer(a, blockkit.RenderOptions{}) {
		switch v := b.(type) {
		case *slack.SectionBlock:
			fmt.Printf("section: %q\n", v.Text.Text)
		case *slack.ContextBlock:
			fmt.Printf("context: %q\n", v.ContextElements.Elements[0].(*slack.TextBlockObject).Text)
		case *slack.ActionBlock:
			fmt.Printf("actions: %d buttons\n", len(v.Elements.ElementSet))
		}
	}
	// Output:
	// section: ":factory: *Situation*\nVibration on press-3 is 9.3 mm/s (usual 4.1)."
	// section: ":white_check_mark: *Next steps*"
	// section: "*1.* :warning: Replace the drive-end bearing.\n:page_facing_up: `INC-2024-031`\n:warning: _Touches equipment — follow SOP_ `RB-PRESS-07`"
	// context: ":robot_face: offline — made without an LLM"
	// actions: 3 buttons
}
