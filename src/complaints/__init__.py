"""complaints: turn a council's children's-services complaints data into its annual report."""

__version__ = "0.1.0"
