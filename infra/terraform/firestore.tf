resource "google_firestore_database" "default" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "PESSIMISTIC"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  deletion_policy                   = "ABANDON"

  depends_on = [google_project_service.apis]
}

locals {
  # The one list of composite indexes and field overrides, also read by the tests that
  # check every query the code makes against it.
  firestore_spec = jsondecode(file("${path.module}/../../firestore.indexes.json"))
  firestore_indexes = {
    for index in local.firestore_spec.indexes :
    "${index.collectionGroup}:${join(",", [for f in index.fields : "${f.fieldPath}:${lookup(f, "order", lookup(f, "arrayConfig", ""))}"])}" => index
  }
  ttl_fields = {
    for override in lookup(local.firestore_spec, "fieldOverrides", []) :
    "${override.collectionGroup}.${override.fieldPath}" => override
    if lookup(override, "ttl", false)
  }
}

resource "google_firestore_index" "composite" {
  for_each = local.firestore_indexes

  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = each.value.collectionGroup
  query_scope = lookup(each.value, "queryScope", "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = lookup(fields.value, "order", null)
      array_config = lookup(fields.value, "arrayConfig", null)
    }
  }
}

# TTL policies (executions.expire_at): Firestore deletes documents once that time passed.
resource "google_firestore_field" "ttl" {
  for_each = local.ttl_fields

  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  ttl_config {}

  # An empty index_config drops this field's single-field indexes: expire_at is never
  # queried, and an indexed, steadily increasing timestamp would hotspot on writes.
  index_config {}
}
