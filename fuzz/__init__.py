"""fuzz: atheris harnesses, one per reader, and the campaign runner."""
