"""Use cases. Each owns its transaction; api/ and workers/ call them with a session factory."""
