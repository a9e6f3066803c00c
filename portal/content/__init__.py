"""Content library: collateral and training videos, their files, targeting, share pages and
the points an advocate earns on first use. Also owns the generic file storage (`storage.py`)
and the one HTML sanitizer (`sanitize.py`)."""
