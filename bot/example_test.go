package bot_test

import (
	"fmt"

	"github.com/slack-go/slack"

	"github.com/gemba-ai/gemba/bot"
	"github.com/gemba-ai/gemba/internal/agent"
)

func ExampleParseCommand() {
	c, err := bot.ParseCommand(`forecast line-2.output 24 --season 168`)
	fmt.Println(c.Sub, c.Series, c.Horizon, c.Season, err)
	_, err = bot.ParseCommand(`forecast line-2.output soon`)
	fmt.Println(err)
	// Output:
	// forecast line-2.output 24 168 <nil>
	// the horizon must be a whole number of steps from 1 to 1000, not "soon"
}

func ExampleRenderAnswer() {
	a := &agent.Answer{
		ID: 7, Lang: "en", Mode: agent.ModeOffline,
		Situation: "Vibration on press-3 is 9.3 mm/s (usual 4.1).",
		Steps:     []agent.Step{{Text: "Replace the drive-end bearing.", Citations: []string{"INC-2024-031"}, TouchesEquipment: true, SOP: "RB-PRESS-07"}},
	}
	for _, b := range bot.RenderAnswer(a, bot.RenderOptions{}) {
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
