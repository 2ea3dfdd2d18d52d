"""The catalog's source data: one TOML file per family (see ``../build.py``)."""
