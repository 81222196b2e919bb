"""The science of the re-analysis: load and validate the published numbers,
recompute the comparisons, draw the figures. Pure functions; no I/O outside
``analysis.data`` (the data package), ``analysis.environment`` (versions, the
commit) and ``analysis.publish`` (site-url in _quarto.yml, CITATION.cff)."""
