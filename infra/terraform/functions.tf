# Every function in functions/, built from one archive of the repository root (so shared/
# travels with it), named by its content hash: a code change uploads a new object and
# redeploys every function; no change, no redeploy.

data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/../.."
  output_path = "${path.module}/.build/source.zip"
  excludes = [
    ".git", ".venv", ".venv-bench", ".venv-infra", ".local", ".pytest_cache", ".ruff_cache",
    "tests", "docs", "infra/terraform", "infra/terraform/.terraform", "infra/terraform/.build",
  ]
}

resource "google_storage_bucket" "sources" {
  name                        = "${var.project_id}-prompt-function-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = var.labels

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 3
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # checkov:skip=CKV_GCP_62:Access logs of a build-artifact bucket add cost and no audit value; Cloud Audit Logs already record who changed it.
}

resource "google_storage_bucket_object" "source" {
  name   = "source-${data.archive_file.source.output_sha256}.zip"
  bucket = google_storage_bucket.sources.name
  source = data.archive_file.source.output_path
}

locals {
  secret_version = {
    auth      = "${google_secret_manager_secret.auth.id}/versions/latest"
    pseudonym = "${google_secret_manager_secret.pseudonymization.id}/versions/latest"
  }

  # What every function's Settings need in production (shared/config.py refuses to start
  # without them).
  common_env = {
    ENVIRONMENT          = "production"
    GOOGLE_CLOUD_PROJECT = var.project_id
    FIRESTORE_DATABASE   = google_firestore_database.default.name
    AUTH_CONFIG_SECRET   = local.secret_version.auth
    LOG_LEVEL            = "INFO"
  }
  # Set only when given: an empty AUTH_AUDIENCE is refused at start-up; unset means API keys
  # only (ID tokens need an audience, e.g. the function URL once it exists).
  audience_env = var.auth_audience == "" ? tomap({}) : tomap({ AUTH_AUDIENCE = var.auth_audience })

  functions = {
    resolve = {
      trigger     = "http"
      topic       = null
      memory      = "1Gi" # the toxic-content classifier (scikit-learn) loads on first render
      cpu         = "1"
      timeout     = 30
      min         = var.resolve_min_instances
      max         = var.resolve_max_instances
      concurrency = 80
      env = tomap({
        EXECUTIONS_TOPIC            = local.executions_topic
        PSEUDONYMIZATION_KEY_SECRET = local.secret_version.pseudonym
      })
    }
    admin = {
      trigger     = "http"
      topic       = null
      memory      = "512Mi"
      cpu         = "1"
      timeout     = 60
      min         = 0
      max         = 5
      concurrency = 20
      env = merge(
        tomap({
          CHANGES_TOPIC            = local.changes_topic
          WEBHOOK_DELIVERIES_TOPIC = local.deliveries_topic
        }),
        # Behind IAP only: its signed header then authenticates the console's users.
        var.admin_iap_audience == "" ? tomap({}) : tomap({ IAP_AUDIENCE = var.admin_iap_audience }),
      )
    }
    # The Langfuse-compatible prompt API: reads like resolve (same cache and fallbacks),
    # writes like admin (same repository and audit log).
    langfuse = {
      trigger     = "http"
      topic       = null
      memory      = "512Mi"
      cpu         = "1"
      timeout     = 60
      min         = 0
      max         = var.langfuse_max_instances
      concurrency = 80
      env         = tomap({})
    }
    record_execution = {
      trigger     = "pubsub"
      topic       = local.executions_topic
      memory      = "1Gi"
      cpu         = "1"
      timeout     = 60
      min         = 0
      max         = var.event_max_instances
      concurrency = 32
      env = tomap({
        EXECUTION_RETENTION_DAYS = tostring(var.execution_retention_days)
        EXECUTION_BODY_POLICY    = var.execution_body_policy
      })
    }
    rollup_analytics = {
      trigger     = "pubsub"
      topic       = local.tick_topic
      memory      = "1Gi"
      cpu         = "1"
      timeout     = 540
      min         = 0
      max         = 1 # one recompute at a time; overlapping ticks would only repeat work
      concurrency = 1
      env = tomap({
        EXECUTION_RETENTION_DAYS = tostring(var.execution_retention_days)
      })
    }
    # Its primary trigger is the changes topic; a second push subscription brings it the
    # per-subscription delivery tasks (changes.tf).
    deliver_webhooks = {
      trigger     = "pubsub"
      topic       = local.changes_topic
      memory      = "512Mi"
      cpu         = "1"
      timeout     = 60
      min         = 0
      max         = var.event_max_instances
      concurrency = 32 # deliveries wait on receivers (I/O), at most WEBHOOK_TIMEOUT_SECONDS each
      env = tomap({
        CHANGES_TOPIC             = local.changes_topic
        WEBHOOK_DELIVERIES_TOPIC  = local.deliveries_topic
        WEBHOOK_DEAD_LETTER_TOPIC = local.webhook_dead_letter_topic
        WEBHOOK_MAX_ATTEMPTS      = tostring(var.webhook_max_attempts)
      })
    }
    drain_changes = {
      trigger     = "pubsub"
      topic       = local.changes_tick_topic
      memory      = "256Mi"
      cpu         = "1"
      timeout     = 60
      min         = 0
      max         = 1 # one drain at a time; claims make overlap harmless but useless
      concurrency = 1
      env = tomap({
        CHANGES_TOPIC = local.changes_topic
      })
    }
  }
}

resource "google_service_account" "fn" {
  for_each     = local.functions
  account_id   = "prompt-fn-${replace(each.key, "_", "-")}"
  display_name = "Prompt management: the ${each.key} function"
}

resource "google_cloudfunctions2_function" "http" {
  for_each = { for name, fn in local.functions : name => fn if fn.trigger == "http" }

  # checkov:skip=CKV_GCP_124:resolve, admin and langfuse are called by services and admins outside any VPC; every request needs run.invoker (IAM, listed members only) and then an API key or Google ID token checked by the function.

  name     = replace(each.key, "_", "-")
  location = var.region
  labels   = var.labels

  build_config {
    runtime     = "python311"
    entry_point = each.key
    environment_variables = {
      GOOGLE_FUNCTION_SOURCE = "functions/${each.key}/main.py"
    }
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    min_instance_count               = each.value.min
    max_instance_count               = each.value.max
    available_memory                 = each.value.memory
    available_cpu                    = each.value.cpu
    timeout_seconds                  = each.value.timeout
    max_instance_request_concurrency = each.value.concurrency
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.fn[each.key].email
    environment_variables            = merge(local.common_env, local.audience_env, each.value.env)
  }

  depends_on = [google_project_service.apis, google_firestore_database.default]
}

resource "google_cloudfunctions2_function" "event" {
  for_each = { for name, fn in local.functions : name => fn if fn.trigger == "pubsub" }

  name     = replace(each.key, "_", "-")
  location = var.region
  labels   = var.labels

  build_config {
    runtime     = "python311"
    entry_point = each.key
    environment_variables = {
      GOOGLE_FUNCTION_SOURCE = "functions/${each.key}/main.py"
    }
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    min_instance_count               = each.value.min
    max_instance_count               = each.value.max
    available_memory                 = each.value.memory
    available_cpu                    = each.value.cpu
    timeout_seconds                  = each.value.timeout
    max_instance_request_concurrency = each.value.concurrency
    ingress_settings                 = "ALLOW_INTERNAL_ONLY" # Pub/Sub push in the same project is internal
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.fn[each.key].email
    environment_variables            = merge(local.common_env, local.audience_env, each.value.env)
  }

  depends_on = [google_project_service.apis, google_firestore_database.default]
}

# Invokers: listed members only. Nothing here ever grants allUsers (a variable validation
# and a test refuse it).
resource "google_cloud_run_service_iam_member" "resolve_invokers" {
  for_each = toset(var.resolve_invokers)

  location = var.region
  service  = google_cloudfunctions2_function.http["resolve"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_cloud_run_service_iam_member" "admin_invokers" {
  for_each = toset(var.admin_invokers)

  location = var.region
  service  = google_cloudfunctions2_function.http["admin"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_cloud_run_service_iam_member" "langfuse_invokers" {
  for_each = toset(var.langfuse_invokers)

  location = var.region
  service  = google_cloudfunctions2_function.http["langfuse"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

locals {
  function_services = merge(
    { for name, fn in google_cloudfunctions2_function.http : name => fn.service_config[0] },
    { for name, fn in google_cloudfunctions2_function.event : name => fn.service_config[0] },
  )
}
