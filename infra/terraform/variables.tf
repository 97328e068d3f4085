variable "project_id" {
  description = "The GCP project everything is created in."
  type        = string
}

variable "region" {
  description = "Region of the functions, Firestore, Pub/Sub-adjacent resources and the scheduler."
  type        = string
  default     = "europe-west1"
}

variable "firestore_location" {
  description = "Firestore location (a region or a multi-region such as eur3 / nam5)."
  type        = string
  default     = "eur3"
}

variable "resolve_invokers" {
  description = "Members allowed to call the resolve function (services that run prompts), e.g. serviceAccount:api@proj.iam.gserviceaccount.com. Never allUsers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.resolve_invokers : !contains(["allUsers", "allAuthenticatedUsers"], m)])
    error_message = "The resolve function is never public: list service accounts, groups or users."
  }
}

variable "admin_invokers" {
  description = "Members allowed to call the admin function (people and CI), e.g. group:prompt-admins@example.com. Never allUsers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.admin_invokers : !contains(["allUsers", "allAuthenticatedUsers"], m)])
    error_message = "The admin function is never public: list service accounts, groups or users."
  }
}

variable "langfuse_invokers" {
  description = "Members allowed to call the Langfuse-compatible function (services using a Langfuse SDK; they send their ID token in X-Serverless-Authorization). Never allUsers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.langfuse_invokers : !contains(["allUsers", "allAuthenticatedUsers"], m)])
    error_message = "The Langfuse-compatible function is never public: list service accounts, groups or users."
  }
}

variable "langfuse_max_instances" {
  description = "Most instances of the Langfuse-compatible function."
  type        = number
  default     = 10
}

variable "auth_audience" {
  description = "Audience Google ID tokens must carry (AUTH_AUDIENCE), e.g. the resolve URL after the first apply; empty: API keys only."
  type        = string
  default     = ""
}

variable "admin_iap_audience" {
  description = "Set when Identity-Aware Proxy fronts the admin function (IAP_AUDIENCE): the IAP resource's signed-header JWT audience, /projects/NUMBER/... (e.g. /projects/NUMBER/global/backendServices/ID behind a load balancer). Empty: IAP's header is ignored. IAP itself is set up outside this module (docs/console.md)."
  type        = string
  default     = ""
  validation {
    condition     = var.admin_iap_audience == "" || can(regex("^/projects/[0-9]+/\\S+$", var.admin_iap_audience))
    error_message = "admin_iap_audience must be an IAP resource path starting /projects/NUMBER/."
  }
}

variable "execution_retention_days" {
  description = "Days an execution record is kept (EXECUTION_RETENTION_DAYS; the TTL policy deletes it after)."
  type        = number
  default     = 90
}

variable "execution_body_policy" {
  description = "What is stored of prompts and responses: redact, hash or drop."
  type        = string
  default     = "redact"

  validation {
    condition     = contains(["redact", "hash", "drop"], var.execution_body_policy)
    error_message = "execution_body_policy is redact, hash or drop."
  }
}

variable "rollup_schedule" {
  description = "Cron schedule of the analytics tick (Cloud Scheduler)."
  type        = string
  default     = "*/5 * * * *"
}

variable "backup_retention_days" {
  description = "Days Firestore exports stay in the backup bucket."
  type        = number
  default     = 30
}

variable "resolve_min_instances" {
  description = "Warm resolve instances (cold starts cost the first render ~1 s for the toxic classifier)."
  type        = number
  default     = 1
}

variable "resolve_max_instances" {
  type    = number
  default = 50
}

variable "event_max_instances" {
  description = "Upper bound of record_execution instances (Firestore write rate and cost guard)."
  type        = number
  default     = 20
}

variable "migration_branch" {
  description = "Branch whose pushes touching migrations run the Cloud Build migration trigger."
  type        = string
  default     = "^main$"
}

variable "github_owner" {
  description = "GitHub owner of the repository connected to Cloud Build."
  type        = string
}

variable "github_repository" {
  description = "GitHub repository name connected to Cloud Build."
  type        = string
}

variable "enable_bigquery" {
  description = "Also stream executions into BigQuery through a Pub/Sub BigQuery subscription."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels on every resource that takes them."
  type        = map(string)
  default     = { app = "prompt-management" }
}

variable "webhook_max_attempts" {
  description = "Attempts per webhook delivery before it is dead-lettered (WEBHOOK_MAX_ATTEMPTS)."
  type        = number
  default     = 5
  validation {
    condition     = var.webhook_max_attempts >= 1 && var.webhook_max_attempts <= 8
    error_message = "webhook_max_attempts must be 1..8 (the subscriptions' Pub/Sub backstop allows 10)."
  }
}
