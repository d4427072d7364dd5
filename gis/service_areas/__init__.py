"""Service areas (เขตบริการ) of schools: made, proposed, checked."""
