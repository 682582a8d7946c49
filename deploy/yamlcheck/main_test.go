package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	const good = `---
# Source: a.yaml
apiVersion: v1
kind: Service
metadata:
  name: gemba
---
# Source: empty.yaml
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gemba
`
	cases := []struct {
		name    string
		in      string
		expect  []string
		forbid  []string
		counts  map[string]int
		wantErr string
	}{
		{name: "valid stream", in: good, expect: []string{"Deployment"}, forbid: []string{"Ingress"},
			counts: map[string]int{"Service": 1, "Deployment": 1}},
		{name: "syntax error", in: "apiVersion: v1\nkind: [Service\n", wantErr: "document 1"},
		{name: "duplicate key", in: "apiVersion: v1\nkind: Service\nkind: Secret\nmetadata: {name: a}\n", wantErr: "already defined"},
		{name: "missing kind and name", in: "apiVersion: v1\nmetadata: {}\n", wantErr: "missing kind, metadata.name"},
		{name: "not a mapping", in: "- a\n- b\n", wantErr: "not a Kubernetes object"},
		{name: "same object twice", in: good + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: gemba\n", wantErr: "Service/gemba already defined by document 1"},
		{name: "expected kind absent", in: good, expect: []string{"Job"}, wantErr: "expected a Job, found none"},
		{name: "forbidden kind present", in: good, forbid: []string{"Service"}, wantErr: "found 1 Service, expected none"},
		{name: "nothing at all", in: "---\n", wantErr: "no documents"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			counts, err := check(strings.NewReader(tc.in), tc.expect, tc.forbid)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.counts, counts)
		})
	}
}

func TestSplitKindsAndSummary(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"Deployment", "Job"}, splitKinds(" Deployment,, Job ,"))
	require.Empty(t, splitKinds(""))
	require.Equal(t, "3 documents (Job=1 Service=2)", summary(map[string]int{"Service": 2, "Job": 1}))
}
