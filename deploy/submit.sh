#!/usr/bin/env bash
# The deploy command: submits cloudbuild.yaml to Cloud Build, waits for the build, then shows its log and fails
# unless the build succeeded. Arguments go to `gcloud builds submit` (e.g. --substitutions=_REGION=europe-west1).
# Why not plain `gcloud builds submit`: the build logs to Cloud Logging only (options.logging: CLOUD_LOGGING_ONLY,
# no logs bucket to keep), and `gcloud builds submit` streams only a Cloud Storage log, printing none for this build;
# `gcloud builds log <id>` reads the build's entries from Cloud Logging.
set -euo pipefail
build=$(gcloud builds submit --config cloudbuild.yaml --async --format 'value(id)' "$@")
echo "build $build submitted; waiting for it to finish"
while status=$(gcloud builds describe "$build" --format 'value(status)'); [[ "$status" == QUEUED || "$status" == WORKING || "$status" == PENDING ]]; do
  sleep 15
done
gcloud builds log "$build"
echo "build $build: $status"
[[ "$status" == SUCCESS ]]
