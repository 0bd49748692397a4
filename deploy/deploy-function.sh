#!/usr/bin/env bash
# Deploys one function's image to Cloud Run with its service account and environment, then (for event-driven
# functions) creates or updates its Eventarc trigger and puts a dead-letter policy on the trigger's subscription.
# Usage: deploy/deploy-function.sh <Name> <service> <pubsub:<topic>|storage|http> <image>
set -euo pipefail
name=$1 service=$2 trigger=$3 image=$4
: "${PROJECT_ID:?}" "${REGION:?}" "${DATASET:?}" "${BIGQUERY_LOCATION:?}" "${BUCKET:?}" "${DEAD_LETTER_TOPIC:?}"
: "${MAX_DELIVERY_ATTEMPTS:?}" "${ALLOW_UNAUTHENTICATED:?}"
source deploy/lib.sh
account="fn-$service@$PROJECT_ID.iam.gserviceaccount.com"
invoker="eventarc-invoker@$PROJECT_ID.iam.gserviceaccount.com"

case "$trigger" in
  http) auth_flag=$([[ "$ALLOW_UNAUTHENTICATED" == "true" ]] && echo --allow-unauthenticated || echo --no-allow-unauthenticated)
        concurrency=80 timeout=30s max_instances=20 cpu=1 memory=512Mi cpu_throttling=--cpu-throttling ;;
  # Backfill loads objects in parallel on up to BACKFILL_MAX_INSTANCES instances, BACKFILL_CONCURRENCY deliveries each
  # (docs/backfill-concurrency.md): two deliveries of one object may run at once on different instances, and the
  # commit's claim and basis check keep each generation loaded exactly once (the loser decides again in-process).
  # Nothing in the function refuses a delivery for room; keep instances x concurrency above the largest burst, since
  # Cloud Run answers 429 to requests it cannot place within 60 s, and each 429 spends a delivery attempt. A load may
  # run up to the 60-minute maximum; CPU stays allocated outside requests (--no-cpu-throttling), so a load goes on
  # after Pub/Sub stopped waiting for it at the 600 s ack deadline.
  storage) auth_flag=--no-allow-unauthenticated concurrency=${BACKFILL_CONCURRENCY:-8} timeout=3600s
           max_instances=${BACKFILL_MAX_INSTANCES:-20} cpu=2 memory=2Gi cpu_throttling=--no-cpu-throttling ;;
  *) auth_flag=--no-allow-unauthenticated concurrency=80 timeout=60s max_instances=20 cpu=1 memory=512Mi cpu_throttling=--cpu-throttling ;;
esac

# `gcloud run deploy` creates or updates: idempotent.
propagated gcloud run deploy "$service" --image "$image" --region "$REGION" --project "$PROJECT_ID" \
  --service-account "$account" "$auth_flag" --concurrency "$concurrency" --timeout "$timeout" \
  --cpu "$cpu" --memory "$memory" "$cpu_throttling" --min-instances 0 --max-instances "$max_instances" \
  --set-env-vars "GOOGLE_CLOUD_PROJECT=$PROJECT_ID,BIGQUERY_DATASET=$DATASET,BIGQUERY_LOCATION=$BIGQUERY_LOCATION"

[[ "$trigger" == "http" ]] && exit 0

propagated gcloud run services add-iam-policy-binding "$service" --region "$REGION" --project "$PROJECT_ID" \
  --member "serviceAccount:$invoker" --role roles/run.invoker >/dev/null

trigger_name="$service-trigger"
# A trigger's event filters and transport topic cannot be changed in place (`gcloud eventarc triggers update` and the
# API's update mask take neither): a trigger on other filters or another topic than wanted is deleted and created
# again, so that a redeploy with another _INTERACTION_TOPIC, _CONTENT_TOPIC or _BUCKET moves it.
if [[ "$trigger" == "storage" ]]; then
  filters=(--event-filters "type=google.cloud.storage.object.v1.finalized" --event-filters "bucket=$BUCKET")
  wanted=$'bucket,'"$BUCKET"$'\ntype,google.cloud.storage.object.v1.finalized'
else
  topic="projects/$PROJECT_ID/topics/${trigger#pubsub:}"
  filters=(--event-filters "type=google.cloud.pubsub.topic.v1.messagePublished" --transport-topic "$topic")
  wanted="topic,$topic"$'\ntype,google.cloud.pubsub.topic.v1.messagePublished'
fi
# One line per filter ("attribute,value") and, for Pub/Sub triggers, the transport topic ("topic,projects/…").
if current=$(gcloud eventarc triggers describe "$trigger_name" --location "$REGION" --project "$PROJECT_ID" \
    --flatten eventFilters --format 'csv[no-heading](eventFilters.attribute,eventFilters.value,transport.pubsub.topic)' 2>/dev/null); then
  current=$(while IFS=, read -r attribute value transport_topic; do
      echo "$attribute,$value"
      if [[ "$trigger" != "storage" ]]; then echo "topic,$transport_topic"; fi
    done <<<"$current" | sort -u)
  if [[ "$current" != "$wanted" ]]; then
    echo "trigger $trigger_name: on ${current//$'\n'/ }, wanted ${wanted//$'\n'/ }: replacing it"
    gcloud eventarc triggers delete "$trigger_name" --location "$REGION" --project "$PROJECT_ID" --quiet
    current=""
  fi
fi
if [[ -n "$current" ]]; then
  gcloud eventarc triggers update "$trigger_name" --location "$REGION" --project "$PROJECT_ID" \
    --destination-run-service "$service" --destination-run-region "$REGION" --service-account "$invoker"
else
  # setup.sh creates the bucket in $REGION, so both kinds of trigger live there.
  gcloud eventarc triggers create "$trigger_name" --location "$REGION" --project "$PROJECT_ID" \
    --destination-run-service "$service" --destination-run-region "$REGION" --service-account "$invoker" "${filters[@]}"
fi

# Redelivery is bounded: after MAX_DELIVERY_ATTEMPTS a message goes to the dead-letter topic instead of looping.
# The ack deadline is the function's --timeout or more (60 s ingest, 600 s storage). An ingest function gives up on
# BigQuery after BIGQUERY_RETRY_BUDGET_SECONDS (default 8 s: every call, retry and resend of one delivery) and answers
# 5xx within it + 2 s, so Pub/Sub hears of a failure and redelivers long before the deadline; keep budget + 2 s < 60 s
# (docs/architecture.md, Retries).
subscription=$(gcloud eventarc triggers describe "$trigger_name" --location "$REGION" --project "$PROJECT_ID" \
  --format='value(transport.pubsub.subscription)' 2>/dev/null || true)
if [[ -n "$subscription" ]]; then
  project_number=$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')
  # The backfill's subscription: ack deadline 600 s (the maximum), retry backoff 10 s to 600 s, and more attempts
  # (BACKFILL_MAX_DELIVERY_ATTEMPTS, default 20): a 60-minute load is pushed about 6 times while it works.
  if [[ "$trigger" == "storage" ]]; then
    ack_deadline=600 attempts=${BACKFILL_MAX_DELIVERY_ATTEMPTS:-20}
  else
    ack_deadline=60 attempts=$MAX_DELIVERY_ATTEMPTS
  fi
  gcloud pubsub subscriptions update "$subscription" --project "$PROJECT_ID" \
    --dead-letter-topic "projects/$PROJECT_ID/topics/$DEAD_LETTER_TOPIC" --max-delivery-attempts "$attempts" \
    --ack-deadline "$ack_deadline" --min-retry-delay 10s --max-retry-delay 600s
  propagated gcloud pubsub subscriptions add-iam-policy-binding "$subscription" --project "$PROJECT_ID" \
    --member "serviceAccount:service-$project_number@gcp-sa-pubsub.iam.gserviceaccount.com" --role roles/pubsub.subscriber >/dev/null
fi
echo "deployed $name as $service ($trigger)"
