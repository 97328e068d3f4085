"""HTTP plumbing shared by every HTTP function: one error mapping, strict parsing, JSON out."""
