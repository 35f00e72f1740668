"""What a recorded run keeps, round by round: plain lists while it runs, pandas frames once, when asked.

Per round and country: aspiration, walk-away value, belief, the utility of its own offer and the offer on each
issue (natural value, or level index for ordinal issues). Per round and constituency: its pressure. Every
tabled package: round and proposer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NAN = float("nan")


def _frame(rows: list[tuple], columns: dict[str, type]) -> pd.DataFrame:
    """A frame from row tuples, one column per name, each built once with its dtype."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame({name: np.array(v, dtype=dtype) for (name, dtype), v in zip(columns.items(), values,
                                                                                        strict=True)},
                        copy=False)  # (arrays made here: not copied again into blocks)


class Records:
    """Per-round records of one NegotiationModel (``model.records`` when it records)."""

    def __init__(self):
        self.countries: list[tuple] = []  # (round, code, aspiration, walk_away, belief, offer_utility, *offer)
        self.constituencies: list[tuple] = []  # (round, country, kind, pressure)
        self.tabled: list[tuple] = []  # (round, proposer, package)

    def collect(self, model) -> None:
        """Keep the end of the current round (of a single run: a batch of one)."""
        r, issues = model.round, list(model.space)
        for a in model.countries:
            state = (r, a.code, float(a.aspiration[0]), float(a.walk_away[0]), float(a.belief[0]))
            if not a.offered[0]:
                self.countries.append((*state, NAN, *[NAN] * len(issues)))
            else:
                offer = [issue.numeric(x) for issue, x in zip(issues, a.offer[0].tolist(), strict=True)]
                self.countries.append((*state, float(a.utility(a.offer)[0]), *offer))
        for c in model.constituencies:
            self.constituencies.append((r, c.code, c.kind, float(np.ravel(c.pressure)[0])))

    def rounds(self, model) -> pd.DataFrame:
        """Per round and country: round, month, country, aspiration, walk_away, belief, offer_utility, issues."""
        columns = {"round": int, "month": object, "country": object, "aspiration": float, "walk_away": float,
                   "belief": float, "offer_utility": float, **dict.fromkeys(model.space.names, float)}
        months = {r: model.case.month(r) for r in dict.fromkeys(row[0] for row in self.countries)}
        return _frame([(row[0], months[row[0]], *row[1:]) for row in self.countries], columns)

    def packages(self, model) -> pd.DataFrame:
        """Every tabled package: round, proposer, each issue (natural values or labels) and each country's
        utility of it (``u_US``, ...) under the preferences at the end of the run."""
        space, countries = model.space, model.case.countries
        columns: dict[str, list | np.ndarray] = {"round": [r for r, _, _ in self.tabled],
                                                 "proposer": [w for _, w, _ in self.tabled]}
        packages = np.array([x for _, _, x in self.tabled]).reshape(len(self.tabled), len(space))
        if self.tabled:  # typed arrays, not lists pandas would infer a type of, element by element (the same frame)
            columns = {"round": np.array(columns["round"], dtype=np.int64),
                       "proposer": np.array(columns["proposer"], dtype=object)}
        for k, issue in enumerate(space):
            columns[issue.name] = issue.naturals(packages[:, k]) if self.tabled else []
        utilities = model.preferences.utility(packages).reshape(len(self.tabled), len(countries))
        for n, code in enumerate(countries):
            columns[f"u_{code}"] = utilities[:, n]
        return pd.DataFrame(columns, copy=False)  # (arrays made here, or the utilities': not copied again)

    def domestic(self, model) -> pd.DataFrame:
        """Per constituency kind (in acting order), round and constituency: round, country, kind, pressure."""
        if not self.constituencies:
            return pd.DataFrame(columns=["round", "country", "kind", "pressure"])
        order = {kind: n for n, kind in enumerate(dict.fromkeys(c.kind for c in model.constituencies))}
        rows = sorted(self.constituencies, key=lambda row: order[row[2]])  # stable: rounds stay in order
        return _frame(rows, {"round": int, "country": object, "kind": object, "pressure": float})
