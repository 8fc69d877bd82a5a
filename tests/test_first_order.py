"""First-order rules against torch.optim's documented algorithms.

Each reference below is a plain-numpy transcription of the pseudo-code at
https://pytorch.org/docs/stable/optim.html (SGD, Adagrad, RMSprop, Adam,
AdamW), written independently of ``core``'s implementation.  ``maximize``
negates the gradient before anything else, as torch's implementation does.
If torch happens to be installed, one extra test also compares against
``torch.optim`` itself in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import core

FIRST_ORDER = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")


# -- reference implementations (torch.optim documentation) ----------------------

def ref_sgd(grad, x0, steps, *, lr, momentum=0.0, nesterov=False, weight_decay=0.0,
            maximize=False):
    """torch.optim.SGD with dampening 0."""
    theta = np.array(x0, dtype=float)
    path = [theta.copy()]
    b = None
    for _ in range(steps):
        g = -grad(theta) if maximize else grad(theta)
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            b = g.copy() if b is None else momentum * b + g  # (1 − dampening)·g, dampening 0
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        path.append(theta.copy())
    return np.array(path)


def ref_adagrad(grad, x0, steps, *, lr, eps=1e-10, weight_decay=0.0, maximize=False):
    """torch.optim.Adagrad with lr_decay 0 and initial_accumulator_value 0."""
    theta = np.array(x0, dtype=float)
    path = [theta.copy()]
    state_sum = np.zeros_like(theta)
    for _ in range(steps):
        g = -grad(theta) if maximize else grad(theta)
        if weight_decay != 0:
            g = g + weight_decay * theta
        state_sum = state_sum + g * g
        theta = theta - lr * g / (np.sqrt(state_sum) + eps)
        path.append(theta.copy())
    return np.array(path)


def ref_rmsprop(grad, x0, steps, *, lr, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0,
                maximize=False):
    """torch.optim.RMSprop, not centered; eps is added after the square root."""
    theta = np.array(x0, dtype=float)
    path = [theta.copy()]
    v = np.zeros_like(theta)
    b = np.zeros_like(theta)
    for _ in range(steps):
        g = -grad(theta) if maximize else grad(theta)
        if weight_decay != 0:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g * g
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v) + eps)
        path.append(theta.copy())
    return np.array(path)


def ref_adam(grad, x0, steps, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
             maximize=False, decoupled=False):
    """torch.optim.Adam (L2 weight decay) or, with ``decoupled``, torch.optim.AdamW."""
    theta = np.array(x0, dtype=float)
    path = [theta.copy()]
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = -grad(theta) if maximize else grad(theta)
        if decoupled:
            theta = theta - lr * weight_decay * theta
        elif weight_decay != 0:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        path.append(theta.copy())
    return np.array(path)


def reference(method: str, grad, x0, steps, **hp):
    """The reference loop for ``method`` with core's keyword names."""
    if method == "gd":
        return ref_sgd(grad, x0, steps, **hp)
    if method == "momentum":
        return ref_sgd(grad, x0, steps, **{"momentum": 0.9, **hp})
    if method == "nesterov":
        return ref_sgd(grad, x0, steps, nesterov=True, **{"momentum": 0.9, **hp})
    if method == "adagrad":
        return ref_adagrad(grad, x0, steps, **hp)
    if method == "rmsprop":
        return ref_rmsprop(grad, x0, steps, **hp)
    if method == "adam":
        return ref_adam(grad, x0, steps, **hp)
    if method == "adamw":
        return ref_adam(grad, x0, steps, decoupled=True, **{"weight_decay": 0.01, **hp})
    raise AssertionError(method)


# Configurations: (method, hyperparameters).  Learning rates keep the 20 steps
# on rosenbrock from (-1.2, 1) and ellipse from (2.5, -1.5) finite and moving.
CASES = [
    ("gd", {"lr": 1e-3}),
    ("gd", {"lr": 1e-3, "weight_decay": 0.1}),
    ("gd", {"lr": 1e-3, "momentum": 0.5}),
    ("momentum", {"lr": 2e-4}),
    ("momentum", {"lr": 2e-4, "momentum": 0.7, "weight_decay": 0.05}),
    ("nesterov", {"lr": 2e-4}),
    ("nesterov", {"lr": 2e-4, "momentum": 0.5, "weight_decay": 0.05}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "eps": 1e-3, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-3, "momentum": 0.5,
                 "weight_decay": 0.1}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "beta1": 0.5, "beta2": 0.9, "eps": 1e-4, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.05}),
    ("adamw", {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.3}),
]
STARTS = {"rosenbrock": [-1.2, 1.0], "ellipse": [2.5, -1.5]}
STEPS = 20


def _case_id(case):
    method, hp = case
    return method + "-" + "-".join(f"{k}={v}" for k, v in hp.items())


@pytest.mark.parametrize("problem_name", sorted(STARTS))
@pytest.mark.parametrize("maximize", [False, True], ids=["min", "max"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_path_matches_torch_reference(case, problem_name, maximize):
    method, hp = case
    p = core.get_problem(problem_name)
    x0 = STARTS[problem_name]
    # Ascent climbs away fast: use smaller steps so 20 of them stay in bounds.
    hp = dict(hp, lr=hp["lr"] / 100) if maximize else hp
    r = core.run(p, method, x0, steps=STEPS, tol=0, maximize=maximize, **hp)
    assert r.status == "max_steps", r.message
    want = reference(method, p.grad, x0, STEPS, maximize=maximize, **hp)
    assert r.path.shape == want.shape == (STEPS + 1, 2)
    assert np.all(np.isfinite(want))
    np.testing.assert_allclose(r.path, want, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(r.values, p.value(want), rtol=1e-10, atol=1e-300)


def test_every_first_order_method_is_registered_and_covered():
    for name in FIRST_ORDER:
        assert core.METHODS[name].group == "first-order"
    covered = {m for m, _ in CASES}
    registered = {m.name for m in core.METHODS.values() if m.group == "first-order"}
    assert registered <= covered, f"no torch reference for {registered - covered}"


# -- first steps by hand -----------------------------------------------------------
#
# On the ellipse f = ½x² + 12.5y² from (1, 1) the gradient is g = (1, 25).

FIRST_STEPS = [
    # gd, lr 0.01: x1 = (1 − 0.01·1, 1 − 0.01·25)
    ("gd", {"lr": 0.01}, False, [0.99, 0.75]),
    # gradient ascent, lr 0.01: x1 = (1 + 0.01, 1 + 0.25)
    ("gd", {"lr": 0.01}, True, [1.01, 1.25]),
    # momentum: the first velocity is the gradient itself, so the same as gd
    ("momentum", {"lr": 0.01}, False, [0.99, 0.75]),
    # nesterov: v = g, step g + 0.9·v = 1.9·g = (1.9, 47.5); x1 = 1 − 0.01·(1.9, 47.5)
    ("nesterov", {"lr": 0.01}, False, [0.981, 0.525]),
    # adagrad, lr 0.1: sum = g², step 0.1·g/(|g| + 1e-10) = 0.1·(1 − 1e-10/|g|)
    #   x = 1 − 0.1 + 1e-11 = 0.90000000001,  y = 1 − 0.1 + 0.1·4e-12 = 0.9000000000004
    ("adagrad", {"lr": 0.1}, False, [0.90000000001, 0.9000000000004]),
    # rmsprop, lr 0.01: v = 0.01·g², √v + 1e-8 = 0.1|g| + 1e-8,
    #   step = 0.1·(1 − 1e-7/|g|):  x = 0.9 + 1e-8,  y = 0.9 + 4e-10
    ("rmsprop", {"lr": 0.01}, False, [0.90000001, 0.9000000004]),
    # rmsprop with momentum: the buffer starts at zero, so the first step is the same
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}, False, [0.90000001, 0.9000000004]),
    # adam, lr 0.1: m̂ = g, v̂ = g², step = 0.1·g/(|g| + 1e-8) = 0.1·(1 − 1e-8/|g|)
    #   x = 0.9 + 1e-9,  y = 0.9 + 4e-11
    ("adam", {"lr": 0.1}, False, [0.900000001, 0.90000000004]),
    # adamw, lr 0.1, λ 0.01: first x ← x(1 − 0.1·0.01) = 0.999, then the adam step
    #   x = 0.999 − 0.1 + 1e-9 = 0.899000001,  y = 0.899 + 4e-11 = 0.89900000004
    ("adamw", {"lr": 0.1}, False, [0.899000001, 0.89900000004]),
]


@pytest.mark.parametrize("method, hp, maximize, want", FIRST_STEPS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FIRST_STEPS)])
def test_first_step_by_hand(method, hp, maximize, want):
    r = core.run("ellipse", method, [1.0, 1.0], steps=1, tol=0, maximize=maximize, **hp)
    np.testing.assert_allclose(r.path[1], want, rtol=1e-12, atol=0)


def test_second_momentum_step_by_hand():
    # ellipse from (1, 1), lr 0.01, μ 0.9.  Step 1: v1 = g0 = (1, 25), x1 = (0.99, 0.75).
    # Step 2: g1 = (0.99, 18.75), v2 = 0.9·v1 + g1 = (1.89, 41.25),
    #         x2 = x1 − 0.01·v2 = (0.9711, 0.3375).
    r = core.run("ellipse", "momentum", [1.0, 1.0], steps=2, tol=0, lr=0.01)
    np.testing.assert_allclose(r.path[2], [0.9711, 0.3375], rtol=1e-12)


def test_second_adam_step_by_hand():
    # parabola f = x², from x = 1, lr 0.1.  g0 = 2 → x1 = 1 − 0.1·2/(2 + 1e-8).
    # Step 2: g1 = 2·x1, m2 = 0.09·2 + 0.1·g1, v2 = 0.999·0.001·4 + 0.001·g1²,
    #         x2 = x1 − 0.1·(m2/0.19)/(√(v2/0.001999) + 1e-8)   (computed below).
    x1 = 1 - 0.1 * 2 / (2 + 1e-8)
    g1 = 2 * x1
    m2 = 0.09 * 2 + 0.1 * g1
    v2 = 0.999 * 0.001 * 4 + 0.001 * g1 * g1
    x2 = x1 - 0.1 * (m2 / 0.19) / (np.sqrt(v2 / 0.001999) + 1e-8)
    r = core.run("parabola", "adam", [1.0], steps=2, tol=0, lr=0.1)
    np.testing.assert_allclose(r.path[:, 0], [1.0, x1, x2], rtol=1e-12)


# -- defaults equal torch's ---------------------------------------------------------

TORCH_DEFAULTS = {
    "gd": {"lr": 1e-3, "momentum": 0.0, "weight_decay": 0.0},
    "momentum": {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0},  # μ 0.9 per our issue
    "nesterov": {"lr": 1e-3, "momentum": 0.9, "weight_decay": 0.0},
    "adagrad": {"lr": 1e-2, "eps": 1e-10, "weight_decay": 0.0},
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "weight_decay": 0.0},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
    "adamw": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2},
}


@pytest.mark.parametrize("method", FIRST_ORDER)
def test_defaults_equal_torch(method):
    assert core.METHODS[method].defaults == TORCH_DEFAULTS[method]


@pytest.mark.parametrize("method", FIRST_ORDER)
def test_default_hyperparameters_match_reference_run(method):
    p = core.get_problem("himmelblau")
    x0 = [1.0, -1.0]
    r = core.run(p, method, x0, steps=STEPS, tol=0)
    want = reference(method, p.grad, x0, STEPS, **TORCH_DEFAULTS[method])
    np.testing.assert_allclose(r.path, want, rtol=1e-12)


# -- other properties of the first-order rules ----------------------------------------

@pytest.mark.parametrize("method", FIRST_ORDER)
def test_maximize_is_minimising_the_negative(method):
    p = core.get_problem("himmelblau")
    neg = core.Problem(name="neg", title="−himmelblau", formula="−f", dim=2, domain=p.domain,
                       f=lambda X: -p.f(X), g=lambda X: -p.g(X), h=lambda X: -p.h(X))
    up = core.run(p, method, [0.5, -0.5], steps=15, tol=0, maximize=True, lr=0.01)
    down = core.run(neg, method, [0.5, -0.5], steps=15, tol=0, lr=0.01)
    np.testing.assert_array_equal(up.path, down.path)
    np.testing.assert_array_equal(up.values, -down.values)


@pytest.mark.parametrize("method", FIRST_ORDER)
def test_diagnostics_describe_each_step(method):
    r = core.run("rosenbrock", method, [-1.2, 1.0], steps=5, tol=0, diagnostics=True, lr=1e-3)
    assert len(r.diagnostics) == len(r.path)
    for k in range(1, len(r.path)):
        d = r.diagnostics[k]
        np.testing.assert_allclose(d["step"], r.path[k] - r.path[k - 1], rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(d["grad"], core.get_problem("rosenbrock").grad(r.path[k - 1]))


@pytest.mark.parametrize("method", FIRST_ORDER)
def test_works_in_five_dimensions(method):
    d = np.arange(1.0, 6.0)
    quad = core.Problem(name="quad5", title="5-D quadratic", formula="½Σdᵢxᵢ²", dim=5,
                        domain=[[-1, 1]] * 5, f=lambda X: 0.5 * np.sum(d * X * X, axis=-1),
                        g=lambda X: d * X, h=lambda X: np.broadcast_to(np.diag(d), X.shape + (5,)))
    x0 = np.linspace(-1, 1, 5) + 0.1
    r = core.run(quad, method, x0, steps=10, tol=0, lr=0.01)
    np.testing.assert_allclose(r.path, reference(method, quad.grad, x0, 10, lr=0.01), rtol=1e-12)


# -- torch itself, when it happens to be installed -----------------------------------

def _torch_optimizer(torch, method, params, hp, maximize):
    hp = dict(hp)
    common = {"maximize": maximize, "foreach": False}
    if method in ("gd", "momentum", "nesterov"):
        mu = hp.pop("momentum", 0.0 if method == "gd" else 0.9)
        return torch.optim.SGD(params, momentum=mu, nesterov=method == "nesterov", **hp,
                               **common)
    if method == "adagrad":
        return torch.optim.Adagrad(params, eps=hp.pop("eps", 1e-10), **hp, **common)
    if method == "rmsprop":
        return torch.optim.RMSprop(params, **hp, **common)
    betas = (hp.pop("beta1", 0.9), hp.pop("beta2", 0.999))
    if method == "adam":
        return torch.optim.Adam(params, betas=betas, **hp, **common)
    return torch.optim.AdamW(params, betas=betas, **hp, **common)


@pytest.mark.parametrize("maximize", [False, True], ids=["min", "max"])
def test_against_torch_optim(maximize):
    torch = pytest.importorskip("torch")
    for problem_name, x0 in STARTS.items():
        p = core.get_problem(problem_name)
        for method, hp in CASES:
            hp = dict(hp, lr=hp["lr"] / 100) if maximize else hp
            theta = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
            opt = _torch_optimizer(torch, method, [theta], hp, maximize)
            path = [theta.detach().numpy().copy()]
            for _ in range(STEPS):
                opt.zero_grad()
                # The same analytic gradient core uses: compare optimisers, not autograd.
                theta.grad = torch.from_numpy(p.grad(theta.detach().numpy()))
                opt.step()
                path.append(theta.detach().numpy().copy())
            r = core.run(p, method, x0, steps=STEPS, tol=0, maximize=maximize, **hp)
            np.testing.assert_allclose(r.path, np.array(path), rtol=1e-12, atol=1e-300,
                                       err_msg=f"{method} {hp} on {problem_name}")
