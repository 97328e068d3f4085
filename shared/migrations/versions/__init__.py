"""The migrations, applied in file-name order: `mNNNN_name.py` has id `NNNN_name`.

Once applied anywhere, a migration file is immutable (its checksum is recorded): change
data with a new migration. Every `up` and `down` must be idempotent and honour `ctx.dry_run`.
"""
