"""The admin change log: who changed what, when, before and after."""
