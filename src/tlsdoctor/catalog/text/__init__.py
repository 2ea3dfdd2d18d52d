"""The catalog's prose, one JSON file per family, written by ``build.py``."""
