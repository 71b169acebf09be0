"""Search backends: the embedded SQLite FTS5 default and OpenSearch for production."""
