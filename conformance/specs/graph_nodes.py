"""Graph nodes: results of tracked operations carry one (torch's grad_fn), leaves carry none.

Covers tutorial In [2] .. In [5] as structure only; the node *names* torch uses are a separate family
(``node_names``), so an engine with nodes of its own kind still conforms here.
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

NODES = [Capability.GRAPH_NODES]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


@spec("In [3], In [4], In [5]", needs=NODES)
def test_results_carry_a_node(conform):
    """y = 2*x + 2, z = 2*y**2 and z1 = mean(z) each carry a graph node."""

    def program(ag, x):
        x = ag.tensor(x, requires_grad=True)
        y = 2 * x + 2
        z = 2 * y**2
        return {"y": ag.has_node(y), "z": ag.has_node(z), "z1": ag.has_node(ag.mean(z))}

    conform.observe(program, X, expect={"y": True, "z": True, "z1": True})


@spec("In [2], In [3]", needs=NODES)
def test_leaves_carry_no_node(conform):
    """A tensor created by the user is a leaf with no node; a result is no leaf."""

    def program(ag, x):
        x = ag.tensor(x, requires_grad=True)
        y = 2 * x + 2
        return {"x has node": ag.has_node(x), "x is leaf": ag.is_leaf(x), "y is leaf": ag.is_leaf(y)}

    conform.observe(program, X, expect={"x has node": False, "x is leaf": True, "y is leaf": False})


@spec(BEYOND_TUTORIAL, needs=NODES)
def test_untracked_results_carry_no_node(conform):
    """Results computed only from tensors that do not require grad carry no node."""
    conform.observe(
        lambda ag, x: {"y has node": ag.has_node(2 * ag.tensor(x) + 2)},
        X,
        expect={"y has node": False},
    )
