"""The specs, one module per behaviour family. Each module's docstring says what it covers."""
