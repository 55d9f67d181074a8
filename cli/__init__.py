"""The command line: `cli/main.py` parses and dispatches; each other module is one command."""
