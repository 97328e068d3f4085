"""The composition root: the one place that builds each function's object graph from
settings (stores, services, authenticator, route table). `functions/*/main.py` only read
settings, configure logging and call one of these; tests build the same graphs, or hand
`Api` fakes in place of the services.

One module per function, and nothing re-exported here, so a function imports only its
own graph: resolve must stay cheap to import (no admin models, no Google clients until the
first lookup).
"""
