// Command yamlcheck verifies rendered Kubernetes manifests, as printed by
// `helm template`: every document must parse as YAML (duplicate keys are
// errors) and name its apiVersion, kind and metadata.name, no two documents
// may share a kind and name, and the kinds named by -expect must be present
// and those named by -forbid absent. deploy/check.sh pipes each value set's
// rendering through it.
//
//	helm template gemba deploy/helm/gemba -f values.yaml | go run ./deploy/yamlcheck -expect Deployment,Service
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

func main() {
	expect := flag.String("expect", "", "comma-separated kinds that must be rendered")
	forbid := flag.String("forbid", "", "comma-separated kinds that must not be rendered")
	flag.Parse()
	counts, err := check(os.Stdin, splitKinds(*expect), splitKinds(*forbid))
	if err != nil {
		fmt.Fprintln(os.Stderr, "yamlcheck:", err)
		os.Exit(1)
	}
	fmt.Println("yamlcheck: ok:", summary(counts))
}

// manifest is the part of a Kubernetes object every document must have.
type manifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
}

// check reads a stream of YAML documents and returns how many of each kind
// it holds, or every problem found.
func check(r io.Reader, expect, forbid []string) (map[string]int, error) {
	dec := yaml.NewDecoder(r)
	counts := map[string]int{}
	seen := map[string]int{}
	var problems []string
	for i := 1; ; i++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The decoder cannot resynchronise after a syntax error.
			problems = append(problems, fmt.Sprintf("document %d: %v", i, err))
			break
		}
		if len(node.Content) == 0 || node.Content[0].Tag == "!!null" {
			continue // an empty document, e.g. a template rendered to nothing
		}
		var m manifest
		if err := node.Decode(&m); err != nil {
			problems = append(problems, fmt.Sprintf("document %d: not a Kubernetes object: %v", i, err))
			continue
		}
		var missing []string
		if m.APIVersion == "" {
			missing = append(missing, "apiVersion")
		}
		if m.Kind == "" {
			missing = append(missing, "kind")
		}
		if m.Metadata.Name == "" {
			missing = append(missing, "metadata.name")
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("document %d (%s %q): missing %s", i, m.Kind, m.Metadata.Name, strings.Join(missing, ", ")))
			continue
		}
		id := m.Kind + "/" + m.Metadata.Name
		if first, ok := seen[id]; ok {
			problems = append(problems, fmt.Sprintf("document %d: %s already defined by document %d", i, id, first))
		}
		seen[id] = i
		counts[m.Kind]++
	}
	if len(counts) == 0 && len(problems) == 0 {
		problems = append(problems, "no documents")
	}
	for _, k := range expect {
		if counts[k] == 0 {
			problems = append(problems, fmt.Sprintf("expected a %s, found none", k))
		}
	}
	for _, k := range forbid {
		if counts[k] > 0 {
			problems = append(problems, fmt.Sprintf("found %d %s, expected none", counts[k], k))
		}
	}
	if len(problems) > 0 {
		return counts, errors.New(strings.Join(problems, "; "))
	}
	return counts, nil
}

// splitKinds parses "A, B,C" into its kinds.
func splitKinds(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// summary lists the counts as "Kind=N" in name order.
func summary(counts map[string]int) string {
	kinds := make([]string, 0, len(counts))
	n := 0
	for k, c := range counts {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, c))
		n += c
	}
	sort.Strings(kinds)
	return fmt.Sprintf("%d documents (%s)", n, strings.Join(kinds, " "))
}
