#!/usr/bin/env bash
# Creates what is missing, idempotently: Artifact Registry repository, topics (and the dead-letter topic), the dump
# bucket, the BigQuery dataset and tables, one service account per function and their least-privilege roles.
# Every step is create-if-missing or an additive IAM binding, so re-running is safe.
set -euo pipefail
: "${PROJECT_ID:?}" "${REGION:?}" "${REPOSITORY:?}" "${DATASET:?}" "${BIGQUERY_LOCATION:?}" "${BUCKET:?}"
: "${INTERACTION_TOPIC:?}" "${CONTENT_TOPIC:?}" "${DEAD_LETTER_TOPIC:?}"

source deploy/lib.sh
project_number=$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')
exists() { "$@" >/dev/null 2>&1; }

gcloud services enable run.googleapis.com eventarc.googleapis.com pubsub.googleapis.com bigquery.googleapis.com \
  storage.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com --project "$PROJECT_ID"

exists gcloud artifacts repositories describe "$REPOSITORY" --location "$REGION" --project "$PROJECT_ID" ||
  propagated gcloud artifacts repositories create "$REPOSITORY" --repository-format docker --location "$REGION" --project "$PROJECT_ID"

for topic in "$INTERACTION_TOPIC" "$CONTENT_TOPIC" "$DEAD_LETTER_TOPIC"; do
  exists gcloud pubsub topics describe "$topic" --project "$PROJECT_ID" || propagated gcloud pubsub topics create "$topic" --project "$PROJECT_ID"
done

# Pub/Sub drops what reaches a topic nobody subscribes to: the dead letters are held here for a week.
exists gcloud pubsub subscriptions describe "$DEAD_LETTER_TOPIC-hold" --project "$PROJECT_ID" ||
  propagated gcloud pubsub subscriptions create "$DEAD_LETTER_TOPIC-hold" --topic "$DEAD_LETTER_TOPIC" --message-retention-duration 7d --project "$PROJECT_ID"

exists gcloud storage buckets describe "gs://$BUCKET" --project "$PROJECT_ID" ||
  propagated gcloud storage buckets create "gs://$BUCKET" --location "$REGION" --uniform-bucket-level-access --project "$PROJECT_ID"

exists bq --project_id "$PROJECT_ID" show --dataset "$PROJECT_ID:$DATASET" ||
  propagated bq --project_id "$PROJECT_ID" mk --location "$BIGQUERY_LOCATION" --dataset "$PROJECT_ID:$DATASET"
bq --project_id "$PROJECT_ID" query --use_legacy_sql=false --dataset_id "$PROJECT_ID:$DATASET" < deploy/bigquery.sql

# One service account per function, and one for Eventarc to invoke the event-driven ones.
while IFS='|' read -r _ service _; do
  [[ -z "$service" || "$service" == \#* ]] && continue
  account="fn-$service"
  exists gcloud iam service-accounts describe "$account@$PROJECT_ID.iam.gserviceaccount.com" --project "$PROJECT_ID" ||
    propagated gcloud iam service-accounts create "$account" --display-name "user-content pipeline: $service" --project "$PROJECT_ID"
done < <(grep -v '^#' deploy/functions.env)
exists gcloud iam service-accounts describe "eventarc-invoker@$PROJECT_ID.iam.gserviceaccount.com" --project "$PROJECT_ID" ||
  propagated gcloud iam service-accounts create eventarc-invoker --display-name "user-content pipeline: Eventarc invoker" --project "$PROJECT_ID"

bash deploy/iam.sh
echo "setup: done (project $PROJECT_ID, number $project_number)"
