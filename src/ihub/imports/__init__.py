"""Imports: bring an external system's catalog into ihub as a run with live progress."""
