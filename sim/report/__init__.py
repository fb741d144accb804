"""Reports: figures written down for reading, and the folders they are written to.

`rounding` writes every figure to the digits its error justifies; `markdown`
and `html` are a run's reports, `plots` their charts; `writers` writes a run's
folder; `comparison`, `sweep` (with `blocks` and `sweep_plots`), `backtest`
and `discovery` (with `discovery_plots`) write the folders of the analyses;
`model_card` regenerates the model card's tables. The layer above the analyses
and below the Python API; nothing beneath it formats a figure.
"""
