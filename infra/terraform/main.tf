# One project, every resource of the prompt management system. README, "Deploy to GCP".

locals {
  executions_topic  = "prompt-executions"
  tick_topic        = "analytics-tick"
  dead_letter_topic = "prompt-executions-dead-letter"
  # Change events and webhooks (changes.tf); the defaults of shared/config.py.
  changes_topic             = "prompt-changes"
  changes_tick_topic        = "prompt-changes-tick"
  deliveries_topic          = "webhook-deliveries"
  webhook_dead_letter_topic = "webhook-deliveries-dead-letter"
  backup_bucket             = "${var.project_id}-prompt-backups" # cloudbuild.migrate-prompts.yaml's default
  auth_secret               = "prompt-auth-config"
  pseudonym_secret          = "prompt-pseudonymization-key"
}

resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

data "google_project" "this" {
  project_id = var.project_id
}
