#!/usr/bin/env bash
# The deploy command: submits cloudbuild.yaml to Cloud Build, shows the build's log while it runs, and fails unless
# the build succeeded. Arguments go to `gcloud builds submit` (e.g. --substitutions=_REGION=europe-west1).
# Why not plain `gcloud builds submit`: the build logs to Cloud Logging only (options.logging: CLOUD_LOGGING_ONLY,
# no logs bucket to keep), and `gcloud builds submit` streams only a Cloud Storage log, printing none for this build;
# `gcloud builds log <id>` reads the build's entries from Cloud Logging.
set -euo pipefail
build=$(gcloud builds submit --config cloudbuild.yaml --async --format 'value(id)' "$@")
echo "build $build submitted; its log follows as Cloud Logging receives it (every ${DEPLOY_LOG_POLL_SECONDS:-15} s)"
# While the build runs, print the lines of its log not yet shown; once it ended, the rest.
shown=0
while true; do
  status=$(gcloud builds describe "$build" --format 'value(status)')
  log=$(gcloud builds log "$build" 2>/dev/null || true)
  if [[ -n "$log" ]]; then
    lines=$(wc -l <<<"$log")
    (( lines > shown )) && tail -n "+$((shown + 1))" <<<"$log"
    shown=$lines
  fi
  [[ "$status" == QUEUED || "$status" == WORKING || "$status" == PENDING ]] || break
  sleep "${DEPLOY_LOG_POLL_SECONDS:-15}"
done
echo "build $build: $status"
[[ "$status" == SUCCESS ]]
