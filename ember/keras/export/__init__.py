"""`keras.export`: `ExportArchive`, Keras 3's way to write serving endpoints.

Example:
    >>> from ember import keras
    >>> keras.export.ExportArchive
    <class 'ember.keras.export.export_archive.ExportArchive'>
"""

from .export_archive import ExportArchive

__all__ = ["ExportArchive"]
