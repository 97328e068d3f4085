# Optional (enable_bigquery, default off): every execution event also lands in BigQuery
# through a BigQuery subscription on the executions topic. The event schema is flat for
# this. Note: these are the events as reported, before record_execution's redaction; turn
# this on only where the reporters already send redacted text or none (README).

resource "google_bigquery_dataset" "executions" {
  count = var.enable_bigquery ? 1 : 0

  dataset_id                 = "prompt_executions"
  location                   = var.firestore_location == "eur3" ? "EU" : "US"
  delete_contents_on_destroy = false
  labels                     = var.labels

  # checkov:skip=CKV_GCP_81:Google-managed encryption is the project default; a CMEK key ring is a separate, organisation-level decision.
}

resource "google_bigquery_table" "executions" {
  count = var.enable_bigquery ? 1 : 0

  dataset_id          = google_bigquery_dataset.executions[0].dataset_id
  table_id            = "executions"
  deletion_protection = true
  labels              = var.labels

  time_partitioning {
    type                     = "DAY"
    field                    = "finished_at"
    expiration_ms            = var.execution_retention_days * 86400000
  }

  schema = jsonencode([
    { name = "schema_version", type = "INTEGER", mode = "REQUIRED" },
    { name = "execution_id", type = "STRING", mode = "REQUIRED" },
    { name = "template", type = "STRING", mode = "REQUIRED" },
    { name = "version", type = "INTEGER", mode = "NULLABLE" },
    { name = "label", type = "STRING", mode = "NULLABLE" },
    { name = "source", type = "STRING", mode = "NULLABLE" },
    { name = "experiment_id", type = "STRING", mode = "NULLABLE" },
    { name = "variant", type = "STRING", mode = "NULLABLE" },
    { name = "user_key", type = "STRING", mode = "NULLABLE" },
    { name = "model", type = "STRING", mode = "NULLABLE" },
    { name = "rendered_prompt", type = "STRING", mode = "NULLABLE" },
    { name = "response", type = "STRING", mode = "NULLABLE" },
    { name = "input_tokens", type = "INTEGER", mode = "NULLABLE" },
    { name = "output_tokens", type = "INTEGER", mode = "NULLABLE" },
    { name = "cost_usd", type = "NUMERIC", mode = "NULLABLE" },
    { name = "latency_ms", type = "FLOAT", mode = "REQUIRED" },
    { name = "success", type = "BOOLEAN", mode = "REQUIRED" },
    { name = "error_class", type = "STRING", mode = "NULLABLE" },
    { name = "error_message", type = "STRING", mode = "NULLABLE" },
    { name = "started_at", type = "TIMESTAMP", mode = "NULLABLE" },
    { name = "finished_at", type = "TIMESTAMP", mode = "REQUIRED" },
  ])

  # checkov:skip=CKV_GCP_80:Google-managed encryption is the project default; a CMEK key ring is a separate, organisation-level decision.
}

resource "google_bigquery_dataset_iam_member" "pubsub_writes" {
  count = var.enable_bigquery ? 1 : 0

  dataset_id = google_bigquery_dataset.executions[0].dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = local.pubsub_agent
}

resource "google_pubsub_subscription" "executions_to_bigquery" {
  count = var.enable_bigquery ? 1 : 0

  name   = "${local.executions_topic}-bigquery"
  topic  = google_pubsub_topic.executions.id
  labels = var.labels

  bigquery_config {
    table               = "${var.project_id}.${google_bigquery_dataset.executions[0].dataset_id}.${google_bigquery_table.executions[0].table_id}"
    use_table_schema    = true
    drop_unknown_fields = true
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 5
  }

  depends_on = [google_bigquery_dataset_iam_member.pubsub_writes]
}
