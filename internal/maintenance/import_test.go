package maintenance

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gemba-ai/gemba/internal/csvmap"
)

func mapping(t *testing.T, yaml string) csvmap.File {
	t.Helper()
	f, err := csvmap.ParseFile([]byte(yaml), nil)
	require.NoError(t, err)
	return f
}

// TestParseErrorsNameTheLine: every problem of a file names its line (or
// the column the header lacks), and a file with any writes nothing.
func TestParseErrorsNameTheLine(t *testing.T) {
	t.Parallel()
	good := `
event:
  id: "{machineID}-{datetime}-{failure}"
  kind: failure
  asset: "machine-{machineID}"
  opened_at: "{datetime}"
  component: "{failure}"
document:
  id: "pdm-{machineID}-{datetime}-{failure}"
`
	in := "datetime,machineID,failure\n2015-01-05 06:00:00,1,comp4\n2015-03-06 06:00:00,1,comp1\n"
	p, err := Parse(strings.NewReader(in), ParseOptions{Mapping: mapping(t, good)})
	require.NoError(t, err)
	require.Len(t, p.Events, 2)
	require.Equal(t, "1-2015-01-05-06:00:00-comp4", p.Events[0].ID)
	require.Equal(t, KindFailure, p.Events[0].Kind)
	require.Equal(t, "pdm-1-2015-01-05-06:00:00-comp4", p.Events[0].DocumentID, "linked to the document the same row makes")

	tests := []struct{ name, mapping, in, want string }{
		{"missing column", strings.Replace(good, "{failure}\"\n  kind", "{fail}\"\n  kind", 1), in, `reads column "fail", which is not in the header (datetime, machineID, failure)`},
		{"bad date", good, "datetime,machineID,failure\nyesterday,1,comp4\n", `line 2: field "opened_at": "yesterday" is not a date`},
		{"duplicate id", strings.Replace(good, `"{machineID}-{datetime}-{failure}"`, `"{machineID}"`, 1), in, `line 3: the id "1" is also given by line 2`},
		{"empty asset", good, "datetime,machineID,failure\n2015-01-05 06:00:00,,comp4\n", `line 2: field "asset": is missing`},
		{"bad kind", strings.Replace(good, "kind: failure", "kind: party", 1), in, `field "kind": kind "party"`},
		{"no event section", "document:\n  id: a\n", in, "no event section"},
		{"unknown field", good + "event2: x\n", in, "unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := csvmap.ParseFile([]byte(tc.mapping), nil)
			if err == nil {
				_, err = Parse(strings.NewReader(tc.in), ParseOptions{Mapping: f})
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestParseMinutesAndValidate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"90": 90, "90 min": 90, "1.5 h": 90, "2h": 120} {
		got, err := ParseMinutes(in)
		require.NoError(t, err, in)
		require.Equal(t, want, *got, in)
	}
	_, err := ParseMinutes("lots")
	require.ErrorContains(t, err, "not a duration")
	require.Equal(t, "press", TypeOf("press-3"))
	require.Equal(t, "machine", TypeOf("machine-12"))
	e := Event{ID: "x y", Kind: KindFailure, Asset: "a"}
	require.ErrorContains(t, e.Validate(), `field "id"`)
}
