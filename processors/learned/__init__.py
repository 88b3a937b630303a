"""The learned layer: models fitted on annotated news that act where the rules guess.

`layer.py` runs at analysis time on numpy only (weights shipped in `processors/data/model/`);
`train.py` and `evaluate.py` are `make train` / `make eval` tools (scikit-learn, the gold files in
../shared/eval read at run time; no text from them is stored)."""
