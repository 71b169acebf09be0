"""The catalog: the source of truth from which dossiers and the index can be rebuilt."""
