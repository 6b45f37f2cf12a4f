// Placeholder replaced by the compare feature (issue 4).
