"""The version, on its own so that every module can read it without importing the library."""

__version__ = "0.1.0"
