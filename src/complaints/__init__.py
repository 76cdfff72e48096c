"""complaints: turn a council's children's-services complaints data into its annual report."""

from importlib.metadata import version

#: The version is set in one place, pyproject.toml.
__version__ = version("complaints")
