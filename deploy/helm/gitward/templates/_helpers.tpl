{{/* Names and labels shared by every object of the chart. */}}

{{- define "gitward.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gitward.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gitward.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gitward.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gitward.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "gitward.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gitward
{{- end -}}

{{- define "gitward.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gitward.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "gitward.secretName" -}}
{{- default (include "gitward.fullname" .) .Values.secret.existingSecret -}}
{{- end -}}

{{- define "gitward.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Whether the files ConfigMap has anything to hold. */}}
{{- define "gitward.hasFiles" -}}
{{- if or .Values.files.settings .Values.files.rbacPolicy .Values.files.notifications .Values.files.bootstrap -}}true{{- end -}}
{{- end -}}

{{/* The verbs gitward's controller sends (gitward.kube.remote): read, apply (PATCH), create,
replace (PUT), patch and delete. */}}
{{- define "gitward.writeVerbs" -}}
[create, update, patch, delete]
{{- end -}}
{{- define "gitward.readVerbs" -}}
[get, list, watch]
{{- end -}}
