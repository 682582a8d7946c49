package llmtest_test

import (
	"context"
	"fmt"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"

	"github.com/gemba-ai/gemba/internal/llmtest"
)

// The scripted server answers langchaingo's real OpenAI client: first with
// a tool call, then with a final answer; every request is recorded.
func Example() {
	srv := llmtest.NewServer(
		llmtest.CallTools(llmtest.Call("detect_anomalies", `{"asset":"press-3"}`)),
		llmtest.Final("press-3 vibration is rising."),
	)
	defer srv.Close()
	llm, err := openai.New(openai.WithBaseURL(srv.URL), openai.WithToken(srv.Token), openai.WithModel("scripted"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	msgs := []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "Is press 3 ok?")}
	resp, err := llm.GenerateContent(ctx, msgs)
	if err != nil {
		panic(err)
	}
	call := resp.Choices[0].ToolCalls[0]
	fmt.Println(call.FunctionCall.Name, call.FunctionCall.Arguments)

	msgs = append(msgs,
		llms.MessageContent{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{call}},
		llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: call.ID, Name: call.FunctionCall.Name, Content: `{"events":1}`}}},
	)
	resp, err = llm.GenerateContent(ctx, msgs)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Choices[0].Content)
	last := srv.Requests()[1].Last()
	fmt.Println(last.Role, last.ToolCallID == call.ID)

	// Output:
	// detect_anomalies {"asset":"press-3"}
	// press-3 vibration is rising.
	// tool true
}
