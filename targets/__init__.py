"""Built-in targets: one small adapter module per engine, each importing its own engine only.

``BUILTIN`` maps a target name to ``module:Class``; nothing here is imported until it is asked for,
so a missing engine costs nothing until someone names it. ``ENGINES`` names the module each engine
imports as, so ``--list-targets`` can say which are installed without importing any.
"""

BUILTIN: dict[str, str] = {
    "torch": "targets.pytorch:TorchAdapter",
    "tinygrad": "targets.tinygrad:TinygradAdapter",
    "mygrad": "targets.mygrad:MygradAdapter",
    "dezero": "targets.dezero:DezeroAdapter",
    "autograd": "targets.hips_autograd:AutogradAdapter",
    "jax": "targets.jax:JaxAdapter",
    "jax-x64": "targets.jax:JaxX64Adapter",  # jax with jax_enable_x64 on; its files are named jax_x64
    "mlx": "targets.mlx:MlxAdapter",
    "micrograd": "targets.micrograd:MicrogradAdapter",
    "paddle": "targets.paddle:PaddleAdapter",
    "tensorflow": "targets.tensorflow:TensorflowAdapter",
}

ENGINES: dict[str, str] = {
    "torch": "torch",
    "tinygrad": "tinygrad",
    "mygrad": "mygrad",
    "dezero": "dezero",
    "autograd": "autograd",
    "jax": "jax",
    "jax-x64": "jax",
    "mlx": "mlx",
    "micrograd": "micrograd",
    "paddle": "paddle",
    "tensorflow": "tensorflow",
}
