"""Operating an installation: doctor, provider setup, backups, metrics."""
