# The analytics tick, Firestore export backups, and the migration job.

resource "google_cloud_scheduler_job" "analytics_tick" {
  name        = "prompt-analytics-tick"
  region      = var.region
  description = "Recompute hourly rollups and experiment summaries (rollup_analytics)."
  schedule    = var.rollup_schedule
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.analytics_tick.id
    data       = base64encode("{}") # {} is the scheduled pass; {"from","to"} recomputes a range
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket" "backups" {
  name                        = local.backup_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = var.labels

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = var.backup_retention_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 7
    }
    action {
      type = "Delete"
    }
  }

  # checkov:skip=CKV_GCP_62:Exports are written by the Firestore service agent and read by operators; Cloud Audit Logs (data access) record that, separate access logs add nothing.
}

# The migration job (cloudbuild.migrate-prompts.yaml): its own account, which that file
# names as prompt-migrator@PROJECT.
resource "google_service_account" "migrator" {
  account_id   = "prompt-migrator"
  display_name = "Prompt management: Cloud Build migrations"
}

resource "google_project_iam_member" "migrator_roles" {
  for_each = toset([
    "roles/datastore.user",              # apply migrations, write the _migrations record
    "roles/datastore.importExportAdmin", # the managed export before migrating
    "roles/logging.logWriter",           # CLOUD_LOGGING_ONLY builds
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.migrator.email}"
}

resource "google_storage_bucket_iam_member" "migrator_backups" {
  bucket = google_storage_bucket.backups.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.migrator.email}"
}

# The export itself is written by Firestore's service agent.
resource "google_storage_bucket_iam_member" "firestore_agent_backups" {
  bucket = google_storage_bucket.backups.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-firestore.iam.gserviceaccount.com"
}

resource "google_cloudbuild_trigger" "migrate" {
  name            = "migrate-prompts"
  description     = "Plan, back up, migrate and verify Firestore (cloudbuild.migrate-prompts.yaml)."
  filename        = "cloudbuild.migrate-prompts.yaml"
  service_account = google_service_account.migrator.id
  included_files  = ["shared/migrations/**", "cloudbuild.migrate-prompts.yaml"]

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = var.migration_branch
    }
  }

  substitutions = {
    _BACKUP_BUCKET = google_storage_bucket.backups.name
    _DRY_RUN       = "false"
    _ACTION        = "up"
  }

  depends_on = [google_project_iam_member.migrator_roles]
}
