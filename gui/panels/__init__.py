"""Dockable control panels: method, learning rate, dataset/problem."""
