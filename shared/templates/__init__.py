"""Templates: the model, bundled defaults, environment override, resolution and `get_template`."""
