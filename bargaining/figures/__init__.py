"""Figures users look at, as matplotlib files: a run's trajectory (``run``: ``bargaining run --plot``) and the
teaching pictures (``teaching``: zone slices, utility triangles and clouds, for notebooks)."""
