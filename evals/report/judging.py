"""The report's judge section: per judge scorer of a task, its judge models and rubric, what
judging cost, its trust figures (agreement with human labels, between judges, position
consistency), the pairwise win-rate table and heatmap, and the samples where judges disagreed.
Everything comes from summary.json's `judging` entries."""

from __future__ import annotations

from dataclasses import dataclass, field

from evals import fmt
from evals.report.plots import PlotFile, slug
from evals.report.tables import Table, num_cell
from evals.rundata import JudgingSummary, Summary

_STATISTICS = {
    "weighted_kappa": "Cohen's kappa (quadratic weights)",
    "cohen_kappa": "Cohen's kappa",
    "spearman": "Spearman's rho",
    "accuracy": "accuracy",
    "krippendorff_alpha": "Krippendorff's alpha",
}


@dataclass
class JudgeSection:
    task: str
    scorer: str
    facts: list[tuple[str, str]]
    agreement: Table | None
    win_rates: Table | None
    disagreements: Table | None
    plots: list[PlotFile] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "judge-" + slug(f"{self.task}-{self.scorer}")


def _facts(entry: JudgingSummary) -> list[tuple[str, str]]:
    judges = ", ".join(f"{j} ({entry.models.get(j) or 'model unknown'})" for j in entry.judges)
    facts = [
        ("mode", entry.mode),
        ("rubric", entry.rubric or "—"),
        ("judges", judges or "—"),
        ("judge calls", f"{entry.calls} ({entry.cached} from the cache)"),
        (
            "judging cost (apart from the models)",
            fmt.cost(entry.cost_usd) if entry.cost_usd is not None else "unknown",
        ),
        ("verdicts read", f"{entry.scored} ({entry.verdict_errors} unreadable: scorer errors, never zeros)"),
    ]
    if entry.position_consistency is not None:
        facts.append(
            (
                "position consistency",
                f"{entry.position_consistency:.3f} (share of verdicts that survive the order swap)",
            )
        )
    return facts


def _agreement(entry: JudgingSummary) -> Table | None:
    if not entry.agreement:
        return None
    table = Table(["statistic", "between", "judge", "answers of", "value", "95% CI", "n", "note"])
    for f in entry.agreement:
        between = "judge vs human labels" if f.against == "human" else "judges"
        table.add(
            _STATISTICS.get(f.statistic, f.statistic),
            between,
            f.judge or "all",
            f.backend or "all",
            num_cell(fmt.num(f.value)),
            num_cell(fmt.interval(f.ci_low, f.ci_high)),
            num_cell(str(f.n)),
            f.note,
        )
    return table


def _win_rates(entry: JudgingSummary) -> Table | None:
    if not entry.win_rates:
        return None
    table = Table(
        ["A", "B", "win rate of A", "95% CI", "wins", "losses", "ties", "n", "position consistency", "errors"]
    )
    for r in entry.win_rates:
        table.add(
            r.backend_a,
            r.backend_b,
            num_cell(fmt.num(r.win_rate)),
            num_cell(fmt.interval(r.ci_low, r.ci_high)),
            num_cell(str(r.wins)),
            num_cell(str(r.losses)),
            num_cell(str(r.ties)),
            num_cell(str(r.n)),
            num_cell(fmt.num(r.position_consistency)),
            num_cell(str(r.errors)),
        )
    table.caption = "Each sample judged in both orders; a verdict that flips with the order counts as a tie."
    return table


def _disagreements(entry: JudgingSummary) -> Table | None:
    if not entry.disagreements:
        return None
    names = list(dict.fromkeys(k for d in entry.disagreements for k in d.values))
    table = Table(["sample", "answers of", *names])
    for d in entry.disagreements:
        table.add(d.sample_id, d.backend, *(num_cell(_value(d.values.get(n))) for n in names))
    return table


def _value(value: float | str | None) -> str:
    return fmt.num(value, 2) if isinstance(value, int | float) else (value or "—")


def judge_sections(summary: Summary) -> list[JudgeSection]:
    return [
        JudgeSection(
            task=entry.task,
            scorer=entry.scorer,
            facts=_facts(entry),
            agreement=_agreement(entry),
            win_rates=_win_rates(entry),
            disagreements=_disagreements(entry),
        )
        for entry in summary.judging
    ]


def judge_plots(summary: Summary) -> list[PlotFile]:
    """The pairwise win-rate heatmaps, one per pairwise judge scorer."""
    from evals.report.plots.base import png_bytes  # matplotlib loads only when plots are drawn
    from evals.report.plots.pairwise import plot_win_rates

    plots = []
    for entry in summary.judging:
        figure = plot_win_rates(entry)
        if figure is not None:
            plots.append(
                PlotFile(
                    f"pairwise-{slug(entry.task)}-{slug(entry.scorer)}.png",
                    f"{entry.task}: pairwise win rates",
                    "Row backend's win rate against the column backend, both orders asked; ties count ½.",
                    png_bytes(figure),
                    task=entry.task,
                    field="pairwise",
                )
            )
    return plots


def attach_judge_plots(sections: list[JudgeSection], plots: list[PlotFile]) -> None:
    for section in sections:
        name = f"pairwise-{slug(section.task)}-{slug(section.scorer)}.png"
        section.plots = [p for p in plots if p.name == name]
