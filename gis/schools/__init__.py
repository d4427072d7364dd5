"""The school registry: schools, their years, personnel, ICT and assets."""
