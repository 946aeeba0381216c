#!/usr/bin/env python3
"""The census-income recipe of mtkd, written independently in PyTorch (CPU).

A reference for accuracy and speed: it reads the raw UCI CSVs itself, prepares features the
way mtkd's `prepare` does, trains the teacher ensembles, makes soft targets and trains the
hard-sharing KD student and the no-KD baseline exactly as pipelines/census-income.yaml says,
then reports test ROC AUC per task, parameter counts and timings (JSON + a summary).

    scripts/fetch-census
    pip install "torch==2.13.0+cpu"        # local wheel; never a dependency of mtkd
    python3 bench/torch_reference.py       # → bench/torch_reference.json

Only numpy and torch are needed (the csv module parses the files).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------
# The recipe: mirrors pipelines/census-income.yaml (keep the two in step).
# ---------------------------------------------------------------------------------------
COLUMNS = [
    "age", "class_of_worker", "detailed_industry_recode", "detailed_occupation_recode", "education",
    "wage_per_hour", "enroll_in_edu_inst_last_wk", "marital_status", "major_industry_code",
    "major_occupation_code", "race", "hispanic_origin", "sex", "member_of_a_labor_union",
    "reason_for_unemployment", "full_or_part_time_employment_stat", "capital_gains", "capital_losses",
    "dividends_from_stocks", "tax_filer_status", "region_of_previous_residence",
    "state_of_previous_residence", "detailed_household_and_family_stat",
    "detailed_household_summary_in_household", "instance_weight", "migration_code_change_in_msa",
    "migration_code_change_in_reg", "migration_code_move_within_reg", "live_in_this_house_1_year_ago",
    "migration_prev_res_in_sunbelt", "num_persons_worked_for_employer", "family_members_under_18",
    "country_of_birth_father", "country_of_birth_mother", "country_of_birth_self", "citizenship",
    "own_business_or_self_employed", "fill_inc_questionnaire_for_veterans_admin", "veterans_benefits",
    "weeks_worked_in_year", "year", "income",
]
NUMERIC = [
    "age", "wage_per_hour", "capital_gains", "capital_losses", "dividends_from_stocks",
    "num_persons_worked_for_employer", "weeks_worked_in_year",
]
CATEGORICAL = [
    "class_of_worker", "detailed_industry_recode", "detailed_occupation_recode", "education",
    "enroll_in_edu_inst_last_wk", "major_industry_code", "major_occupation_code", "race",
    "hispanic_origin", "sex", "member_of_a_labor_union", "reason_for_unemployment",
    "full_or_part_time_employment_stat", "tax_filer_status", "region_of_previous_residence",
    "state_of_previous_residence", "detailed_household_and_family_stat",
    "detailed_household_summary_in_household", "migration_code_change_in_msa",
    "migration_code_change_in_reg", "migration_code_move_within_reg", "live_in_this_house_1_year_ago",
    "migration_prev_res_in_sunbelt", "family_members_under_18", "country_of_birth_father",
    "country_of_birth_mother", "country_of_birth_self", "citizenship", "own_business_or_self_employed",
    "fill_inc_questionnaire_for_veterans_admin", "veterans_benefits", "year",
]
MISSING = {"?"}
# (task name, label column, cell texts that mean class 1); class 0 is everything else.
TASKS = [("income", "income", {"50000+."}), ("marital", "marital_status", {"Never married"})]


@dataclass
class Recipe:
    seed: int = 42
    val_fraction: float = 0.1
    members: int = 3
    hidden: tuple[int, ...] = (256, 128)
    dropout: float = 0.1
    epochs: int = 4
    batch_size: int = 256
    learning_rate: float = 1e-3
    temperature: float = 1.0   # soft_targets.temperature
    alpha: float = 0.5         # kd student's weight of the soft loss


# ---------------------------------------------------------------------------------------
# Data: read, split, encode (numeric standardised, categorical one-hot, train statistics).
# ---------------------------------------------------------------------------------------
def read_csv(path: Path) -> dict[str, list[str]]:
    """Column name → trimmed cell texts, checking every row has the 42 columns."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    for i, r in enumerate(rows):
        if len(r) != len(COLUMNS):
            sys.exit(f"{path}:{i + 1}: {len(r)} columns, expected {len(COLUMNS)}")
    columns = list(zip(*rows))
    return {name: [v.strip() for v in columns[i]] for i, name in enumerate(COLUMNS)
            if name in NUMERIC or name in CATEGORICAL or any(name == t[1] for t in TASKS)}


@dataclass
class Encoder:
    """Statistics fitted on the training rows only."""
    means: dict[str, float] = field(default_factory=dict)
    stds: dict[str, float] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)

    @staticmethod
    def numeric(cells: list[str]) -> np.ndarray:
        return np.array([np.nan if c in MISSING else float(c) for c in cells], dtype=np.float64)

    @classmethod
    def fit(cls, table: dict[str, list[str]], rows: np.ndarray) -> "Encoder":
        enc = cls()
        for name in NUMERIC:
            v = cls.numeric(table[name])[rows]
            v = v[~np.isnan(v)]
            mean = float(v.mean()) if v.size else 0.0
            std = float(v.std()) if v.size else 1.0        # population std, as mtkd
            enc.means[name], enc.stds[name] = mean, (std if std > 1e-12 else 1.0)
        for name in CATEGORICAL:
            cells = table[name]
            enc.categories[name] = sorted({cells[r] for r in rows} - MISSING)
        return enc

    @property
    def width(self) -> int:
        return len(NUMERIC) + sum(len(c) for c in self.categories.values())

    def columns(self, table: dict[str, list[str]]) -> dict[str, np.ndarray]:
        """Every row of a table, column by column: numeric standardised (NaN when missing),
        categorical as the index of its category (-1 when missing or not seen in training)."""
        out = {}
        for name in NUMERIC:
            out[name] = (self.numeric(table[name]) - self.means[name]) / self.stds[name]
        for name in CATEGORICAL:
            slot = {c: i for i, c in enumerate(self.categories[name])}
            out[name] = np.array([slot.get(c, -1) for c in table[name]], dtype=np.int64)
        return out

    def encode(self, columns: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
        """(len(rows), width) float32 from `columns(table)`: missing numeric → 0 (the training
        mean), missing or unseen category → all of the column's one-hot entries 0."""
        x = np.zeros((len(rows), self.width), dtype=np.float32)
        offset = 0
        for name in NUMERIC:
            z = columns[name][rows]
            x[:, offset] = np.where(np.isnan(z), 0.0, z)
            offset += 1
        for name in CATEGORICAL:
            idx = columns[name][rows]
            hit = idx >= 0
            x[np.nonzero(hit)[0], offset + idx[hit]] = 1.0
            offset += len(self.categories[name])
        return x


def labels(table: dict[str, list[str]], column: str, positive: set[str], rows: np.ndarray) -> np.ndarray:
    cells = table[column]
    return np.array([1 if cells[r] in positive else 0 for r in rows], dtype=np.int64)


@dataclass
class Split:
    x: torch.Tensor            # (N, F) float32
    y: list[torch.Tensor]      # per task (N,) int64


def load_data(data_dir: Path, recipe: Recipe) -> tuple[dict[str, Split], Encoder, dict]:
    t0 = time.perf_counter()
    train_table = read_csv(data_dir / "census-income.train.csv")
    test_table = read_csv(data_dir / "census-income.test.csv")
    parse_seconds = time.perf_counter() - t0

    t1 = time.perf_counter()
    n = len(train_table["age"])
    order = np.random.default_rng(recipe.seed).permutation(n)
    n_val = max(1, round(recipe.val_fraction * n))
    rows = {"train": np.sort(order[n_val:]), "val": np.sort(order[:n_val]),
            "test": np.arange(len(test_table["age"]))}
    tables = {"train": train_table, "val": train_table, "test": test_table}
    enc = Encoder.fit(train_table, rows["train"])
    columns = {"train": enc.columns(train_table), "test": enc.columns(test_table)}
    columns["val"] = columns["train"]
    splits = {}
    for name in ("train", "val", "test"):
        x = enc.encode(columns[name], rows[name])
        ys = [torch.from_numpy(labels(tables[name], col, pos, rows[name])) for _, col, pos in TASKS]
        splits[name] = Split(torch.from_numpy(x), ys)
    prep_seconds = time.perf_counter() - t1
    info = {
        "rows": {k: int(v.x.shape[0]) for k, v in splits.items()},
        "numeric_features": len(NUMERIC),
        "categorical_columns": len(CATEGORICAL),
        "one_hot_features": enc.width - len(NUMERIC),
        "inputs": enc.width,
        "positive_rate": {t[0]: {k: float(v.y[i].float().mean()) for k, v in splits.items()}
                          for i, t in enumerate(TASKS)},
        "parse_seconds": parse_seconds,
        "prep_seconds": prep_seconds,
    }
    return splits, enc, info


# ---------------------------------------------------------------------------------------
# Networks: Linear–ReLU–Dropout blocks, one linear head (2 logits) per task.
# ---------------------------------------------------------------------------------------
class HardSharing(nn.Module):
    """Shared trunk and one head per task; with one task a plain MLP (a teacher member)."""

    def __init__(self, inputs: int, hidden: tuple[int, ...], dropout: float, tasks: int):
        super().__init__()
        layers: list[nn.Module] = []
        width = inputs
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout > 0 else [])
            width = h
        self.trunk = nn.Sequential(*layers)
        self.heads = nn.ModuleList([nn.Linear(width, 2) for _ in range(tasks)])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = self.trunk(x)
        return [head(h) for head in self.heads]


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch: int = 8192) -> list[torch.Tensor]:
    """Logits per task for every row, dropout off."""
    model.eval()
    outs = [model(x[i:i + batch]) for i in range(0, x.shape[0], batch)]
    return [torch.cat([o[t] for o in outs]) for t in range(len(outs[0]))]


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney U, ties counted half)."""
    labels = np.asarray(labels).astype(bool)
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]   # 1-based average ranks
    pos = int(labels.sum())
    neg = labels.size - pos
    if pos == 0 or neg == 0:
        return float("nan")
    return float((ranks[labels].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def positive_probability(logits: torch.Tensor) -> np.ndarray:
    """P(class 1) in float64 (float64 keeps near-certain rows apart for the AUC)."""
    return torch.softmax(logits.double(), dim=1)[:, 1].numpy()


def metrics(logits: torch.Tensor, y: torch.Tensor) -> dict:
    return {"auc": roc_auc(y.numpy(), positive_probability(logits)),
            "accuracy": float((logits.argmax(1) == y).double().mean())}


# ---------------------------------------------------------------------------------------
# Training: Adam, shuffled mini-batches, best validation epoch kept (mean accuracy over tasks).
# ---------------------------------------------------------------------------------------
def fit(model: HardSharing, train: Split, val: Split, recipe: Recipe, seed: int, tasks: list[int],
        soft: list[torch.Tensor | None] | None = None, alpha: float = 0.0, log=print) -> dict:
    """Trains `model` on the given task indices; per task
    L_t = (1-α)·CE(y, p) + α·T²·KL(q_T ‖ p_T) when it has soft targets q_T, else CE(y, p);
    the batch loss is Σ_t L_t. Returns the history; the model then holds the best epoch."""
    torch.manual_seed(seed)                       # dropout masks
    shuffle = torch.Generator().manual_seed(seed + 7919)
    opt = torch.optim.Adam(model.parameters(), lr=recipe.learning_rate)
    T = recipe.temperature
    soft = soft or [None] * len(tasks)
    n = train.x.shape[0]
    history, best_score, best_state, best_epoch = [], -float("inf"), None, 0
    fit_start, cpu_start = time.perf_counter(), time.process_time()
    loop_seconds = loop_cpu_seconds = 0.0
    for epoch in range(1, recipe.epochs + 1):
        model.train()
        epoch_start, epoch_cpu = time.perf_counter(), time.process_time()
        order = torch.randperm(n, generator=shuffle)
        loss_sum, batches = 0.0, 0
        for i in range(0, n, recipe.batch_size):
            idx = order[i:i + recipe.batch_size]
            outputs = model(train.x[idx])
            loss = torch.zeros(())
            for head, t in enumerate(tasks):
                z, y = outputs[head], train.y[t][idx]
                q = soft[head]
                if q is not None and alpha > 0:
                    log_p_T = F.log_softmax(z / T, dim=1)
                    kl = F.kl_div(log_p_T, q[idx], reduction="batchmean")
                    loss = loss + (1 - alpha) * F.cross_entropy(z, y) + alpha * T * T * kl
                else:
                    loss = loss + F.cross_entropy(z, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += float(loss)
            batches += 1
        train_seconds = time.perf_counter() - epoch_start
        loop_seconds += train_seconds
        loop_cpu_seconds += time.process_time() - epoch_cpu
        val_logits = predict(model, val.x)
        val_metrics = [metrics(val_logits[h], val.y[t]) for h, t in enumerate(tasks)]
        score = float(np.mean([m["accuracy"] for m in val_metrics]))
        seconds = time.perf_counter() - epoch_start
        if score > best_score:
            best_score, best_epoch = score, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        record = {"epoch": epoch, "train_loss": loss_sum / max(batches, 1),
                  "val_accuracy": [m["accuracy"] for m in val_metrics],
                  "val_auc": [m["auc"] for m in val_metrics],
                  "seconds": seconds, "train_loop_seconds": train_seconds,
                  "train_examples_per_second": n / train_seconds}
        history.append(record)
        log(f"    epoch {epoch}: loss {record['train_loss']:.4f}, val acc "
            + " ".join(f"{a:.4f}" for a in record["val_accuracy"]) + ", val AUC "
            + " ".join(f"{a:.4f}" for a in record["val_auc"])
            + f", {seconds:.1f} s ({record['train_examples_per_second']:,.0f} ex/s training)")
    model.load_state_dict(best_state)
    fit_seconds = time.perf_counter() - fit_start
    return {"best_epoch": best_epoch, "best_val_score": best_score, "history": history,
            "fit_seconds": fit_seconds, "fit_cpu_seconds": time.process_time() - cpu_start,
            "train_loop_seconds": loop_seconds, "train_loop_cpu_seconds": loop_cpu_seconds,
            "train_examples_per_second": n * recipe.epochs / loop_seconds,
            # The same per CPU second of this process: what one free core would give at 1 thread.
            "train_examples_per_cpu_second": n * recipe.epochs / loop_cpu_seconds,
            "fit_examples_per_second": n * recipe.epochs / fit_seconds}


# ---------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=ROOT / "data" / "census",
                    help="folder with census-income.{train,test}.csv (scripts/fetch-census)")
    ap.add_argument("--epochs", type=int, default=Recipe.epochs, help="epochs of every network (4)")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1)")
    ap.add_argument("--seed", type=int, default=Recipe.seed)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "torch_reference.json")
    args = ap.parse_args()
    if args.epochs < 1 or args.threads < 1:
        ap.error("--epochs and --threads must be >= 1")
    for name in ("census-income.train.csv", "census-income.test.csv"):
        if not (args.data_dir / name).is_file():
            ap.error(f"no {args.data_dir / name}; run scripts/fetch-census first")

    wall_start, cpu_start, load_start = time.perf_counter(), time.process_time(), os.getloadavg()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    recipe = Recipe(seed=args.seed, epochs=args.epochs)
    task_names = [t[0] for t in TASKS]
    log = lambda s: print(s, flush=True)  # noqa: E731

    log(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); recipe {recipe}")
    splits, enc, data_info = load_data(args.data_dir, recipe)
    train, val, test = splits["train"], splits["val"], splits["test"]
    log(f"data: train {data_info['rows']['train']:,}, val {data_info['rows']['val']:,}, "
        f"test {data_info['rows']['test']:,} rows; {data_info['inputs']} inputs "
        f"({len(NUMERIC)} numeric + {data_info['one_hot_features']} one-hot); "
        f"parse {data_info['parse_seconds']:.1f} s, prep {data_info['prep_seconds']:.1f} s")

    result: dict = {
        "tool": "bench/torch_reference.py", "command": " ".join(["python3"] + sys.argv),
        "torch": torch.__version__, "python": platform.python_version(), "numpy": np.__version__,
        "machine": platform.machine(), "cpu_count": os.cpu_count(), "threads": torch.get_num_threads(),
        "recipe": {**recipe.__dict__, "hidden": list(recipe.hidden), "optimizer": "adam",
                   "combine": "mean-probs", "selection": "best epoch by mean validation accuracy",
                   "auc_scores": "P(class 1) in float64"},
        "data": data_info, "teachers": {}, "students": {},
    }

    # Teachers: per task, `members` single-task MLPs differing by seed.
    teacher_seconds = 0.0
    soft_targets: list[torch.Tensor] = []
    soft_seconds = 0.0
    for t, name in enumerate(task_names):
        members, train_logits, test_probs = [], [], []
        for k in range(recipe.members):
            seed = recipe.seed * 1000 + t * 100 + k
            torch.manual_seed(seed)
            model = HardSharing(data_info["inputs"], recipe.hidden, recipe.dropout, tasks=1)
            log(f"teacher {name} member {k} (seed {seed}, {parameter_count(model):,} parameters)")
            h = fit(model, train, val, recipe, seed, tasks=[t], log=log)
            teacher_seconds += h["fit_seconds"]
            test_logits = predict(model, test.x)[0]
            m = metrics(test_logits, test.y[t])
            log(f"    best epoch {h['best_epoch']}: test AUC {m['auc']:.4f}, accuracy {m['accuracy']:.4f}; "
                f"{h['fit_seconds']:.1f} s, {h['train_examples_per_second']:,.0f} ex/s training loop")
            members.append({"member": k, "seed": seed, "parameters": parameter_count(model),
                            "test_auc": m["auc"], "test_accuracy": m["accuracy"], **h})
            s0 = time.perf_counter()
            train_logits.append(predict(model, train.x)[0])
            soft_seconds += time.perf_counter() - s0
            test_probs.append(torch.softmax(test_logits.double(), dim=1))
        # Soft targets on the training split: mean over members of softmax(z / T).
        s0 = time.perf_counter()
        soft_targets.append(torch.stack([torch.softmax(z / recipe.temperature, dim=1) for z in train_logits]).mean(0))
        soft_seconds += time.perf_counter() - s0
        # The ensemble's own test score: mean of the members' probabilities at T = 1.
        p = torch.stack(test_probs).mean(0)
        ens = {"auc": roc_auc(test.y[t].numpy(), p[:, 1].numpy()),
               "accuracy": float((p.argmax(1) == test.y[t]).double().mean())}
        log(f"teacher {name} ensemble of {recipe.members}: test AUC {ens['auc']:.4f}, accuracy {ens['accuracy']:.4f}")
        result["teachers"][name] = {"members": members, "ensemble": {"test_auc": ens["auc"],
                                                                     "test_accuracy": ens["accuracy"]}}

    # Students: hard-sharing trunk + one head per task, with and without distillation.
    student_seconds = 0.0
    for s, (name, alpha) in enumerate([("kd", recipe.alpha), ("baseline", 0.0)]):
        seed = recipe.seed * 1000 + 900 + s
        torch.manual_seed(seed)
        model = HardSharing(data_info["inputs"], recipe.hidden, recipe.dropout, tasks=len(task_names))
        log(f"student {name} (hard sharing, α {alpha}, T {recipe.temperature}, seed {seed}, "
            f"{parameter_count(model):,} parameters)")
        h = fit(model, train, val, recipe, seed, tasks=list(range(len(task_names))),
                soft=soft_targets if alpha > 0 else None, alpha=alpha, log=log)
        student_seconds += h["fit_seconds"]
        logits = predict(model, test.x)
        per_task = {task: metrics(logits[t], test.y[t]) for t, task in enumerate(task_names)}
        log(f"    best epoch {h['best_epoch']}: test AUC "
            + ", ".join(f"{task} {m['auc']:.4f}" for task, m in per_task.items())
            + f"; {h['fit_seconds']:.1f} s, {h['train_examples_per_second']:,.0f} ex/s training loop")
        result["students"][name] = {"architecture": "hard-sharing", "alpha": alpha, "seed": seed,
                                    "parameters": parameter_count(model),
                                    "test_auc": {k: v["auc"] for k, v in per_task.items()},
                                    "test_accuracy": {k: v["accuracy"] for k, v in per_task.items()}, **h}

    wall = time.perf_counter() - wall_start
    result["timings"] = {
        "parse_seconds": data_info["parse_seconds"],
        "prep_seconds": data_info["prep_seconds"],
        "teachers_seconds": teacher_seconds,
        "soft_targets_seconds": soft_seconds,
        "students_seconds": student_seconds,
        "student_train_examples_per_second": {k: v["train_examples_per_second"] for k, v in result["students"].items()},
        "student_train_examples_per_cpu_second": {k: v["train_examples_per_cpu_second"]
                                                  for k, v in result["students"].items()},
        "total_wall_seconds": wall,
        # CPU seconds of this process over wall seconds: about 1 at one thread when the run had
        # a core to itself; well below 1 means other work on the machine slowed it down.
        "total_cpu_seconds": time.process_time() - cpu_start,
        "cpu_over_wall": (time.process_time() - cpu_start) / wall,
        "load_average_start": load_start[0],
        "load_average_end": os.getloadavg()[0],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    print_summary(result, task_names)
    log(f"wrote {args.out}")
    return 0


def print_summary(r: dict, tasks: list[str]) -> None:
    print("\n== census-income, PyTorch reference "
          f"(torch {r['torch']}, {r['threads']} thread(s), {r['recipe']['epochs']} epochs) ==")
    head = f"{'network':<22}{'params':>10}" + "".join(f"{'AUC ' + t:>14}" for t in tasks) + f"{'train s':>10}{'ex/s':>10}{'ex/CPU-s':>10}"
    print(head)
    print("-" * len(head))
    for t, name in enumerate(tasks):
        entry = r["teachers"][name]
        for m in entry["members"]:
            cells = "".join(f"{m['test_auc']:>14.4f}" if u == t else f"{'':>14}" for u in range(len(tasks)))
            print(f"{'teacher ' + name + ' #' + str(m['member']):<22}{m['parameters']:>10,}{cells}"
                  f"{m['fit_seconds']:>10.1f}{m['train_examples_per_second']:>10,.0f}"
                  f"{m['train_examples_per_cpu_second']:>10,.0f}")
        cells = "".join(f"{entry['ensemble']['test_auc']:>14.4f}" if u == t else f"{'':>14}" for u in range(len(tasks)))
        print(f"{'ensemble ' + name:<22}{'':>10}{cells}")
    for name, s in r["students"].items():
        cells = "".join(f"{s['test_auc'][t]:>14.4f}" for t in tasks)
        print(f"{'student ' + name:<22}{s['parameters']:>10,}{cells}"
              f"{s['fit_seconds']:>10.1f}{s['train_examples_per_second']:>10,.0f}"
              f"{s['train_examples_per_cpu_second']:>10,.0f}")
    t = r["timings"]
    print(f"\nparse {t['parse_seconds']:.1f} s, prep {t['prep_seconds']:.1f} s, teachers {t['teachers_seconds']:.1f} s, "
          f"soft targets {t['soft_targets_seconds']:.1f} s, students {t['students_seconds']:.1f} s; "
          f"total wall {t['total_wall_seconds']:.1f} s")
    print(f"CPU/wall {t['cpu_over_wall']:.2f} (≈1 at 1 thread on a quiet machine), load average "
          f"{t['load_average_start']:.2f} at start, {t['load_average_end']:.2f} at end")
    print("ex/s = training examples per wall second of the batch loop only (no validation); ex/CPU-s = the same\n"
          "per CPU second of this process (at 1 thread: what a free core gives); train s = the whole fit, validation included")


if __name__ == "__main__":
    sys.exit(main())
