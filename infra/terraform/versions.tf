# Providers pinned to a minor series; commit the .terraform.lock.hcl that `terraform init`
# writes (it cannot be generated here: no terraform binary, no registry access).
terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.14"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 6.14"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.6"
    }
  }

  # Remote state in GCS (README, "Deploy to GCP"):
  #   terraform init -backend-config="bucket=<state bucket>" -backend-config="prefix=prompt-management"
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}
