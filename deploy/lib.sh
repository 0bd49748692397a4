#!/usr/bin/env bash
# Sourced by deploy/*.sh. Google documents delays before a change is seen everywhere: an IAM grant takes effect in
# up to about 7 minutes, a service account just created may not be usable yet ("Service account ... does not exist"),
# an API just enabled may still answer 403 SERVICE_DISABLED. `propagated` runs a command and, only when it fails with
# one of those answers, runs it again after 5 s, 10 s, 20 s, ... (at most 60 s apart) for at most
# DEPLOY_PROPAGATION_SECONDS (default 480) in all; any other failure, or the budget spent, fails at once with the
# command's own message.
propagated() {
  local budget=${DEPLOY_PROPAGATION_SECONDS:-480} delay=${DEPLOY_PROPAGATION_DELAY_SECONDS:-5} waited=0 errors status
  errors=$(mktemp)
  while true; do
    if "$@" 2>"$errors"; then
      cat "$errors" >&2
      rm -f "$errors"
      return 0
    else
      status=$?
    fi
    if ! grep -Eq 'Service account .* does not exist|SERVICE_DISABLED|has not been used in project .* before or it is disabled' "$errors" ||
       (( waited + delay > budget )); then
      cat "$errors" >&2
      (( waited > 0 )) && echo "deploy: gave up after ${waited}s waiting for Google to propagate a change: $*" >&2
      rm -f "$errors"
      return "$status"
    fi
    echo "deploy: not propagated yet ($(grep -Eo 'Service account [^ ]+ does not exist|SERVICE_DISABLED|has not been used in project [^ ]+' "$errors" | head -1)); retrying in ${delay}s: $1 $2 $3" >&2
    sleep "$delay"
    (( waited += delay ))
    (( delay = delay * 2 > 60 ? 60 : delay * 2 ))
  done
}
