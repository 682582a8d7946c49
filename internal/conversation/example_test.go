package conversation_test

import (
	"fmt"

	"github.com/gemba-ai/gemba/internal/conversation"
)

func ExampleParseCommand() {
	c, err := conversation.ParseCommand(`forecast line-2.output 24 --season 168`)
	fmt.Println(c.Sub, c.Series, c.Horizon, c.Season, err)
	_, err = conversation.ParseCommand(`forecast line-2.output soon`)
	fmt.Println(err)
	// Output:
	// forecast line-2.output 24 168 <nil>
	// the horizon must be a whole number of steps from 1 to 1000, not "soon"
}
