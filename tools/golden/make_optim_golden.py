#!/usr/bin/env python3
"""Writes PyTorch golden values for dev.backprop.optim: optimizer trajectories and learning-rate schedules.

Optimizers: for every configuration below, two fixed float64 parameters w (2x3) and v (4) are trained for N steps on
the fixed loss  L = sum(a_w * w^2 + b_w * w^3) + sum(a_v * v^2 + b_v * v^3)  (so the gradient 2ap + 3bp^2 depends on
the parameter), with torch.optim's single-tensor code path (foreach=False), recording both parameters after each
step. The Java test (OptimizerGoldenTest) replays the same loss with backprop's autograd and compares.

Schedules: an SGD optimizer with two parameter groups (lr 0.1 and 0.02) is stepped, then the scheduler is stepped,
as PyTorch recommends; the lr of each group is recorded after construction and after every scheduler step.
ReduceLROnPlateau is fed the fixed metric sequence stored in the JSON.

Run:  /tmp/ref/bin/python tools/golden/make_optim_golden.py   (needs torch and numpy; see README "Golden values")
Out:  backprop-core/src/test/resources/golden/optim.json
"""
import json
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "backprop-core", "src", "test", "resources", "golden",
                   "optim.json")
STEPS = 10

rng = np.random.default_rng(20240611)
PARAMS = []
for name, shape in (("w", (2, 3)), ("v", (4,))):
    n = int(np.prod(shape))
    PARAMS.append({
        "name": name,
        "shape": list(shape),
        "init": rng.uniform(-1.5, 1.5, size=n).tolist(),
        "a": rng.uniform(0.5, 1.5, size=n).tolist(),
        "b": rng.uniform(-0.3, 0.3, size=n).tolist(),
    })

# name, torch class, constructor kwargs, groups. A group is (param names, per-group options); with one group the
# constructor kwargs apply to it. Options are torch's keyword names; the Java test maps them to fluent setters.
BOTH = ["w", "v"]
OPTIMIZERS = [
    ("sgd", "SGD", {"lr": 0.1}, None),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}, None),
    ("sgd_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}, None),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, None),
    ("sgd_weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.1}, None),
    ("sgd_all", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}, None),
    ("sgd_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
     [(["w"], {"lr": 0.1, "weight_decay": 0.0}), (["v"], {"lr": 0.01, "weight_decay": 0.05})]),
    ("adagrad_defaults", "Adagrad", {}, None),
    ("adagrad", "Adagrad", {"lr": 0.1}, None),
    ("adagrad_all", "Adagrad",
     {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.05, "initial_accumulator_value": 0.1, "eps": 1e-6}, None),
    ("adagrad_groups", "Adagrad", {"lr": 0.1},
     [(["w"], {"lr": 0.1, "weight_decay": 0.0}), (["v"], {"lr": 0.02, "weight_decay": 0.1})]),
    ("rmsprop_defaults", "RMSprop", {}, None),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True}, None),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}, None),
    ("rmsprop_all", "RMSprop",
     {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1, "momentum": 0.5, "centered": True}, None),
    ("rmsprop_groups", "RMSprop", {"lr": 0.01},
     [(["w"], {"lr": 0.01, "weight_decay": 0.0}), (["v"], {"lr": 0.003, "weight_decay": 0.1})]),
    ("adam_defaults", "Adam", {}, None),
    ("adam", "Adam", {"lr": 0.05}, None),
    ("adam_weight_decay", "Adam", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("adam_amsgrad", "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "amsgrad": True, "eps": 1e-6}, None),
    ("adam_groups", "Adam", {"lr": 0.05},
     [(["w"], {"lr": 0.05, "weight_decay": 0.0}), (["v"], {"lr": 0.01, "weight_decay": 0.1})]),
    ("adamw_defaults", "AdamW", {}, None),
    ("adamw", "AdamW", {"lr": 0.05}, None),
    ("adamw_amsgrad", "AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "betas": (0.8, 0.99)}, None),
    ("adamw_groups", "AdamW", {"lr": 0.05},
     [(["w"], {"lr": 0.05, "weight_decay": 0.0}), (["v"], {"lr": 0.01, "weight_decay": 0.2})]),
]


def loss_of(tensors):
    total = torch.zeros((), dtype=torch.float64)
    for spec, p in zip(PARAMS, tensors):
        a = torch.tensor(spec["a"], dtype=torch.float64).reshape(spec["shape"])
        b = torch.tensor(spec["b"], dtype=torch.float64).reshape(spec["shape"])
        total = total + (a * p ** 2).sum() + (b * p ** 3).sum()
    return total


def run_optimizer(cls_name, kwargs, groups):
    tensors = [torch.tensor(s["init"], dtype=torch.float64).reshape(s["shape"]).requires_grad_(True) for s in PARAMS]
    by_name = {s["name"]: t for s, t in zip(PARAMS, tensors)}
    cls = getattr(torch.optim, cls_name)
    if groups is None:
        opt = cls(tensors, foreach=False, **kwargs)
    else:
        opt = cls([dict(params=[by_name[n] for n in names], **opts) for names, opts in groups], foreach=False, **kwargs)
    trajectory = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss_of(tensors).backward()
        opt.step()
        trajectory.append({s["name"]: t.detach().reshape(-1).tolist() for s, t in zip(PARAMS, tensors)})
    return trajectory


def optimizer_cases():
    out = []
    for name, cls_name, kwargs, groups in OPTIMIZERS:
        options = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}
        group_list = [{"params": BOTH}] if groups is None else [dict(params=n, **o) for n, o in groups]
        out.append({
            "name": name,
            "optimizer": cls_name,
            "options": options,
            "groups": group_list,
            "trajectory": run_optimizer(cls_name, kwargs, groups),
        })
    return out


# ------------------------------------------------------------------------------------------------ schedules

BASE_LRS = [0.1, 0.02]
METRICS = [round(1.0 + 4.0 * math.exp(-t / 4.0) + 0.3 * math.sin(1.7 * t) * math.exp(-t / 15.0), 6)
           for t in range(40)]
# A stretch that is flat, then worse, then a little better (inside and outside the relative threshold).
METRICS[20:30] = [1.5, 1.5, 1.5, 1.49999, 1.6, 1.7, 1.4999, 1.45, 1.45, 1.45]


def schedule_optimizer():
    ps = [torch.zeros(2, dtype=torch.float64, requires_grad=True), torch.zeros(3, dtype=torch.float64, requires_grad=True)]
    for p in ps:
        p.grad = torch.zeros_like(p)
    opt = torch.optim.SGD([{"params": [ps[0]], "lr": BASE_LRS[0]}, {"params": [ps[1]], "lr": BASE_LRS[1]}], lr=0.1)
    return opt


def run_schedule(kind, options, steps):
    opt = schedule_optimizer()
    S = torch.optim.lr_scheduler
    if kind == "WarmupCosine":
        w, total = options["warmup_steps"], options["total_steps"]
        sched = S.SequentialLR(opt, [
            S.LinearLR(opt, start_factor=options["warmup_start_factor"], end_factor=1.0, total_iters=w),
            S.CosineAnnealingLR(opt, T_max=total - w, eta_min=options["eta_min"])], milestones=[w])
    elif kind == "ReduceLROnPlateau":
        sched = S.ReduceLROnPlateau(opt, **options)
    else:
        sched = getattr(S, kind)(opt, **options)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for t in range(steps):
        opt.step()
        if kind == "ReduceLROnPlateau":
            sched.step(METRICS[t])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return lrs


SCHEDULES = [
    ("step", "StepLR", {"step_size": 7}, 40),
    ("step_gamma", "StepLR", {"step_size": 5, "gamma": 0.5}, 40),
    ("multistep", "MultiStepLR", {"milestones": [5, 12, 30]}, 40),
    ("multistep_repeated", "MultiStepLR", {"milestones": [12, 5, 12, 30], "gamma": 0.5}, 40),
    ("exponential", "ExponentialLR", {"gamma": 0.9}, 40),
    ("linear_defaults", "LinearLR", {}, 40),
    ("linear_warmup", "LinearLR", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 10}, 40),
    ("linear_decay", "LinearLR", {"start_factor": 1.0, "end_factor": 0.05, "total_iters": 20}, 40),
    ("cosine", "CosineAnnealingLR", {"T_max": 40, "eta_min": 0.001}, 40),
    ("cosine_periodic", "CosineAnnealingLR", {"T_max": 15}, 40),
    ("warmup_cosine", "WarmupCosine",
     {"warmup_steps": 5, "total_steps": 40, "eta_min": 1e-4, "warmup_start_factor": 0.1}, 40),
    ("warmup_cosine_third", "WarmupCosine",
     {"warmup_steps": 10, "total_steps": 30, "eta_min": 0.0, "warmup_start_factor": 1.0 / 3.0}, 30),
    ("plateau_defaults", "ReduceLROnPlateau", {}, 40),
    ("plateau_min", "ReduceLROnPlateau", {"patience": 2, "cooldown": 1, "factor": 0.5}, 40),
    ("plateau_max", "ReduceLROnPlateau",
     {"mode": "max", "factor": 0.5, "patience": 1, "cooldown": 3, "min_lr": 0.004, "threshold": 0.01}, 40),
    ("plateau_abs", "ReduceLROnPlateau",
     {"patience": 1, "cooldown": 1, "factor": 0.3, "threshold": 0.05, "threshold_mode": "abs", "min_lr": 1e-3}, 40),
]


def schedule_cases():
    return [{"name": name, "scheduler": kind, "options": options, "lrs": run_schedule(kind, options, steps)}
            for name, kind, options, steps in SCHEDULES]


def main():
    torch.set_default_dtype(torch.float64)
    doc = {
        "torch": torch.__version__,
        "steps": STEPS,
        "params": PARAMS,
        "optimizers": optimizer_cases(),
        "schedule_base_lrs": BASE_LRS,
        "metrics": METRICS,
        "schedules": schedule_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(doc['optimizers'])} optimizer and {len(doc['schedules'])} schedule cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
