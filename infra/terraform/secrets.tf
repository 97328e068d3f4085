# The secrets exist here; their values never do (no secret in Terraform state). Add them
# with gcloud (README, "Deploy to GCP"):
#   python -m shared.auth new-key ... -> gcloud secrets versions add prompt-auth-config --data-file=credentials.json
#   head -c 32 /dev/urandom | base64 | gcloud secrets versions add prompt-pseudonymization-key --data-file=-

resource "google_secret_manager_secret" "auth" {
  secret_id = local.auth_secret
  labels    = var.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret" "pseudonymization" {
  secret_id = local.pseudonym_secret
  labels    = var.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}
