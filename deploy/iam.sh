#!/usr/bin/env bash
# Least privilege, additive and idempotent (add-iam-policy-binding does nothing when the binding exists):
#   ingest-interaction, ingest-content: BigQuery data editor on the dataset (insertAll needs no jobs)
#   user-content:                       BigQuery data viewer on the dataset + job user on the project (queries)
#   backfill-csv:                       BigQuery data editor on the dataset + job user (load jobs, the load script)
#                                       + object viewer on the dump bucket
#   eventarc-invoker:                   Eventarc event receiver on the project; run.invoker on the three event-driven
#                                       services is granted by deploy-function.sh once each service exists
#   Cloud Storage's service agent:      Pub/Sub publisher (storage triggers); Pub/Sub's service agent: token creator
#                                       (push auth), publisher on the dead-letter topic
set -euo pipefail
: "${PROJECT_ID:?}" "${DATASET:?}" "${BUCKET:?}" "${DEAD_LETTER_TOPIC:?}"
source deploy/lib.sh
sa() { echo "serviceAccount:$1@$PROJECT_ID.iam.gserviceaccount.com"; }
dataset_role() { propagated bq --project_id "$PROJECT_ID" add-iam-policy-binding --member="$1" --role="$2" "$PROJECT_ID:$DATASET" >/dev/null; }
project_role() { propagated gcloud projects add-iam-policy-binding "$PROJECT_ID" --member="$1" --role="$2" --condition=None >/dev/null; }

dataset_role "$(sa fn-ingest-interaction)" roles/bigquery.dataEditor
dataset_role "$(sa fn-ingest-content)" roles/bigquery.dataEditor
dataset_role "$(sa fn-user-content)" roles/bigquery.dataViewer
project_role "$(sa fn-user-content)" roles/bigquery.jobUser
dataset_role "$(sa fn-backfill-csv)" roles/bigquery.dataEditor
project_role "$(sa fn-backfill-csv)" roles/bigquery.jobUser
propagated gcloud storage buckets add-iam-policy-binding "gs://$BUCKET" --member="$(sa fn-backfill-csv)" --role=roles/storage.objectViewer >/dev/null

project_role "$(sa eventarc-invoker)" roles/eventarc.eventReceiver
project_number=$(gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')
storage_agent=$(gcloud storage service-agent --project "$PROJECT_ID")
project_role "serviceAccount:$storage_agent" roles/pubsub.publisher
pubsub_agent="serviceAccount:service-$project_number@gcp-sa-pubsub.iam.gserviceaccount.com"
project_role "$pubsub_agent" roles/iam.serviceAccountTokenCreator
propagated gcloud pubsub topics add-iam-policy-binding "$DEAD_LETTER_TOPIC" --member="$pubsub_agent" --role=roles/pubsub.publisher --project "$PROJECT_ID" >/dev/null
echo "iam: done"
