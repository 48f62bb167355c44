"""The distribution's version, read by the build and by ``liasse --version``."""

__version__ = "0.1.0"
