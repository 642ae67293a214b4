"""Data: Application, AppProject, sources, objects and every Argo CD literal. No I/O here."""
