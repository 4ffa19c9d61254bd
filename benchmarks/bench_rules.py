"""Business-rule evaluation speed (issue 22: 100,000 rules in ≤ 1 s).

    python benchmarks/bench_rules.py

Ten invoice rules (sums over line items, a tolerance, dates against today, a set of VAT rates)
compiled once, then evaluated on 10,000 seeded invoice records: 100,000 evaluations. Also the
cost of compiling (parsing and checking) 100,000 rule texts. Wall and CPU seconds, medians of
three; the load average is printed beside them (the machine is shared).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from _common import append_results, median_of

from evals.generators.invoices import invoice_record
from evals.safe_expr import Rule

RULES = [
    "approx(subtotal, sum(items[*].amount))",
    "approx(total, subtotal + tax)",
    "tax_rate in [0, 0.07, 0.19]",
    "due_date >= date",
    "date <= today",
    "len(items) >= 1 and all(items[*].quantity)",
    "round(tax, 2) == round(subtotal * tax_rate, 2)",
    "currency in ['USD', 'EUR', 'GBP']",
    "max(items[*].amount) <= total + 0.01",
    "0 <= tax <= subtotal",
]
N_RECORDS = 10_000
TODAY = dt.date(2026, 12, 1)


def main() -> None:
    rng = random.Random(0)
    records = [invoice_record(rng, rng.randint(1, 5), rng.random() < 0.1) for _ in range(N_RECORDS)]
    rules = [Rule(text) for text in RULES]
    outcome: dict[str, int] = {}

    def evaluate() -> float:
        start = time.perf_counter()
        held = 0
        for record in records:
            for rule in rules:
                held += rule.holds(record, today=TODAY)
        outcome["held"] = held
        return time.perf_counter() - start

    def compile_all() -> float:
        start = time.perf_counter()
        for i in range(100_000):
            Rule(RULES[i % len(RULES)])
        return time.perf_counter() - start

    cpu0 = time.process_time()
    wall, runs = median_of(3, evaluate)
    cpu = (time.process_time() - cpu0) / 3
    compile_wall, _ = median_of(3, compile_all)
    evaluations = N_RECORDS * len(RULES)
    load = os.getloadavg()[0]
    append_results(
        "Business-rule evaluation (bench_rules.py)",
        [
            f"- {evaluations:,} evaluations ({len(RULES)} compiled rules × {N_RECORDS:,} invoices): "
            f"{wall:.3f} s wall (runs {', '.join(f'{r:.3f}' for r in runs)}), {cpu:.3f} s CPU a run; "
            f"{evaluations / wall:,.0f} a second; {outcome['held']:,} held",
            f"- compiling 100,000 rule texts (parse + whitelist check + closures): {compile_wall:.2f} s wall",
            "- target: 100,000 evaluations ≤ 1 s",
            f"- load average (1 min) during the run: {load:.2f}",
        ],
    )


if __name__ == "__main__":
    main()
