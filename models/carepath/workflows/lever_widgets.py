"""The notebooks' lever panel: a scenario, sliders for its planner levers, quick or full, Run,
and the baseline against the variant side by side.

Only widgets here: what a run does is ``lever_panel.lever_run`` and what a planner reads is
``lever_panel.planner_table``.  ipywidgets is imported when a panel is built, so the package
imports without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..inputs.loading import ScenarioError
from ..inputs.planner_levers import levers_of
from ..inputs.schema import Scenario
from .lever_panel import bundled_scenarios, lever_run, planner_table

PIP = "pip install ipywidgets"
QUICK, FULL = "quick (seconds)", "full (the scenario's own run)"
_WIDE = {"width": "95%"}
_LABEL = {"description_width": "initial"}


class LeverPanel:
    """A lever panel over ``scenarios``; ``box`` is what a notebook shows, ``table`` the last
    run's comparison (``lever_run``), ``levers`` the levers that run pulled."""

    def __init__(self, scenarios: dict[str, Scenario], chosen: str | None = None) -> None:
        try:  # only a panel needs them
            import ipywidgets as widgets  # type: ignore[import-untyped]
            from IPython.display import display
        except ImportError as error:
            raise ImportError(f"the lever panel needs ipywidgets ({PIP}): {error}") from None

        if not scenarios:
            raise ValueError("no scenario with a planner lever to put in the panel")
        if chosen is not None and chosen not in scenarios:
            raise ValueError(f"no scenario {chosen!r}; the panel has {', '.join(scenarios)}")
        self._widgets, self._display = widgets, display
        self.scenarios = scenarios
        self.table: pd.DataFrame | None = None
        self.levers: dict[str, float] = {}
        self.choice = widgets.Dropdown(
            options=list(scenarios), value=chosen or next(iter(scenarios)), description="scenario"
        )
        self.mode = widgets.ToggleButtons(options=[QUICK, FULL], value=QUICK, description="run")
        self.button = widgets.Button(description="Run baseline and variant", button_style="primary")
        self.sliders_box = widgets.VBox()
        self.output = widgets.Output()
        self.sliders: dict[str, Any] = {}
        self.start: dict[str, float] = {}
        self.choice.observe(lambda _: self._show_levers(), names="value")
        self.button.on_click(lambda _: self.run())
        self._show_levers()
        self.box = widgets.VBox(
            [self.choice, self.sliders_box, self.mode, self.button, self.output]
        )

    @property
    def scenario(self) -> Scenario:
        return self.scenarios[self.choice.value]

    def _show_levers(self) -> None:
        self.sliders = {
            lever.name: self._widgets.FloatSlider(
                value=lever.on_grid(lever.current(self.scenario)),
                min=lever.low,
                max=lever.high,
                step=lever.step,
                description=f"{lever.label} ({lever.unit})",
                style=_LABEL,
                layout=_WIDE,
            )
            for lever in levers_of(self.scenario)
        }
        # what the sliders show before anyone moves them
        self.start = {name: slider.value for name, slider in self.sliders.items()}
        self.sliders_box.children = list(self.sliders.values())

    def pulled(self) -> dict[str, float]:
        """The levers whose slider was moved, with their new values."""
        return {
            name: slider.value
            for name, slider in self.sliders.items()
            if slider.value != self.start[name]
        }

    def run(self) -> pd.DataFrame | None:
        """Run the chosen scenario as it is and with the moved levers; show and return the
        planner's rows of the comparison (None, with the message shown, if a lever is refused)."""
        self.levers = self.pulled()
        with self.output:
            self.output.clear_output()
            print(f"running {self.choice.value} with {self.levers or 'no lever moved'} ...")
            try:
                self.table = lever_run(self.scenario, self.levers, quick=self.mode.value == QUICK)
            except ScenarioError as error:
                self.output.clear_output()
                print(error)
                return None
            shown = planner_table(self.table, self.levers)
            self.output.clear_output()
            self._display(shown.round(3))
        return shown

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)


def lever_panel(scenario: str | None = None, folder: str | Path = "../scenarios") -> LeverPanel:
    """A lever panel over the bundled scenarios in ``folder`` (``scenarios/``, seen from
    ``notebooks/``), showing ``scenario`` first."""
    return LeverPanel(bundled_scenarios(folder), scenario)
