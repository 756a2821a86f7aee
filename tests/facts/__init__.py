"""Facts about each engine, checked twice: in the engine's own API with no adapter, and through the
shipped adapter. A test fails when an adapter changes a behaviour instead of translating a spelling."""
