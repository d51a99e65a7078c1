"""Wiring: command line, QApplication, paths, settings, session and workers."""
