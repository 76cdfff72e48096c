"""The runner: notebooks executed by papermill, cached, exported and published atomically."""
