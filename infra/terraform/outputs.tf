output "resolve_url" {
  description = "Base URL of the resolve function (callers need run.invoker and an API key or ID token)."
  value       = google_cloudfunctions2_function.http["resolve"].service_config[0].uri
}

output "admin_url" {
  description = "Base URL of the admin API (/v1/...)."
  value       = google_cloudfunctions2_function.http["admin"].service_config[0].uri
}

output "langfuse_url" {
  description = "LANGFUSE_BASE_URL for the Langfuse SDKs (callers need run.invoker, an ID token in X-Serverless-Authorization, and a key pair)."
  value       = google_cloudfunctions2_function.http["langfuse"].service_config[0].uri
}

output "executions_topic" {
  value = google_pubsub_topic.executions.id
}

output "dead_letter_subscription" {
  description = "Pull from here to inspect and replay dead letters (docs/operations.md)."
  value       = google_pubsub_subscription.dead_letter_inspect.id
}

output "backup_bucket" {
  value = google_storage_bucket.backups.name
}
