"""sqlassay: the command line that wires formatspec, engine, oracle and fuzz together."""

__version__ = "0.1.0"
