"""Plots: the landscape (contour or 1-D curve) and the loss curve."""
