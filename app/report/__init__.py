"""The coverage report, in one package: its figures (figures.py), static maps (maps.py),
renderers to HTML, PDF, XLSX and CSV and the call list (render.py, pdf.py), and the file cache
of rendered reports (cache.py), whose key covers every module here and the templates."""
