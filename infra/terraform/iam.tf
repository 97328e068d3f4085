# Least privilege: each function's account holds only these project roles (a test checks
# every role granted anywhere against an allowed list), plus the resource-level grants below.
locals {
  function_project_roles = {
    resolve          = ["roles/datastore.viewer", "roles/logging.logWriter"] # reads only
    admin            = ["roles/datastore.user", "roles/logging.logWriter"]
    langfuse         = ["roles/datastore.user", "roles/logging.logWriter"] # creates versions, moves labels
    record_execution = ["roles/datastore.user", "roles/logging.logWriter"]
    rollup_analytics = ["roles/datastore.user", "roles/logging.logWriter"]
    deliver_webhooks = ["roles/datastore.user", "roles/logging.logWriter"] # delivery log
    drain_changes    = ["roles/datastore.user", "roles/logging.logWriter"] # removes outbox docs
  }
  function_role_pairs = {
    for pair in flatten([
      for fn, roles in local.function_project_roles : [for role in roles : { fn = fn, role = role }]
    ]) : "${pair.fn}:${pair.role}" => pair
  }
}

resource "google_project_iam_member" "function_roles" {
  for_each = local.function_role_pairs

  project = var.project_id
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.fn[each.value.fn].email}"
}

# resolve publishes execution reports, to that topic only.
resource "google_pubsub_topic_iam_member" "resolve_publishes_executions" {
  topic  = google_pubsub_topic.executions.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.fn["resolve"].email}"
}

# The credentials document (API key hashes, identities, roles): the HTTP functions read it.
resource "google_secret_manager_secret_iam_member" "auth_readers" {
  for_each = toset(["resolve", "admin", "langfuse"])

  secret_id = google_secret_manager_secret.auth.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn[each.value].email}"
}

# The HMAC key that pseudonymizes user ids: only resolve (POST /executions) reads it.
resource "google_secret_manager_secret_iam_member" "pseudonymization_reader" {
  secret_id = google_secret_manager_secret.pseudonymization.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn["resolve"].email}"
}
