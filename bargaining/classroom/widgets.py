"""The classroom seat as notebook widgets (ipywidgets): build a package, table it, accept or reject.

    from bargaining.classroom import Classroom
    from bargaining.classroom.widgets import SeatPanel
    panel = SeatPanel(Classroom("nafta-2017", seat="MX", seed=7))
    panel.widget          # display it in a notebook cell

Each issue has a control in natural units (a slider) or level labels (a dropdown); "Table this package"
proposes it, "Accept" and "Reject" answer the package on the table. The panel always shows what is asked,
what the package is worth to every country, and at the end the score.
"""

from __future__ import annotations

import html

import ipywidgets as w

from .seat import Classroom
from .table import ClassroomError


class SeatPanel:
    """ipywidgets front end of a ``Classroom``.

    Attributes:
        room: The Classroom played.
        controls: Issue name -> its widget (FloatSlider or Dropdown).
        table, accept, reject, hint: The buttons.
        status: HTML with the current request, or the score at the end.
        widget: The whole panel (a VBox) to display.
    """

    def __init__(self, room: Classroom):
        self.room = room
        self.controls: dict[str, w.Widget] = {}
        for issue in room.scenario.space:
            label = issue.label or issue.name
            if issue.discrete:
                control = w.Dropdown(options=list(issue.levels), description=issue.name)
            else:
                lo, hi = issue.bounds
                control = w.FloatSlider(min=lo, max=hi, step=(hi - lo) / 200, description=issue.name,
                                        readout_format=".1f")
            control.tooltip = label
            control.style = {"description_width": "130px"}
            control.layout = w.Layout(width="520px")
            control.observe(lambda _: self._show_worth(), names="value")
            self.controls[issue.name] = control
        self.table = w.Button(description="Table this package", button_style="primary")
        self.hint = w.Button(description="Simulated negotiator's package")
        self.accept = w.Button(description="Accept", button_style="success")
        self.reject = w.Button(description="Reject", button_style="danger")
        self.table.on_click(lambda _: self._move(self.room.propose, self.package()))
        self.hint.on_click(lambda _: self._set_package(self.room.request.hint))
        self.accept.on_click(lambda _: self._move(self.room.answer, True))
        self.reject.on_click(lambda _: self._move(self.room.answer, False))
        self.status = w.HTML()
        self.worth = w.HTML()
        self.message = w.HTML()
        self.widget = w.VBox([self.status, *self.controls.values(), self.worth,
                              w.HBox([self.table, self.hint, self.accept, self.reject]), self.message])
        self._refresh()

    def package(self) -> dict:
        """The package the controls show {issue: value}."""
        return {name: control.value for name, control in self.controls.items()}

    def _set_package(self, package) -> None:
        for name, value in package.items():
            self.controls[name].value = value

    def _show_worth(self) -> None:
        try:
            worth = self.room.utility(self.package())
            self.worth.value = "Worth: " + ", ".join(f"{c} <b>{u:.3f}</b>" for c, u in worth.items())
        except ClassroomError as exc:
            self.worth.value = f"<span style='color:#a00'>{html.escape(str(exc))}</span>"

    def _move(self, fn, *args) -> None:
        try:
            fn(*args)
            self.message.value = ""
        except ClassroomError as exc:
            self.message.value = f"<span style='color:#a00'>{html.escape(str(exc))}</span>"
        self._refresh()

    def _refresh(self) -> None:
        request = self.room.request
        if request is None:
            for b in (self.table, self.hint, self.accept, self.reject):
                b.disabled = True
            self.status.value = f"<h4>Talks over</h4><pre>{html.escape(self.room.score().summary())}</pre>"
            return
        head = (f"<h4>Round {request.round} ({request.month}): you are {request.country}</h4>"
                f"Walk-away value now <b>{request.walk_away:.3f}</b>; the simulated negotiator in your seat "
                f"would aim for {request.aspiration:.3f}.<br>")
        proposing = request.kind == "propose"
        self.table.disabled = self.hint.disabled = not proposing
        self.accept.disabled = self.reject.disabled = proposing
        if proposing:
            self.status.value = head + "<b>Your turn: set the package below and table it.</b>"
            self._set_package(request.hint)
        else:
            crossed = (f" It crosses your red lines on {', '.join(request.red_lines_crossed)}."
                       if request.red_lines_crossed else "")
            items = "".join(f"<li>{k}: {html.escape(str(v if isinstance(v, str) else round(v, 1)))}</li>"
                            for k, v in request.package.items())
            self.status.value = (head + f"<b>{request.proposer} tables a package worth {request.utility:.3f} "
                                 f"to you.</b>{crossed}<ul>{items}</ul>(The simulated negotiator would "
                                 f"{'accept' if request.hint else 'reject'}.)")
        self._show_worth()
