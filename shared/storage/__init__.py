"""Adapters to Google Cloud services: the Firestore stores (`firestore.py` is the one client
factory), Pub/Sub (`pubsub.py`) and Secret Manager (`secrets.py`).

The import rule: besides this package, only the composition root (`shared/bootstrap/`) and
the migrations operator CLI (`shared/migrations/`, which works on Firestore documents
directly) import `google.cloud`, `google.api_core` or `shared.storage`. The domain packages
and the HTTP layers declare the Protocols they need and are handed these adapters by
`shared.bootstrap` (`tests/unit/test_import_direction.py` enforces it). Google clients are
imported on first use, so importing a function module loads no gRPC.
"""
