{{/*
Labels carried by every object the parent chart renders itself (the subcharts carry their own,
with the same part-of and instance values). The instance label equals the release name, which is
the Argo CD Application's name (ai-chatbot-dev, ...), the label Argo CD tracks resources by.
*/}}
{{- define "ai-chatbot.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: ai-chatbot
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
Where MongoDB is: the external one when externalMongo.enabled (the maintenance scenario of the
strategy document), else the in-cluster subchart's Service. Rendering fails when neither is on,
since the backend and worker would have no database.
*/}}
{{- define "ai-chatbot.mongodbHost" -}}
{{- if .Values.externalMongo.enabled -}}
{{- required "externalMongo.host is required when externalMongo.enabled is true" .Values.externalMongo.host -}}
{{- else if .Values.mongodb.enabled -}}
{{- printf "%s-mongodb" .Release.Name -}}
{{- else -}}
{{- fail "no database: set mongodb.enabled or externalMongo.enabled to true" -}}
{{- end -}}
{{- end -}}

{{- define "ai-chatbot.mongodbPort" -}}
{{- if .Values.externalMongo.enabled -}}
{{- .Values.externalMongo.port | default 27017 -}}
{{- else -}}
27017
{{- end -}}
{{- end -}}
