{{- /*
  The Spark interpreter's properties, as a YAML map of strings (callers use fromYaml): client
  mode against this cluster, executors from the spark-executor pod template with the shares
  mounted at the interpreter's paths, dynamic allocation with shuffle tracking. The launcher
  adds what only it knows (driver pod name, host and ports, namespace).
*/}}
{{- define "zeppelin.spark.properties" -}}
{{- $spark := .Values.spark }}
{{- $props := dict
      "spark.master" "k8s://https://kubernetes.default.svc"
      "spark.submit.deployMode" "client"
      "spark.driver.cores" (toString $spark.driver.cores)
      "spark.driver.memory" (toString $spark.driver.memory)
      "spark.executor.cores" (toString $spark.executor.cores)
      "spark.executor.memory" (toString $spark.executor.memory)
      "spark.kubernetes.container.image" (include "zeppelin.image.spark" .)
      "spark.kubernetes.container.image.pullPolicy" .Values.images.spark.pullPolicy
      "spark.kubernetes.executor.podTemplateFile" (include "zeppelin.spark.podTemplateFile" .)
      "spark.kubernetes.executor.podTemplateContainerName" $spark.executorPodTemplate.containerName
      "spark.kubernetes.executor.deleteOnTermination" "true"
      "spark.kubernetes.driver.ownPersistentVolumeClaim" "false"
      "spark.kubernetes.driver.reusePersistentVolumeClaim" "false"
      "zeppelin.k8s.spark.container.image" (include "zeppelin.image.spark" .)
      "zeppelin.k8s.interpreter.serviceAccount" .Values.interpreter.serviceAccountName
      "zeppelin.interpreter.connect.timeout" (include "zeppelin.ms" .Values.interpreter.connectTimeoutSeconds)
      "zeppelin.spark.useHiveContext" "false" }}
{{- with $spark.executor.memoryOverhead }}
{{- $_ := set $props "spark.executor.memoryOverhead" (toString .) }}
{{- end }}
{{- $dyn := $spark.dynamicAllocation }}
{{- $_ := set $props "spark.dynamicAllocation.enabled" (toString $dyn.enabled) }}
{{- if $dyn.enabled }}
{{- $_ := set $props "spark.dynamicAllocation.shuffleTracking.enabled" "true" }}
{{- $_ := set $props "spark.dynamicAllocation.minExecutors" (toString $dyn.minExecutors) }}
{{- $_ := set $props "spark.dynamicAllocation.initialExecutors" (toString $dyn.initialExecutors) }}
{{- $_ := set $props "spark.dynamicAllocation.maxExecutors" (toString $dyn.maxExecutors) }}
{{- $_ := set $props "spark.dynamicAllocation.executorIdleTimeout" $dyn.executorIdleTimeout }}
{{- with $dyn.shuffleTrackingTimeout }}
{{- $_ := set $props "spark.dynamicAllocation.shuffleTracking.timeout" . }}
{{- end }}
{{- end }}
{{- if eq $spark.executorShareMounts "sparkProperties" }}
{{- range .Values.shares }}
{{- $prefix := printf "spark.kubernetes.executor.volumes.persistentVolumeClaim.%s" (include "zeppelin.shareVolume" .) }}
{{- $_ := set $props (printf "%s.mount.path" $prefix) .mountPath }}
{{- $_ := set $props (printf "%s.mount.readOnly" $prefix) (toString .readOnly) }}
{{- $_ := set $props (printf "%s.options.claimName" $prefix) .claimName }}
{{- with .subPath }}
{{- $_ := set $props (printf "%s.mount.subPath" $prefix) . }}
{{- end }}
{{- end }}
{{- end }}
{{- range $key, $value := $spark.properties }}
{{- $_ := set $props $key (toString $value) }}
{{- end }}
{{- if not (include "zeppelin.sparkConfFromProperties" .) }}
{{- /*
  0.9 and 0.10 pass only SPARK_SUBMIT_OPTIONS (an environment property) to spark-submit, so the
  spark.* settings go there too; the launcher appends its own (master, deploy mode, image,
  driver pod name, host, ports) after these.
*/}}
{{- $launcherOwned := list "spark.master" "spark.submit.deployMode" "spark.kubernetes.container.image" }}
{{- $options := list }}
{{- range $key := keys $props | sortAlpha }}
{{- if and (hasPrefix "spark." $key) (not (has $key $launcherOwned)) }}
{{- $options = append $options (printf "--conf %s=%s" $key (get $props $key)) }}
{{- end }}
{{- end }}
{{- $_ := set $props "SPARK_SUBMIT_OPTIONS" (join " " $options) }}
{{- end }}
{{- toYaml $props }}
{{- end }}

{{- /* Where interpreter pods find the executor pod template. */}}
{{- define "zeppelin.spark.podTemplateFile" -}}
{{- printf "/etc/spark-executor/%s" .Values.spark.executorPodTemplate.key }}
{{- end }}

{{- /*
  Zeppelin's interpreter.json with the platform's Spark setting: its properties and the
  interpreter binding. Settings for other interpreters come from the image's defaults.
*/}}
{{- define "zeppelin.interpreterSettings" -}}
{{- $properties := dict }}
{{- range $key, $value := include "zeppelin.spark.properties" . | fromYaml }}
{{- $_ := set $properties $key (dict "name" $key "value" $value "type" "string") }}
{{- end }}
{{- $option := dict
      "remote" true
      "port" -1
      "perNote" .Values.interpreter.binding.perNote
      "perUser" .Values.interpreter.binding.perUser
      "isExistingProcess" false
      "setPermission" false
      "owners" (list)
      "isUserImpersonate" false }}
{{- $spark := dict
      "id" "spark"
      "name" "spark"
      "group" "spark"
      "properties" $properties
      "status" "READY"
      "dependencies" (list)
      "option" $option }}
{{- dict "interpreterSettings" (dict "spark" $spark) | toPrettyJson }}
{{- end }}
