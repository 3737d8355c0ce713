"""Browser suite: the built example portal checked in real Chromium (axe-core, CSP,
reflow, text size, keyboard), with the Nu HTML checker, and planted defects proving
each check catches what it is for."""
