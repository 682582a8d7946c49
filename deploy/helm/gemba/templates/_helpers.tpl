{{/* Chart name, truncated to the 63 characters Kubernetes allows in labels. */}}
{{- define "gemba.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: release-chart, or the release name when it already contains the chart name. */}}
{{- define "gemba.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart label value. */}}
{{- define "gemba.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the release's pods (server and migration Job). */}}
{{- define "gemba.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gemba.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Common labels on every resource. */}}
{{- define "gemba.labels" -}}
helm.sh/chart: {{ include "gemba.chart" . }}
{{ include "gemba.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gemba
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that select only the server pods (not the migration Job). */}}
{{- define "gemba.serverSelectorLabels" -}}
{{ include "gemba.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "gemba.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gemba.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference: repository@digest, or repository:tag (appVersion by default). */}}
{{- define "gemba.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Name of the Secret the chart creates for credentials given as values. */}}
{{- define "gemba.secretName" -}}
{{- include "gemba.fullname" . }}
{{- end }}

{{/* Whether GEMBA_MIGRATE_ON_START is true: the explicit value, else "no Job". */}}
{{- define "gemba.migrateOnStart" -}}
{{- if kindIs "invalid" .Values.migrations.onStart }}
{{- not .Values.migrations.job.enabled }}
{{- else }}
{{- .Values.migrations.onStart }}
{{- end }}
{{- end }}

{{/*
Secret-backed variables as a list of dicts {env, secret, key, optional}:
each comes from the user's existingSecret or from the chart's Secret when
its value is set. gemba.secretData renders the chart's Secret from the same
list, so the two never disagree.
*/}}
{{- define "gemba.secretEnv" -}}
{{- $own := include "gemba.secretName" . }}
{{- $v := .Values }}
{{- $out := list }}
{{- if $v.database.existingSecret }}
{{- $out = append $out (dict "env" "GEMBA_DATABASE_URL" "secret" $v.database.existingSecret "key" $v.database.existingSecretKey "optional" false) }}
{{- else if $v.database.url }}
{{- $out = append $out (dict "env" "GEMBA_DATABASE_URL" "secret" $own "key" "GEMBA_DATABASE_URL" "value" $v.database.url "optional" false) }}
{{- end }}
{{- if $v.slack.existingSecret }}
{{- $out = append $out (dict "env" "GEMBA_SLACK_BOT_TOKEN" "secret" $v.slack.existingSecret "key" $v.slack.existingSecretKeys.botToken "optional" true) }}
{{- $out = append $out (dict "env" "GEMBA_SLACK_APP_TOKEN" "secret" $v.slack.existingSecret "key" $v.slack.existingSecretKeys.appToken "optional" true) }}
{{- $out = append $out (dict "env" "GEMBA_SLACK_SIGNING_SECRET" "secret" $v.slack.existingSecret "key" $v.slack.existingSecretKeys.signingSecret "optional" true) }}
{{- else }}
{{- if $v.slack.botToken }}{{ $out = append $out (dict "env" "GEMBA_SLACK_BOT_TOKEN" "secret" $own "key" "GEMBA_SLACK_BOT_TOKEN" "value" $v.slack.botToken "optional" false) }}{{ end }}
{{- if $v.slack.appToken }}{{ $out = append $out (dict "env" "GEMBA_SLACK_APP_TOKEN" "secret" $own "key" "GEMBA_SLACK_APP_TOKEN" "value" $v.slack.appToken "optional" false) }}{{ end }}
{{- if $v.slack.signingSecret }}{{ $out = append $out (dict "env" "GEMBA_SLACK_SIGNING_SECRET" "secret" $own "key" "GEMBA_SLACK_SIGNING_SECRET" "value" $v.slack.signingSecret "optional" false) }}{{ end }}
{{- end }}
{{- if $v.llm.existingSecret }}
{{- $out = append $out (dict "env" "GEMBA_LLM_API_KEY" "secret" $v.llm.existingSecret "key" $v.llm.existingSecretKey "optional" true) }}
{{- else if $v.llm.apiKey }}
{{- $out = append $out (dict "env" "GEMBA_LLM_API_KEY" "secret" $own "key" "GEMBA_LLM_API_KEY" "value" $v.llm.apiKey "optional" false) }}
{{- end }}
{{- if $v.embed.existingSecret }}
{{- $out = append $out (dict "env" "GEMBA_EMBED_API_KEY" "secret" $v.embed.existingSecret "key" $v.embed.existingSecretKey "optional" true) }}
{{- else if $v.embed.apiKey }}
{{- $out = append $out (dict "env" "GEMBA_EMBED_API_KEY" "secret" $own "key" "GEMBA_EMBED_API_KEY" "value" $v.embed.apiKey "optional" false) }}
{{- end }}
{{- if $v.console.existingSecret }}
{{- $out = append $out (dict "env" "GEMBA_CONSOLE_TOKEN" "secret" $v.console.existingSecret "key" $v.console.existingSecretKey "optional" true) }}
{{- else if $v.console.token }}
{{- $out = append $out (dict "env" "GEMBA_CONSOLE_TOKEN" "secret" $own "key" "GEMBA_CONSOLE_TOKEN" "value" $v.console.token "optional" false) }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* Env entries for every secret-backed variable. */}}
{{- define "gemba.secretEnvVars" -}}
{{- range (include "gemba.secretEnv" . | fromJsonArray) }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret | quote }}
      key: {{ .key | quote }}
      optional: {{ .optional }}
{{- end }}
{{- end }}

{{/* The chart Secret's data: the entries with a value of their own. */}}
{{- define "gemba.secretData" -}}
{{- range (include "gemba.secretEnv" . | fromJsonArray) }}
{{- if hasKey . "value" }}
{{ .key }}: {{ .value | b64enc | quote }}
{{- end }}
{{- end }}
{{- end }}

