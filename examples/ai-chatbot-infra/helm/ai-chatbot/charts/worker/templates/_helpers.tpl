{{/*
Names and labels of the worker component. Objects are named <release>-worker (the release is
the Argo CD Application's name, e.g. ai-chatbot-dev), so the parent chart's ingress can address the
Service as {{ $.Release.Name }}-<serviceName>.
*/}}
{{- define "worker.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: stable for the life of the Deployment (a selector is immutable). */}}
{{- define "worker.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels carried by every object of this component. */}}
{{- define "worker.labels" -}}
{{ include "worker.selectorLabels" . }}
app.kubernetes.io/part-of: ai-chatbot
app.kubernetes.io/component: {{ .Chart.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | toString | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
