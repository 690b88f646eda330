{{/* Labels of everything the chart renders. */}}
{{- define "taskflow.labels" -}}
app.kubernetes.io/name: taskflow
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: taskflow
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "task-api"). */}}
{{- define "taskflow.selectorLabels" -}}
app.kubernetes.io/name: taskflow
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* All labels of one component. */}}
{{- define "taskflow.componentLabels" -}}
{{ include "taskflow.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "taskflow.serviceAccountName" -}}
{{- default "taskflow" .Values.serviceAccount.name }}
{{- end }}

{{/* Image of a service: (dict "root" $ "service" "task-api"). */}}
{{- define "taskflow.image" -}}
{{- $image := .root.Values.image -}}
{{- printf "%s%s%s:%s" $image.registry $image.namePrefix .service (default .root.Chart.AppVersion $image.tag) }}
{{- end }}

{{/* The name of the Dapr Configuration, read from the copied dapr/config.yaml. */}}
{{- define "taskflow.daprConfigName" -}}
{{- $config := fromYaml (.Files.Get "dapr/config.yaml") -}}
{{- required "charts/taskflow/dapr/config.yaml is missing or has no metadata.name (scripts/check-deploy.sh --sync-dapr)" $config.metadata.name }}
{{- end }}

{{/* A secretKeyRef env var: (dict "name" "DATABASE_URL" "secret" "taskflow-secrets" "key" "database-url"). */}}
{{- define "taskflow.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end }}

{{/*
Environment of a service container: (dict "root" $ "name" "task-api" "svc" <its values>).
Names are those of services/<name>/src/config.ts. USE_DAPR and ENVIRONMENT are the seed's: the
Dapr services need their sidecar; web reads ENVIRONMENT (local: dev sign-in), task-api and
reminder-worker too (local: webhooks may use http://).
*/}}
{{- define "taskflow.env" -}}
{{- $v := .root.Values -}}
- name: PORT
  value: {{ .svc.port | quote }}
- name: HOST
  value: 0.0.0.0
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
{{- if .svc.dapr }}
- name: DAPR_HTTP_PORT
  value: '3500'
- name: USE_DAPR
  value: 'true'
{{- end }}
- name: ENVIRONMENT
  value: {{ $v.environment | quote }}
{{- if .svc.database }}
{{ include "taskflow.secretEnv" (dict "name" "DATABASE_URL" "secret" $v.secret.name "key" $v.secret.keys.databaseUrl) }}
{{- end }}
{{- if .svc.email }}
- name: SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.secret.name }}
      key: {{ $v.secret.keys.smtpUrl }}
      optional: true
{{- end }}
{{- if and $v.dapr.apiTokenSecret .svc.dapr }}
{{ include "taskflow.secretEnv" (dict "name" "DAPR_API_TOKEN" "secret" $v.dapr.apiTokenSecret "key" "token") }}
{{- end }}
{{- if and $v.dapr.appTokenSecret .svc.dapr .svc.appToken }}
{{ include "taskflow.secretEnv" (dict "name" "APP_API_TOKEN" "secret" $v.dapr.appTokenSecret "key" "token") }}
{{- end }}
{{- if .svc.auth }}
{{- if and $v.auth.jwtSecretFromSecret $v.auth.jwksUrl }}
{{- fail "auth: set exactly one of auth.jwtSecretFromSecret or auth.jwksUrl" }}
{{- end }}
{{- if $v.auth.jwtSecretFromSecret }}
{{ include "taskflow.secretEnv" (dict "name" "AUTH_JWT_SECRET" "secret" $v.secret.name "key" $v.secret.keys.authJwtSecret) }}
{{- else if $v.auth.jwksUrl }}
- name: AUTH_JWKS_URL
  value: {{ $v.auth.jwksUrl | quote }}
{{- else }}
{{- fail "auth: set auth.jwtSecretFromSecret: true or auth.jwksUrl" }}
{{- end }}
{{- with $v.auth.issuer }}
- name: AUTH_ISSUER
  value: {{ . | quote }}
{{- end }}
{{- with $v.auth.audience }}
- name: AUTH_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if .svc.devSignIn }}
{{- if ne $v.environment "local" }}
{{- fail (printf "services.%s.devSignIn needs environment: local (dev sign-in issues tokens for any user)" .name) }}
{{- end }}
{{ include "taskflow.secretEnv" (dict "name" "AUTH_JWT_SECRET" "secret" $v.secret.name "key" $v.secret.keys.authJwtSecret) }}
{{- end }}
{{- range $key, $value := .svc.env }}
- name: {{ $key }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* Dapr sidecar annotations of a service: (dict "root" $ "name" "task-api" "svc" <its values>). */}}
{{- define "taskflow.daprAnnotations" -}}
{{- $d := .root.Values.dapr -}}
dapr.io/enabled: 'true'
dapr.io/app-id: {{ .name | quote }}
dapr.io/app-port: {{ .svc.port | quote }}
dapr.io/app-protocol: {{ $d.appProtocol | quote }}
dapr.io/config: {{ include "taskflow.daprConfigName" .root | quote }}
dapr.io/log-level: {{ $d.logLevel | quote }}
dapr.io/log-as-json: {{ $d.logAsJson | toString | quote }}
dapr.io/enable-api-logging: {{ $d.enableApiLogging | toString | quote }}
dapr.io/enable-metrics: 'true'
dapr.io/metrics-port: {{ $d.metricsPort | quote }}
{{- with $d.sidecar.cpuRequest }}
dapr.io/sidecar-cpu-request: {{ . | quote }}
{{- end }}
{{- with $d.sidecar.cpuLimit }}
dapr.io/sidecar-cpu-limit: {{ . | quote }}
{{- end }}
{{- with $d.sidecar.memoryRequest }}
dapr.io/sidecar-memory-request: {{ . | quote }}
{{- end }}
{{- with $d.sidecar.memoryLimit }}
dapr.io/sidecar-memory-limit: {{ . | quote }}
{{- end }}
{{- with $d.apiTokenSecret }}
dapr.io/api-token-secret: {{ . | quote }}
{{- end }}
{{- with $d.appTokenSecret }}
dapr.io/app-token-secret: {{ . | quote }}
{{- end }}
{{- end }}
