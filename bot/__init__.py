"""ssot-bot: the GitHub App and the ``ssot`` command line (the shell around ``rules``)."""

__version__ = "0.1.0"
