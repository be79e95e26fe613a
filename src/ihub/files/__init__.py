"""File storage: a local folder or an S3-compatible bucket, and expiring signed download links."""
