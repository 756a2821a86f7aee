"""In-place changes that would corrupt a gradient must be refused.

Beyond the tutorial. A leaf that requires grad cannot be changed in place outside no_grad; a tensor
saved for backward that is changed afterwards (directly or through a view, which shares its version
counter) makes backward raise instead of returning a wrong gradient. Each is scored as behaviour
(refused) and as error class (RuntimeError). And the in-place operations torch does allow rewrite the
graph: on an intermediate result the node becomes the in-place operation's and the gradient includes
its factor; through a view (a slice, a transpose) and by index assignment the base's gradient changes
as torch's does; edits through ``.data`` are not tracked at all.
"""

import numpy as np

from conformance.adapter import Capability
from conformance.spec import BEYOND_TUTORIAL, spec

INPLACE = [Capability.INPLACE, Capability.BACKWARD]
X = np.array([0.2254, 0.4946, 0.0936], dtype=np.float32)


def leaf_inplace(ag, x):
    t = ag.tensor(x, requires_grad=True)
    return {"error": ag.raises(lambda: ag.add_(t, 1.0))}


def saved_tensor_modified(ag, x):
    t = ag.tensor(x, requires_grad=True)
    y = 2 * t + 2
    z = y**2  # the power node saves y
    ag.add_(y, 1.0)
    return {"error": ag.raises(lambda: ag.backward(ag.sum(z)))}


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_leaf_inplace_refused(conform):
    """x.add_(1) on a leaf that requires grad is refused outside no_grad."""
    conform.refusal(leaf_inplace, X)


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_leaf_inplace_error_class(conform):
    """The refusal of an in-place change of a leaf that requires grad raises RuntimeError."""
    conform.observe(leaf_inplace, X)


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_refused_leaf_change_leaves_values(conform):
    """When x.add_(1) on a leaf that requires grad is refused, x keeps its values: nothing half-done."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        ag.raises(lambda: ag.add_(t, 1.0))
        return {"x after the refused add_": ag.numpy(t)}

    conform.observe(program, X, expect={"x after the refused add_": X})


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_saved_tensor_modified_refused(conform):
    """Changing y in place after z = y**2 saved it makes backward refuse, not return a wrong grad."""
    conform.refusal(saved_tensor_modified, X)


@spec(BEYOND_TUTORIAL, needs=INPLACE)
def test_saved_tensor_modified_error_class(conform):
    """The refusal of backward through a modified saved tensor raises RuntimeError."""
    conform.observe(saved_tensor_modified, X)


# -- in-place operations on results and views: the graph is rewritten, not refused -----------------

OPS = [Capability.INPLACE_OPS, Capability.BACKWARD]
Z = np.array([1.0, 2.0, 3.0], dtype=np.float32)
M = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)


@spec(BEYOND_TUTORIAL, needs=OPS)
def test_intermediate_mul_scales_gradient(conform):
    """y = 2x; y.mul_(3) changes y in place and its gradient: x.grad of sum(y) is 6, y is 6x."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * 2
        ag.mul_(y, 3.0)
        ag.backward(ag.sum(y))
        return {"y": ag.numpy(y), "x.grad": ag.grad(t)}

    conform.observe(program, Z, expect={"y": 6 * Z, "x.grad": np.full(3, 6.0)})


@spec(BEYOND_TUTORIAL, needs=[*OPS, Capability.NODE_NAMES])
def test_intermediate_inplace_node(conform):
    """After y = 2x, y.mul_(3) makes y's node MulBackward0 and y.add_(1) AddBackward0: the node is the
    in-place operation's, not the one that made y."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        scaled, shifted = t * 2, t / 2
        ag.mul_(scaled, 3.0)
        ag.add_(shifted, 1.0)
        return {"y.mul_ node": ag.node_name(scaled), "y.add_ node": ag.node_name(shifted)}

    conform.observe(program, Z, expect={"y.mul_ node": "MulBackward0", "y.add_ node": "AddBackward0"})


@spec(BEYOND_TUTORIAL, needs=OPS)
def test_index_assignment_cuts_gradient(conform):
    """y = 2x; y[0] = 7: y is [7, 4, 6] and x.grad of sum(y) is [0, 2, 2]: the overwritten element no
    longer depends on x."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * 2
        ag.setitem(y, 0, 7.0)
        ag.backward(ag.sum(y))
        return {"y": ag.numpy(y), "x.grad": ag.grad(t)}

    conform.observe(program, Z, expect={"y": np.array([7.0, 4.0, 6.0]), "x.grad": np.array([0.0, 2.0, 2.0])})


@spec(BEYOND_TUTORIAL, needs=[*OPS, Capability.NODE_NAMES])
def test_index_assignment_node(conform):
    """y[0] = 7 on a tracked result makes y's node CopySlices, as torch names it."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * 2
        ag.setitem(y, 0, 7.0)
        return {"y node": ag.node_name(y)}

    conform.observe(program, Z, expect={"y node": "CopySlices"})


@spec(BEYOND_TUTORIAL, needs=OPS)
def test_inplace_through_slice_reaches_base(conform):
    """y = 2x; y[1:].mul_(5) changes the base y to [2, 20, 30], and x.grad of sum(y*y) follows:
    [8, 400, 600]."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * 2
        ag.mul_(ag.op("getitem", y, slice(1, None)), 5.0)
        ag.backward(ag.sum(y * y))
        return {"y": ag.numpy(y), "x.grad": ag.grad(t)}

    conform.observe(
        program, Z, expect={"y": np.array([2.0, 20.0, 30.0]), "x.grad": np.array([8.0, 400.0, 600.0])}
    )


@spec(BEYOND_TUTORIAL, needs=[*OPS, Capability.NODE_NAMES])
def test_inplace_through_view_rebases_base(conform):
    """After y[1:].mul_(5), the base y's node is CopySlices: the base is rewritten, not only the view."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * 2
        ag.mul_(ag.op("getitem", y, slice(1, None)), 5.0)
        return {"y node": ag.node_name(y)}

    conform.observe(program, Z, expect={"y node": "CopySlices"})


@spec(BEYOND_TUTORIAL, needs=OPS)
def test_assignment_through_transpose_reaches_base(conform):
    """y = x*1 for a 2x2 x; y.t()[0] = 0 zeroes y's first column, and x.grad of sum(y) is 0 there."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * 1
        ag.setitem(ag.op("t", y), 0, 0.0)
        ag.backward(ag.sum(y))
        return {"y": ag.numpy(y), "x.grad": ag.grad(t)}

    want_y = np.array([[0.0, 2.0], [0.0, 4.0]])
    conform.observe(program, M, expect={"y": want_y, "x.grad": np.array([[0.0, 1.0], [0.0, 1.0]])})


def saved_tensor_modified_through_view(ag, x):
    t = ag.tensor(x, requires_grad=True)
    y = 2 * t
    z = y**2  # saves y
    ag.add_(ag.op("getitem", y, slice(0, 2)), 1.0)  # y changes through a view: same version counter
    return {"error": ag.raises(lambda: ag.backward(ag.sum(z)))}


@spec(BEYOND_TUTORIAL, needs=OPS)
def test_saved_tensor_modified_through_view_refused(conform):
    """Changing y through the view y[0:2] after z = y**2 saved y makes backward refuse: views share
    y's version counter."""
    conform.refusal(saved_tensor_modified_through_view, Z)


@spec(BEYOND_TUTORIAL, needs=OPS)
def test_saved_tensor_modified_through_view_error_class(conform):
    """The refusal of backward after a change through a view raises RuntimeError, as torch does."""
    conform.observe(saved_tensor_modified_through_view, Z)


@spec(BEYOND_TUTORIAL, needs=OPS)
def test_data_edit_not_tracked(conform):
    """y = x*x saves x; x.data.mul_(2) is not tracked: backward is not refused and x.grad is 2 * (2x),
    computed from the changed values."""

    def program(ag, x):
        t = ag.tensor(x, requires_grad=True)
        y = t * t
        ag.mul_(ag.data_of(t), 2.0)
        refused = ag.raises(lambda: ag.backward(ag.sum(y)))
        return {"backward refused": refused is not None, "x": ag.numpy(t), "x.grad": ag.grad(t)}

    conform.observe(program, Z, expect={"backward refused": False, "x": 2 * Z, "x.grad": 4 * Z})
