"""The task import engine behind ``projects.services.imports``.

``parsing`` turns a CSV or JSON Lines file (or rows from the API) into checked rows and per-row
errors without ever holding the whole file; ``staging`` loads the checked rows into a temporary
table and writes the new tasks in one statement; ``importer`` runs the two passes and the
background jobs. Callers use the services module, not these.
"""
