"""Private file storage: files here are never reachable by a public URL.

Experts' evidence lives outside the public media tree (``PRIVATE_MEDIA_ROOT``) and is served only
through permission-checked views, never by the web server. ``url()`` raises, so a template cannot
link to a private file by mistake. The location is read from settings at each use, so tests can
point it at a temporary directory.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a permission-checked view.")


def private_storage() -> PrivateFileSystemStorage:
    return PrivateFileSystemStorage()
