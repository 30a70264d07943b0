"""Per-section mappers from the plan to what each template needs: one module per report section.

Each is a function of the plan (and the template environment where a section renders a partial),
returning frozen rows of ``render.view``; words come from ``render.wording``, prose from ``templates/``.
"""
