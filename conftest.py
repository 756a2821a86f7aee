"""Root conftest: the suite's own tests use pytester; the plugin itself comes from the installed
``pytest11`` entry point (``pip install -e .``), so the same code runs here and in an engine's CI."""
