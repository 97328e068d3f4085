# Change events and signed webhooks (docs/webhooks.md; infra/local/changes.py wires the same
# locally):
#
#   prompt-changes       --push--> deliver_webhooks  (fan-out: one task per subscription)
#   webhook-deliveries   --push--> deliver_webhooks  (one signed attempt; a failure is
#                                                     redelivered with exponential backoff)
#   prompt-changes-tick  --push--> drain_changes     (Cloud Scheduler, every minute: the
#                                                     outbox safety net)
#   webhook-deliveries-dead-letter (+ an inspect pull subscription)
#
# deliver_webhooks dead-letters a delivery itself after WEBHOOK_MAX_ATTEMPTS; Pub/Sub's own
# dead-letter policy (10 deliveries) is the backstop for a function that keeps crashing.

resource "google_pubsub_topic" "changes" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption is the default here; customer keys (CMEK) are an organisation-level decision this module leaves to its users.
  name                       = local.changes_topic
  message_retention_duration = "604800s" # 7 days: consumers may replay after an outage
  labels                     = var.labels
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "changes_tick" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption is the default here; customer keys (CMEK) are an organisation-level decision this module leaves to its users.
  name                       = local.changes_tick_topic
  message_retention_duration = "86400s"
  labels                     = var.labels
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "webhook_deliveries" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption is the default here; customer keys (CMEK) are an organisation-level decision this module leaves to its users.
  name                       = local.deliveries_topic
  message_retention_duration = "604800s"
  labels                     = var.labels
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_topic" "webhook_dead_letter" {
  # checkov:skip=CKV_GCP_83:Google-managed encryption is the default here; customer keys (CMEK) are an organisation-level decision this module leaves to its users.
  name                       = local.webhook_dead_letter_topic
  message_retention_duration = "2678400s" # 31 days to inspect and redeliver
  labels                     = var.labels
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_subscription" "deliver_webhooks_changes" {
  name                       = "${local.changes_topic}-webhooks"
  topic                      = google_pubsub_topic.changes.id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  labels                     = var.labels

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.event["deliver_webhooks"].service_config[0].uri}/projects/${var.project_id}/topics/${local.changes_topic}"
    oidc_token {
      service_account_email = google_service_account.pusher.email
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.webhook_dead_letter.id
    max_delivery_attempts = 10
  }
}

resource "google_pubsub_subscription" "deliver_webhooks_tasks" {
  name                       = "${local.deliveries_topic}-deliver"
  topic                      = google_pubsub_topic.webhook_deliveries.id
  ack_deadline_seconds       = 60 # above WEBHOOK_TIMEOUT_SECONDS plus the log writes
  message_retention_duration = "604800s"
  labels                     = var.labels

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.event["deliver_webhooks"].service_config[0].uri}/projects/${var.project_id}/topics/${local.deliveries_topic}"
    oidc_token {
      service_account_email = google_service_account.pusher.email
    }
  }

  # The per-subscription exponential backoff of webhook retries: 10 s doubling up to 10 min.
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.webhook_dead_letter.id
    max_delivery_attempts = 10
  }
}

resource "google_pubsub_subscription" "drain_changes" {
  name                 = "${local.changes_tick_topic}-drain"
  topic                = google_pubsub_topic.changes_tick.id
  ack_deadline_seconds = 60
  labels               = var.labels

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.event["drain_changes"].service_config[0].uri}/projects/${var.project_id}/topics/${local.changes_tick_topic}"
    oidc_token {
      service_account_email = google_service_account.pusher.email
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "60s"
  }

  # A tick is superseded by the next one a minute later: no dead letter needed.
  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "webhook_dead_letter_inspect" {
  name                       = "${local.webhook_dead_letter_topic}-inspect"
  topic                      = google_pubsub_topic.webhook_dead_letter.id
  message_retention_duration = "2678400s"
  labels                     = var.labels

  expiration_policy {
    ttl = ""
  }
}

resource "google_cloud_scheduler_job" "changes_tick" {
  name        = "prompt-changes-tick"
  region      = var.region
  description = "Drain the change outbox (drain_changes): events an admin instance could not publish."
  schedule    = "* * * * *"
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.changes_tick.id
    data       = base64encode("{}")
  }

  depends_on = [google_project_service.apis]
}

# Pub/Sub's dead-lettering (the backstop) publishes as its service agent.
resource "google_pubsub_topic_iam_member" "webhook_dead_letter_agent" {
  topic  = google_pubsub_topic.webhook_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "webhook_dead_letter_agent" {
  for_each = {
    changes = google_pubsub_subscription.deliver_webhooks_changes.id
    tasks   = google_pubsub_subscription.deliver_webhooks_tasks.id
  }

  subscription = each.value
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Who publishes where: the admin (drain after its writes; redeliver tasks), the scheduled
# drain, and the delivery function (fan-out tasks, its own dead letters). Nothing else.
locals {
  change_publishers = {
    "admin:changes"                = { topic = google_pubsub_topic.changes.id, fn = "admin" }
    "admin:deliveries"             = { topic = google_pubsub_topic.webhook_deliveries.id, fn = "admin" }
    "drain_changes:changes"        = { topic = google_pubsub_topic.changes.id, fn = "drain_changes" }
    "deliver_webhooks:deliveries"  = { topic = google_pubsub_topic.webhook_deliveries.id, fn = "deliver_webhooks" }
    "deliver_webhooks:dead_letter" = { topic = google_pubsub_topic.webhook_dead_letter.id, fn = "deliver_webhooks" }
  }
}

resource "google_pubsub_topic_iam_member" "change_publishers" {
  for_each = local.change_publishers

  topic  = each.value.topic
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.fn[each.value.fn].email}"
}
