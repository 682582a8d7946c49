package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// object is the part of a rendered Kubernetes object the chart check reads:
// a ConfigMap's data, or a Deployment's or Job's pod template.
type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	SecurityContext *securityContext `yaml:"securityContext"`
	Containers      []container      `yaml:"containers"`
	InitContainers  []container      `yaml:"initContainers"`
	Volumes         []volume         `yaml:"volumes"`
}

type securityContext struct {
	RunAsUser                *int64 `yaml:"runAsUser"`
	RunAsGroup               *int64 `yaml:"runAsGroup"`
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Capabilities             *struct {
		Drop []string `yaml:"drop"`
		Add  []string `yaml:"add"`
	} `yaml:"capabilities"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
		Protocol      string `yaml:"protocol"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom any    `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	SecurityContext *securityContext `yaml:"securityContext"`
	StartupProbe    *probe           `yaml:"startupProbe"`
	LivenessProbe   *probe           `yaml:"livenessProbe"`
	ReadinessProbe  *probe           `yaml:"readinessProbe"`
	VolumeMounts    []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string      `yaml:"path"`
		Port intOrString `yaml:"port"`
	} `yaml:"httpGet"`
}

type volume struct {
	Name     string `yaml:"name"`
	EmptyDir any    `yaml:"emptyDir"`
}

// intOrString is a Kubernetes port: a number or a port name.
type intOrString struct {
	Name string
	Num  int
}

// UnmarshalYAML reads a number or a name.
func (v *intOrString) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("port: want a number or a name")
	}
	if i, err := strconv.Atoi(n.Value); err == nil && n.Tag != "!!str" {
		v.Num = i
		return nil
	}
	v.Name = n.Value
	return nil
}

// workload roles: the Deployment serves, the (hook) Job migrates.
var roles = map[string]string{"Deployment": "server", "Job": "job"}

func runChart(args []string, stdin io.Reader, stdout io.Writer) error {
	fl := flag.NewFlagSet("chart", flag.ContinueOnError)
	factsPath := fl.String("facts", "", "the facts `imagecheck image` wrote")
	image := fl.String("image", "", "the image name the chart was rendered with")
	planPath := fl.String("plan", "", "write the run plan to this file")
	if err := fl.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *factsPath == "" || *image == "" || *planPath == "" {
		return usageError{"chart: -facts, -image and -plan are required"}
	}
	raw, err := os.ReadFile(*factsPath)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	var f facts
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("chart: parse %s: %w", *factsPath, err)
	}
	objs, err := decodeObjects(stdin)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	plan, report, err := checkChart(objs, f, *image)
	for _, line := range report {
		fmt.Fprintln(stdout, "imagecheck: ok:", line)
	}
	if err != nil {
		return fmt.Errorf("chart: \n%w", err)
	}
	return os.WriteFile(*planPath, []byte(strings.Join(plan, "\n")+"\n"), 0o600)
}

func decodeObjects(r io.Reader) ([]object, error) {
	dec := yaml.NewDecoder(r)
	var objs []object
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("rendered YAML document %d: %w", len(objs)+1, err)
		}
		if o.Kind != "" {
			objs = append(objs, o)
		}
	}
}

// checkChart compares every Deployment's and Job's pod spec with the image
// and returns the run plan: lines "ROLE KEY VALUE" with ROLE server (the
// Deployment) or job (the migration Job) and KEY one of args, user,
// writable, probe, workdir, env.
func checkChart(objs []object, f facts, image string) (plan, report []string, err error) {
	var p problems
	configMaps := map[string]map[string]string{}
	for _, o := range objs {
		if o.Kind == "ConfigMap" {
			configMaps[o.Metadata.Name] = o.Data
		}
	}
	seen := map[string]int{}
	for _, o := range objs {
		role, ok := roles[o.Kind]
		if !ok {
			continue
		}
		seen[role]++
		if seen[role] > 1 {
			p.addf("more than one %s rendered; the check knows one of each", o.Kind)
			continue
		}
		pod := o.Spec.Template.Spec
		where := o.Kind + "/" + o.Metadata.Name
		if len(pod.Containers) != 1 || len(pod.InitContainers) > 0 {
			p.addf("%s: %d containers and %d init containers, want exactly one container running the image", where, len(pod.Containers), len(pod.InitContainers))
			continue
		}
		lines, rep := checkContainer(&p, where, role, pod, pod.Containers[0], f, image, configMaps)
		plan = append(plan, lines...)
		report = append(report, rep)
	}
	for _, role := range []string{"server", "job"} {
		if seen[role] == 0 {
			p.addf("the rendering has no %s workload (render with a database URL so the migration Job appears)", role)
		}
	}
	return plan, report, p.err()
}

// checkContainer checks one pod's container against the image and returns
// its plan lines and a report line.
func checkContainer(p *problems, where, role string, pod podSpec, c container, f facts, image string, configMaps map[string]map[string]string) ([]string, string) {
	where += " container " + c.Name
	add := func(key, value string) string { return role + " " + key + " " + value }
	var plan []string

	if c.Image != image {
		p.addf("%s: image %q, want the built image %q", where, c.Image, image)
	}
	if len(c.Command) > 0 && !slices.Equal(c.Command, f.Entrypoint) {
		p.addf("%s: command %q replaces the image's entrypoint %q", where, c.Command, f.Entrypoint)
	}
	args := c.Args
	if len(args) == 0 && len(c.Command) == 0 {
		args = f.Cmd
	}
	if len(args) == 0 {
		p.addf("%s: no arguments: gemba would print its help and exit", where)
	}
	plan = append(plan, add("args", strings.Join(args, " ")))

	// Security context: container fields win over the pod's.
	psc, csc := pod.SecurityContext, c.SecurityContext
	if psc == nil {
		psc = &securityContext{}
	}
	if csc == nil {
		csc = &securityContext{}
	}
	uid, gid := f.UID, f.GID
	uidSet := false
	for _, v := range []*int64{psc.RunAsUser, csc.RunAsUser} {
		if v != nil {
			uid, uidSet = *v, true
		}
	}
	for _, v := range []*int64{psc.RunAsGroup, csc.RunAsGroup} {
		if v != nil {
			gid = *v
		}
	}
	if uid != f.UID || gid != f.GID {
		p.addf("%s: runs as %d:%d but the image's user is %d:%d (%s); its home and files belong to that user", where, uid, gid, f.UID, f.GID, f.User)
	}
	if uid == 0 {
		p.addf("%s: runs as root", where)
	}
	nonRoot := false
	for _, v := range []*bool{psc.RunAsNonRoot, csc.RunAsNonRoot} {
		if v != nil {
			nonRoot = *v
		}
	}
	if !nonRoot {
		p.addf("%s: runAsNonRoot is not set (the restricted Pod Security Standard requires it)", where)
	} else if !uidSet && !f.Numeric {
		p.addf("%s: runAsNonRoot with the image's non-numeric USER %q and no runAsUser: the kubelet cannot verify it and refuses to start the pod", where, f.User)
	}
	if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
		p.addf("%s: readOnlyRootFilesystem is not true", where)
	}
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		p.addf("%s: allowPrivilegeEscalation is not false", where)
	}
	if csc.Capabilities == nil || !slices.Contains(csc.Capabilities.Drop, "ALL") || len(csc.Capabilities.Add) > 0 {
		p.addf("%s: capabilities must drop ALL and add none", where)
	}
	plan = append(plan, add("user", fmt.Sprintf("%d %d", uid, gid)))

	// Volumes: the only places the binary may write on a read-only root.
	vols := map[string]volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	var writable []string
	for _, m := range c.VolumeMounts {
		v, ok := vols[m.Name]
		switch {
		case !ok:
			p.addf("%s: mounts volume %q, which the pod does not define", where, m.Name)
		case m.ReadOnly || v.EmptyDir == nil:
			// Read-only or not scratch space (a Secret, a ConfigMap): not for writing.
		default:
			writable = append(writable, m.MountPath)
			plan = append(plan, add("writable", m.MountPath))
		}
	}

	// Ports and probes, for the serving container.
	if role == "server" {
		ports := map[string]int{}
		found := false
		for _, port := range c.Ports {
			ports[port.Name] = port.ContainerPort
			if port.ContainerPort == f.Port {
				found = true
			}
		}
		if !found {
			p.addf("%s: no containerPort %d, the port the image listens on", where, f.Port)
		}
		for _, pr := range []struct {
			kind string
			p    *probe
		}{{"startup", c.StartupProbe}, {"liveness", c.LivenessProbe}, {"readiness", c.ReadinessProbe}} {
			if pr.p == nil || pr.p.HTTPGet == nil {
				p.addf("%s: no HTTP %s probe", where, pr.kind)
				continue
			}
			port := pr.p.HTTPGet.Port.Num
			if pr.p.HTTPGet.Port.Name != "" {
				n, ok := ports[pr.p.HTTPGet.Port.Name]
				if !ok {
					p.addf("%s: %s probe names port %q, which the container does not declare", where, pr.kind, pr.p.HTTPGet.Port.Name)
					continue
				}
				port = n
			}
			if port != f.Port {
				p.addf("%s: %s probe on port %d, but gemba listens on %d", where, pr.kind, port, f.Port)
			}
			plan = append(plan, add("probe", pr.kind+" "+pr.p.HTTPGet.Path))
		}
	}

	// Environment, in the order a container runtime applies it: HOME from
	// the image's user, the image's ENV, then the pod's ConfigMap variables
	// and literal values (secrets are not in the rendering; the check
	// brings its own database URL).
	wd := f.WorkingDir
	if wd == "" {
		wd = "/"
	}
	plan = append(plan, add("workdir", wd))
	if f.Home != "" {
		plan = append(plan, add("env", "HOME="+f.Home))
	}
	for _, kv := range f.Env {
		plan = append(plan, add("env", kv))
	}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			continue
		}
		data, ok := configMaps[ef.ConfigMapRef.Name]
		if !ok {
			p.addf("%s: envFrom names ConfigMap %q, which the chart does not render", where, ef.ConfigMapRef.Name)
			continue
		}
		for _, k := range keys(data) {
			plan = append(plan, add("env", k+"="+data[k]))
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			plan = append(plan, add("env", e.Name+"="+e.Value))
		}
	}
	return plan, fmt.Sprintf("%s: image %s, uid %d gid %d non-root, read-only root, writable only %v, args %q",
		where, c.Image, uid, gid, writable, args)
}
