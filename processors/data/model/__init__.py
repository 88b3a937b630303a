"""The learned layer's weights, written by `make train`."""
