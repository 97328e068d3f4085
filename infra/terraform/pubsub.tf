resource "google_pubsub_topic" "executions" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption is the default here; customer keys (CMEK) are an organisation-level decision this module leaves to its users.
  name                       = local.executions_topic
  message_retention_duration = "604800s" # 7 days: replay window after an outage
  labels                     = var.labels
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "analytics_tick" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption is the default here; customer keys (CMEK) are an organisation-level decision this module leaves to its users.
  name                       = local.tick_topic
  message_retention_duration = "86400s"
  labels                     = var.labels
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption is the default here; customer keys (CMEK) are an organisation-level decision this module leaves to its users.
  name                       = local.dead_letter_topic
  message_retention_duration = "2678400s" # 31 days to inspect and replay
  labels                     = var.labels
  depends_on                 = [google_project_service.apis]
}

# Push subscriptions deliver to the event functions (functions-framework turns a push whose
# path carries the topic into a CloudEvent, as locally). Our own subscriptions, rather than
# Eventarc triggers, because the retry policy, the delivery limit and the dead-letter topic
# are set here, in code, not patched on an Eventarc-managed subscription.
resource "google_pubsub_subscription" "record_execution" {
  name                       = "${local.executions_topic}-record"
  topic                      = google_pubsub_topic.executions.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  labels                     = var.labels

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.event["record_execution"].service_config[0].uri}/projects/${var.project_id}/topics/${local.executions_topic}"
    oidc_token {
      service_account_email = google_service_account.pusher.email
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 5
  }
}

resource "google_pubsub_subscription" "rollup_analytics" {
  name                 = "${local.tick_topic}-rollup"
  topic                = google_pubsub_topic.analytics_tick.id
  ack_deadline_seconds = 600
  labels               = var.labels

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.event["rollup_analytics"].service_config[0].uri}/projects/${var.project_id}/topics/${local.tick_topic}"
    oidc_token {
      service_account_email = google_service_account.pusher.email
    }
  }

  retry_policy {
    minimum_backoff = "30s"
    maximum_backoff = "600s"
  }

  # A tick is superseded by the next one five minutes later: no dead letter needed.
  expiration_policy {
    ttl = ""
  }
}

# Inspecting and replaying dead letters (docs/operations.md).
resource "google_pubsub_subscription" "dead_letter_inspect" {
  name                       = "${local.dead_letter_topic}-inspect"
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "2678400s"
  labels                     = var.labels

  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering is done by the Pub/Sub service agent: it must publish to the dead-letter
# topic and acknowledge on the source subscription.
locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  subscription = google_pubsub_subscription.record_execution.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# The push subscriptions sign their requests as this account, which may invoke the two
# event functions and nothing else.
resource "google_service_account" "pusher" {
  account_id   = "prompt-pubsub-pusher"
  display_name = "Pub/Sub push to the prompt event functions"
}

resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  service_account_id = google_service_account.pusher.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

resource "google_cloud_run_service_iam_member" "pusher_invokes_events" {
  for_each = toset(["record_execution", "rollup_analytics", "deliver_webhooks", "drain_changes"])

  location = var.region
  service  = google_cloudfunctions2_function.event[each.value].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.pusher.email}"
}
