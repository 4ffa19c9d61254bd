"""Tokens and cost by modality (text, image, audio, video), per backend."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from evals.report.plots.base import new_figure, short, styled

MODALITIES = ("text", "image", "audio", "video")
COLOURS = {
    "text": "#0072B2",
    "image": "#E69F00",
    "audio": "#009E73",
    "video": "#CC79A7",
    "unattributed": "#BBBBBB",
}


def _number(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if number == number else 0.0


def modality_split(results: pd.DataFrame) -> pd.DataFrame:
    """One row per backend × modality: tokens and an estimated cost.

    Image, audio and video tokens are the usage's `image_tokens`, `audio_tokens` and
    `video_tokens` (a video sent as frames: the frames' share); text is the rest
    of input and output tokens. The journal records one cost per sample, not per token type,
    so each sample's cost is split in proportion to its tokens (an estimate: output tokens often
    cost more than input). Cost without any tokens counts as audio when the sample reports
    `audio_seconds` (priced per minute), else as "unattributed". Unknown costs are left out.
    """
    columns = ["backend", "modality", "tokens", "cost_usd"]
    if results.empty or "backend" not in results.columns:
        return pd.DataFrame(columns=columns)
    totals: dict[tuple[str, str], list[float]] = {}
    ok = results[results["status"] == "ok"] if "status" in results.columns else results
    for row in ok.to_dict("records"):
        backend = str(row["backend"])
        image = _number(row.get("image_tokens"))
        audio = _number(row.get("audio_tokens"))
        video = _number(row.get("video_tokens"))
        everything = _number(row.get("input_tokens")) + _number(row.get("output_tokens"))
        text = max(0.0, everything - image - audio - video)
        tokens = {"text": text, "image": image, "audio": audio, "video": video}
        cost_value = row.get("cost_usd")
        cost = _number(cost_value) if cost_value is not None else 0.0
        total = sum(tokens.values())
        shares: dict[str, float] = {}
        if total > 0:
            shares = {m: cost * t / total for m, t in tokens.items()}
        elif cost > 0:
            shares = {"audio" if _number(row.get("audio_seconds")) > 0 else "unattributed": cost}
        for modality in (*MODALITIES, "unattributed"):
            entry = totals.setdefault((backend, modality), [0.0, 0.0])
            entry[0] += tokens.get(modality, 0.0)
            entry[1] += shares.get(modality, 0.0)
    rows = [
        {"backend": b, "modality": m, "tokens": t, "cost_usd": c}
        for (b, m), (t, c) in totals.items()
        if t > 0 or c > 0
    ]
    return pd.DataFrame(rows, columns=columns)


@styled
def plot_cost_by_modality(results: pd.DataFrame) -> Figure | None:
    """Stacked bars per backend: tokens by modality (left) and estimated cost (right).

    None when no backend reported tokens or a cost above zero (baselines, free engines).
    """
    split = modality_split(results)
    if split.empty:
        return None
    backends = sorted(set(split["backend"]))
    figure = new_figure(8.0, 1.4 + 0.42 * len(backends))
    token_ax, cost_ax = figure.subplots(1, 2, sharey=True)
    for ax, column, label in ((token_ax, "tokens", "tokens"), (cost_ax, "cost_usd", "estimated cost (USD)")):
        left = [0.0] * len(backends)
        for modality in (*MODALITIES, "unattributed"):
            part = split[split["modality"] == modality].set_index("backend").reindex(backends)
            values = part[column].fillna(0.0).astype(float).tolist()
            if not any(values):
                continue
            ax.barh(range(len(backends)), values, left=left, color=COLOURS[modality], label=modality)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
    token_ax.set_yticks(range(len(backends)), [short(b) for b in backends])
    token_ax.invert_yaxis()
    handles, labels = token_ax.get_legend_handles_labels()
    more_handles, more_labels = cost_ax.get_legend_handles_labels()
    for handle, text in zip(more_handles, more_labels, strict=True):
        if text not in labels:
            handles.append(handle)
            labels.append(text)
    cost_ax.legend(handles, labels, frameon=False, loc="lower right")
    figure.suptitle("Tokens and cost by modality (cost split in proportion to tokens)", x=0.01, ha="left")
    return figure
