"""School-age census: forms, validation, Thai age rules and imports."""
