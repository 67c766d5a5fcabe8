"""oracle: differential campaigns of the engine against stdlib sqlite3."""
