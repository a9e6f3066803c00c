"""Stored files, for every domain: the storage behind a small interface, upload typing from the
bytes, file responses with HTTP Range, and the sweep that removes files nothing points at.
Knows no domain: a model marks each column that names a stored file (`stored_file_column`)."""
